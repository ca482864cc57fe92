#!/usr/bin/env bats
# cgroup v2 in a throwaway qemu guest (tests/vm/README.md). The machines hull is built and
# tested on have a hybrid cgroup layout, so the v2 controllers are tested in a guest that boots
# the distribution's kernel with cgroup_no_v1=all and sees the host's root filesystem read-only
# under a tmpfs overlay. This file checks the guest itself (one boot), then runs the guest suite,
# tests/vm/suite/ (one boot), and fails with its TAP output if any of it fails.
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
	HULL_SOURCE_DIR="${HULL_SOURCE_DIR:-$(cd "$BATS_TEST_DIRNAME/../../.." && pwd)}"
	export HULL_SOURCE_DIR
	export VM="$HULL_SOURCE_DIR/tests/vm"
	export HULL_VM_CACHE="${HULL_VM_CACHE:-/var/cache/hull-vm}"
	"$VM/prepare.sh" "$HULL_VM_CACHE"

	# One boot for the checks of the guest itself.
	export SMOKE="$BATS_FILE_TMPDIR/smoke"
	mkdir -p "$SMOKE/dir"
	echo "marker-$$-$RANDOM$RANDOM" >"$SMOKE/dir/marker"
	local status=0
	HULL_VM_NO_PREPARE=1 "$VM/run.sh" --timeout 120 -e SMOKE_EXTRA=" a b 'c' " -- \
		sh "$BATS_TEST_DIRNAME/smoke.sh" "$SMOKE/dir" >"$SMOKE/out" 2>"$SMOKE/err" || status=$?
	echo "$status" >"$SMOKE/status"
}

setup() {
	[ -z "${HULL_VM_SKIP:-}" ] || skip "HULL_VM_SKIP is set"
}

# fact KEY: the value the guest reported for KEY.
fact() {
	sed -n "s/^$1: //p" "$SMOKE/out"
}

smoke_output() {
	echo "--- guest stdout"
	cat "$SMOKE/out"
	echo "--- guest stderr"
	cat "$SMOKE/err"
}

@test "guest: boots, runs the command and reports its exit status" {
	[ "$(cat "$SMOKE/status")" = 42 ] || {
		echo "run.sh exited with $(cat "$SMOKE/status"), wanted the command's 42"
		smoke_output
		return 1
	}
}

@test "guest: cgroup2 at /sys/fs/cgroup with cpu, memory, io, pids, cpuset and hugetlb" {
	smoke_output
	[ "$(fact cgroupfs)" = cgroup2fs ]
	local c
	for c in cpu memory io pids cpuset hugetlb; do
		grep -qw "$c" <<<"$(fact controllers)"
		grep -qw "$c" <<<"$(fact subtree)"
	done
	[ "$(fact v1-hierarchies)" = 0 ]
}

@test "guest: its root is the host's (same files, same hull) under an overlay" {
	smoke_output
	[ "$(fact rootfs)" = overlayfs ]
	[ "$(fact marker)" = "$(cat "$SMOKE/dir/marker")" ]
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
	[ ! -e "$SMOKE/dir/guest-wrote" ]
	[ ! -e /usr/hull-vm-probe ]
}

@test "guest: stdout and stderr come back apart; cwd and environment pass through" {
	smoke_output
	[ "$(cat "$SMOKE/err")" = "to stderr" ]
	if grep -q "to stderr" "$SMOKE/out"; then return 1; fi
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

@test "guest suite: every test of tests/vm/suite/ passes in the guest" {
	# The busybox bundle is built here: in the guest, where every process is emulated, that takes
	# a minute. The guest sees it at the same path (HULL_BUNDLE_CACHE, as helpers.bash names it).
	if [ -n "${HULL:-}" ] && [ -x "$HULL" ]; then
		export HULL_BUNDLE_CACHE="$BATS_FILE_TMPDIR/bundle"
		"$HULL_SOURCE_DIR/bundles/busybox/build.sh" --hull "$HULL" "$HULL_BUNDLE_CACHE" >&2
		if [ -n "${HULL_CHECKER:-}" ] && [ -x "$HULL_CHECKER" ]; then
			install -m 0755 "$HULL_CHECKER" "$HULL_BUNDLE_CACHE/rootfs/bin/hull-checker"
		fi
	fi
	# Kernel modules the suite loads itself (loop devices for io.max, BFQ, soft-RoCE for rdma),
	# extracted once per kernel from the package prepare.sh keeps. Without them those checks skip.
	local modules
	if modules="$("$BATS_TEST_DIRNAME/modules.sh" "$HULL_VM_CACHE")"; then
		export HULL_VM_SUITE_MODULES="$modules"
	else
		echo "# no extra kernel modules for the guest suite: its io and rdma checks will skip" >&3
	fi
	HULL_VM_NO_PREPARE=1 run "$VM/run.sh" --timeout 500 -- bats --tap "$HULL_SOURCE_DIR/tests/vm/suite/"
	echo "run.sh exited with $status; the guest's TAP output:"
	echo "$output"
	[ "$status" -eq 0 ]
	grep -q '^1\.\.[1-9]' <<<"$output"
	if grep -q '^not ok' <<<"$output"; then return 1; fi
}
