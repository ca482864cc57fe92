#!/usr/bin/env bats
# The guest's cgroups themselves, under each layout (guest.bash): the controllers the host lacks
# are there, and a cgroup made by hand takes limits that work. No hull here.

load guest

setup_file() {
	guest_setup_file
}

setup() {
	suite_hierarchies
	if v2; then
		CG="/sys/fs/cgroup/hull-vm-test-$BATS_TEST_NUMBER"
	else
		CG="${CGMNT[pids]}/hull-vm-test-$BATS_TEST_NUMBER"
	fi
	mkdir "$CG"
}

teardown() {
	rmdir "$CG"
}

@test "the controllers the host lacks in v2 (v2), or as v1 hierarchies (v1: hugetlb and rdma too; hybrid: hugetlb on cgroup2 only)" {
	local c
	if v2; then
		for c in cpu memory io pids cpuset hugetlb; do
			grep -qw "$c" "$CG/cgroup.controllers" || {
				echo "missing $c in $(cat "$CG/cgroup.controllers")"
				return 1
			}
		done
		return 0
	fi
	for c in cpu cpuacct memory blkio pids cpuset devices freezer name=systemd; do
		[ -n "${CGMNT[$c]:-}" ] || {
			echo "no v1 hierarchy for $c"
			return 1
		}
	done
	if [ "$SUITE_LAYOUT" = v1 ]; then
		[ -n "${CGMNT[hugetlb]:-}" ] && [ -n "${CGMNT[rdma]:-}" ] && [ -z "${CGMNT[unified]:-}" ]
	else
		[ -z "${CGMNT[hugetlb]:-}" ]
		grep -qw hugetlb "${CGMNT[unified]}/cgroup.controllers"
	fi
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
