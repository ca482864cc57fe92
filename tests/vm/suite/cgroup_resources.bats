#!/usr/bin/env bats
# Every linux.resources field as runc converts it (config-linux.md "Control groups",
# cli-contract.md §10), read back on the host side in the container's cgroup directories, at
# create and through `update`; and the configurations a layout must refuse, which leave no state
# and no cgroup behind. Runs on every layout (guest.bash): the same configs and steps, each
# value checked in the layout's own file (cg2: the v2 file, or the v1 one). The effects seen from
# inside a container (OOM kill, fork refused, freeze, device rules) and the verbs are in
# cgroup_lifecycle.bats.
#
# Few tests with many checks each: under TCG bats costs about a second per test and every
# process 100-200 ms (tests/vm/README.md). cpu.max is only set to quotas that do not throttle
# (200000 100000 and up): a throttled container leaves the TCG guest's CPUs in soft lockups.

load ../../host/helpers
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

@test "resources: every file at create (memory with the OOM-killer switch, cpu, cpuset, pids, hugetlb, net_cls/net_prio on v1, unified on v2, kernel memory ignored on v1); update by flags and --resources" {
	local skipped=() huge=1 extra
	# hugetlb on a hybrid host lives on cgroup2 alone; hull enables it in the cgroup2 root's
	# subtree_control, which a test must not change on a real host (the hybrid guest checks it).
	if ! [ -d /sys/kernel/mm/hugepages/hugepages-2048kB ]; then
		huge=0
		skipped+=("hugetlb: no 2MB huge pages on this kernel")
	elif [ -n "$SUITE_HOST" ] && [ "$SUITE_LAYOUT" = hybrid ] && ! grep -qw hugetlb "${CGMNT[unified]}/cgroup.subtree_control"; then
		huge=0
		skipped+=("hugetlb: on this hybrid host it needs hugetlb in ${CGMNT[unified]}/cgroup.subtree_control, which tests do not change (checked in the hybrid guest)")
	fi
	if v2; then
		extra='| .linux.resources.unified = {"memory.high": "268435456", "memory.oom.group": "1"}'
	else
		# unified is refused on v1 (the third test); kernel and kernelTCP are ignored, as runc does.
		extra='| .linux.resources.memory += {"kernel": 33554432, "kernelTCP": 16777216}'
	fi
	[ "$huge" = 0 ] || extra+=' | .linux.resources.hugepageLimits = [{"pageSize": "2MB", "limit": 4194304}]'
	# net_cls and net_prio are v1 only (v2 ignores the field, as runc does).
	local net=0
	if v2 || { [ -n "${CGMNT[net_cls]:-}" ] && [ -n "${CGMNT[net_prio]:-}" ]; }; then
		net=1
		extra+=' | .linux.resources.network = {"classID": 1048577, "priorities": [{"name": "lo", "priority": 5}]}'
	else
		skipped+=("network: no net_cls/net_prio hierarchy here")
	fi
	cfg '.linux.resources = {
		"memory": {"limit": 67108864, "reservation": 33554432, "swap": 100663296,
			"swappiness": 10, "disableOOMKiller": true},
		"cpu": {"shares": 512, "quota": 300000, "period": 100000, "burst": 10000, "idle": 0,
			"cpus": "1", "mems": "0"},
		"pids": {"limit": 42},
		"devices": [{"allow": false, "access": "rwm"}]} '"$extra" sleep 100
	gcreate res
	local bad=0 memsw=0
	# Right after create: the default path is the id, beside the runtime's own cgroup.
	[ "${CG##*/}" = res ]
	cgf memory.memsw.limit_in_bytes
	v2 || [ ! -f "$F" ] || memsw=1
	cg_is cgroup.procs "$PID" || bad=1
	cg2 memory.max 67108864 memory.limit_in_bytes 67108864 || bad=1
	cg2 memory.low 33554432 memory.soft_limit_in_bytes 33554432 || bad=1
	# OCI swap is memory+swap; memory.swap.max is the swap alone.
	[ "$memsw" = 0 ] && ! v2 || cg2 memory.swap.max 33554432 memory.memsw.limit_in_bytes 100663296 || bad=1
	v2 || cg_is memory.swappiness 10 || bad=1 # v2 has no such file
	v2 || cg_has memory.oom_control "oom_kill_disable 1" || bad=1 # v2: no such switch
	if [ "$net" = 1 ] && ! v2; then
		cg_is net_cls.classid 1048577 || bad=1
		cg_has net_prio.ifpriomap "lo 5" || bad=1
	fi
	cg2 cpu.weight 59 cpu.shares 512 || bad=1 # runc's conversion of shares 512
	cg2 cpu.max "300000 100000" cpu.cfs_quota_us 300000 || bad=1
	cg2 cpu.max "300000 100000" cpu.cfs_period_us 100000 || bad=1
	cg2 cpu.max.burst 10000 cpu.cfs_burst_us 10000 || bad=1
	cg2 cpu.idle 0 cpu.idle 0 || bad=1
	cg_is cpuset.cpus 1 || bad=1
	cg_is cpuset.mems 0 || bad=1
	cg_is pids.max 42 || bad=1
	if [ "$huge" = 1 ]; then
		cg2 hugetlb.2MB.max 4194304 hugetlb.2MB.limit_in_bytes 4194304 || bad=1
		cg2 hugetlb.2MB.rsvd.max 4194304 hugetlb.2MB.rsvd.limit_in_bytes 4194304 || bad=1
	fi
	if v2; then
		cg_is memory.high 268435456 || bad=1 # unified: written verbatim
		cg_is memory.oom.group 1 || bad=1
	else
		cgf memory.kmem.limit_in_bytes # ignored: the kernel's default (unlimited) stays
		[ ! -f "$F" ] || cg_is memory.kmem.limit_in_bytes 9223372036854771712 || bad=1
		cgf memory.kmem.tcp.limit_in_bytes
		[ ! -f "$F" ] || cg_is memory.kmem.tcp.limit_in_bytes 9223372036854771712 || bad=1
	fi
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
	cg2 memory.max 134217728 memory.limit_in_bytes 134217728 || bad=1
	cg2 memory.low 67108864 memory.soft_limit_in_bytes 67108864 || bad=1
	[ "$memsw" = 0 ] && ! v2 || cg2 memory.swap.max 134217728 memory.memsw.limit_in_bytes 268435456 || bad=1
	cg_is pids.max 77 || bad=1
	cg2 cpu.weight 100 cpu.shares 1024 || bad=1
	cg2 cpu.max.burst 5000 cpu.cfs_burst_us 5000 || bad=1
	cg_is cpuset.cpus 0 || bad=1
	cg_is cpuset.mems 0 || bad=1
	cg2 cpu.idle 0 cpu.idle 0 || bad=1
	# neither quota nor period given: untouched
	cg2 cpu.max "300000 100000" cpu.cfs_quota_us 300000 || bad=1
	cg2 cpu.max "300000 100000" cpu.cfs_period_us 100000 || bad=1
	! v2 || cg_is memory.high 268435456 || bad=1
	# A lone --cpu-quota or --cpu-period keeps the other.
	hull update --cpu-quota 250000 res
	cg2 cpu.max "250000 100000" cpu.cfs_quota_us 250000 || bad=1
	cg2 cpu.max "250000 100000" cpu.cfs_period_us 100000 || bad=1
	hull update --cpu-period 200000 res
	cg2 cpu.max "250000 200000" cpu.cfs_quota_us 250000 || bad=1
	cg2 cpu.max "250000 200000" cpu.cfs_period_us 200000 || bad=1
	hull update --cpu-quota -1 res
	cg2 cpu.max "max 200000" cpu.cfs_quota_us -1 || bad=1
	hull update --cpu-quota 400000 --cpu-period 100000 res
	cg2 cpu.max "400000 100000" cpu.cfs_quota_us 400000 || bad=1
	cg2 cpu.max "400000 100000" cpu.cfs_period_us 100000 || bad=1
	# runc's shares -> weight: 2 -> 1, 1024 -> 100, 262144 -> 10000, a quadratic in log2 between;
	# v1 takes the shares as they are.
	local sw
	for sw in 2:1 4096:303 262144:10000; do
		hull update --cpu-share "${sw%:*}" res
		cg2 cpu.weight "${sw#*:}" cpu.shares "${sw%:*}" || bad=1
	done
	hull update --cpu-idle 1 res
	cg_is cpu.idle 1 || bad=1
	hull update --cpu-idle 0 res
	cg_is cpu.idle 0 || bad=1
	# blkio weight 1000 -> io.weight 10000 (1 + (w - 10) * 9999 / 990), or io.bfq.weight as is;
	# v1: blkio.weight (CFQ, gone since 5.0) or blkio.bfq.weight (BFQ), else refused by name.
	if v2; then
		hull update --blkio-weight 1000 res
		if [ -f "$CG/io.bfq.weight" ]; then
			cg_is io.bfq.weight "default 1000" || bad=1
		else
			cg_is io.weight "default 10000" || bad=1
		fi
	else
		run hull update --blkio-weight 1000 res
		echo "blkio weight: $status $output"
		cgf blkio.weight
		if [ -f "$F" ]; then
			[ "$status" -eq 0 ] && cg_is blkio.weight 1000 || bad=1
		elif cgf blkio.bfq.weight && [ -f "$F" ]; then
			[ "$status" -eq 0 ] && cg_is blkio.bfq.weight 1000 || bad=1
		else
			[ "$status" -ne 0 ] && [[ "$output" == *blkio.bfq.weight* ]] || bad=1
		fi
	fi
	hull update --memory-swap -1 res
	[ "$memsw" = 0 ] && ! v2 || cg2 memory.swap.max max memory.memsw.limit_in_bytes 9223372036854771712 || bad=1
	cg2 memory.max 134217728 memory.limit_in_bytes 134217728 || bad=1

	# --resources from stdin, then from a file (the legacy flags are ignored beside it).
	local unified=""
	! v2 || unified=', "unified": {"memory.high": "201326592"}'
	echo '{"pids": {"limit": 99}, "memory": {"limit": 100663296}'"$unified"'}' |
		hull update --resources - res
	cg_is pids.max 99 || bad=1
	cg2 memory.max 100663296 memory.limit_in_bytes 100663296 || bad=1
	! v2 || cg_is memory.high 201326592 || bad=1
	echo '{"cpu": {"shares": 2048}}' >"$T/res.json"
	hull update -r "$T/res.json" --pids-limit 5 res
	cg2 cpu.weight 174 cpu.shares 2048 || bad=1
	cg_is pids.max 99 || bad=1
	cg2 memory.max 100663296 memory.limit_in_bytes 100663296 || bad=1
	if ! v2; then
		run hull update -r - res <<<'{"unified": {"pids.max": "5"}}'
		[ "$status" -ne 0 ] && [[ "$output" == *"cannot use unified on cgroup v1"* ]] || bad=1
	fi

	# A limit below the usage: v2 would OOM-kill, so checkBeforeUpdate refuses it; v1's kernel
	# refuses it (EBUSY) and hull says so with the usage.
	local usage
	cgf memory.current
	v2 || cgf memory.usage_in_bytes
	read -r usage <"$F"
	[ "$usage" -gt 4096 ]
	echo '{"memory": {"limit": 4096, "checkBeforeUpdate": true}}' >"$T/low.json"
	run hull update -r "$T/low.json" res
	echo "$output"
	[ "$status" -ne 0 ]
	if v2; then
		[[ "$output" == *"rejecting memory limit 4096 <= usage"* ]]
	else
		[[ "$output" == *"unable to set memory limit to 4096 (current usage: "* ]]
	fi
	cg2 memory.max 100663296 memory.limit_in_bytes 100663296 || bad=1

	# Real-time group scheduling: refused on v2; on v1 written when the kernel has it (an rt
	# budget of the parent's, which here is the root's), else refused by the file's name.
	run hull update --cpu-rt-runtime 1000 --cpu-rt-period 100000 res
	echo "realtime: $status $output"
	if v2; then
		[ "$status" -ne 0 ]
		[[ "$output" == *realtime* ]]
	else
		cgf cpu.rt_runtime_us
		if [ -f "$F" ]; then
			[ "$status" -eq 0 ] || bad=1
			cg_is cpu.rt_period_us 100000 || bad=1
			cg_is cpu.rt_runtime_us 1000 || bad=1
		else
			[ "$status" -ne 0 ] && [[ "$output" == *cpu.rt_period_us* ]] || bad=1
			skipped+=("cpu.rt_*: the kernel has no real-time group scheduling (CONFIG_RT_GROUP_SCHED)")
		fi
	fi
	[ "$bad" = 0 ]
	hull delete res
	cg_gone
	[ ${#skipped[@]} -eq 0 ] || skip "not checked: ${skipped[*]}"
}

@test "update: the merged resources are saved in the container's config (exec still reads it); a lone swap or limit is completed from what is saved; a refused update changes nothing" {
	cfg "$WITH_CGROUPNS"' | .linux.resources = {"memory": {"limit": 67108864}, "pids": {"limit": 42},
		"cpu": {"quota": 300000, "period": 100000},
		"devices": [{"allow": false, "access": "rwm"}]}' sleep 100
	gstart upsave
	local saved="$ROOT/upsave/config.json" bad=0
	[ -f "$saved" ]
	hull update --pids-limit 50 upsave
	echo '{"cpu": {"shares": 512}}' | hull update --resources - upsave
	hull update --cpu-quota 250000 upsave
	jq -e '.linux.resources.pids.limit == 50' "$saved"
	jq -e '.linux.resources.memory.limit == 67108864' "$saved"
	jq -e '.linux.resources.cpu == {"quota": 250000, "period": 100000, "shares": 512}' "$saved"
	jq -e '.linux.resources.devices == [{"allow": false, "access": "rwm"}]' "$saved"
	# The rest of the config is as create saved it.
	diff <(jq -S 'del(.linux.resources)' "$BUNDLE/config.json") <(jq -S 'del(.linux.resources)' "$saved")
	cg_is pids.max 50 || bad=1
	cg2 memory.max 67108864 memory.limit_in_bytes 67108864 || bad=1
	cg2 cpu.weight 59 cpu.shares 512 || bad=1
	cg2 cpu.max "250000 100000" cpu.cfs_quota_us 250000 || bad=1
	cg2 cpu.max "250000 100000" cpu.cfs_period_us 100000 || bad=1
	# memory+swap alone: on v2 memory.swap.max is the swap alone, so the saved limit completes
	# it; then a limit alone keeps the saved memory+swap total (v1's memsw does the same).
	cgf memory.memsw.limit_in_bytes
	if v2 || [ -f "$F" ]; then
		hull update --memory-swap 128m upsave
		cg2 memory.swap.max 67108864 memory.memsw.limit_in_bytes 134217728 || bad=1
		jq -e '.linux.resources.memory == {"limit": 67108864, "swap": 134217728}' "$saved"
		hull update --memory 96m upsave
		cg2 memory.max 100663296 memory.limit_in_bytes 100663296 || bad=1
		cg2 memory.swap.max 33554432 memory.memsw.limit_in_bytes 134217728 || bad=1
		jq -e '.linux.resources.memory == {"limit": 100663296, "swap": 134217728}' "$saved"
		# A limit above the saved memory+swap is refused, on v2 by hull, on v1 by the kernel.
		run hull update --memory 192m upsave
		echo "$output"
		[ "$status" -ne 0 ]
		cg2 memory.max 100663296 memory.limit_in_bytes 100663296 || bad=1
	fi
	# A refused update changes neither the cgroup nor the saved config.
	cp "$saved" "$T/saved.before"
	run hull update --blkio-weight 5 upsave
	[ "$status" -ne 0 ]
	[[ "$output" == *"/blockIO/weight"* ]]
	cmp "$saved" "$T/saved.before"
	[ -z "$(find "$ROOT/upsave" -name '.config.json*')" ]
	# exec parses the saved config.
	run hull exec upsave cat /proc/self/cgroup
	[ "$status" -eq 0 ]
	all_at / "$output"
	[ "$bad" = 0 ]
}

@test "resources: blockIO weight -> io.weight or BFQ weights (per device too), throttles -> io.max / blkio.throttle.*, multi-line unified (loop devices); rdma -> rdma.max (soft-RoCE)" {
	local bad=0 skipped=() io="" rdma="" dev="" dev1="" maj="" maj1=""
	# The guest's root is 9p: loop devices are its only block devices.
	if guest_load_module loop && [ -e /sys/block/loop1/dev ]; then
		read -r dev </sys/block/loop0/dev
		read -r dev1 </sys/block/loop1/dev
		maj="\"major\": ${dev%:*}, \"minor\": ${dev#*:}"
		maj1="\"major\": ${dev1%:*}, \"minor\": ${dev1#*:}"
		if v2 && [ -d /sys/module/bfq ]; then
			skipped+=("io.weight (BFQ was loaded already)")
		else
			# v1 has no weight without BFQ (CFQ is gone since 5.0): throttles only there.
			local weight='"weight": 500,'
			v2 || weight=""
			cfg ".linux.resources.blockIO = {$weight
				\"throttleReadBpsDevice\": [{$maj, \"rate\": 1048576}],
				\"throttleWriteBpsDevice\": [{$maj, \"rate\": 2097152}],
				\"throttleReadIOPSDevice\": [{$maj, \"rate\": 100}],
				\"throttleWriteIOPSDevice\": [{$maj, \"rate\": 200}]}" sleep 100
			gcreate io1
			if v2; then
				[ ! -e "$CG/io.bfq.weight" ]
				cg_is io.weight "default 4950" || bad=1 # 1 + (500 - 10) * 9999 / 990
				cg_is io.max "$dev rbps=1048576 wbps=2097152 riops=100 wiops=200" || bad=1
			else
				cg_is blkio.throttle.read_bps_device "$dev 1048576" || bad=1
				cg_is blkio.throttle.write_bps_device "$dev 2097152" || bad=1
				cg_is blkio.throttle.read_iops_device "$dev 100" || bad=1
				cg_is blkio.throttle.write_iops_device "$dev 200" || bad=1
			fi
			hull delete io1
		fi
		if guest_load_module bfq 2>/dev/null; then
			# Per-device BFQ weights need the device to use BFQ.
			echo bfq >/sys/block/loop0/queue/scheduler
			if v2; then
				# unified is written after blockIO, one line at a time.
				io="\"blockIO\": {\"weight\": 500, \"weightDevice\": [{$maj, \"weight\": 200}],
					\"throttleReadBpsDevice\": [{$maj, \"rate\": 1048576}]},
					\"unified\": {\"io.max\": \"$dev1 riops=300\\n$dev wiops=400\"}"
			else
				io="\"blockIO\": {\"weight\": 500, \"weightDevice\": [{$maj, \"weight\": 200}],
					\"throttleReadBpsDevice\": [{$maj, \"rate\": 1048576}],
					\"throttleReadIOPSDevice\": [{$maj1, \"rate\": 300}]}"
			fi
		else
			skipped+=("BFQ weights: no bfq module for this kernel")
		fi
	else
		skipped+=("blockIO: no loop module for the guest kernel, and the guest has no other block device")
	fi
	local have_rdma=0
	if v2; then
		! grep -qw rdma /sys/fs/cgroup/cgroup.controllers || have_rdma=1
	else
		[ -z "${CGMNT[rdma]:-}" ] || have_rdma=1
	fi
	if [ "$have_rdma" = 0 ]; then
		skipped+=("rdma: no rdma controller here")
	elif [ -n "$SUITE_HOST" ]; then
		skipped+=("rdma: needs a soft-RoCE device, set up in the guest only")
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
		if [ -n "$io" ] && v2; then
			cg_is io.bfq.weight "default 500
$dev 200" || bad=1
			cg_is io.weight "default 100" || bad=1 # untouched: the weight went to BFQ
			cg_has io.max "$dev rbps=1048576 wbps=max riops=max wiops=400" || bad=1
			cg_has io.max "$dev1 rbps=max wbps=max riops=300 wiops=max" || bad=1
		elif [ -n "$io" ]; then
			cg_is blkio.bfq.weight 500 || bad=1
			cg_is blkio.bfq.weight_device "default 500
$dev 200" || bad=1
			cg_is blkio.throttle.read_bps_device "$dev 1048576" || bad=1
			cg_is blkio.throttle.read_iops_device "$dev1 300" || bad=1
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

@test "refused, leaving no state and no cgroup: realtime cpu (v2), bad unified keys (v2) or any unified (v1), swap below memory, swappiness over 100, shares the kernel clamps and CFQ's leafWeight (v1), an unknown rdma device, escaping cgroupsPath" {
	local n=0 filter want failed=0 cases
	cases='.linux.cgroupsPath = "../../escape"|cgroupsPath
.linux.cgroupsPath = "/hull-a/../../escape"|cgroupsPath
.linux.resources.memory = {"swappiness": 101}|swappiness: must be between 0 and 100'
	if v2; then
		cases+='
.linux.resources.cpu = {"realtimeRuntime": 950000, "realtimePeriod": 1000000}|realtime
.linux.resources.unified = {"pids/../pids.max": "5"}|pids/../pids.max
.linux.resources.unified = {"nodot": "1"}|nodot
.linux.resources.unified = {"nosuch.max": "1"}|nosuch
.linux.resources.unified = {"memory.nosuchfile": "1"}|memory.nosuchfile
.linux.resources.unified = {"memory.max": "not-a-number"}|memory.max
.linux.resources.memory = {"limit": 67108864, "swap": 33554432}|memory+swap limit should be >= memory limit
.linux.resources.rdma = {"hullnodev0": {"hcaHandles": 1}}|rdma.max'
	else
		cases+='
.linux.resources.unified = {"pids.max": "5"}|cannot use unified on cgroup v1
.linux.resources.cpu = {"shares": 1}|the minimum allowed cpu-shares is 2'
		# leafWeight is CFQ's (blkio.leaf_weight), gone from kernels since 5.0: refused by name.
		[ -f "${CGMNT[blkio]:-/nonexistent}/blkio.leaf_weight" ] || cases+='
.linux.resources.blockIO = {"leafWeight": 500}|blkio.leaf_weight'
		[ ! -f "${CGMNT[memory]:-/nonexistent}/memory.memsw.limit_in_bytes" ] || cases+='
.linux.resources.memory = {"limit": 67108864, "swap": 33554432}|memory.memsw.limit_in_bytes'
		[ -z "${CGMNT[rdma]:-}" ] || cases+='
.linux.resources.rdma = {"hullnodev0": {"hcaHandles": 1}}|rdma.max'
	fi
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
	done <<<"$cases"
	[ "$failed" = 0 ]
	local m
	for m in "${CGMNT[@]}"; do
		[ ! -e "$m/escape" ]
	done
}
