# Helpers for the load suites (tests/load/), on top of tests/host/helpers.bash (load both).
# These suites run in a sandbox of their own (tests/host/sandbox.sh), so every cgroup they see
# is theirs: the cgroup tree is compared whole.

# cgroup_tree: every cgroup directory of every hierarchy mounted under /sys/fs/cgroup, sorted.
cgroup_tree() {
	find /sys/fs/cgroup -mindepth 1 -type d 2>/dev/null | sort
}

# load_setup: hull_setup, plus a snapshot of the cgroup tree for load_teardown.
load_setup() {
	hull_setup
	T="$BATS_TEST_TMPDIR"
	CGROUPS_BEFORE="$T/cgroups.before"
	cgroup_tree >"$CGROUPS_BEFORE"
}

# load_teardown: hull_teardown, and no container process and no cgroup left.
load_teardown() {
	local failed=0
	hull_teardown || failed=1
	container_processes_gone || failed=1
	no_new_cgroups || failed=1
	return "$failed"
}

# no_new_cgroups: fail listing any cgroup directory not present at the start of the test (after
# waiting briefly for killed processes to leave them).
no_new_cgroups() {
	local extra i
	for i in $(seq 50); do
		extra="$(comm -13 "$CGROUPS_BEFORE" <(cgroup_tree))"
		[ -n "$extra" ] || return 0
		sleep 0.1
	done
	echo "cgroups left behind:" >&2
	echo "$extra" >&2
	return 1
}

# container_pids: the live processes of this suite's cgroups in a pid namespace other than this
# shell's: container processes. A process whose cgroup lies outside the sandbox's cgroup namespace
# ("/..") belongs to another suite. Builtins only: this runs over thousands of processes.
container_pids() {
	local f line outside
	for f in /proc/[0-9]*; do
		[ ! "$f/ns/pid" -ef /proc/self/ns/pid ] || continue
		outside=0
		while read -r line; do
			[[ "$line" != *:/..* ]] || outside=1
		done <"$f/cgroup" 2>/dev/null || continue
		[ "$outside" -eq 0 ] || continue
		pid_is_running "${f#/proc/}" || continue
		echo "${f#/proc/}"
	done 2>/dev/null
}

# container_processes_gone: no container process is left (waiting up to 5 s for them to die).
container_processes_gone() {
	local left i
	for i in $(seq 50); do
		left="$(container_pids)"
		[ -n "$left" ] || return 0
		sleep 0.1
	done
	local pid
	for pid in $left; do
		echo "container process left: $pid $(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)" >&2
	done
	return 1
}

# no_crash_reports DIR: no file under DIR (the stderr of runtime calls) holds a sanitizer report,
# and no core file lies in DIR.
no_crash_reports() {
	local found
	found="$(grep -rlE 'Sanitizer|runtime error:' "$1" 2>/dev/null || true)"
	if [ -n "$found" ]; then
		echo "sanitizer reports:" >&2
		# shellcheck disable=SC2086 # one file a word
		grep -rhE -A20 'Sanitizer|runtime error:' $found | head -n 80 >&2
		return 1
	fi
	found="$(find "$1" -maxdepth 1 -name 'core*' 2>/dev/null)"
	if [ -n "$found" ]; then
		echo "core files: $found" >&2
		return 1
	fi
}

# now_ms: milliseconds since the epoch.
now_ms() {
	echo $(($(date +%s%N) / 1000000))
}
