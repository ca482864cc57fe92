#!/usr/bin/env bats
# A thousand live containers (HULL_LOAD_CONTAINERS) of one sleeping busybox: created and started
# one after another, then list, state and ps of each, kill and delete of all, with no failure and
# nothing left. The timings and the memory they took go to the CTest log.

load ../host/helpers
load load

setup_file() {
	hull_setup_file
}

setup() {
	load_setup
	set_args sleep 100000
}

teardown() {
	load_teardown
}

# suite_usage: the memory and the pids charged to this suite's cgroups (the sandbox mounts every
# hierarchy at them), e.g. "812 MiB, 1002 pids".
suite_usage() {
	local mem pids
	mem="$(cat /sys/fs/cgroup/memory/memory.usage_in_bytes 2>/dev/null ||
		cat /sys/fs/cgroup/memory.current 2>/dev/null || echo 0)"
	pids="$(cat /sys/fs/cgroup/pids/pids.current 2>/dev/null ||
		cat /sys/fs/cgroup/pids.current 2>/dev/null || echo '?')"
	echo "$((mem / 1048576)) MiB, $pids pids"
}

# timed LABEL START_MS: print "LABEL: N ms" to the CTest log.
timed() {
	echo "#   $1: $(($(now_ms) - $2)) ms" >&3
}

@test "1000 running containers: create, start, list, state, ps, kill and delete of all" {
	local n="${HULL_LOAD_CONTAINERS:-1000}" i t0 pid
	echo "# $n containers (the suite's cgroups held $(suite_usage) before):" >&3

	t0="$(now_ms)"
	for i in $(seq "$n"); do
		hull create --bundle "$BUNDLE" "c$i" </dev/null >/dev/null 2>"$T/err" &&
			hull start "c$i" 2>>"$T/err" || {
			echo "container c$i: $(cat "$T/err")" >&2
			return 1
		}
	done
	timed "create+start, all" "$t0"
	echo "#   all running: $(suite_usage), $(cgroup_tree | wc -l) cgroups" >&3

	t0="$(now_ms)"
	hull list >"$T/list"
	timed "list" "$t0"
	[ "$(wc -l <"$T/list")" -eq $((n + 1)) ]
	[ "$(awk 'NR > 1 && $3 == "running"' "$T/list" | wc -l)" -eq "$n" ]
	hull list --format json | jq -e --argjson n "$n" 'length == $n and all(.status == "running")' >/dev/null

	# Every container: running, its init alive, and the only process ps reports. (The state
	# output is read by one jq at the end: a jq per container would take longer than hull.)
	t0="$(now_ms)"
	for i in $(seq "$n"); do
		hull state "c$i"
	done >"$T/states"
	timed "state of each" "$t0"
	jq -r 'select(.status == "running") | .pid' "$T/states" >"$T/inits"
	[ "$(wc -l <"$T/inits")" -eq "$n" ] || {
		echo "not all running: $(jq -c 'select(.status != "running")' "$T/states" | head -n 5)" >&2
		return 1
	}
	local inits=()
	mapfile -t inits <"$T/inits"
	t0="$(now_ms)"
	for i in $(seq "$n"); do
		pid="${inits[$((i - 1))]}"
		pid_is_running "$pid"
		[ "$(hull ps --format json "c$i")" = "[$pid]" ] || {
			echo "ps c$i: $(hull ps --format json "c$i"), init $pid" >&2
			return 1
		}
	done
	timed "ps of each" "$t0"

	t0="$(now_ms)"
	for i in $(seq "$n"); do
		hull kill "c$i" KILL
	done
	timed "kill of all" "$t0"
	container_processes_gone
	[ "$(hull list --format json | jq '[.[] | select(.status == "stopped")] | length')" -eq "$n" ]

	t0="$(now_ms)"
	for i in $(seq "$n"); do
		hull delete "c$i"
	done
	timed "delete of all" "$t0"

	no_state_left
	container_processes_gone
	no_new_cgroups
	no_new_mounts
}
