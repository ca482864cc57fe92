#!/usr/bin/env bats
# config-linux.md "Seccomp" (security.md §2.8): the filter from linux.seccomp, compiled by the
# runtime and loaded in the container as late as the spec and runc allow; every action, errno
# values, argument conditions, unknown names, ENOSYS for syscalls newer than the profile, the
# filter inherited by `exec`, and the SCMP_ACT_NOTIFY listener handed to an agent.
# Syscall numbers are x86-64's (mkdir 83, personality 135, getpid 39).

load ../helpers
load spec_helpers

setup_file() {
	hull_setup_file
}

setup() {
	spec_setup
}

teardown() {
	spec_teardown
}

# seccomp JSON: set linux.seccomp.
seccomp() {
	update_config ".linux.seccomp = $1"
}

# sys ID NR [ARGS]: the checker's syscall NR in a new container ID; sets $output to its JSON.
sys() {
	local id="$1"
	shift
	set_args hull-checker syscall "$@"
	status=0
	output="$(hull run --bundle "$BUNDLE" "$id" </dev/null 2>"$T/sys.err")" || status=$?
}

errno_of() {
	jq -r .errno <<<"$output"
}

@test "seccomp: an ERRNO rule gives EPERM by default and errnoRet when set; other calls pass" {
	seccomp '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
		{"names": ["mkdir"], "action": "SCMP_ACT_ERRNO"},
		{"names": ["rmdir"], "action": "SCMP_ACT_ERRNO", "errnoRet": 28}]}'
	run_sh 'mkdir /tmp/a 2>&1; rmdir /tmp 2>&1; grep -E "^Seccomp(_filters)?:" /proc/self/status'
	[[ "$output" == *"Operation not permitted"* ]]
	[[ "$output" == *"No space left on device"* ]]
	[[ "$output" == *"Seccomp:	2"* ]]
	[[ "$output" == *"Seccomp_filters:	1"* ]]
}

@test "seccomp: defaultAction ERRNO with defaultErrnoRet; a syscall newer than the profile gets ENOSYS" {
	# enough for a static program to start, print and exit
	seccomp '{"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 1, "syscalls": [{"names": [
		"execve", "brk", "arch_prctl", "set_tid_address", "set_robust_list", "rseq", "prlimit64",
		"mprotect", "readlink", "readlinkat", "getrandom", "uname", "newfstatat", "fstat", "write",
		"exit_group", "exit", "mmap", "munmap", "rt_sigprocmask", "rt_sigaction", "close",
		"close_range", "fcntl", "getpid"], "action": "SCMP_ACT_ALLOW"}]}'
	sys enosys 1000
	[ "$status" -eq 0 ]
	[ "$(errno_of)" = 38 ]
	sys eperm 83 0 0 # mkdir: older than the newest listed syscall, so the default errno
	[ "$(errno_of)" = 1 ]
	sys allowed 39 # getpid
	[ "$(errno_of)" = 0 ]
}

@test "seccomp: argument conditions (EQ, MASKED_EQ, two on one argument are OR'ed)" {
	seccomp '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
		{"names": ["personality"], "action": "SCMP_ACT_ERRNO", "errnoRet": 22,
			"args": [{"index": 0, "value": 8, "op": "SCMP_CMP_EQ"}, {"index": 0, "value": 9, "op": "SCMP_CMP_EQ"}]},
		{"names": ["personality"], "action": "SCMP_ACT_ERRNO", "errnoRet": 7,
			"args": [{"index": 0, "value": 255, "valueTwo": 16, "op": "SCMP_CMP_MASKED_EQ"}]}]}'
	sys p8 135 8
	[ "$(errno_of)" = 22 ]
	sys p9 135 9
	[ "$(errno_of)" = 22 ]
	sys p16 135 0x110
	[ "$(errno_of)" = 7 ]
	sys pquery 135 0xffffffff
	[ "$(errno_of)" = 0 ]
}

@test "seccomp: SCMP_ACT_KILL_PROCESS kills with SIGSYS, SCMP_ACT_TRAP sends SIGSYS" {
	seccomp '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_KILL_PROCESS"}]}'
	sys kill 83 0 0
	[ "$status" -eq 159 ]
	seccomp '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_TRAP"}]}'
	sys trap 83 0 0
	[ "$status" -eq 159 ]
}

@test "seccomp: SCMP_ACT_LOG and SCMP_ACT_KILL_THREAD are accepted; LOG lets the call through" {
	seccomp '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
		{"names": ["getpid"], "action": "SCMP_ACT_LOG"},
		{"names": ["rmdir"], "action": "SCMP_ACT_KILL_THREAD"}]}'
	sys log 39
	[ "$status" -eq 0 ]
	[ "$(errno_of)" = 0 ]
}

@test "seccomp: syscall names unknown to libseccomp are skipped, as runc does" {
	seccomp '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["no_such_syscall_x", "mkdir"], "action": "SCMP_ACT_ERRNO"}]}'
	sys unknown 83 0 0
	[ "$status" -eq 0 ]
	[ "$(errno_of)" = 1 ]
}

@test "seccomp: with noNewPrivileges, a profile blocking setuid, setgroups and capset still starts as user 1000" {
	update_config '.process.noNewPrivileges = true | .process.user = {"uid": 1000, "gid": 1000}'
	seccomp '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["setuid", "setgid",
		"setresuid", "setresgid", "setgroups", "capset", "setreuid", "setregid"], "action": "SCMP_ACT_ERRNO"}]}'
	run_sh 'id -u; grep NoNewPrivs /proc/self/status'
	assert_status 0
	[ "$(sed -n 1p <<<"$output")" = 1000 ]
}

@test "seccomp: without noNewPrivileges the filter is loaded before the user change (needs CAP_SYS_ADMIN)" {
	update_config '.process.noNewPrivileges = false | .process.user = {"uid": 1000, "gid": 1000}'
	seccomp '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_ERRNO"}]}'
	run_sh 'id -u; grep NoNewPrivs /proc/self/status; mkdir /tmp/x 2>&1; true'
	assert_status 0
	[ "$(sed -n 1p <<<"$output")" = 1000 ]
	[[ "$(sed -n 2p <<<"$output")" == *"0" ]]
	[[ "$output" == *"Operation not permitted"* ]]
	# ... so a profile that blocks the user change makes the start fail, as with runc
	seccomp '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["setresuid", "setuid"], "action": "SCMP_ACT_ERRNO"}]}'
	run_sh 'id -u'
	[ "$status" -ne 0 ]
	grep -q "operation not permitted" "$T/sh.err"
}

@test "seccomp: flags TSYNC, LOG and SPEC_ALLOW are accepted; an x86 arch entry is added" {
	seccomp '{"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
		"flags": ["SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW"],
		"syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_ERRNO"}]}'
	sys flags 83 0 0
	[ "$status" -eq 0 ]
	[ "$(errno_of)" = 1 ]
}

@test "seccomp: exec'd processes get the container's filter" {
	seccomp '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_ERRNO", "errnoRet": 28}]}'
	start_container ex sleep 100
	run hull exec ex hull-checker syscall 83 0 0
	[ "$status" -eq 0 ]
	[ "$(errno_of)" = 28 ]
}

@test "seccomp: bad profiles fail at create naming the field, nothing left behind" {
	seccomp '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_BOGUS"}]}'
	try_create bad1
	[ "$status" -ne 0 ]
	[[ "$output" == *"/linux/seccomp/syscalls/0/action"* ]]
	seccomp '{"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_NOPE"]}'
	try_create bad2
	[ "$status" -ne 0 ]
	[[ "$output" == *"/linux/seccomp/architectures/0"* ]]
	seccomp '{"defaultAction": "SCMP_ACT_ALLOW", "flags": ["SECCOMP_FILTER_FLAG_NOPE"]}'
	try_create bad3
	[ "$status" -ne 0 ]
	[[ "$output" == *"/linux/seccomp/flags/0"* ]]
	seccomp '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_NOTIFY"}]}'
	try_create bad4
	[ "$status" -ne 0 ]
	[[ "$output" == *"listenerPath"* ]]
	no_state_left
}

# start_agent NAME [--silent] [SOCKET]: hull's test agent on SOCKET (default $T/NAME.sock),
# writing $T/NAME.state and logging to $T/NAME.err; returns once the socket accepts connections.
start_agent() {
	local sock="${3:-$T/$1.sock}"
	local agent="${HULL_SECCOMP_AGENT:-}"
	if [ -z "$agent" ] || [ ! -x "$agent" ]; then
		agent="$T/agent"
		[ -x "$agent" ] || gcc -O2 -o "$agent" "$HULL_SOURCE_DIR/tests/seccomp-agent/agent.c"
	fi
	"$agent" ${2:+"$2"} "$sock" "$T/$1.state" 30 2>"$T/$1.err" &
	SPEC_PIDS+=("$!")
	local i
	for i in $(seq 100); do [ -S "$sock" ] && return 0; sleep 0.05; done
	echo "agent $1 did not start: $(cat "$T/$1.err")" >&2
	return 1
}

@test "seccomp notify: the listener and the container process state reach the agent, which answers" {
	skip_if_runc "runc 1.1 sends a different state"
	start_agent agent
	seccomp "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"listenerPath\": \"$T/agent.sock\",
		\"listenerMetadata\": \"meta-1\", \"syscalls\": [{\"names\": [\"mkdir\"], \"action\": \"SCMP_ACT_NOTIFY\"}]}"
	create_container notif sh -c 'mkdir /tmp/notified && echo mkdir-ok; test -d /tmp/notified || echo no-dir'
	wait_for_file_text "$T/agent.state" seccompFd
	local pid
	pid="$(state_field notif pid)"
	[ "$(jq -r '.fds[0]' "$T/agent.state")" = seccompFd ]
	[ "$(jq -r .pid "$T/agent.state")" = "$pid" ]
	[ "$(jq -r .metadata "$T/agent.state")" = meta-1 ]
	[ "$(jq -r .state.id "$T/agent.state")" = notif ]
	[ "$(jq -r .state.status "$T/agent.state")" = creating ]
	hull start notif
	wait_for_status notif stopped
	# the agent answered "success" without making the directory
	grep -q mkdir-ok "$T/notif.out"
	grep -q no-dir "$T/notif.out"
	grep -q "notify pid=" "$T/agent.err"
}

@test "seccomp notify without noNewPrivileges: the agent has the listener before the init's next call" {
	skip_if_runc "hull's test agent"
	start_agent agent
	# every call the init makes between the load and execve is sent to the agent, which lets
	# the kernel make it
	seccomp "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"listenerPath\": \"$T/agent.sock\",
		\"syscalls\": [{\"names\": [\"setresuid\", \"capget\", \"capset\", \"prctl\", \"openat\",
			\"read\", \"recvmsg\", \"sendmsg\", \"close\", \"close_range\", \"rt_sigprocmask\",
			\"rt_sigaction\", \"execve\"], \"action\": \"SCMP_ACT_NOTIFY\"}]}"
	update_config '.process.noNewPrivileges = false | .process.user = {"uid": 1000, "gid": 1000}'
	set_args sh -c 'head -1 /etc/passwd; id -u'
	status=0
	output="$(timeout -s KILL 30 "$HULL" --root "$ROOT" run --bundle "$BUNDLE" notify-nnp </dev/null 2>"$T/run.err")" || status=$?
	cat "$T/run.err" >&2
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf 'root:x:0:0:root:/root:/bin/sh\n1000')" ]
	# setresuid (117) and capset (126) came after the load, and were answered
	grep -q "nr=117$" "$T/agent.err"
	grep -q "nr=126$" "$T/agent.err"
}

@test "a foreground run ends on SIGTERM and SIGINT while its init waits on an agent that never answers" {
	skip_if_runc "hull's test agent"
	local sig pid i
	for sig in TERM INT; do
		start_agent "silent-$sig" --silent
		seccomp "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"listenerPath\": \"$T/silent-$sig.sock\",
			\"syscalls\": [{\"names\": [\"capset\"], \"action\": \"SCMP_ACT_NOTIFY\"}]}"
		update_config '.process.noNewPrivileges = false'
		set_args true
		# (a background job of a script starts with SIGINT ignored; the terminal's would not be)
		env --default-signal=INT "$HULL" --root "$ROOT" run --bundle "$BUNDLE" "stuck-$sig" </dev/null 2>"$T/stuck.err" &
		pid=$!
		SPEC_PIDS+=("$pid")
		# the init is blocked in capset (hull hands the listener over before it; a runtime that
		# hands it later is stuck before that)
		for i in $(seq 50); do [ -s "$T/silent-$sig.state" ] && break; sleep 0.1; done
		sleep 0.5
		kill -"$sig" "$pid"
		for i in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		if kill -0 "$pid" 2>/dev/null; then
			echo "run still there 10 s after SIG$sig" >&2
			return 1
		fi
		status=0
		wait "$pid" || status=$?
		cat "$T/stuck.err" >&2
		[ "$status" -ne 0 ]
		grep -q "interrupted by SIG$sig" "$T/stuck.err"
		nothing_left "stuck-$sig"
		[ -z "$(find /sys/fs/cgroup -maxdepth 5 -type d -name "stuck-$sig" 2>/dev/null)" ]
	done
}

@test "seccomp notify without noNewPrivileges: exec hands its listener over before its next call too" {
	skip_if_runc "hull's test agent"
	start_agent agent
	seccomp "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"listenerPath\": \"$T/agent.sock\",
		\"syscalls\": [{\"names\": [\"setresuid\", \"capset\", \"prctl\"], \"action\": \"SCMP_ACT_NOTIFY\"}]}"
	# the init with noNewPrivileges (its filter is loaded last), the exec'd process without
	update_config '.process.noNewPrivileges = true'
	start_container nx sleep 100
	jq '.process | .noNewPrivileges = false | .args = ["sh", "-c", "echo exec-ok"]' \
		"$BUNDLE/config.json" >"$T/process.json"
	# the agent takes one connection: a second one for the exec'd process's listener
	start_agent agent2 "" "$T/agent.sock"
	status=0
	output="$(timeout -s KILL 30 "$HULL" --root "$ROOT" exec --process "$T/process.json" nx 2>&1)" || status=$?
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = exec-ok ]
	grep -q "nr=126$" "$T/agent2.err"
}
