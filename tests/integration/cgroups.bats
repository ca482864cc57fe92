#!/usr/bin/env bats
# cgroups on this (hybrid) host, through the v1 controllers (config-linux.md "Control groups",
# cli-contract.md §4.3, §4.4, §8.2, §10): the container starts in its cgroup with its limits and
# device rules, pause/resume freeze it, update changes limits, ps and events read it, kill --all
# reaches every process, and delete removes the directories. Values are read on the host side.

load helpers

setup_file() {
	hull_setup_file
}

setup() {
	hull_setup
	T="$BATS_TEST_TMPDIR"
	grep -q ' - cgroup ' /proc/self/mountinfo || skip "needs cgroup v1 controllers (the v2 suite runs in tests/vm)"
}

teardown() {
	hull_teardown
}

# cg_dir PID CONTROLLER: the host directory of PID's cgroup in the v1 hierarchy of CONTROLLER.
cg_dir() {
	local path
	path="$(awk -F: -v c="$2" '{ n = split($2, a, ","); for (i = 1; i <= n; i++) if (a[i] == c) print $3 }' "/proc/$1/cgroup")"
	echo "/sys/fs/cgroup/$2$path"
}

@test "cgroups: the init is in its own cgroup right after create, with memory, pids and cpu limits" {
	update_config '.linux.resources = {"memory": {"limit": 67108864, "reservation": 33554432},
		"pids": {"limit": 42}, "cpu": {"shares": 512, "quota": 200000, "period": 100000}}'
	create_container lim sleep 100
	local pid
	pid="$(state_field lim pid)"
	[[ "$(cg_dir "$pid" pids)" == */lim ]]
	[ "$(cat "$(cg_dir "$pid" pids)/pids.max")" = 42 ]
	[ "$(cat "$(cg_dir "$pid" memory)/memory.limit_in_bytes")" = 67108864 ]
	[ "$(cat "$(cg_dir "$pid" memory)/memory.soft_limit_in_bytes")" = 33554432 ]
	[ "$(cat "$(cg_dir "$pid" cpu)/cpu.shares")" = 512 ]
	[ "$(cat "$(cg_dir "$pid" cpu)/cpu.cfs_quota_us")" = 200000 ]
	[ "$(cat "$(cg_dir "$pid" cpu)/cpu.cfs_period_us")" = 100000 ]
}

@test "cgroups: a new cgroup namespace is rooted at the container's cgroup" {
	set_args cat /proc/self/cgroup
	run hull run --bundle "$BUNDLE" cgns
	[ "$status" -eq 0 ]
	# every hierarchy reads "/" from inside
	[ -z "$(grep -v ':/$' <<<"$output")" ]
}

@test "cgroups: delete removes the container's cgroup in every hierarchy" {
	create_container del sleep 100
	local pid dirs
	pid="$(state_field del pid)"
	dirs="$(cg_dir "$pid" pids) $(cg_dir "$pid" memory) $(cg_dir "$pid" freezer)"
	for d in $dirs; do [ -d "$d" ]; done
	hull delete --force del
	for d in $dirs; do [ ! -d "$d" ]; done
}

@test "cgroups: pause freezes every process, state says paused, resume thaws" {
	start_container pz sleep 100
	local pid
	pid="$(state_field pz pid)"
	hull pause pz
	[ "$(status_of pz)" = paused ]
	[ "$(cat "$(cg_dir "$pid" freezer)/freezer.state")" = FROZEN ]
	run hull exec pz true
	[ "$status" -ne 0 ]
	[[ "$output" == *"cannot exec in a paused container"* ]]
	hull resume pz
	[ "$(status_of pz)" = running ]
	[ "$(cat "$(cg_dir "$pid" freezer)/freezer.state")" = THAWED ]
	run hull resume pz
	[ "$status" -ne 0 ]
	[[ "$output" == *"container not paused"* ]]
}

@test "cgroups: SIGKILL to a paused container takes effect" {
	start_container pk sleep 100
	hull pause pk
	hull kill pk KILL
	wait_for_status pk stopped
}

@test "cgroups: update --memory, --pids-limit and --cpu-quota (keeping the period), and --resources" {
	update_config '.linux.resources = {"cpu": {"quota": 300000, "period": 100000}}'
	start_container up sleep 100
	local pid
	pid="$(state_field up pid)"
	hull update --memory 128m --pids-limit 77 --cpu-quota 250000 up
	[ "$(cat "$(cg_dir "$pid" memory)/memory.limit_in_bytes")" = 134217728 ]
	[ "$(cat "$(cg_dir "$pid" pids)/pids.max")" = 77 ]
	[ "$(cat "$(cg_dir "$pid" cpu)/cpu.cfs_quota_us")" = 250000 ]
	[ "$(cat "$(cg_dir "$pid" cpu)/cpu.cfs_period_us")" = 100000 ]
	echo '{"pids": {"limit": 99}}' | hull update --resources - up
	[ "$(cat "$(cg_dir "$pid" pids)/pids.max")" = 99 ]
	echo '{"pids": {"limit": 98}}' >"$T/res.json"
	hull update -r "$T/res.json" up
	[ "$(cat "$(cg_dir "$pid" pids)/pids.max")" = 98 ]
}

@test "cgroups: ps --format json lists the container's processes; the table filters ps -ef" {
	start_container pss sleep 100
	hull exec -d pss sleep 99 </dev/null >/dev/null 2>&1
	run hull ps --format json pss
	[ "$status" -eq 0 ]
	[ "$(jq length <<<"$output")" -eq 2 ]
	[ "$(jq -r '.[0]' <<<"$output")" = "$(state_field pss pid)" ]
	run hull ps pss
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == *PID* ]]
	[ "${#lines[@]}" -eq 3 ]
	[[ "$output" == *"sleep 99"* ]]
}

@test "cgroups: kill --all signals every process of the container's cgroup" {
	update_config '.linux.namespaces = [.linux.namespaces[] | select(.type != "pid")]'
	start_container ka sh -c 'sleep 100 & sleep 101 & wait'
	sleep 0.3
	run hull ps --format json ka
	[ "$(jq length <<<"$output")" -eq 3 ]
	hull kill --all ka TERM
	wait_for_status ka stopped
	local left
	left="$(hull ps --format json ka 2>/dev/null || echo '[]')"
	[ "$(jq length <<<"$left")" -eq 0 ]
}

@test "cgroups: events --stats prints one stats event with pids and memory" {
	update_config '.linux.resources = {"pids": {"limit": 64}}'
	start_container ev sleep 100
	run hull events --stats ev
	[ "$status" -eq 0 ]
	[ "$(jq -r .type <<<"$output")" = stats ]
	[ "$(jq -r .id <<<"$output")" = ev ]
	[ "$(jq -r .data.pids.current <<<"$output")" -ge 1 ]
	[ "$(jq -r .data.pids.limit <<<"$output")" = 64 ]
	[ "$(jq -r '.data.memory.usage.usage' <<<"$output")" -gt 0 ]
	run hull events --interval 0s ev
	[ "$status" -ne 0 ]
	[[ "$output" == *"duration interval must be greater than 0"* ]]
}

@test "cgroups: devices: only the default devices and the allowed ones can be opened" {
	# CAP_MKNOD so that only the device cgroup stands between mknod+open and the device
	update_config '.process.capabilities.bounding += ["CAP_MKNOD"] | .process.capabilities.effective += ["CAP_MKNOD"]
		| .process.capabilities.permitted += ["CAP_MKNOD"]
		| .linux.resources.devices = [{"allow": false, "access": "rwm"},
			{"allow": true, "type": "b", "major": 7, "minor": 1, "access": "rwm"}]'
	set_args sh -c 'mknod /dev/l0 b 7 0 2>/dev/null; mknod /dev/l1 b 7 1;
		head -c0 /dev/l0 2>/dev/null && echo l0-opened || echo l0-denied;
		head -c0 /dev/l1 2>/dev/null; [ $? -ne 1 ] || echo l1-denied; echo x >/dev/null && echo null-ok'
	run hull run --bundle "$BUNDLE" dev
	[ "$status" -eq 0 ]
	[[ "$output" == *"null-ok"* ]]
	[[ "$output" == *"l0-denied"* ]]
	[[ "$output" != *"l1-denied"* ]]
}

@test "cgroups: pids.max = 1: true runs, a fork fails cleanly without hanging" {
	update_config '.linux.resources = {"pids": {"limit": 1}}'
	set_args true
	run timeout 20 "$HULL" --root "$ROOT" run --bundle "$BUNDLE" p1
	[ "$status" -eq 0 ]
	set_args sh -c 'true & wait'
	run timeout 20 "$HULL" --root "$ROOT" run --bundle "$BUNDLE" p2
	[ "$status" -ne 0 ]
	[ "$status" -ne 124 ]
}

@test "cgroups: the systemd form slice:prefix:name maps to <slice>/<prefix>-<name>.scope" {
	update_config '.linux.cgroupsPath = "hull-test.slice:hullt:sd1"'
	set_args sleep 100
	"$HULL" --root "$ROOT" --systemd-cgroup create --bundle "$BUNDLE" sd1 </dev/null >/dev/null 2>"$T/sd1.err" || { cat "$T/sd1.err"; false; }
	track_container sd1
	local pid
	pid="$(state_field sd1 pid)"
	local dir
	dir="$(cg_dir "$pid" pids)"
	[[ "$dir" == */hull-test.slice/hullt-sd1.scope ]]
	[ -d "$dir" ]
	# later commands use the stored driver and paths without the flag
	hull delete --force sd1
	[ ! -d "$dir" ]
	# the slice directories are parents the manager never removes (as runc): the test's own
	# "hull-test.slice" expands to /hull.slice/hull-test.slice in every hierarchy
	local leftover
	for leftover in $(find /sys/fs/cgroup -depth -type d -path '*/hull.slice*' 2>/dev/null); do
		rmdir "$leftover"
	done
	[ -z "$(find /sys/fs/cgroup -type d -name hull.slice 2>/dev/null)" ]
}

@test "cgroups: an escaping cgroupsPath is refused before anything is made" {
	update_config '.linux.cgroupsPath = "../../escape"'
	try_create esc
	[ "$status" -ne 0 ]
	[[ "$output" == *"cgroupsPath"* ]]
	no_state_left
	[ ! -e /sys/fs/cgroup/pids/escape ]
}

@test "cgroups: true exits 0 with a 512k memory limit and with RLIMIT_NOFILE soft = 4" {
	set_args true
	update_config '.linux.resources = {"memory": {"limit": 524288}}'
	run timeout 30 "$HULL" --root "$ROOT" run --bundle "$BUNDLE" m512
	[ "$status" -eq 0 ]
	update_config 'del(.linux.resources) | .process.rlimits = [{"type": "RLIMIT_NOFILE", "soft": 4, "hard": 1024}]'
	run timeout 30 "$HULL" --root "$ROOT" run --bundle "$BUNDLE" nofile4
	[ "$status" -eq 0 ]
}

@test "cgroups: a memory limit too small to start gives a clear OOM message and leaves nothing" {
	set_args true
	update_config '.linux.resources = {"memory": {"limit": 65536}}'
	run timeout 30 "$HULL" --root "$ROOT" run --bundle "$BUNDLE" tiny
	[ "$status" -ne 0 ]
	[[ "$output" == *"container init was OOM-killed (memory limit too low?)"* ]]
	no_state_left
}

@test "cgroups v1: swap, swappiness, cpuset and blkio throttling reach their v1 files" {
	local dev
	dev="$(cat /sys/block/vda/dev 2>/dev/null || cat "/sys/block/$(ls /sys/block | head -1)/dev")"
	local maj="${dev%%:*}" min="${dev##*:}"
	update_config ".linux.resources = {\"memory\": {\"limit\": 67108864, \"swap\": 134217728, \"swappiness\": 10},
		\"cpu\": {\"cpus\": \"0\", \"mems\": \"0\"},
		\"blockIO\": {\"throttleReadBpsDevice\": [{\"major\": $maj, \"minor\": $min, \"rate\": 1048576}],
			\"throttleWriteIOPSDevice\": [{\"major\": $maj, \"minor\": $min, \"rate\": 300}]}}"
	create_container v1f sleep 100
	local pid
	pid="$(state_field v1f pid)"
	[ "$(cat "$(cg_dir "$pid" memory)/memory.limit_in_bytes")" = 67108864 ]
	[ "$(cat "$(cg_dir "$pid" memory)/memory.memsw.limit_in_bytes")" = 134217728 ]
	[ "$(cat "$(cg_dir "$pid" memory)/memory.swappiness")" = 10 ]
	[ "$(cat "$(cg_dir "$pid" cpuset)/cpuset.cpus")" = 0 ]
	[ "$(cat "$(cg_dir "$pid" cpuset)/cpuset.mems")" = 0 ]
	grep -qx "$maj:$min 1048576" "$(cg_dir "$pid" blkio)/blkio.throttle.read_bps_device"
	grep -qx "$maj:$min 300" "$(cg_dir "$pid" blkio)/blkio.throttle.write_iops_device"
}
