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
