#!/usr/bin/env bats
# A container's cgroup as runc's main branch takes it (libcontainer/factory_linux.go Create): a
# cgroupsPath that already holds processes is refused with runc's words ("container's cgroup is
# not empty: N process(es) found"; runc 1.1.5 only warned), and the refusal leaves that cgroup and
# its processes as they were; an existing cgroup that is empty is used.

load helpers

setup_file() {
	hull_setup_file
}

setup() {
	hull_setup
	CG_NAME="hull-fid-cg-$BATS_TEST_NUMBER-$$"
	CG_HOLDER=""
	CG_DIR=""
}

teardown() {
	if [ -n "$CG_HOLDER" ]; then
		kill "$CG_HOLDER" 2>/dev/null || true
		wait "$CG_HOLDER" 2>/dev/null || true
	fi
	hull_teardown
	# Whatever is left of the test's cgroup, in every hierarchy, beneath the caller's own cgroups.
	local line path mnt
	while IFS=: read -r _ ctrls path; do
		if [ -z "$ctrls" ]; then
			mnt=/sys/fs/cgroup/unified
			[ -e /sys/fs/cgroup/cgroup.controllers ] && mnt=/sys/fs/cgroup
		else
			mnt="/sys/fs/cgroup/${ctrls#name=}"
		fi
		for line in "$mnt$path/$CG_NAME" "$mnt/$CG_NAME" "$mnt$(dirname "$path")/$CG_NAME"; do
			[ -d "$line" ] && rmdir "$line" 2>/dev/null || true
		done
	done </proc/self/cgroup
}

# own_devices_cgroup: the directory of this shell's devices cgroup (cgroup v1), or of its cgroup2
# cgroup's parent on a cgroup v2 host: where a relative cgroupsPath is placed, as runc places it.
own_devices_cgroup() {
	if [ -e /sys/fs/cgroup/cgroup.controllers ]; then
		local own
		own="$(awk -F: '$1 == 0 {print $3}' /proc/self/cgroup)"
		echo "/sys/fs/cgroup$(dirname "$own")"
	else
		echo "/sys/fs/cgroup/devices$(awk -F: '$2 ~ /(^|,)devices(,|$)/ {print $3}' /proc/self/cgroup)"
	fi
}

@test "create in a cgroup that holds a process is refused with runc's words; the cgroup and its process stay" {
	"$HULL" features | jq -e '.linux.cgroup.v1 == true or .linux.cgroup.v2 == true' >/dev/null
	local own
	own="$(own_devices_cgroup)"
	CG_DIR="$own/$CG_NAME"
	mkdir "$CG_DIR"
	sleep 300 &
	CG_HOLDER=$!
	echo "$CG_HOLDER" >"$CG_DIR/cgroup.procs"
	update_config ".linux.cgroupsPath = \"$CG_NAME\""
	set_args true

	try_create fid-cg-busy
	echo "status $status: $output" >&2
	[ "$status" -ne 0 ]
	[[ "$output" == *"container's cgroup is not empty: 1 process(es) found"* ]]
	# Nothing of the container is left, and the cgroup it refused is untouched.
	[ -z "$(hull list -q)" ]
	kill -0 "$CG_HOLDER"
	[ "$(cat "$CG_DIR/cgroup.procs")" = "$CG_HOLDER" ]

	# Once the process has left, the same (existing, empty) cgroup is used, as runc does.
	echo "$CG_HOLDER" >"$own/cgroup.procs"
	try_create fid-cg-empty
	echo "status $status: $output" >&2
	[ "$status" -eq 0 ]
	local init
	init="$(hull state fid-cg-empty | jq -r .pid)"
	grep -q "/$CG_NAME\$" "/proc/$init/cgroup"
	hull delete --force fid-cg-empty
}

# ---- exec --cgroup ------------------------------------------------------------------------------

# runc's "runc exec --cgroup sub-cgroups [v1]" (tests/host/exec.bats) with its setup: an
# absolute cgroupsPath, no cgroup namespace (runc 1.1.5's spec) and the cgroup mount without
# "ro", so the container makes its sub-cgroups in its own cgroup through that mount.
@test "exec --cgroup on v1: PATH, CONTROLLER[,CONTROLLER]:PATH (repeated) and / into sub-cgroups the container made" {
	[ ! -e /sys/fs/cgroup/cgroup.controllers ] || skip "cgroup v1 forms (v2: tests/unit/cgroups/manager_v2_test.cpp)"
	update_config '.linux.cgroupsPath = "/'"$CG_NAME"'"
		| .linux.namespaces |= map(select(.type != "cgroup"))
		| .mounts |= map((select(.type == "cgroup") | .options -= ["ro"]) // .)'
	start_container subcg sleep 100

	run hull exec --cgroup .. subcg cat /proc/self/cgroup
	[ "$status" -ne 0 ]
	[[ "$output" == *" .. is not a sub cgroup path"* ]]
	run hull exec --cgroup nonexistent subcg cat /proc/self/cgroup
	[ "$status" -ne 0 ]
	[[ "$output" == *" adding pid "*"/nonexistent/cgroup.procs: no such file "* ]]
	run hull exec --cgroup cpu:nonexistent subcg cat /proc/self/cgroup
	[ "$status" -ne 0 ]
	[[ "$output" == *" adding pid "*"/nonexistent/cgroup.procs: no such file "* ]]
	# Refused before anything runs.
	run hull exec --cgroup whaaat:/ subcg touch /tmp/ran
	[ "$status" -ne 0 ]
	[[ "$output" == *"unknown controller whaaat"* ]]
	run hull exec --cgroup a --cgroup b subcg touch /tmp/ran
	[ "$status" -ne 0 ]
	[[ "$output" == *"invalid --cgroup argument: a (missing <controller>: prefix)"* ]]
	run hull exec subcg test -e /tmp/ran
	[ "$status" -ne 0 ]

	# The container's own cgroup, implicitly and with "/", in every hierarchy.
	local out
	out="$(hull exec subcg cat /proc/self/cgroup 2>/dev/null)"
	[ -n "$out" ] && [ -z "$(grep -v "/$CG_NAME\$" <<<"$out")" ]
	out="$(hull exec --cgroup / subcg cat /proc/self/cgroup 2>/dev/null)"
	[ -n "$out" ] && [ -z "$(grep -v "/$CG_NAME\$" <<<"$out")" ]

	# cpu and cpuacct may be mounted together or apart.
	run hull exec subcg sh -euc "mkdir -p /sys/fs/cgroup/memory/submem /sys/fs/cgroup/cpu/subcpu /sys/fs/cgroup/cpuacct/subcpu"
	[ "$status" -eq 0 ]
	out="$(hull exec --cgroup memory:submem --cgroup cpu,cpuacct:subcpu subcg cat /proc/self/cgroup 2>/dev/null)"
	[[ "$out" == *":memory:"*"/$CG_NAME/submem"* ]]
	[[ "$out" == *":cpu"*":/$CG_NAME/subcpu"* ]]
	[ -z "$(grep -v -e ':memory:' -e ':cpu' <<<"$out" | grep -v "/$CG_NAME\$")" ]
}

# ---- status derivation ---------------------------------------------------------------------------

# A running container whose multithreaded init keeps re-executing itself from a second thread:
# at each execve the thread-group leader reads "Z" in /proc/<pid>/stat for a moment while the
# process (same pid, same start time) lives on. Concurrent updates and states must all see it
# running; before the status consulted the pidfd, about 3 in 100 updates answered "container not
# running" here.
@test "status race: concurrent update --cpu-quota -1 and state on a running init that re-executes from a thread never see it stopped" {
	start_container restless hull-checker reexec-thread
	local T="$BATS_TEST_TMPDIR" w
	for w in 1 2 3; do
		(
			for _ in $(seq 100); do
				hull update --cpu-quota -1 restless 2>&1 || echo "update failed"
			done
		) >"$T/update.$w" &
	done
	(
		for _ in $(seq 150); do
			hull state restless | jq -r .status
		done
	) >"$T/statuses" &
	wait
	cat "$T"/update.* "$T/statuses" | sort | uniq -c
	[ -z "$(cat "$T"/update.*)" ]
	[ "$(grep -c -x running "$T/statuses")" -eq 150 ]
	[ "$(hull state restless | jq -r .status)" = running ]
	hull kill restless KILL
	wait_for_status restless stopped
}

@test "status: an init whose main thread has exited while another thread lives on is running; update and kill reach it" {
	CREATE_FLAGS=(--pid-file "$BATS_TEST_TMPDIR/leaderless.pid")
	start_container leaderless hull-checker leader-exit
	local pid i
	pid="$(cat "$BATS_TEST_TMPDIR/leaderless.pid")"
	for i in $(seq 50); do
		[ "$(sed 's/.*) //' "/proc/$pid/stat" | cut -d' ' -f1)" = Z ] && break
		sleep 0.1
	done
	[ "$(sed 's/.*) //' "/proc/$pid/stat" | cut -d' ' -f1)" = Z ]
	[ "$(hull state leaderless | jq -r .status)" = running ]
	hull update --cpu-quota -1 leaderless
	hull kill leaderless KILL
	wait_for_status leaderless stopped
}
