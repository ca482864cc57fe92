#!/usr/bin/env bats
# cgroup v2, in the guest: where the container's cgroup goes and how the container gets into it
# (cli-contract.md §9, §10), what the limits do as seen from inside (an OOM kill, a refused fork,
# a frozen container, the device filter), the verbs that work on the cgroup (pause, resume, ps,
# events, exec, kill --all, delete; cli-contract.md §4.3, §4.4, §8.2), and the edge cases of the
# issue (tiny limits, failures half-way). Values are read on the host side of the guest; the
# per-field conversions are in cgroup_resources.bats. The hybrid host's suite is
# tests/integration/cgroups.bats.
#
# Few tests with many checks each: under TCG bats costs about a second per test and every
# process 100-200 ms (tests/vm/README.md).

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

# in_runner CMD...: CMD in the cgroup hull-rt/runner, whose pids.max is 1: the runtime itself
# may run there, but no process of its can be born there.
in_runner() {
	sh -c 'echo $$ >/sys/fs/cgroup/hull-rt/runner/cgroup.procs && exec "$@"' sh "$@"
}

@test "cgroupsPath: absolute, relative and empty (beside the runtime's cgroup), systemd slice:prefix:name; the init is born in it (CLONE_INTO_CGROUP); delete removes it" {
	# The runtime runs in a cgroup of its own below a parent, as under a service manager.
	guest_cgroup_mkdir /sys/fs/cgroup/hull-rt/runner
	echo +pids >/sys/fs/cgroup/hull-rt/cgroup.subtree_control
	echo 1 >/sys/fs/cgroup/hull-rt/runner/pids.max
	# What hull makes above the containers' cgroups, removed at teardown (parents first here).
	GUEST_CGROUPS_MADE+=(/sys/fs/cgroup/hull-rt/hull-rel /sys/fs/cgroup/hull-abs /sys/fs/cgroup/hull-abs/x
		/sys/fs/cgroup/hull.slice /sys/fs/cgroup/hull.slice/hull-test.slice)
	local bad=0 id path want flags
	GUEST_WRAP=(in_runner)
	while read -r id path want flags; do
		[ "$path" != '""' ] || path=""
		cfg ".linux.cgroupsPath = \"$path\" | .linux.resources.pids = {\"limit\": 10}" sleep 100
		# shellcheck disable=SC2206
		GUEST_GLOBAL=($flags)
		gcreate "$id" || {
			bad=1
			continue
		}
		# Right after create, from /proc/<pid>/cgroup, with its limit and every controller.
		if [ "$CG" != "$want" ]; then
			echo "MISMATCH $id (cgroupsPath '$path' $flags): init in $CG, wanted $want" >&2
			bad=1
		fi
		cg_is pids.max 10 || bad=1
		cg_is cgroup.procs "$PID" || bad=1
		[ -f "$CG/memory.max" ] && [ -f "$CG/cpu.max" ] && [ -f "$CG/io.max" ] || {
			echo "MISMATCH $id: controllers missing in $CG: $(ls "$CG")" >&2
			bad=1
		}
		# Later commands use the stored placement, without the flag.
		hull delete "$id"
		if [ -d "$want" ]; then
			echo "MISMATCH $id: $want is left after delete" >&2
			bad=1
		fi
	done <<'EOF'
abs /hull-abs/x/y /sys/fs/cgroup/hull-abs/x/y
rel hull-rel/c /sys/fs/cgroup/hull-rt/hull-rel/c
empty "" /sys/fs/cgroup/hull-rt/empty
sd1 hull-test.slice:hullt:sd1 /sys/fs/cgroup/hull.slice/hull-test.slice/hullt-sd1.scope --systemd-cgroup
EOF
	GUEST_WRAP=()
	GUEST_GLOBAL=()
	# Nothing was born in the runtime's cgroup (pids.max 1 would have refused it) and nothing
	# of the runtime is left there.
	local procs events
	slurp procs /sys/fs/cgroup/hull-rt/runner/cgroup.procs
	slurp events /sys/fs/cgroup/hull-rt/runner/pids.events
	[ -z "$procs" ]
	[ "$events" = "max 0" ] || {
		echo "the runtime's cgroup refused a fork: $events" >&2
		bad=1
	}
	[ "$bad" = 0 ]
}

@test "inside: a cgroup namespace rooted at the container's cgroup; devices by eBPF: default deny, /dev/null and allowed devices work, a blocked b 7:0 mknod+open fails EPERM" {
	# loop makes the allowed b 7:1 a real device (without it, opening it fails ENXIO).
	guest_load_module loop || true
	cfg '.linux.resources.pids = {"limit": 33}
		| .linux.resources.devices = [{"allow": false, "access": "rwm"},
			{"allow": true, "type": "b", "major": 7, "minor": 1, "access": "rw"}]
		| .process.capabilities.bounding += ["CAP_MKNOD"]
		| .process.capabilities.effective += ["CAP_MKNOD"]
		| .process.capabilities.permitted += ["CAP_MKNOD"]' sh -c '
		cat /proc/self/cgroup
		read m </sys/fs/cgroup/pids.max && echo "pids.max $m"
		try() { if err="$( (exec 3<>"$1") 2>&1)"; then echo "$1: open"; else echo "$1: $err"; fi; }
		mknod /dev/b70 b 7 0 && echo "mknod b 7 0 ok"
		mknod /dev/b71 b 7 1 && echo "mknod b 7 1 ok"
		mknod /dev/c14 c 1 4 && echo "mknod c 1 4 ok"
		for d in /dev/null /dev/zero /dev/b70 /dev/b71 /dev/c14; do try $d; done
		echo x >/dev/null && echo "write /dev/null ok"'
	run hullt run --bundle "$BUNDLE" inside
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "0::/" ]
	[ "${lines[1]}" = "pids.max 33" ]
	local -A got=()
	local l
	for l in "${lines[@]}"; do
		got["${l%%: *}"]="${l#*: }"
	done
	[[ "$output" == *"mknod b 7 0 ok"* ]]
	[ "${got[/dev/null]}" = open ]
	[ "${got[/dev/zero]}" = open ]
	[[ "${got[/dev/b70]}" == *"Operation not permitted" ]]
	[[ "${got[/dev/c14]}" == *"Operation not permitted" ]]
	[[ "$output" == *"write /dev/null ok"* ]]
	if [ -d /sys/module/loop ]; then
		[ "${got[/dev/b71]}" = open ]
	else
		# No such device or address: allowed by the filter, no driver behind it.
		[[ "${got[/dev/b71]}" != *"Operation not permitted" ]]
	fi
}

@test "memory: the limit OOM-kills (memory.events oom_kill) and events streams an oom event; events --stats reports pids.current and memory usage" {
	cfg '.linux.resources.memory = {"limit": 33554432, "swap": 33554432}' sleep 100
	gcreate oom
	local bad=0
	cg_is memory.max 33554432 || bad=1
	cg_is memory.swap.max 0 || bad=1
	run hull events --stats oom
	echo "$output"
	[ "$status" -eq 0 ]
	jq -e '.type == "stats" and .id == "oom" and .data.pids.current >= 1
		and .data.memory.usage.usage > 0 and .data.memory.usage.limit == 33554432' <<<"$output"
	# Streaming: a stats event at once, then oom events as they happen, until the cgroup goes.
	timeout -k 5 60 "$HULL" --root "$ROOT" events --interval 60s oom >"$T/events" 2>"$T/events.err" &
	local events=$!
	gwait_text "$T/events" '"type":"stats"'
	run hullt exec oom dd if=/dev/zero of=/dev/null bs=64M count=1
	echo "exec: $status $output"
	[ "$status" -eq 137 ]
	local line kills=0
	while read -r line; do
		case "$line" in "oom_kill "*) kills="${line#oom_kill }" ;; esac
	done <"$CG/memory.events"
	[ "$kills" -ge 1 ]
	gwait_text "$T/events" '{"type":"oom","id":"oom"}'
	hull delete --force oom
	local rc=0
	wait "$events" || rc=$?
	echo "events: exit $rc: $(<"$T/events.err")"
	[ "$rc" -eq 0 ]
	[ "$bad" = 0 ]
}

@test "pids: the limit stops a fork (pids.events); pause freezes the container (cgroup.freeze, state paused, no progress, exec refused), resume thaws; SIGKILL reaches a paused one" {
	# The init ticks every 0.2 s without forking.
	cfg '.linux.resources.pids = {"limit": 4}' sh -c 'mkfifo /dev/shm/p; exec 3<>/dev/shm/p; i=0
		while :; do i=$((i+1)); echo $i >/dev/shm/tick; read -t 0.2 x <&3; done'
	gstart pz
	cg_is pids.max 4
	# The init (1), the exec'd sh (2) and two sleeps (3, 4): the third sleep cannot be forked.
	# (the sleeps off the output pipe, which `run` reads to its end)
	run hullt exec pz sh -c 'for i in 1 2 3; do sleep 30 </dev/null >/dev/null 2>&1 & done; echo all-forked; wait'
	echo "$output"
	[ "$status" -ne 0 ]
	[[ "$output" == *"can't fork"* ]]
	[[ "$output" != *all-forked* ]]
	local events
	slurp events "$CG/pids.events"
	[ "$events" != "max 0" ]

	local tick="/proc/$PID/root/dev/shm/tick" a=0 b i
	for i in {1..100}; do
		read -r a 2>/dev/null <"$tick" || true
		[ "${a:-0}" -ge 2 ] && break
		sleep 0.1
	done
	[ "$a" -ge 2 ]
	hull pause pz
	gstate pz
	[ "$STATUS" = paused ]
	cg_is cgroup.freeze 1
	grep -qx 'frozen 1' "$CG/cgroup.events"
	read -r a <"$tick"
	sleep 1
	read -r b <"$tick"
	[ "$a" = "$b" ]
	run hull exec pz true
	[ "$status" -ne 0 ]
	[[ "$output" == *"cannot exec in a paused container"* ]]
	hull resume pz
	gstate pz
	[ "$STATUS" = running ]
	cg_is cgroup.freeze 0
	for i in {1..50}; do
		read -r a <"$tick"
		[ "$a" -gt "$b" ] && break
		sleep 0.1
	done
	[ "$a" -gt "$b" ]
	run hull resume pz
	[ "$status" -ne 0 ]
	[[ "$output" == *"container not paused"* ]]
	hull pause pz
	hull kill pz KILL
	gwait_status pz stopped
}

@test "exec joins the container's cgroup (--cgroup: a sub-cgroup); ps lists the cgroup's processes (json, table); kill --all signals every one" {
	cfg '.linux.namespaces = [.linux.namespaces[] | select(.type != "pid")]' sh -c 'sleep 100 & sleep 101 & wait'
	gstart ex
	local cg="$CG" e1 e2
	run hull exec ex cat /proc/self/cgroup
	[ "$output" = "0::/" ]
	hull exec -d --pid-file "$T/e1.pid" ex sleep 99 </dev/null >/dev/null 2>&1
	read -r e1 <"$T/e1.pid" || true
	guest_track "$e1"
	cg_of "$e1"
	[ "$CG" = "$cg" ]
	mkdir "$cg/sub"
	hull exec -d --pid-file "$T/e2.pid" --cgroup sub ex sleep 98 </dev/null >/dev/null 2>&1
	read -r e2 <"$T/e2.pid" || true
	guest_track "$e2"
	cg_of "$e2"
	[ "$CG" = "$cg/sub" ]
	run hull exec --cgroup sub ex cat /proc/self/cgroup
	[ "$output" = "0::/sub" ]

	# ps: every process of the cgroup and its sub-cgroup (the init, two sleeps, two exec'd).
	local want=() p
	mapfile -t want < <(cat "$cg/cgroup.procs" "$cg/sub/cgroup.procs")
	[ "${#want[@]}" -eq 5 ]
	run hull ps --format json ex
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(jq -c 'sort' <<<"$output")" = "$(printf '%s\n' "${want[@]}" | jq -s -c 'sort')" ]
	run hull ps ex
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == *PID* ]]
	[ "${#lines[@]}" -eq 6 ]
	[[ "$output" == *"sleep 98"* ]]

	hull kill --all ex TERM
	gwait_status ex stopped
	for p in "${want[@]}"; do
		gwait_gone "$p"
	done
	hull delete ex
	[ ! -d "$cg" ]
}

@test "delete kills what a stopped container left in its cgroup (cgroup.kill), sub-cgroups too, and removes it; a create failing half-way (bad cwd) leaves nothing" {
	# Without a pid namespace the init's children outlive it.
	cfg '.linux.namespaces = [.linux.namespaces[] | select(.type != "pid")]' sh -c 'sleep 100 & sleep 101 & exit 0'
	gcreate dk
	local cg="$CG" left=() p
	mkdir "$cg/sub"
	hull start dk
	gwait_status dk stopped
	mapfile -t left <"$cg/cgroup.procs"
	[ "${#left[@]}" -eq 2 ]
	echo "${left[0]}" >"$cg/sub/cgroup.procs"
	hull delete dk
	[ ! -d "$cg" ]
	for p in "${left[@]}"; do
		gwait_gone "$p"
	done

	# The init fails at its last step (chdir): the cgroup made and filled before goes too.
	cfg '.process.cwd = "/etc/passwd"' true
	gtry_create cwd
	echo "$output"
	[ "$status" -ne 0 ]
	[[ "$output" == *"working directory"* ]]
	[ ! -e "$ROOT/cwd" ]
	guest_no_new_cgroup
}

@test "edge: true exits 0 with memory.max = 512k and with pids.max = 1; under pids.max = 1 sh -c 'true & wait' fails cleanly, without hanging hull" {
	cfg '.linux.resources.memory = {"limit": 524288}' true
	run hullt run --bundle "$BUNDLE" m512k
	echo "memory 512k: $status $output"
	[ "$status" -eq 0 ]
	cfg '.linux.resources.pids = {"limit": 1}' true
	run hullt run --bundle "$BUNDLE" p1
	echo "pids 1: $status $output"
	[ "$status" -eq 0 ]
	cfg '.linux.resources.pids = {"limit": 1}' sh -c 'true & wait'
	run hullt run --bundle "$BUNDLE" p1fork
	echo "pids 1, fork: $status $output"
	[ "$status" -ne 0 ]
	[ "$status" -ne 124 ] && [ "$status" -ne 137 ] # not the timeout
	[[ "$output" == *"can't fork"* ]]
	guest_no_new_cgroup
}

@test "edge: true exits 0 with RLIMIT_NOFILE soft = 4" {
	cfg '.process.rlimits = [{"type": "RLIMIT_NOFILE", "soft": 4, "hard": 1024}]' true
	run hullt run --bundle "$BUNDLE" nofile
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "edge: a memory limit too small to start fails with a clear OOM message and leaves nothing" {
	cfg '.linux.resources.memory = {"limit": 65536}' true
	run hullt run --bundle "$BUNDLE" tiny
	echo "$output"
	[ "$status" -ne 0 ]
	[ "$status" -ne 124 ]
	[ ! -e "$ROOT/tiny" ]
	guest_no_new_cgroup
	[[ "$output" == *OOM* ]]
}
