#!/usr/bin/env bats
# cgroups in a throwaway qemu guest (tests/vm/README.md). The machines hull is built and tested
# on have a hybrid cgroup layout, so the v2 controllers are tested in a guest that boots the
# distribution's kernel with cgroup_no_v1=all and sees the host's root filesystem read-only under
# a tmpfs overlay; the same guest also boots with a pure v1 layout and with this host's hybrid
# one (run.sh --cgroup), for the v1 paths this host lacks. This file checks the guest itself (one
# boot per layout), then runs the guest suite, tests/vm/suite/, under each layout (one boot each:
# all of it under v2 and v1, the files in HULL_VM_HYBRID_FILES under hybrid) and fails with its
# TAP output if any of it fails.
#
# The first run installs qemu-system-x86 if missing and downloads the kernel package with apt
# into $HULL_VM_CACHE (default /var/cache/hull-vm), reused afterwards; the few extra modules the
# suite loads (modules.sh) are extracted from that package into $HULL_VM_CACHE/suite-modules.
# HULL_VM_SKIP=1 skips this file.

setup_file() {
	[ -z "${HULL_VM_SKIP:-}" ] || return 0 # bats 1.8 cannot skip from setup_file: setup does
	[ "$(id -u)" -eq 0 ] || {
		echo "the guest tests must run as root" >&2
		return 1
	}
	HULL_SOURCE_DIR="${HULL_SOURCE_DIR:-$(cd "$BATS_TEST_DIRNAME/../.." && pwd)}"
	export HULL_SOURCE_DIR
	export VM="$HULL_SOURCE_DIR/tests/vm"
	export HULL_VM_CACHE="${HULL_VM_CACHE:-/var/cache/hull-vm}"
	"$VM/prepare.sh" "$HULL_VM_CACHE"

	# One boot per cgroup layout for the checks of the guest itself, side by side.
	export SMOKE="$BATS_FILE_TMPDIR/smoke"
	local layout
	for layout in v2 v1 hybrid; do
		smoke_boot "$layout" &
	done
	wait
}

# smoke_boot LAYOUT: runs smoke.sh in a guest with that cgroup layout; its stdout, stderr and
# exit status go to $SMOKE/LAYOUT/{out,err,status}.
smoke_boot() {
	local d="$SMOKE/$1" status=0
	mkdir -p "$d/dir"
	echo "marker-$$-$RANDOM$RANDOM" >"$d/dir/marker"
	HULL_VM_NO_PREPARE=1 "$VM/run.sh" --cgroup "$1" --timeout 120 -e SMOKE_EXTRA=" a b 'c' " -- \
		sh "$BATS_TEST_DIRNAME/smoke.sh" "$d/dir" >"$d/out" 2>"$d/err" || status=$?
	echo "$status" >"$d/status"
}

setup() {
	[ -z "${HULL_VM_SKIP:-}" ] || skip "HULL_VM_SKIP is set"
}

# fact KEY [LAYOUT]: the value(s) the guest with that layout (default v2) reported for KEY.
fact() {
	sed -n "s/^$1: //p" "$SMOKE/${2:-v2}/out"
}

# smoke_output [LAYOUT]: what the guest with that layout (default v2) printed.
smoke_output() {
	local d="$SMOKE/${1:-v2}"
	echo "--- guest stdout (${1:-v2}), exit status $(cat "$d/status")"
	cat "$d/out"
	echo "--- guest stderr (${1:-v2})"
	cat "$d/err"
}

# v1_mount CONTROLLER LAYOUT: the mount point of the v1 hierarchy holding CONTROLLER.
v1_mount() {
	fact mount "$2" | awk -v c="$1" '$2 == "cgroup" && ("," $3 ",") ~ ("," c ",") { print $1 }'
}

# check_v1 LAYOUT SKIP: every controller the guest's /proc/cgroups lists as enabled, except SKIP,
# has its own v1 hierarchy at /sys/fs/cgroup/<controllers> (cpu,cpuacct and net_cls,net_prio
# shared, with links); SKIP has none; name=systemd is at /sys/fs/cgroup/systemd.
check_v1() {
	local layout="$1" skip="$2" c want
	[ "$(cat "$SMOKE/$layout/status")" = 42 ]
	[ "$(fact layout "$layout")" = "$layout" ]
	[ "$(fact cgroupfs "$layout")" = tmpfs ]
	[ "$(fact marker "$layout")" = "$(cat "$SMOKE/$layout/dir/marker")" ]
	[ "$(cat "$SMOKE/$layout/err")" = "to stderr" ]
	for c in cpuset cpu cpuacct blkio memory devices freezer hugetlb pids rdma; do
		fact enabled "$layout" | grep -qx "$c"
	done
	for c in $(fact enabled "$layout"); do
		if [ "$c" = "$skip" ]; then
			[ -z "$(v1_mount "$c" "$layout")" ]
			continue
		fi
		case "$c" in
		cpu | cpuacct) want=/sys/fs/cgroup/cpu,cpuacct ;;
		net_cls | net_prio) want=/sys/fs/cgroup/net_cls,net_prio ;;
		*) want=/sys/fs/cgroup/$c ;;
		esac
		[ "$(v1_mount "$c" "$layout")" = "$want" ] || {
			echo "$c: mounted at '$(v1_mount "$c" "$layout")', wanted $want"
			return 1
		}
	done
	fact link "$layout" | grep -qx 'cpu -> cpu,cpuacct'
	fact link "$layout" | grep -qx 'cpuacct -> cpu,cpuacct'
	fact mount "$layout" | grep -q '^/sys/fs/cgroup/systemd cgroup .*,name=systemd'
}

@test "guest: boots, runs the command and reports its exit status" {
	[ "$(cat "$SMOKE/v2/status")" = 42 ] || {
		echo "run.sh exited with $(cat "$SMOKE/v2/status"), wanted the command's 42"
		smoke_output
		return 1
	}
}

@test "guest: cgroup2 at /sys/fs/cgroup with cpu, memory, io, pids, cpuset and hugetlb" {
	smoke_output
	[ "$(fact layout)" = v2 ]
	[ "$(fact cgroupfs)" = cgroup2fs ]
	local c
	for c in cpu memory io pids cpuset hugetlb; do
		grep -qw "$c" <<<"$(fact controllers)"
		grep -qw "$c" <<<"$(fact subtree)"
	done
	[ "$(fact v1-hierarchies)" = 0 ]
}

@test "guest: --cgroup v1: a tmpfs on /sys/fs/cgroup, a v1 hierarchy per controller, no cgroup2" {
	smoke_output v1
	check_v1 v1 ""
	[ "$(v1_mount hugetlb v1)" = /sys/fs/cgroup/hugetlb ]
	if fact mount v1 | grep -q ' cgroup2 '; then return 1; fi
}

@test "guest: --cgroup hybrid: v1 without hugetlb, cgroup2 on unified with hugetlb alone" {
	smoke_output hybrid
	check_v1 hybrid hugetlb
	[ "$(fact mount hybrid | grep -c ' cgroup2 ')" = 1 ]
	fact mount hybrid | grep -q '^/sys/fs/cgroup/unified cgroup2 .*nsdelegate'
	[ "$(fact unified-fs hybrid)" = cgroup2fs ]
	[ "$(fact unified-controllers hybrid)" = hugetlb ]
	[ -z "$(fact unified-subtree hybrid)" ]
}

@test "guest: its root is the host's (same files, same hull) under an overlay" {
	smoke_output
	[ "$(fact rootfs)" = overlayfs ]
	[ "$(fact marker)" = "$(cat "$SMOKE/v2/dir/marker")" ]
	if [ -n "${HULL:-}" ] && [ -x "$HULL" ]; then
		[ "$(fact hull)" = "$("$HULL" --version | head -n1)" ]
	fi
	[ "$(fact kernel)" = "$(cat "$HULL_VM_CACHE/current/release")" ]
	[ "$(fact hostname)" = hull-vm ]
	[ "$(fact uid)" = 0 ]
}

@test "guest: writes stay in the guest's overlay" {
	smoke_output
	[ "$(fact wrote-host-dir)" = guest ]
	[ "$(fact wrote-usr)" = guest ]
	[ ! -e "$SMOKE/v2/dir/guest-wrote" ]
	[ ! -e /usr/hull-vm-probe ]
}

@test "guest: stdout and stderr come back apart; cwd and environment pass through" {
	smoke_output
	[ "$(cat "$SMOKE/v2/err")" = "to stderr" ]
	if grep -q "to stderr" "$SMOKE/v2/out"; then return 1; fi
	[ "$(fact cwd)" = "$PWD" ]
	[ "$(fact hull-vm)" = 1 ]
	[ "$(fact extra)" = "[ a b 'c' ]" ]
}

@test "guest: run.sh --timeout kills a guest that runs too long (exit 124)" {
	local start=$SECONDS
	HULL_VM_NO_PREPARE=1 run "$VM/run.sh" --timeout 3 -- sleep 600
	echo "$output"
	[ "$status" -eq 124 ]
	[ $((SECONDS - start)) -lt 30 ]
}

# suite_prepare: what the three suite boots share, made by the first (a file under
# BATS_FILE_TMPDIR holds it), then exported.
suite_prepare() {
	local env="$BATS_FILE_TMPDIR/suite-env"
	if ! [ -f "$env" ]; then
		{
			# The busybox bundle is built here: in the guest, where every process is emulated, that
			# takes a minute. The guest sees it at the same path (HULL_BUNDLE_CACHE, as helpers.bash
			# names it).
			if [ -n "${HULL:-}" ] && [ -x "$HULL" ]; then
				local bundle="$BATS_FILE_TMPDIR/bundle"
				"$HULL_SOURCE_DIR/bundles/busybox/build.sh" --hull "$HULL" "$bundle" >&2
				if [ -n "${HULL_CHECKER:-}" ] && [ -x "$HULL_CHECKER" ]; then
					install -m 0755 "$HULL_CHECKER" "$bundle/rootfs/bin/hull-checker"
				fi
				printf 'export HULL_BUNDLE_CACHE=%q\n' "$bundle"
			fi
			# Kernel modules the suite loads itself (loop devices for io.max, BFQ, soft-RoCE for
			# rdma), extracted once per kernel from the package prepare.sh keeps. Without them
			# those checks skip.
			local modules
			if modules="$("$BATS_TEST_DIRNAME/modules.sh" "$HULL_VM_CACHE")"; then
				printf 'export HULL_VM_SUITE_MODULES=%q\n' "$modules"
			else
				echo "# no extra kernel modules for the guest suite: its io and rdma checks will skip" >&3
			fi
		} >"$env.tmp"
		mv "$env.tmp" "$env"
	fi
	# shellcheck disable=SC1090
	source "$env"
}

# suite_run LAYOUT FILE...: runs bats on FILE... in a guest with that cgroup layout; fails with
# the guest's TAP output unless every test passes.
suite_run() {
	local layout="$1"
	shift
	suite_prepare
	local rc=0 tap
	tap="$(HULL_VM_NO_PREPARE=1 "$VM/run.sh" --cgroup "$layout" --timeout 500 -- \
		bats --tap "$@" 2>&1)" || rc=$?
	echo "run.sh --cgroup $layout exited with $rc; the guest's TAP output:"
	echo "$tap"
	[ "$rc" -eq 0 ]
	grep -q '^1\.\.[1-9]' <<<"$tap"
	if grep -q '^not ok' <<<"$tap"; then return 1; fi
}

@test "guest suite v2: every test of tests/vm/suite/ passes under cgroup v2" {
	suite_run v2 "$HULL_SOURCE_DIR/tests/vm/suite/"
}

@test "guest suite v1: every test of tests/vm/suite/ passes under the cgroup v1 layout" {
	suite_run v1 "$HULL_SOURCE_DIR/tests/vm/suite/"
}

@test "guest suite hybrid: the files in HULL_VM_HYBRID_FILES pass under the hybrid layout" {
	local f files=()
	for f in ${HULL_VM_HYBRID_FILES:-cgroup_resources.bats}; do
		files+=("$HULL_SOURCE_DIR/tests/vm/suite/$f")
	done
	suite_run hybrid "${files[@]}"
}
