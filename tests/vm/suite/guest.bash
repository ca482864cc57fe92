# Loaded by every file of the cgroup v2 guest suite (`load guest`). These files run inside the
# tests/vm guest only:
#
#   tests/vm/run.sh -- bats tests/vm/suite/
#
# (tests/integration/cgroupv2/guest.bats does that under `make test`). They live here, not under
# tests/integration/, because CTest runs every *.bats below tests/integration/ on the host.
#
# In the guest: cgroup_no_v1=all, cgroup2 at /sys/fs/cgroup with every controller enabled in the
# root's cgroup.subtree_control (as systemd does), the host's root filesystem under a tmpfs
# overlay (writes stay in the guest), a fresh tmpfs on /run, and this environment: HULL,
# HULL_SOURCE_DIR, ... as on the host, plus HULL_VM=1. HULL_BUNDLE_CACHE, when set by guest.bats,
# is a busybox bundle (with hull-checker) built on the host: copy it per test (hull_setup in
# ../../integration/helpers.bash does); building one in the guest takes a minute under TCG.

# guest_setup_file: call from setup_file; fails when not inside the guest, so that nothing here
# ever writes to the host's cgroups.
guest_setup_file() {
	if [ "${HULL_VM:-}" != 1 ] || ! [ -d /run/hull-vm ] ||
		[ "$(stat -f -c %T /sys/fs/cgroup 2>/dev/null)" != cgroup2fs ]; then
		echo "this suite runs inside the cgroup v2 guest: tests/vm/run.sh -- bats ${BATS_TEST_DIRNAME:-tests/vm/suite}/" >&2
		return 1
	fi
}

# ---- hull in the guest -------------------------------------------------------------------------
# For the files that run hull:
#
#   load ../../integration/helpers    # hull, status_of, wait_for_status, ... (the host suite's)
#   load guest
#   setup_file() { guest_hull_setup_file; }
#   setup() { guest_hull_setup; }
#   teardown() { guest_hull_teardown; }
#
# Under TCG every fork+exec costs 100 to 200 ms and bats itself about a second per test, so the
# per-test harness here does with bash builtins what helpers.bash does with processes: a private
# state root ($ROOT), a bundle ($BUNDLE, written by `cfg`, whose root is the cached rootfs read
# in place rather than copied), and at teardown the same leak checks as hull_teardown (state
# directories, container processes, a runtime still running with this test's state root, mounts
# left on the guest), plus: no cgroup may be left behind (the cgroup tree is compared with the
# one at setup).

# guest_hull_setup_file: guest_setup_file, then the runtime and the bundle. Without HULL every
# test skips (bats 1.8 cannot skip from setup_file).
guest_hull_setup_file() {
	guest_setup_file || return 1
	if [ -z "${HULL:-}" ] || ! [ -x "$HULL" ]; then
		export GUEST_SKIP="HULL is not set to an executable runtime (got '${HULL:-}')"
		return 0
	fi
	if ! [ -f "${HULL_BUNDLE_CACHE:-/nonexistent}/config.json" ]; then
		echo "no HULL_BUNDLE_CACHE: building the busybox bundle in the guest (a minute or more)" >&2
		hull_setup_file || return 1
	fi
}

guest_hull_setup() {
	[ -z "${GUEST_SKIP:-}" ] || skip "$GUEST_SKIP"
	if [ -n "${GUEST_TRACE:-}" ]; then # profiling: GUEST_TRACE=FILE gets a timed xtrace
		exec {GUEST_TRACE_FD}>>"$GUEST_TRACE"
		BASH_XTRACEFD=$GUEST_TRACE_FD
		PS4='+ ${EPOCHREALTIME} '
		set -x
	fi
	T="$BATS_TEST_TMPDIR"
	ROOT="$T/state"
	BUNDLE="$T/bundle"
	mkdir "$ROOT" "$BUNDLE"
	export ROOT BUNDLE
	GUEST_PIDS=()         # "pid:starttime" of every container process to be gone at teardown
	GUEST_CGROUPS_MADE=() # directories a test made itself, removed (deepest first) at teardown
	declare -gA GUEST_MOUNTS_BEFORE=() GUEST_CGROUPS_BEFORE=()
	guest_mounts GUEST_MOUNTS_BEFORE
	guest_cgroups GUEST_CGROUPS_BEFORE
}

guest_hull_teardown() {
	[ -z "${GUEST_SKIP:-}" ] || return 0
	local failed=0 d id entry i
	# Whatever the test left is force-deleted; a state directory that survives is a leak.
	for d in "$ROOT"/*; do
		[ -e "$d" ] || continue
		id="${d##*/}"
		"$HULL" --root "$ROOT" delete --force "$id" >/dev/null 2>&1 || true
		if [ -e "$d" ]; then
			echo "teardown: state left: $d" >&2
			failed=1
		fi
	done
	for entry in "${GUEST_PIDS[@]}"; do
		for i in {1..50}; do
			guest_pid_alive "${entry%%:*}" "${entry#*:}" || break
			sleep 0.1
		done
		if guest_pid_alive "${entry%%:*}" "${entry#*:}"; then
			echo "teardown: container process ${entry%%:*} still running" >&2
			kill -9 "${entry%%:*}" 2>/dev/null || true
			failed=1
		fi
	done
	# No runtime process with this test's state root on its command line (an init that never
	# reached exec, a hung hull).
	local f pid args
	for f in /proc/[0-9]*/cmdline; do
		pid="${f#/proc/}"
		pid="${pid%/cmdline}"
		[ "$pid" != $$ ] && [ "$pid" != "$BASHPID" ] || continue
		mapfile -d '' -t args 2>/dev/null <"$f" || continue
		[[ "${args[*]}" == *"$ROOT"* ]] || continue
		guest_pid_alive "$pid" || continue
		echo "teardown: process $pid is still there: ${args[*]}" >&2
		kill -9 "$pid" 2>/dev/null || true
		failed=1
	done
	local -A now=()
	guest_mounts now
	for d in "${!now[@]}"; do
		[ -n "${GUEST_MOUNTS_BEFORE[$d]:-}" ] && continue
		echo "teardown: mount left behind: $d" >&2
		failed=1
	done
	for ((i = ${#GUEST_CGROUPS_MADE[@]} - 1; i >= 0; i--)); do
		d="${GUEST_CGROUPS_MADE[$i]}"
		[ -d "$d" ] || continue
		guest_cgroup_empty_out "$d"
		rmdir "$d" 2>/dev/null || true
	done
	now=()
	guest_cgroups now
	local extra=()
	for d in "${!now[@]}"; do
		[ -n "${GUEST_CGROUPS_BEFORE[$d]:-}" ] || extra+=("$d")
	done
	if [ ${#extra[@]} -gt 0 ]; then
		echo "teardown: cgroups left behind: ${extra[*]}" >&2
		failed=1
		# deepest first
		while read -r d; do
			guest_cgroup_empty_out "$d"
			rmdir "$d" 2>/dev/null || true
		done < <(printf '%s\n' "${extra[@]}" | sort -r)
	fi
	return "$failed"
}

# guest_mounts ARRAY: fills the associative ARRAY with "mountpoint root" of every mount.
guest_mounts() {
	local -n _mounts="$1"
	local root mp rest
	while read -r _ _ _ root mp rest; do
		_mounts["$mp $root"]=1
	done </proc/self/mountinfo
}

# guest_cgroups ARRAY: fills the associative ARRAY with every cgroup directory.
guest_cgroups() {
	local -n _cgroups="$1"
	local d
	shopt -s globstar nullglob
	for d in /sys/fs/cgroup/**/; do
		d="${d%/}"
		[ "$d" = /sys/fs/cgroup ] || _cgroups["$d"]=1
	done
	shopt -u globstar nullglob
}

# guest_no_new_cgroup: fails, listing them, if cgroups appeared since setup.
guest_no_new_cgroup() {
	local -A now=()
	local d extra=()
	guest_cgroups now
	for d in "${!now[@]}"; do
		[ -n "${GUEST_CGROUPS_BEFORE[$d]:-}" ] || extra+=("$d")
	done
	[ ${#extra[@]} -eq 0 ] || {
		echo "new cgroups: ${extra[*]}" >&2
		return 1
	}
}

# guest_cgroup_empty_out DIR: kill whatever is left in DIR (and below) and wait for it to go.
guest_cgroup_empty_out() {
	local i
	[ -f "$1/cgroup.kill" ] || return 0
	guest_cgroup_populated "$1" || return 0
	echo 1 >"$1/cgroup.kill" 2>/dev/null || true
	for i in {1..50}; do
		guest_cgroup_populated "$1" || return 0
		sleep 0.1
	done
}

# guest_cgroup_populated DIR: cgroup.events says "populated 1".
guest_cgroup_populated() {
	local line
	while read -r line; do
		[ "$line" != "populated 1" ] || return 0
	done 2>/dev/null <"$1/cgroup.events"
	return 1
}

# gwait_gone PID [STARTTIME]: poll every 0.1 s, up to 5 s, until PID is gone (or a zombie).
gwait_gone() {
	local i
	for i in {1..50}; do
		guest_pid_alive "$@" || return 0
		sleep 0.1
	done
	echo "process $1 is still running" >&2
	return 1
}

# gwait_text FILE TEXT: poll every 0.1 s, up to 20 s, until FILE contains TEXT.
gwait_text() {
	local i text
	for i in {1..200}; do
		slurp text "$1" 2>/dev/null
		[[ "$text" != *"$2"* ]] || return 0
		sleep 0.1
	done
	echo "$1 never contained '$2'; it has: $text" >&2
	return 1
}

# guest_cgroup_mkdir DIR...: mkdir -p, remembering every directory made for teardown.
guest_cgroup_mkdir() {
	local d p parts
	for d in "$@"; do
		p="$d"
		parts=()
		while [ ! -d "$p" ]; do
			parts=("$p" "${parts[@]}")
			p="${p%/*}"
		done
		for p in "${parts[@]}"; do
			mkdir "$p" && GUEST_CGROUPS_MADE+=("$p")
		done
	done
}

# guest_pid_alive PID [STARTTIME]: alive, not a zombie, and the same process if STARTTIME.
guest_pid_alive() {
	local stat
	IFS= read -r stat 2>/dev/null <"/proc/$1/stat" || return 1
	stat="${stat##*) }"
	local -a f
	read -r -a f <<<"$stat"
	[ "${f[0]}" != Z ] && [ "${f[0]}" != X ] || return 1
	[ -z "${2:-}" ] || [ "${f[19]}" = "$2" ]
}

# slurp VAR FILE: the whole FILE into VAR, without the trailing newline (no fork).
slurp() {
	local -n _slurp="$1"
	_slurp=""
	IFS= read -r -d '' _slurp 2>/dev/null <"$2" || true
	_slurp="${_slurp%$'\n'}"
}

# cfg FILTER [ARG...]: $BUNDLE/config.json from the cached bundle's, with the cached rootfs as
# its root (read-only, as in the cached config), jq FILTER applied and, when ARGs are given,
# process.args = ARGs. One jq per container.
cfg() {
	local filter="$1"
	shift
	if [ $# -gt 0 ]; then
		filter="($filter) | .process.args = \$ARGS.positional"
	fi
	jq --arg rootfs "$HULL_BUNDLE_CACHE/rootfs" ".root.path = \$rootfs | $filter" \
		"$HULL_BUNDLE_CACHE/config.json" --args -- "$@" >"$BUNDLE/config.json"
}

# gcreate ID [CREATE FLAGS...]: `hull create` of $BUNDLE (stdin /dev/null, stdout and stderr in
# $T/ID.out and $T/ID.err); sets PID to the init's pid and CG to its cgroup directory, read
# right after create, and remembers the init for teardown. GUEST_WRAP (an array) is a command
# prefix for hull, e.g. one that moves it to another cgroup first; GUEST_GLOBAL (an array) are
# global flags (--systemd-cgroup).
GUEST_WRAP=()
GUEST_GLOBAL=()
gcreate() {
	local id="$1"
	shift
	"${GUEST_WRAP[@]}" "$HULL" --root "$ROOT" "${GUEST_GLOBAL[@]}" create --bundle "$BUNDLE" --pid-file "$T/$id.pid" "$@" "$id" </dev/null \
		>"$T/$id.out" 2>"$T/$id.err" || {
		echo "create $id failed: $(<"$T/$id.err")" >&2
		return 1
	}
	read -r PID <"$T/$id.pid" || [ -n "$PID" ] # no trailing newline
	guest_track "$PID"
	cg_of "$PID"
}

# gstart ID [CREATE FLAGS...]: gcreate + start.
gstart() {
	gcreate "$@" && "$HULL" --root "$ROOT" start "$1"
}

# guest_track PID: teardown checks that PID is gone.
guest_track() {
	local stat
	IFS= read -r stat 2>/dev/null <"/proc/$1/stat" || return 0
	stat="${stat##*) }"
	local -a f
	read -r -a f <<<"$stat"
	GUEST_PIDS+=("$1:${f[19]}")
}

# gtry_create ID [CREATE FLAGS...]: create expected to fail: sets status and output (stderr).
gtry_create() {
	local id="$1"
	shift
	status=0
	"$HULL" --root "$ROOT" create --bundle "$BUNDLE" --pid-file "$T/$id.pid" "$@" "$id" </dev/null \
		>/dev/null 2>"$T/$id.err" || status=$?
	slurp output "$T/$id.err"
	if [ "$status" -eq 0 ]; then
		read -r PID <"$T/$id.pid" || [ -n "$PID" ] # no trailing newline
		guest_track "$PID"
	fi
	return 0
}

# hullt ARGS...: the runtime with this test's state root, killed after 60 s (HULLT_TIMEOUT), for
# the calls that could hang.
hullt() {
	timeout -k 5 "${HULLT_TIMEOUT:-60}" "$HULL" --root "$ROOT" "$@"
}

# cg_of PID: sets CG to the host directory of PID's cgroup (its "0::" line, read from the initial
# cgroup namespace).
cg_of() {
	local line
	CG=""
	while IFS= read -r line; do
		case "$line" in 0::*) CG="/sys/fs/cgroup${line#0::}" ;; esac
	done <"/proc/$1/cgroup"
	CG="${CG%/}"
	[ -n "$CG" ]
}

# cg_is FILE WANTED: $CG/FILE reads WANTED (trailing blanks of each line ignored: rdma.max has
# them); on a mismatch says so on stderr and fails. For many checks in a row: `cg_is a 1 || bad=1`.
cg_is() {
	local got="" lines=() l
	if ! mapfile -t lines <"$CG/$1"; then
		echo "MISMATCH $CG/$1: unreadable, wanted '$2'" >&2
		return 1
	fi
	for l in "${lines[@]}"; do
		got+="${l%"${l##*[![:space:]]}"}"$'\n'
	done
	got="${got%$'\n'}"
	if [ "$got" != "$2" ]; then
		echo "MISMATCH $CG/$1: '$got', wanted '$2'" >&2
		return 1
	fi
}

# cg_has FILE LINE: one line of $CG/FILE is LINE (trailing blanks ignored).
cg_has() {
	local lines=() l
	mapfile -t lines <"$CG/$1" || return 1
	for l in "${lines[@]}"; do
		[ "${l%"${l##*[![:space:]]}"}" != "$2" ] || return 0
	done
	echo "MISMATCH $CG/$1: no line '$2' in: ${lines[*]}" >&2
	return 1
}

# gstate ID: sets STATUS to the container's status ("missing" when state fails).
gstate() {
	local out
	STATUS=missing
	out="$("$HULL" --root "$ROOT" state "$1" 2>/dev/null)" || return 0
	[[ "$out" =~ \"status\":\ *\"([a-z]+)\" ]] && STATUS="${BASH_REMATCH[1]}"
}

# gwait_status ID STATUS: poll every 0.1 s, up to 10 s.
gwait_status() {
	local i
	for i in {1..100}; do
		gstate "$1"
		[ "$STATUS" = "$2" ] && return 0
		sleep 0.1
	done
	echo "container $1: status '$STATUS', wanted '$2'" >&2
	return 1
}

# guest_load_module NAME...: insmod the modules that guest.bats extracted on the host
# ($HULL_VM_SUITE_MODULES, tests/integration/cgroupv2/modules.sh), dependencies first, unless
# loaded. Fails (naming what is missing) when one cannot be loaded.
guest_load_module() {
	local m
	for m in "$@"; do
		[ -d "/sys/module/$m" ] && continue
		if ! [ -f "${HULL_VM_SUITE_MODULES:-/nonexistent}/$m.ko" ]; then
			echo "module $m: not available (HULL_VM_SUITE_MODULES='${HULL_VM_SUITE_MODULES:-}'; guest.bats extracts it with tests/integration/cgroupv2/modules.sh)" >&2
			return 1
		fi
		busybox insmod "$HULL_VM_SUITE_MODULES/$m.ko" || {
			echo "module $m: insmod failed" >&2
			return 1
		}
	done
}
