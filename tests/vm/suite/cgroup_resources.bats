#!/usr/bin/env bats
# cgroup v2, in the guest: every linux.resources field as runc converts it (config-linux.md
# "Control groups", cli-contract.md §10), read back from the host side of the guest in the
# container's cgroup directory, at create and through `update`; and the configurations v2 must
# refuse, which leave no state and no cgroup behind. The effects seen from inside a container
# (OOM kill, fork refused, freeze, device filter) and the verbs are in cgroup_lifecycle.bats.
#
# Few tests with many checks each: under TCG bats costs about a second per test and every
# process 100-200 ms (tests/vm/README.md). cpu.max is only set to quotas that do not throttle
# (200000 100000 and up): a throttled container leaves the TCG guest's CPUs in soft lockups.

load ../../integration/helpers
load guest

setup_file() {
	guest_hull_setup_file
}

setup() {
	guest_hull_setup
}

teardown() {
	guest_hull_teardown
}

@test "resources: every v2 file at create (memory, cpu, cpuset, pids, hugetlb, unified); update by flags and --resources" {
	cfg '.linux.resources = {
		"memory": {"limit": 67108864, "reservation": 33554432, "swap": 100663296,
			"swappiness": 10, "disableOOMKiller": false},
		"cpu": {"shares": 512, "quota": 300000, "period": 100000, "burst": 10000, "idle": 0,
			"cpus": "1", "mems": "0"},
		"pids": {"limit": 42},
		"hugepageLimits": [{"pageSize": "2MB", "limit": 4194304}],
		"unified": {"memory.high": "268435456", "memory.oom.group": "1"},
		"devices": [{"allow": false, "access": "rwm"}]}' sleep 100
	gcreate res
	local bad=0
	# Right after create: the default path is the id, beside the runtime's own cgroup (the
	# guest's root cgroup here).
	[ "$CG" = /sys/fs/cgroup/res ]
	cg_is cgroup.procs "$PID" || bad=1
	cg_is memory.max 67108864 || bad=1
	cg_is memory.low 33554432 || bad=1
	# OCI swap is memory+swap; memory.swap.max is the swap alone.
	cg_is memory.swap.max 33554432 || bad=1
	cg_is cpu.weight 59 || bad=1 # runc's conversion of shares 512
	cg_is cpu.max "300000 100000" || bad=1
	cg_is cpu.max.burst 10000 || bad=1
	cg_is cpu.idle 0 || bad=1
	cg_is cpuset.cpus 1 || bad=1
	cg_is cpuset.mems 0 || bad=1
	cg_is pids.max 42 || bad=1
	cg_is hugetlb.2MB.max 4194304 || bad=1
	cg_is hugetlb.2MB.rsvd.max 4194304 || bad=1
	cg_is memory.high 268435456 || bad=1 # unified: written verbatim
	cg_is memory.oom.group 1 || bad=1
	# The cpuset is in force for the container's process.
	local line
	while read -r line; do
		case "$line" in Cpus_allowed_list:*) [ "${line##*[[:space:]]}" = 1 ] || {
			echo "MISMATCH init's $line, wanted 1" >&2
			bad=1
		} ;; esac
	done <"/proc/$PID/status"

	# update: runc's flags; only what is given is written.
	hull update --memory 128m --memory-reservation 64m --memory-swap 256m --pids-limit 77 \
		--cpu-share 1024 --cpu-burst 5000 --cpuset-cpus 0 --cpuset-mems 0 --cpu-idle 0 res
	cg_is memory.max 134217728 || bad=1
	cg_is memory.low 67108864 || bad=1
	cg_is memory.swap.max 134217728 || bad=1
	cg_is pids.max 77 || bad=1
	cg_is cpu.weight 100 || bad=1
	cg_is cpu.max.burst 5000 || bad=1
	cg_is cpuset.cpus 0 || bad=1
	cg_is cpuset.mems 0 || bad=1
	cg_is cpu.idle 0 || bad=1
	cg_is cpu.max "300000 100000" || bad=1 # neither quota nor period given: untouched
	cg_is memory.high 268435456 || bad=1
	# A lone --cpu-quota or --cpu-period keeps the other.
	hull update --cpu-quota 250000 res
	cg_is cpu.max "250000 100000" || bad=1
	hull update --cpu-period 200000 res
	cg_is cpu.max "250000 200000" || bad=1
	hull update --cpu-quota -1 res
	cg_is cpu.max "max 200000" || bad=1
	hull update --cpu-quota 400000 --cpu-period 100000 res
	cg_is cpu.max "400000 100000" || bad=1
	# runc's shares -> weight: 2 -> 1, 1024 -> 100, 262144 -> 10000, a quadratic in log2 between.
	local sw
	for sw in 2:1 4096:303 262144:10000; do
		hull update --cpu-share "${sw%:*}" res
		cg_is cpu.weight "${sw#*:}" || bad=1
	done
	hull update --cpu-idle 1 res
	cg_is cpu.idle 1 || bad=1
	hull update --cpu-idle 0 res
	cg_is cpu.idle 0 || bad=1
	# blkio weight 1000 -> io.weight 10000 (1 + (w - 10) * 9999 / 990), or io.bfq.weight as is.
	hull update --blkio-weight 1000 res
	if [ -f "$CG/io.bfq.weight" ]; then
		cg_is io.bfq.weight "default 1000" || bad=1
	else
		cg_is io.weight "default 10000" || bad=1
	fi
	hull update --memory-swap -1 res
	cg_is memory.swap.max max || bad=1
	cg_is memory.max 134217728 || bad=1

	# --resources from stdin, then from a file (the legacy flags are ignored beside it).
	echo '{"pids": {"limit": 99}, "memory": {"limit": 100663296}, "unified": {"memory.high": "201326592"}}' |
		hull update --resources - res
	cg_is pids.max 99 || bad=1
	cg_is memory.max 100663296 || bad=1
	cg_is memory.high 201326592 || bad=1
	echo '{"cpu": {"shares": 2048}}' >"$T/res.json"
	hull update -r "$T/res.json" --pids-limit 5 res
	cg_is cpu.weight 174 || bad=1
	cg_is pids.max 99 || bad=1
	cg_is memory.max 100663296 || bad=1

	# checkBeforeUpdate: v2 would OOM-kill rather than refuse a limit below the usage.
	local usage
	read -r usage <"$CG/memory.current"
	[ "$usage" -gt 4096 ]
	echo '{"memory": {"limit": 4096, "checkBeforeUpdate": true}}' >"$T/low.json"
	run hull update -r "$T/low.json" res
	echo "$output"
	[ "$status" -ne 0 ]
	[[ "$output" == *"rejecting memory limit 4096 <= usage"* ]]
	cg_is memory.max 100663296 || bad=1

	# No real-time group scheduling on v2.
	run hull update --cpu-rt-runtime 1000 --cpu-rt-period 100000 res
	echo "$output"
	[ "$status" -ne 0 ]
	[[ "$output" == *realtime* ]]
	[ "$bad" = 0 ]
	hull delete res
	[ ! -d "$CG" ]
}

@test "resources: blockIO weight -> io.weight, or io.bfq.weight under BFQ (per device too), throttles -> io.max, multi-line unified (loop devices); rdma -> rdma.max (soft-RoCE)" {
	local bad=0 skipped=() io="" rdma="" dev="" dev1="" maj="" min=""
	# The guest's root is 9p: loop devices are its only block devices.
	if guest_load_module loop; then
		read -r dev </sys/block/loop0/dev
		read -r dev1 </sys/block/loop1/dev
		maj="\"major\": ${dev%:*}, \"minor\": ${dev#*:}"
		if [ -d /sys/module/bfq ]; then
			skipped+=("io.weight (BFQ was loaded already)")
		else
			cfg ".linux.resources.blockIO = {\"weight\": 500,
				\"throttleReadBpsDevice\": [{$maj, \"rate\": 1048576}],
				\"throttleWriteBpsDevice\": [{$maj, \"rate\": 2097152}],
				\"throttleReadIOPSDevice\": [{$maj, \"rate\": 100}],
				\"throttleWriteIOPSDevice\": [{$maj, \"rate\": 200}]}" sleep 100
			gcreate io1
			[ ! -e "$CG/io.bfq.weight" ]
			cg_is io.weight "default 4950" || bad=1 # 1 + (500 - 10) * 9999 / 990
			cg_is io.max "$dev rbps=1048576 wbps=2097152 riops=100 wiops=200" || bad=1
			hull delete io1
		fi
		if guest_load_module bfq; then
			# Per-device BFQ weights need the device to use BFQ.
			echo bfq >/sys/block/loop0/queue/scheduler
			# unified is written after blockIO, one line at a time.
			io="\"blockIO\": {\"weight\": 500, \"weightDevice\": [{$maj, \"weight\": 200}],
				\"throttleReadBpsDevice\": [{$maj, \"rate\": 1048576}]},
				\"unified\": {\"io.max\": \"$dev1 riops=300\\n$dev wiops=400\"}"
		else
			skipped+=("io.bfq.weight: no bfq module for the guest kernel")
		fi
	else
		skipped+=("blockIO: no loop module for the guest kernel, and the guest has no other block device")
	fi
	if ! grep -qw rdma /sys/fs/cgroup/cgroup.controllers; then
		skipped+=("rdma: the guest kernel has no rdma controller")
	elif rdma link show 2>/dev/null | grep -q '^link rxe0/' || {
		guest_load_module crc32_generic udp_tunnel ip6_udp_tunnel ib_core ib_uverbs rdma_rxe dummy &&
			ip link add hullrdma0 type dummy && ip link set hullrdma0 up &&
			rdma link add rxe0 type rxe netdev hullrdma0
	}; then
		rdma='"rdma": {"rxe0": {"hcaHandles": 2, "hcaObjects": 100}}'
	else
		skipped+=("rdma: no RDMA device in the guest (soft-RoCE rxe0 could not be set up)")
	fi
	if [ -n "$io$rdma" ]; then
		cfg ".linux.resources = {$io${io:+${rdma:+,}}$rdma}" sleep 100
		gcreate io2
		if [ -n "$io" ]; then
			cg_is io.bfq.weight "default 500
$dev 200" || bad=1
			cg_is io.weight "default 100" || bad=1 # untouched: the weight went to BFQ
			cg_has io.max "$dev rbps=1048576 wbps=max riops=max wiops=400" || bad=1
			cg_has io.max "$dev1 rbps=max wbps=max riops=300 wiops=max" || bad=1
		fi
		if [ -n "$rdma" ]; then
			cg_is rdma.max "rxe0 hca_handle=2 hca_object=100" || bad=1
			echo '{"rdma": {"rxe0": {"hcaHandles": 3}}}' | hull update -r - io2
			cg_is rdma.max "rxe0 hca_handle=3 hca_object=100" || bad=1
		fi
	fi
	[ "$bad" = 0 ]
	[ ${#skipped[@]} -eq 0 ] || skip "not checked: ${skipped[*]}"
}

@test "refused on v2, leaving no state and no cgroup: realtime cpu, bad unified keys, swap below memory, an unknown rdma device, escaping cgroupsPath" {
	local n=0 filter want failed=0
	while IFS='|' read -r filter want; do
		[ -n "$filter" ] || continue
		n=$((n + 1))
		cfg "$filter" true
		gtry_create "bad$n"
		if [ "$status" -eq 0 ] || [[ "$output" != *"$want"* ]]; then
			echo "FAILED: $filter: create exited $status, wanted an error with '$want': $output" >&2
			failed=1
		else
			echo "refused: $filter: $output"
		fi
		if [ -e "$ROOT/bad$n" ]; then
			echo "FAILED: $filter: state left" >&2
			failed=1
			"$HULL" --root "$ROOT" delete --force "bad$n" >/dev/null 2>&1 || true
		fi
		guest_no_new_cgroup || {
			echo "FAILED: $filter: cgroup left" >&2
			failed=1
		}
	done <<'EOF'
.linux.resources.cpu = {"realtimeRuntime": 950000, "realtimePeriod": 1000000}|realtime
.linux.resources.unified = {"pids/../pids.max": "5"}|pids/../pids.max
.linux.resources.unified = {"nodot": "1"}|nodot
.linux.resources.unified = {"nosuch.max": "1"}|nosuch
.linux.resources.unified = {"memory.nosuchfile": "1"}|memory.nosuchfile
.linux.resources.unified = {"memory.max": "not-a-number"}|memory.max
.linux.resources.memory = {"limit": 67108864, "swap": 33554432}|memory+swap limit should be >= memory limit
.linux.resources.rdma = {"hullnodev0": {"hcaHandles": 1}}|rdma.max
.linux.cgroupsPath = "../../escape"|cgroupsPath
.linux.cgroupsPath = "/hull-a/../../escape"|cgroupsPath
EOF
	[ "$failed" = 0 ]
	[ ! -e /sys/fs/cgroup/escape ]
}
