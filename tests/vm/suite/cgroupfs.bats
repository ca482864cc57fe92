#!/usr/bin/env bats
# Placeholder for the cgroup v2 suite: proves the mechanism (runs in the guest, sees every v2
# controller, can create cgroups and set limits). The cgroup manager's tests go beside it.

load guest

setup_file() {
	guest_setup_file
}

setup() {
	CG="/sys/fs/cgroup/hull-vm-test-$BATS_TEST_NUMBER"
	mkdir "$CG"
}

teardown() {
	rmdir "$CG"
}

@test "a child cgroup has every controller the host lacks in v2" {
	local c
	for c in cpu memory io pids cpuset hugetlb; do
		grep -qw "$c" "$CG/cgroup.controllers" || {
			echo "missing $c in $(cat "$CG/cgroup.controllers")"
			return 1
		}
	done
}

@test "pids.max is written and read back" {
	[ "$(cat "$CG/pids.max")" = max ]
	echo 42 >"$CG/pids.max"
	[ "$(cat "$CG/pids.max")" = 42 ]
}

@test "pids.max=1 stops a process in the cgroup from forking" {
	echo 1 >"$CG/pids.max"
	run sh -c "echo \$\$ > $CG/cgroup.procs && /bin/true"
	[ "$status" -ne 0 ]
	[ "$(awk '$1 == "max" { print $2 }' "$CG/pids.events")" -ge 1 ]
}
