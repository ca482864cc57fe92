#!/usr/bin/env bats
# Where runc's users and engines see runc's behaviour: signal 0, what stays off stderr, runc's
# error words, and the inputs runc accepts (docs/cli-contract.md).

load helpers

setup_file() {
	hull_setup_file
}

setup() {
	hull_setup
	T="$BATS_TEST_TMPDIR"
}

teardown() {
	hull_teardown
}

# ---- kill with signal 0 --------------------------------------------------------------------------

@test "kill ID 0 and kill -a ID 0 probe a running container: exit 0, no output, nothing delivered" {
	start_container k0run hull-checker wait-signal
	wait_for_file_text "$T/k0run.err" ready
	run hull kill k0run 0
	assert_status 0
	[ -z "$output" ]
	run hull kill -a k0run 0
	assert_status 0
	[ -z "$output" ]
	run hull kill --all k0run 0
	assert_status 0
	[ -z "$output" ]
	# wait-signal prints the first signal it gets and exits: none came.
	sleep 0.2
	[ "$(status_of k0run)" = running ]
	[ ! -s "$T/k0run.out" ]
}

@test "kill ID KILL of a container without its own pid namespace, from a runtime in a pid namespace: exit 0, every process gone" {
	update_config '.linux.namespaces |= map(select(.type != "pid"))'
	set_args sleep 1000
	# In its own pid namespace the runtime's reaper (the namespace's init) reaps the container's
	# init as soon as the cgroup walk has killed it, as in runc's suite and in a containerized
	# engine.
	cat >"$T/kill.sh" <<EOF
set -e
"$HULL" --root "$ROOT" run -d --bundle "$BUNDLE" kpid </dev/null >/dev/null
for i in 1 2; do "$HULL" --root "$ROOT" exec -d kpid sleep 1000; done
pids="\$(pgrep -f 'sleep 1000' | tr '\n' ' ')"
echo "pids: \$pids" >&2
set +e
"$HULL" --root "$ROOT" kill kpid KILL
echo "kill=\$?"
sleep 0.5
for p in \$pids; do kill -0 "\$p" 2>/dev/null && echo "alive \$p"; done
"$HULL" --root "$ROOT" state kpid | jq -r .status
"$HULL" --root "$ROOT" delete kpid
EOF
	run unshare --pid --fork --mount-proc bash "$T/kill.sh"
	echo "$output" >&2
	[ "$(grep -c '^pids: [0-9]* [0-9]* [0-9]*' <<<"$output")" = 1 ]
	grep -qx kill=0 <<<"$output"
	[[ "$output" != *alive* ]]
	grep -qx stopped <<<"$output"
}

@test "kill ID KILL of a container without its own pid namespace whose init is gone: its other processes are killed, exit 0" {
	update_config '.linux.namespaces |= map(select(.type != "pid"))'
	start_container kgone sleep 1000
	local init p pids=()
	init="$(state_field kgone pid)"
	for p in 1 2; do
		hull exec -d --pid-file "$T/kgone-$p.pid" kgone sleep 1000
		pids+=("$(cat "$T/kgone-$p.pid")")
	done
	kill -9 "$init"
	wait_pid_gone "$init"
	[ "$(status_of kgone)" = stopped ]
	run hull kill kgone KILL
	assert_status 0
	for p in "${pids[@]}"; do wait_pid_gone "$p"; done
	# with its own pid namespace nothing outlives the init, and a stopped container is not running
	run hull kill kgone TERM
	[ "$status" -ne 0 ]
	[[ "$output" == *"container not running"* ]]
}

@test "kill ID 0 of a stopped container: container not running; kill -a ID 0 exits 0" {
	start_container k0stop sleep 100
	hull kill k0stop KILL
	wait_for_status k0stop stopped
	run hull kill k0stop 0
	assert_status 1
	assert_output_contains "container not running"
	[[ "$output" != *"unknown signal"* ]]
	run hull kill -a k0stop 0
	assert_status 0
	[ -z "$output" ]
}

@test "kill -a ID 0 leaves a paused container paused" {
	skip_if_runc "runc 1.1.5 freezes and thaws the cgroup for --all; its main branch signals only the init"
	start_container k0pause sleep 100
	hull pause k0pause
	run hull kill -a k0pause 0
	assert_status 0
	[ "$(status_of k0pause)" = paused ]
	hull resume k0pause
}

# ---- ambient capabilities the kernel refuses -----------------------------------------------------

# A config whose ambient set lists a capability that is not inheritable (runc 1.1's `spec` writes
# such configs): CAP_KILL can be raised, CAP_CHOWN cannot.
ambient_not_inheritable() {
	update_config '.process.capabilities.inheritable = ["CAP_KILL"]
		| .process.capabilities.ambient = ["CAP_KILL", "CAP_CHOWN"]'
}

# has_ambient_debug_record LOG: the json LOG has runc's words for CAP_CHOWN, at debug level.
has_ambient_debug_record() {
	jq -s -e 'any(.[]; .level == "debug"
		and .msg == "can'"'"'t raise ambient capability CAP_CHOWN: operation not permitted")' \
		"$1" >/dev/null || {
		cat "$1" >&2
		return 1
	}
}

@test "ambient capabilities that are not inheritable: run and exec write nothing to stderr" {
	ambient_not_inheritable
	set_args grep CapAmb /proc/self/status
	hull run --bundle "$BUNDLE" ambrun </dev/null >"$T/run.out" 2>"$T/run.err"
	grep -q $'CapAmb:\t0000000000000020' "$T/run.out"
	[ ! -s "$T/run.err" ] || {
		cat "$T/run.err" >&2
		false
	}
	start_container ambexec sleep 100
	[ ! -s "$T/ambexec.err" ] || {
		cat "$T/ambexec.err" >&2
		false
	}
	hull exec ambexec grep CapAmb /proc/self/status >"$T/exec.out" 2>"$T/exec.err"
	grep -q $'CapAmb:\t0000000000000020' "$T/exec.out"
	[ ! -s "$T/exec.err" ] || {
		cat "$T/exec.err" >&2
		false
	}
}

@test "ambient capabilities that are not inheritable: a debug record in the --debug log" {
	skip_if_runc "runc 1.1.5 writes no record at all"
	ambient_not_inheritable
	set_args true
	hull --debug --log "$T/run.log" --log-format json run --bundle "$BUNDLE" ambdbg </dev/null \
		>/dev/null 2>"$T/run.err"
	[ ! -s "$T/run.err" ]
	has_ambient_debug_record "$T/run.log"
	[ "$(jq -r 'select(.msg | contains("ambient")) | .level' "$T/run.log" | sort -u)" = debug ]
	set_args sleep 100
	create_container ambdbg2
	hull start ambdbg2
	hull --debug --log "$T/exec.log" --log-format json exec ambdbg2 true 2>"$T/exec.err"
	[ ! -s "$T/exec.err" ]
	has_ambient_debug_record "$T/exec.log"
}

# ---- runc's error words --------------------------------------------------------------------------

@test "exec --cgroup ..: runc's words, the process does not run" {
	start_container cgdotdot sleep 100
	run hull exec --cgroup .. cgdotdot touch /tmp/ran
	[ "$status" -ne 0 ]
	# runc ≤ 1.3 and its suite; runc ≥ 1.4 says "bad sub cgroup path: ..".
	assert_output_contains " .. is not a sub cgroup path"
	is_runc || assert_output_contains "bad sub cgroup path: .."
	run hull exec cgdotdot test -e /tmp/ran
	[ "$status" -ne 0 ]
}

@test "a seccomp agent nobody listens for: failed to connect with seccomp agent, nothing left" {
	update_config '.linux.seccomp = {
		"defaultAction": "SCMP_ACT_ALLOW",
		"listenerPath": "'"$T"'/no-agent.sock",
		"syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_NOTIFY"}]}'
	set_args true
	run hull run --bundle "$BUNDLE" noagent
	[ "$status" -ne 0 ]
	assert_output_contains "failed to connect with seccomp agent"
	no_state_left
}

# ---- inputs runc accepts -------------------------------------------------------------------------

@test "device access letters beyond r, w and m are ignored: wa grants w, a alone grants nothing" {
	update_config '.linux.resources.devices = [{"allow": false, "access": "rwm"},
			{"allow": true, "type": "c", "major": 1, "minor": 11, "access": "wa"}]
		| .linux.devices = [{"path": "/dev/kmsg", "type": "c", "major": 1, "minor": 11}]'
	# Opening /dev/kmsg for writing writes nothing and needs no capability: only the device
	# cgroup decides.
	set_args sh -c 'exec 3>/dev/kmsg && echo kmsg-opened'
	run hull run --bundle "$BUNDLE" devwa
	assert_status 0
	[ "$output" = kmsg-opened ]
	update_config '.linux.resources.devices[1].access = "a"'
	# hull: the rule is dropped and the open is refused; runc 1.1.5 on cgroup v1 fails the start
	# ("resulting devices cgroup doesn't precisely match target"). Neither grants anything.
	run hull run --bundle "$BUNDLE" deva
	[ "$status" -ne 0 ]
	[[ "$output" != *kmsg-opened* ]]
}

@test "a namespace entry listed twice alike is one namespace" {
	skip_if_runc "runc refuses any namespace type listed twice (malformed spec file: duplicated ns)"
	# runc's suite adds a cgroup namespace to the spec its runtime writes, which under hull
	# already has one.
	update_config '.linux.namespaces |= map(select(.type != "cgroup"))
		| .linux.namespaces += [{"type": "cgroup"}, {"type": "cgroup"}]'
	set_args readlink /proc/self/ns/cgroup
	run hull run --bundle "$BUNDLE" nstwice
	assert_status 0
	[[ "$output" == cgroup:* ]]
	[ "$output" != "$(readlink /proc/self/ns/cgroup)" ]
}

@test "one namespace type with two different paths is refused before anything is made" {
	update_config '.linux.namespaces += [{"type": "ipc", "path": "/proc/1/ns/ipc"}, {"type": "ipc", "path": "/proc/'$$'/ns/ipc"}]
		| .linux.namespaces |= (map(select(.type != "ipc" or .path != null)))'
	set_args true
	run hull run --bundle "$BUNDLE" nsdiff
	[ "$status" -ne 0 ]
	assert_output_contains "duplicate"
	is_runc || assert_output_contains 'duplicate namespace type "ipc" with another path'
	no_state_left
}
