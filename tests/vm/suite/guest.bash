# Loaded by every file of the cgroup suite (`load guest`). The suite runs in the tests/vm guest,
# under each of its cgroup layouts, and on a host with a v1 or hybrid layout:
#
#   tests/vm/run.sh [--cgroup v2|v1|hybrid] -- bats tests/vm/suite/
#   HULL_CGROUP_SUITE_HOST=1 HULL_CGROUP_CONFINE=memory bats tests/vm/suite/cgroup_resources.bats \
#       tests/vm/suite/cgroup_lifecycle.bats
#
# (tests/vm/guest.bats, CTest's vm/guest, runs the first under `make test`, and CTest's
# host/cgroup-suite the second). The files live here, not under tests/host/, because CTest
# runs every *.bats of tests/host/ on the host as it is.
#
# SUITE_LAYOUT says which path of hull's cgroup manager a run exercises: v2 (cgroup2 at
# /sys/fs/cgroup), v1 (v1 hierarchies only) or hybrid (v1 hierarchies and cgroup2 at
# /sys/fs/cgroup/unified, the layout of the machines hull is developed on). A test checks each
# field in the layout's own file (cg2): the configs, the steps and the effects are the same.
#
# In the guest: cgroup2 at /sys/fs/cgroup with every controller enabled in the root's
# cgroup.subtree_control (as systemd does), or the v1/hybrid mounts systemd makes, the host's
# root filesystem under a tmpfs overlay (writes stay in the guest), a fresh tmpfs on /run, and
# this environment: HULL, HULL_SOURCE_DIR, ... as on the host, plus HULL_VM=1 and HULL_VM_CGROUP.
# HULL_BUNDLE_CACHE, when set by guest.bats, is a busybox bundle (with hull-checker) built on the
# host: copy it per test (hull_setup in ../../host/helpers.bash does); building one in the
# guest takes a minute under TCG.

# suite_layout: v2, hybrid or v1, from the mounts.
suite_layout() {
	if [ "$(stat -f -c %T /sys/fs/cgroup 2>/dev/null)" = cgroup2fs ]; then
		echo v2
	elif [ "$(stat -f -c %T /sys/fs/cgroup/unified 2>/dev/null)" = cgroup2fs ]; then
		echo hybrid
	else
		echo v1
	fi
}

# guest_setup_file: call from setup_file; fails unless inside the guest or, with
# HULL_CGROUP_SUITE_HOST=1, on a host whose layout is v1 or hybrid, so that nothing here writes
# to a machine's cgroups by accident. On the host the suite never changes what the machine has:
# it makes cgroups of its own and removes them, and it leaves out what would need more (hugetlb
# through the host's cgroup2 root; real-time budgets above the runtime's cgroup).
guest_setup_file() {
	SUITE_LAYOUT="$(suite_layout)"
	export SUITE_LAYOUT
	if [ "${HULL_VM:-}" = 1 ] && [ -d /run/hull-vm ]; then
		export SUITE_HOST=""
		return 0
	fi
	if [ "${HULL_CGROUP_SUITE_HOST:-}" = 1 ] && [ "$(id -u)" = 0 ]; then
		export SUITE_HOST=1
		# bats 1.8 cannot skip from setup_file: guest_hull_setup skips every test.
		[ "$SUITE_LAYOUT" != v2 ] ||
			export GUEST_SKIP="this host is cgroup v2: the suite's v2 run is the guest's (tests/vm/guest.bats)"
		return 0
	fi
	echo "this suite runs inside the tests/vm guest (tests/vm/run.sh -- bats ${BATS_TEST_DIRNAME:-tests/vm/suite}/)," \
		"or as root on a v1/hybrid host with HULL_CGROUP_SUITE_HOST=1 (layout here: $SUITE_LAYOUT)" >&2
	return 1
}

# v2: the layout is cgroup v2 (else v1 or hybrid, where hull takes its v1 path).
v2() {
	[ "$SUITE_LAYOUT" = v2 ]
}

# ---- hull in the guest -------------------------------------------------------------------------
# For the files that run hull:
#
#   load ../../host/helpers    # hull, status_of, wait_for_status, ... (the host suite's)
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
	[ -z "${GUEST_SKIP:-}" ] || return 0
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
	# Names of cgroups hull is meant to leave (the parents of a cgroupsPath, as runc leaves
	# them): any new directory at or below one of them is removed at teardown, not reported.
	GUEST_CGROUPS_LEFT=()
	suite_hierarchies
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
	local leak=() name
	for d in "${!now[@]}"; do
		[ -z "${GUEST_CGROUPS_BEFORE[$d]:-}" ] || continue
		extra+=("$d")
		for name in "${GUEST_CGROUPS_LEFT[@]}"; do
			[[ "$d/" != */"$name"/* ]] || continue 2
		done
		leak+=("$d")
	done
	if [ ${#extra[@]} -gt 0 ]; then
		if [ ${#leak[@]} -gt 0 ]; then
			echo "teardown: cgroups left behind: ${leak[*]}" >&2
			failed=1
		fi
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

# guest_cgroups ARRAY: fills the associative ARRAY with every cgroup directory of every
# hierarchy. On a host, the siblings of the runtime's own cgroup (other processes' cgroups, such
# as the supervisor's per-process memory cgroups on these machines) come and go: they are left
# out, the runtime's own cgroup and everything below it are kept. In the host suites' sandbox
# (HULL_SANDBOX=1, tests/host/sandbox.sh) every cgroup in view is the suite's: all are kept.
guest_cgroups() {
	local -n _cgroups="$1"
	local d skip own
	local -a ignore=()
	if [ -n "${SUITE_HOST:-}" ] && [ "${HULL_SANDBOX:-}" != 1 ]; then
		suite_hierarchies
		local line list path c
		while IFS=: read -r _ list path; do
			[ "$path" != / ] || continue
			c="${list%%,*}"
			[ -n "$c" ] || c=unified
			[ -n "${CGMNT[$c]:-}" ] || continue
			ignore+=("${CGMNT[$c]}${path%/*}/" "${CGMNT[$c]}$path")
		done </proc/self/cgroup
	fi
	shopt -s globstar nullglob
	for d in /sys/fs/cgroup/**/; do
		d="${d%/}"
		[ "$d" != /sys/fs/cgroup ] || continue
		skip=0
		for ((own = 0; own < ${#ignore[@]}; own += 2)); do
			if [[ "$d/" == "${ignore[own]}"* && "$d/" != "${ignore[own + 1]}/"* ]]; then
				skip=1
				break
			fi
		done
		[ "$skip" = 1 ] || _cgroups["$d"]=1
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

# guest_cgroup_empty_out DIR: kill whatever is left in DIR (and below) and wait for it to go
# (cgroup.kill on v2; on v1, every pid of cgroup.procs, again until none is left).
guest_cgroup_empty_out() {
	local i p pids=()
	guest_cgroup_populated "$1" || return 0
	[ ! -f "$1/cgroup.kill" ] || echo 1 >"$1/cgroup.kill" 2>/dev/null || true
	for i in {1..50}; do
		if [ ! -f "$1/cgroup.kill" ]; then
			mapfile -t pids 2>/dev/null <"$1/cgroup.procs"
			for p in "${pids[@]}"; do
				kill -9 "$p" 2>/dev/null || true
			done
		fi
		guest_cgroup_populated "$1" || return 0
		sleep 0.1
	done
}

# guest_cgroup_populated DIR: cgroup.events says "populated 1" (v2); a process is in
# cgroup.procs (v1: the caller empties children first).
guest_cgroup_populated() {
	local line
	if [ -f "$1/cgroup.events" ]; then
		while read -r line; do
			[ "$line" != "populated 1" ] || return 0
		done 2>/dev/null <"$1/cgroup.events"
		return 1
	fi
	read -r line 2>/dev/null <"$1/cgroup.procs" && [ -n "$line" ]
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

# WITH_CGROUPNS: a jq filter that gives the config a cgroup namespace. `hull spec` (like runc's)
# writes one only on a pure cgroup v2 host, and the cached bundle is made on the v1/hybrid host;
# tests that read their cgroup paths from inside ask for the namespace themselves.
WITH_CGROUPNS='.linux.namespaces |= (map(select(.type != "cgroup")) + [{"type": "cgroup"}])'

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

# suite_hierarchies: fills the global associative array CGMNT with the mount point of every
# cgroup hierarchy: CGMNT[controller] for v1 ("memory", "cpu", "name=systemd", ...) and
# CGMNT[unified] for cgroup2.
suite_hierarchies() {
	declare -gA CGMNT=()
	local line mp fs opts o
	while IFS= read -r line; do
		[[ "$line" == *" - cgroup"* ]] || continue
		read -r _ _ _ _ mp _ <<<"$line"
		read -r fs _ opts <<<"${line#* - }"
		case "$fs" in
		cgroup2) CGMNT[unified]="$mp" ;;
		cgroup)
			IFS=, read -r -a o <<<"$opts"
			for opts in "${o[@]}"; do
				case "$opts" in rw | ro | none | clone_children | noprefix | xattr | nsdelegate | release_agent=*) ;;
				*) CGMNT["$opts"]="$mp" ;; esac
			done
			;;
		esac
	done </proc/self/mountinfo
}

# cg_of PID: the host directories of PID's cgroups, read from the initial cgroup namespace:
# CGD[controller] for each v1 hierarchy, CG2 on cgroup2 ("" when there is none), and CG, the
# directory that stands for the container's cgroup in a test: CG2 on v2, the pids hierarchy's
# otherwise.
cg_of() {
	local list path ctrls
	declare -gA CGD=()
	CG2=""
	[ -n "${CGMNT+x}" ] || suite_hierarchies
	while IFS=: read -r _ list path; do
		path="${path%/}"
		if [ -z "$list" ]; then
			[ -z "${CGMNT[unified]:-}" ] || CG2="${CGMNT[unified]}$path"
			continue
		fi
		IFS=, read -r -a ctrls <<<"$list"
		for list in "${ctrls[@]}"; do
			[ -z "${CGMNT[$list]:-}" ] || CGD["$list"]="${CGMNT[$list]}$path"
		done
	done <"/proc/$1/cgroup"
	if v2; then
		CG="$CG2"
	else
		CG="${CGD[pids]:-}"
	fi
	[ -n "$CG" ]
}

# cgf FILE: sets F to FILE's path in the container's cgroup: $CG/FILE on v2; on v1 in the
# hierarchy its name starts with (memory.limit_in_bytes: memory; cgroup.procs: pids), or on
# cgroup2 when no v1 hierarchy has that controller (hybrid: hugetlb).
cgf() {
	if v2; then
		F="$CG/$1"
		return
	fi
	local c="${1%%.*}"
	case "$c" in cgroup | tasks | notify_on_release) c=pids ;; esac
	if [ -n "${CGD[$c]:-}" ]; then
		F="${CGD[$c]}/$1"
	else
		F="$CG2/$1"
	fi
}

# cg_is FILE WANTED: FILE (cgf) reads WANTED (trailing blanks of each line ignored: rdma.max has
# them); on a mismatch says so on stderr and fails. For many checks in a row: `cg_is a 1 || bad=1`.
cg_is() {
	local got="" lines=() l F
	cgf "$1"
	if ! mapfile -t lines <"$F"; then
		echo "MISMATCH $F: unreadable, wanted '$2'" >&2
		return 1
	fi
	for l in "${lines[@]}"; do
		got+="${l%"${l##*[![:space:]]}"}"$'\n'
	done
	got="${got%$'\n'}"
	if [ "$got" != "$2" ]; then
		echo "MISMATCH $F: '$got', wanted '$2'" >&2
		return 1
	fi
}

# cg2 V2FILE V2WANTED V1FILE V1WANTED: cg_is on the layout's file: V2FILE on v2 (and on hybrid
# for a controller that only cgroup2 has there), V1FILE otherwise; V1FILE "-": nothing to check
# on v1 (the field has no v1 file).
cg2() {
	if v2; then
		cg_is "$1" "$2"
		return
	fi
	[ "$3" != - ] || return 0
	if [ -z "${CGD[${3%%.*}]:-}" ] && [ "$SUITE_LAYOUT" = hybrid ]; then
		cg_is "$1" "$2"
	else
		cg_is "$3" "$4"
	fi
}

# cg_has FILE LINE: one line of FILE (cgf) is LINE (trailing blanks ignored).
cg_has() {
	local lines=() l F
	cgf "$1"
	mapfile -t lines <"$F" || return 1
	for l in "${lines[@]}"; do
		[ "${l%"${l##*[![:space:]]}"}" != "$2" ] || return 0
	done
	echo "MISMATCH $F: no line '$2' in: ${lines[*]}" >&2
	return 1
}

# all_at PATH TEXT: every line of TEXT (a /proc/PID/cgroup) ends with ":PATH".
all_at() {
	local l lines=()
	mapfile -t lines <<<"$2"
	[ ${#lines[@]} -gt 0 ] || return 1
	for l in "${lines[@]}"; do
		[ "${l##*:}" = "$1" ] || {
			echo "cgroup line '$l': wanted ':$1'" >&2
			return 1
		}
	done
}

# cg_gone: every directory of the container's cgroup (cg_of) is gone.
cg_gone() {
	local d m
	for d in "$CG" "$CG2" "${CGD[@]}"; do
		for m in "${CGMNT[@]}"; do
			[ "$d" != "$m" ] || continue 2 # a hierarchy the container was not placed in
		done
		[ -z "$d" ] || [ ! -d "$d" ] || {
			echo "cgroup directory left: $d" >&2
			return 1
		}
	done
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
# ($HULL_VM_SUITE_MODULES, tests/vm/modules.sh), dependencies first, unless
# loaded. Fails (naming what is missing) when one cannot be loaded.
guest_load_module() {
	local m
	for m in "$@"; do
		[ -d "/sys/module/$m" ] && continue
		if ! [ -f "${HULL_VM_SUITE_MODULES:-/nonexistent}/$m.ko" ]; then
			echo "module $m: not available (HULL_VM_SUITE_MODULES='${HULL_VM_SUITE_MODULES:-}'; guest.bats extracts it with tests/vm/modules.sh)" >&2
			return 1
		fi
		busybox insmod "$HULL_VM_SUITE_MODULES/$m.ko" || {
			echo "module $m: insmod failed" >&2
			return 1
		}
	done
}
