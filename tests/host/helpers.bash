# Shared helpers for hull's integration tests (bats 1.8). Load with `load helpers`.
#
# Environment (set by CTest; defaults let a developer run `bats tests/host/x.bats`):
#   HULL             the runtime under test (hull; runc works for validating the tests)
#   HULL_CHECKER     the static hull-checker binary (built from tests/checker/checker.c if unset)
#   HULL_SOURCE_DIR  the repository root
#   HULL_CGROUP_CONFINE  hull's own setting, needed on these machines (hull_check_confine)
#
# Per file (hull_setup_file, from setup_file): a cached busybox bundle built once by
#   bundles/busybox/build.sh, with hull-checker in rootfs/bin.
# Per test (hull_setup, from setup): a private state root $ROOT, a fresh copy of the bundle in
#   $BUNDLE, and a snapshot of the host's mount table; hull_teardown force-deletes whatever is
#   left and fails the test if any state directory, container process or mount remains.

HULL_SOURCE_DIR="${HULL_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
export HULL_SOURCE_DIR

if [ -z "${HULL:-}" ]; then
	HULL="$(command -v hull || true)"
fi
export HULL

# hull_check_confine: HULL_CGROUP_CONFINE is hull's production setting for hosts whose supervisor
# confines every process to a memory cgroup it must never leave, as on the machines hull is tested
# on (design.md): container memory cgroups then stay beneath the runtime's own, even for an
# absolute cgroupsPath. The tests never choose it themselves: CTest sets it (tests/CMakeLists.txt).
# Run by hand from inside a memory cgroup other than the root, they stop unless it is set, either
# way, saying what to set.
hull_check_confine() {
	local own
	own="$(awk -F: '$2 == "memory" {print $3}' /proc/self/cgroup 2>/dev/null)"
	[ -n "$own" ] && [ "$own" != / ] || return 0
	[ -z "${HULL_CGROUP_CONFINE+set}" ] || return 0
	echo "this shell is in the memory cgroup $own: set HULL_CGROUP_CONFINE=memory to keep container" \
		"memory cgroups beneath it (needed where a supervisor confines every process, as on the" \
		"development machines; CTest sets it), or HULL_CGROUP_CONFINE= to place them where" \
		"cgroupsPath says" >&2
	return 1
}

# True when $HULL is a sanitizer build (make asan): its shadow memory and leak check change what
# a tiny memory or pids limit allows.
hull_sanitized() {
	readelf -d "$HULL" 2>/dev/null | grep -q 'libasan'
}

# True when $HULL needs a dynamic loader (an ASan build): it cannot run inside a container's
# rootfs that lacks one, e.g. through #!/proc/self/exe.
hull_dynamic() {
	readelf -l "$HULL" 2>/dev/null | grep -q 'INTERP'
}

# True when the runtime under test is runc (used to skip where hull intentionally differs).
is_runc() {
	"$HULL" --version 2>/dev/null | head -n1 | grep -q '^runc version'
}

# Like `skip`, but only when testing runc: for behaviour where hull follows cli-contract.md
# (runc 1.5) and the installed runc is older or deliberately different.
skip_if_runc() {
	if is_runc; then
		skip "runc differs: $*"
	fi
}

# ---- per file ------------------------------------------------------------------------------------

hull_setup_file() {
	[ -n "$HULL" ] && [ -x "$HULL" ] || {
		echo "HULL is not set to an executable runtime (got '${HULL:-}')" >&2
		return 1
	}
	[ "$(id -u)" -eq 0 ] || {
		echo "the host tests must run as root" >&2
		return 1
	}
	hull_check_confine || return 1
	local cache="$BATS_FILE_TMPDIR/cache"
	if [ -z "${HULL_CHECKER:-}" ] || [ ! -x "$HULL_CHECKER" ]; then
		HULL_CHECKER="$BATS_FILE_TMPDIR/hull-checker"
		gcc -std=c11 -static -O2 -pthread -Wall -Wextra -o "$HULL_CHECKER" \
			"$HULL_SOURCE_DIR/tests/checker/checker.c" >&2 || return 1
	fi
	export HULL_CHECKER
	mkdir -p "$cache"
	"$HULL_SOURCE_DIR/bundles/busybox/build.sh" --hull "$HULL" "$cache" >&2 || return 1
	cp "$HULL_CHECKER" "$cache/rootfs/bin/hull-checker"
	chmod 0755 "$cache/rootfs/bin/hull-checker"
	export HULL_BUNDLE_CACHE="$cache"
}

# ---- per test ------------------------------------------------------------------------------------

hull_setup() {
	ROOT="$BATS_TEST_TMPDIR/state"
	BUNDLE="$BATS_TEST_TMPDIR/bundle"
	mkdir -p "$ROOT"
	export ROOT BUNDLE
	HULL_TRACKED_PIDS=()
	CREATE_FLAGS=()
	HULL_DEFAULT_ROOT_IDS=() # containers a test made under the default state root
	HULL_TEMP_DIRS=()        # directories outside BATS_TEST_TMPDIR to remove at teardown
	cp -a "$HULL_BUNDLE_CACHE" "$BUNDLE"
	MOUNTS_BEFORE="$BATS_TEST_TMPDIR/mounts.before"
	mount_points >"$MOUNTS_BEFORE"
}

hull_teardown() {
	local failed=0 id
	# Force-delete anything the test left behind.
	if [ -d "$ROOT" ]; then
		for id in $("$HULL" --root "$ROOT" list -q 2>/dev/null); do
			track_container "$id"
			"$HULL" --root "$ROOT" delete --force "$id" >/dev/null 2>&1 || true
		done
		# A state directory without a readable state file is not listed: remove it as well, but
		# still report it.
		local leftover
		leftover="$(find "$ROOT" -mindepth 1 -maxdepth 1 2>/dev/null)"
		if [ -n "$leftover" ]; then
			echo "teardown: state left under $ROOT:" >&2
			echo "$leftover" >&2
			for id in $leftover; do
				"$HULL" --root "$ROOT" delete --force "$(basename "$id")" >/dev/null 2>&1 || true
			done
			failed=1
		fi
	fi
	for id in "${HULL_DEFAULT_ROOT_IDS[@]}"; do
		"$HULL" delete --force "$id" >/dev/null 2>&1 || true
	done
	local d
	for d in "${HULL_TEMP_DIRS[@]}"; do
		rm -rf "$d"
	done
	# No container process may survive.
	local entry pid start i
	for entry in "${HULL_TRACKED_PIDS[@]}"; do
		pid="${entry%%:*}"
		start="${entry#*:}"
		for i in $(seq 50); do
			pid_is_running "$pid" "$start" || break
			sleep 0.1
		done
		if pid_is_running "$pid" "$start"; then
			echo "teardown: container process $pid still running" >&2
			kill -9 "$pid" 2>/dev/null || true
			failed=1
		fi
	done
	# No runtime process of this test may be left (e.g. an init that never reached exec).
	if ! no_container_process ""; then
		failed=1
	fi
	# No mount may be left on the host (compared with the snapshot taken in hull_setup).
	if [ -n "${MOUNTS_BEFORE:-}" ] && [ -f "$MOUNTS_BEFORE" ]; then
		local extra
		extra="$(comm -13 "$MOUNTS_BEFORE" <(mount_points))"
		if [ -n "$extra" ]; then
			echo "teardown: mounts left behind:" >&2
			echo "$extra" >&2
			failed=1
			# Undo the ones inside this test's directory, deepest first, so later tests and
			# bats' own cleanup are not affected.
			local mp
			while read -r mp _; do
				case "$mp" in "$BATS_TEST_TMPDIR"/*) umount -l "$mp" 2>/dev/null || true ;; esac
			done < <(sort -r <<<"$extra")
		fi
	fi
	return "$failed"
}

# ---- running the runtime -------------------------------------------------------------------------

# hull ARGS...: the runtime under test with this test's private state root.
hull() {
	"$HULL" --root "$ROOT" "$@"
}

# update_config JQ_FILTER [BUNDLE]: rewrite config.json in place with jq.
update_config() {
	local bundle="${2:-$BUNDLE}"
	jq "$1" "$bundle/config.json" >"$bundle/config.json.tmp" &&
		mv "$bundle/config.json.tmp" "$bundle/config.json"
}

# set_args ARG...: set process.args.
set_args() {
	local json
	json="$(jq -n -c '$ARGS.positional' --args -- "$@")"
	update_config ".process.args = $json"
}

# create_container ID [ARGS...]: `hull create` with $BUNDLE and process.args = ARGS (if given).
# A detached, non-terminal container inherits the runtime's stdio: stdin is /dev/null, stdout
# goes to $BATS_TEST_TMPDIR/ID.out and stderr to $BATS_TEST_TMPDIR/ID.err (which also gets
# create's own error text). Extra create flags can be passed in the array CREATE_FLAGS.
create_container() {
	local id="$1"
	shift
	[ $# -eq 0 ] || set_args "$@"
	hull create --bundle "$BUNDLE" "${CREATE_FLAGS[@]}" "$id" </dev/null \
		>"$BATS_TEST_TMPDIR/$id.out" 2>"$BATS_TEST_TMPDIR/$id.err" || {
		cat "$BATS_TEST_TMPDIR/$id.err" >&2
		return 1
	}
	track_container "$id"
}

# wait_for_file_text FILE TEXT [TRIES]: poll every 0.1 s until FILE contains TEXT.
wait_for_file_text() {
	local i
	for i in $(seq "${3:-100}"); do
		grep -qF -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	echo "$1 never contained '$2'; it has: $(cat "$1" 2>/dev/null)" >&2
	return 1
}

# try_create ID [CREATE FLAGS...]: `hull create --bundle $BUNDLE [FLAGS] ID` like bats' `run`, but
# safe when it succeeds: a detached container inherits the runtime's stdio, so capturing stdout
# with `run` would wait for the container to exit. Sets $status and $output (stderr).
try_create() {
	local id="$1"
	shift
	status=0
	hull create --bundle "$BUNDLE" "$@" "$id" </dev/null >/dev/null 2>"$BATS_TEST_TMPDIR/create.err" || status=$?
	output="$(cat "$BATS_TEST_TMPDIR/create.err")"
	[ "$status" -ne 0 ] || track_container "$id"
	return 0
}

# start_container ID [ARGS...]: create + start of a long-running container.
start_container() {
	create_container "$@" && hull start "$1"
}

# as_nobody CMD...: run CMD as uid/gid 65534 with no supplementary groups.
as_nobody() {
	setpriv --reuid=65534 --regid=65534 --clear-groups -- "$@"
}

# nobody_hull: set NOBODY_HULL to a path of the runtime that uid 65534 can execute (a copy in a
# world-readable temporary directory when $HULL's own directory is closed to others).
nobody_hull() {
	NOBODY_HULL="$HULL"
	as_nobody test -x "$HULL" && return 0
	local dir
	dir="$(mktemp -d "${TMPDIR:-/tmp}/hull-nobody.XXXXXX")"
	chmod 0755 "$dir"
	cp "$HULL" "$dir/$(basename "$HULL")"
	chmod 0755 "$dir/$(basename "$HULL")"
	HULL_TEMP_DIRS+=("$dir")
	NOBODY_HULL="$dir/$(basename "$HULL")"
}

# recvtty SOCKET OUT [--input TEXT | --pidfd]: the strict console-socket receiver
# (tests/checker/recvtty.c) in the background; sets RECV_PID. Needs $T.
recvtty() {
	local recv="${HULL_RECVTTY:-}"
	if [ -z "$recv" ] || [ ! -x "$recv" ]; then
		recv="$T/hull-recvtty"
		gcc -std=gnu11 -O2 -o "$recv" "$HULL_SOURCE_DIR/tests/checker/recvtty.c" >&2
	fi
	"$recv" "$@" &
	RECV_PID=$!
	local i
	for i in $(seq 50); do
		[ -S "$1" ] && return 0
		sleep 0.05
	done
	echo "recvtty never listened on $1" >&2
	return 1
}

# ---- state ---------------------------------------------------------------------------------------

# state_field ID FIELD: one field of `hull state ID`.
state_field() {
	hull state "$1" | jq -r ".$2"
}

# status_of ID: the container's status, or "missing".
status_of() {
	local out
	out="$(hull state "$1" 2>/dev/null)" || {
		echo missing
		return 0
	}
	jq -r .status <<<"$out"
}

# wait_for_status ID STATUS [TRIES]: poll every 0.1 s.
wait_for_status() {
	local i s
	for i in $(seq "${3:-50}"); do
		s="$(status_of "$1")"
		[ "$s" = "$2" ] && return 0
		sleep 0.1
	done
	echo "container $1: status '$s', wanted '$2'" >&2
	return 1
}

# track_container ID: remember the container's init so teardown can check it is gone.
track_container() {
	local pid
	pid="$("$HULL" --root "$ROOT" state "$1" 2>/dev/null | jq -r '.pid // 0')" || return 0
	if [ -n "$pid" ] && [ "$pid" != 0 ]; then
		HULL_TRACKED_PIDS+=("$pid:$(proc_starttime "$pid")")
	fi
}

# ---- processes and mounts ------------------------------------------------------------------------

# proc_starttime PID: field 22 of /proc/PID/stat (after the parenthesised comm).
proc_starttime() {
	local stat
	stat="$(cat "/proc/$1/stat" 2>/dev/null)" || return 1
	stat="${stat##*) }"
	# shellcheck disable=SC2086
	set -- $stat
	echo "${20}"
}

# pid_is_running PID [STARTTIME]: alive and not a zombie (and the same process, if STARTTIME).
pid_is_running() {
	local stat state
	stat="$(cat "/proc/$1/stat" 2>/dev/null)" || return 1
	stat="${stat##*) }"
	state="${stat%% *}"
	[ "$state" != Z ] && [ "$state" != X ] || return 1
	if [ -n "${2:-}" ]; then
		[ "$(proc_starttime "$1")" = "$2" ] || return 1
	fi
	return 0
}

# wait_pid_gone PID [STARTTIME] [TRIES]: poll every 0.1 s until the process is gone (or a zombie).
wait_pid_gone() {
	local i
	for i in $(seq "${3:-50}"); do
		pid_is_running "$1" "${2:-}" || return 0
		sleep 0.1
	done
	echo "process $1 is still running" >&2
	return 1
}

# mount_points: the host's mount table (mount point and source root), sorted, for comparison.
# Mounts under another bats run's temporary directory belong to a concurrent run, not to us.
mount_points() {
	awk '{print $5, $4}' /proc/self/mountinfo |
		awk -v mine="${BATS_RUN_TMPDIR:-/nonexistent}" 'index($0, "/bats-run-") == 0 || index($0, mine) > 0' |
		sort
}

# no_new_mounts: fail listing any mount not present at the start of the test.
no_new_mounts() {
	local extra
	extra="$(comm -13 "$MOUNTS_BEFORE" <(mount_points))"
	if [ -n "$extra" ]; then
		echo "new mounts: $extra" >&2
		return 1
	fi
}

# no_state_left: the state root holds no entry.
no_state_left() {
	local left
	left="$(find "$ROOT" -mindepth 1 -maxdepth 1 2>/dev/null)"
	if [ -n "$left" ]; then
		echo "state left: $left" >&2
		return 1
	fi
}

# no_container_process [ID]: no live host process belongs to container ID: none in a cgroup named
# after it (the default cgroupsPath is derived from the ID, so use unique IDs), and none still
# running the runtime with this test's state root on its command line (a half-made init, or a
# hull that hangs). Without ID only the second check is made. A cgroup outside this shell's
# cgroup namespace reads "/../…" and belongs to another suite (tests/host/sandbox.sh).
no_container_process() {
	local id="$1" f pid
	{
		[ -z "$id" ] || grep -lE "^[0-9]+:[^:]*:(/([^.]|\.[^./])[^:]*)?/$id\$" /proc/[0-9]*/cgroup 2>/dev/null
		grep -laF -- "$ROOT" /proc/[0-9]*/cmdline 2>/dev/null
	} | while read -r f; do
		pid="${f#/proc/}"
		pid="${pid%%/*}"
		[ "$pid" != "$$" ] && [ "$pid" != "$BASHPID" ] || continue
		pid_is_running "$pid" || continue
		# the grep above matches itself
		[ "$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | cut -d' ' -f1)" != grep ] || continue
		echo "process $pid of container ${id:-?} is still there: $(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)" >&2
		exit 1
	done
}

# cgroups_named ID: every cgroup directory named ID in every hierarchy this shell sees (the
# default cgroupsPath ends in the ID; the sandbox gives the suite hierarchies of its own).
cgroups_named() {
	local mp
	awk '{ for (i = 7; $i != "-"; i++) {} if ($(i + 1) ~ /^cgroup2?$/) print $5 }' /proc/self/mountinfo |
		while read -r mp; do
			find "$mp" -mindepth 1 -type d -name "$1" 2>/dev/null
		done
}

# ---- assertions ----------------------------------------------------------------------------------

# assert_output_contains TEXT: $output (from `run`) contains TEXT.
assert_output_contains() {
	if [[ "$output" != *"$1"* ]]; then
		echo "expected output to contain: $1" >&2
		echo "output was: $output" >&2
		return 1
	fi
}

# assert_status N: $status (from `run`) is N.
assert_status() {
	if [ "$status" -ne "$1" ]; then
		echo "expected exit status $1, got $status" >&2
		echo "output was: $output" >&2
		return 1
	fi
}

# assert_rfc3339 VALUE
assert_rfc3339() {
	if ! [[ "$1" =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})$ ]]; then
		echo "not an RFC 3339 timestamp: '$1'" >&2
		return 1
	fi
}

# run_checker ID [RUN FLAGS...]: foreground `hull run` of hull-checker; its JSON lands in
# $CHECKER (use `cq FILTER` to query it). Fails if the run fails. Needs $T (the test's
# temporary directory).
run_checker() {
	local id="$1"
	shift
	set_args hull-checker
	CHECKER="$T/checker.json"
	hull run --bundle "$BUNDLE" "$@" "$id" </dev/null >"$CHECKER" 2>"$T/checker.err" || {
		echo "run failed: $(cat "$T/checker.err")" >&2
		return 1
	}
	jq -e . "$CHECKER" >/dev/null
}

# cq [JQ FLAGS] FILTER: jq -r on the checker's output.
cq() {
	jq -r "$@" "$CHECKER"
}
