#!/bin/sh
# Run inside the tests/vm guest by guest.bats: reports what the guest sees, one "key: value" per
# line (mount, link and enabled: one line each), writes where the host can check that nothing
# arrives, and exits 42.
# Usage (in the guest): smoke.sh DIR   (DIR: a host directory made for this run)
dir="$1"
echo "layout: ${HULL_VM_CGROUP:-}"
echo "controllers: $(cat /sys/fs/cgroup/cgroup.controllers 2>/dev/null)"
echo "subtree: $(cat /sys/fs/cgroup/cgroup.subtree_control 2>/dev/null)"
echo "cgroupfs: $(stat -f -c %T /sys/fs/cgroup)"
echo "v1-hierarchies: $(awk '$3 == "cgroup"' /proc/mounts | wc -l)"
# Every cgroup mount: "mount: POINT TYPE OPTIONS"; the links in /sys/fs/cgroup; the controllers
# /proc/cgroups lists as enabled.
awk '$3 == "cgroup" || $3 == "cgroup2" { print "mount: " $2 " " $3 " " $4 }' /proc/mounts
find /sys/fs/cgroup -maxdepth 1 -type l -printf 'link: %f -> %l\n'
awk '!/^#/ && $4 == 1 { print "enabled: " $1 }' /proc/cgroups
if [ -d /sys/fs/cgroup/unified ]; then
	echo "unified-fs: $(stat -f -c %T /sys/fs/cgroup/unified)"
	echo "unified-controllers: $(cat /sys/fs/cgroup/unified/cgroup.controllers)"
	echo "unified-subtree: $(cat /sys/fs/cgroup/unified/cgroup.subtree_control)"
fi
echo "rootfs: $(stat -f -c %T /)"
echo "kernel: $(uname -r)"
echo "hostname: $(hostname)"
echo "uid: $(id -u)"
echo "cwd: $(pwd)"
echo "hull-vm: ${HULL_VM:-}"
echo "extra: [${SMOKE_EXTRA:-}]"
echo "marker: $(cat "$dir/marker")"
if [ -n "${HULL:-}" ] && [ -x "$HULL" ]; then
	echo "hull: $("$HULL" --version | head -n1)"
else
	echo "hull: missing (HULL=${HULL:-})"
fi
echo guest >"$dir/guest-wrote" && echo "wrote-host-dir: $(cat "$dir/guest-wrote")"
echo guest >/usr/hull-vm-probe && echo "wrote-usr: $(cat /usr/hull-vm-probe)"
echo "to stderr" >&2
exit 42
