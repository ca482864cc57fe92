#!/bin/sh
# Run inside the tests/vm guest by guest.bats: reports what the guest sees, one "key: value" per
# line, writes where the host can check that nothing arrives, and exits 42.
# Usage (in the guest): smoke.sh DIR   (DIR: a host directory made for this run)
dir="$1"
echo "controllers: $(cat /sys/fs/cgroup/cgroup.controllers)"
echo "subtree: $(cat /sys/fs/cgroup/cgroup.subtree_control)"
echo "cgroupfs: $(stat -f -c %T /sys/fs/cgroup)"
echo "v1-hierarchies: $(awk '$3 == "cgroup"' /proc/mounts | wc -l)"
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
