#!/usr/bin/env bats
# `exec` (cli-contract.md §6.2, §7, §8.2; runc's exec.go): an additional process joins every
# namespace of the container, takes config.json's process with the flags on top (or a whole
# --process file), runs in the foreground with the program's exit status (255 for hull's own
# failure), or detached with a pid file, and gets a terminal through --console-socket.

load helpers
load spec/spec_helpers

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

@test "exec joins every namespace of the container" {
	start_container ns sleep 100
	local pid n
	pid="$(state_field ns pid)"
	for n in mnt net pid ipc uts cgroup user; do
		run hull exec ns readlink "/proc/self/ns/$n"
		[ "$status" -eq 0 ]
		[ "$output" = "$(readlink "/proc/$pid/ns/$n")" ]
	done
	# ... and sees the container's root filesystem, as pid > 1 of its pid namespace.
	run hull exec ns sh -c 'cat /proc/1/cmdline | tr "\0" " "; echo; echo $$'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "sleep 100 " ]
	[ "${lines[1]}" -gt 1 ]
}

@test "exec in a user and time namespace: the exec'd process shares the maps and clock offsets" {
	skip_if_runc "runc 1.1 has no time namespace"
	use_userns
	add_namespace time
	update_config '.linux.timeOffsets = {"boottime": {"secs": 86400000, "nanosecs": 0}}'
	start_container uns sleep 100
	run hull exec uns cat /proc/self/uid_map
	[ "$status" -eq 0 ]
	[ "$(echo $output)" = "0 100000 65536" ]
	local pid
	pid="$(state_field uns pid)"
	run hull exec uns readlink /proc/self/ns/time
	[ "$output" = "$(readlink "/proc/$pid/ns/time")" ]
	run hull exec uns cut -d. -f1 /proc/uptime
	[ "$output" -ge 86400000 ]
	# a file made by the exec'd root belongs to the mapped host uid
	run hull exec uns touch /dev/shm/made-by-exec
	[ "$status" -eq 0 ]
	[ "$(stat -c %u "/proc/$pid/root/dev/shm/made-by-exec")" = 100000 ]
}

@test "exec exits with the program's status, 128+N when killed by signal N" {
	start_container st sleep 100
	run hull exec st sh -c 'exit 7'
	[ "$status" -eq 7 ]
	run hull exec st sh -c 'kill -9 $$'
	[ "$status" -eq 137 ]
	run hull exec st true
	[ "$status" -eq 0 ]
}

@test "exec of a missing program fails with 255 and Go's wording" {
	start_container miss sleep 100
	run hull exec miss no-such-program
	[ "$status" -eq 255 ]
	[[ "$output" == *'exec: "no-such-program": executable file not found in $PATH'* ]]
	run hull exec miss /no/such
	[ "$status" -eq 255 ]
	[[ "$output" == *"no such file or directory"* ]]
}

@test "exec takes config.json's env, cwd and user, with --env appended" {
	update_config '.process.env += ["FROM_CONFIG=yes"] | .process.cwd = "/tmp"'
	start_container env sleep 100
	run hull exec --env EXTRA=1 --env FROM_CONFIG=no env sleep 0
	run hull exec --env EXTRA=1 env sh -c 'echo $FROM_CONFIG $EXTRA; pwd; id -u'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "yes 1" ]
	[ "${lines[1]}" = /tmp ]
	[ "${lines[2]}" = 0 ]
	run hull exec --env FROM_CONFIG=later env sh -c 'echo $FROM_CONFIG'
	[ "$output" = later ]
}

@test "exec --cwd, and a missing --cwd is an error (exec does not create it)" {
	start_container cwd sleep 100
	run hull exec --cwd /etc cwd pwd
	[ "$status" -eq 0 ]
	[ "$output" = /etc ]
	run hull exec --cwd /no/such/dir cwd pwd
	[ "$status" -eq 255 ]
	[[ "$output" == *"no such file or directory"* ]]
	[ ! -e "/proc/$(state_field cwd pid)/root/no/such" ]
}

@test "exec --user uid:gid and --additional-gids" {
	start_container usr sleep 100
	run hull exec --user 1000:1001 --additional-gids 2000 --additional-gids 2001 usr sh -c 'id -u; id -g; id -G'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 1000 ]
	[ "${lines[1]}" = 1001 ]
	[ "${lines[2]}" = "1001 2000 2001" ]
}

@test "exec --user by name resolves in the container's /etc/passwd, numeric stays numeric" {
	skip_if_runc "runc exec --user takes numbers only"
	echo 'app:x:1234:4321:app:/home/app:/bin/sh' >>"$BUNDLE/rootfs/etc/passwd"
	echo 'appgrp:x:4321:' >>"$BUNDLE/rootfs/etc/group"
	start_container name sleep 100
	run hull exec --user app name sh -c 'id -u; id -g; echo $HOME'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 1234 ]
	[ "${lines[1]}" = 4321 ]
	run hull exec --user no-such-user name true
	[ "$status" -eq 255 ]
	[[ "$output" == *"no-such-user"* ]]
}

@test "exec --cap adds to bounding, effective and permitted, never to inheritable or ambient" {
	update_config '.process.capabilities = {"bounding": ["CAP_KILL"], "effective": ["CAP_KILL"],
		"permitted": ["CAP_KILL"], "inheritable": ["CAP_KILL"], "ambient": ["CAP_KILL"]}'
	start_container cap sleep 100
	run hull exec --cap CAP_NET_ADMIN --cap sys_time cap grep ^Cap /proc/self/status
	[ "$status" -eq 0 ]
	# CAP_KILL = bit 5 (0x20), CAP_NET_ADMIN = bit 12 (0x1000), CAP_SYS_TIME = bit 25 (0x2000000)
	[[ "$output" == *"CapEff:	0000000002001020"* ]]
	[[ "$output" == *"CapPrm:	0000000002001020"* ]]
	[[ "$output" == *"CapBnd:	0000000002001020"* ]]
	[[ "$output" == *"CapInh:	0000000000000020"* ]]
	[[ "$output" == *"CapAmb:	0000000000000020"* ]]
	run hull exec --cap CAP_NO_SUCH cap true
	[ "$status" -ne 0 ]
	[[ "$output" == *'unknown capability "CAP_NO_SUCH"'* ]]
}

@test "exec --no-new-privs sets no_new_privs; without it the config's value holds" {
	update_config '.process.noNewPrivileges = false'
	start_container nnp sleep 100
	run hull exec nnp grep NoNewPrivs /proc/self/status
	[[ "$output" == *"NoNewPrivs:	0"* ]]
	run hull exec --no-new-privs nnp grep NoNewPrivs /proc/self/status
	[[ "$output" == *"NoNewPrivs:	1"* ]]
}

@test "exec applies the config's rlimits" {
	update_config '.process.rlimits = [{"type": "RLIMIT_NOFILE", "soft": 123, "hard": 456}]'
	start_container rl sleep 100
	run hull exec rl sh -c 'ulimit -n; ulimit -Hn'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 123 ]
	[ "${lines[1]}" = 456 ]
}

@test "exec --process: the whole process.json, other process flags ignored" {
	start_container pj sleep 100
	jq -n '{args: ["sh", "-c", "echo $ONLY; id -u; pwd"], cwd: "/etc", env: ["ONLY=file", "PATH=/bin"],
		user: {uid: 42, gid: 42}}' >"$T/process.json"
	run hull exec --process "$T/process.json" --cwd /tmp --env ONLY=flag pj
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = file ]
	[ "${lines[1]}" = 42 ]
	[ "${lines[2]}" = /etc ]
}

@test "exec --process with a bad file: the error names the field" {
	start_container pjbad sleep 100
	echo '{"args": [], "cwd": "/"}' >"$T/process.json"
	run hull exec --process "$T/process.json" pjbad
	[ "$status" -ne 0 ]
	[[ "$output" == *"args"* ]]
	echo '{"args": ["true"], "cwd": "relative"}' >"$T/process.json"
	run hull exec --process "$T/process.json" pjbad
	[ "$status" -ne 0 ]
	[[ "$output" == *"cwd"* ]]
}

@test "exec -d --pid-file: returns at once, the process runs in the container with that pid" {
	start_container det sleep 100
	# not `run`: the detached process holds the runtime's stdout
	hull exec -d --pid-file "$T/exec.pid" det sleep 77 </dev/null >/dev/null 2>"$T/exec.err"
	local pid
	pid="$(cat "$T/exec.pid")"
	[[ "$pid" =~ ^[0-9]+$ ]]
	[ "$(tr '\0' ' ' <"/proc/$pid/cmdline")" = "sleep 77 " ]
	[ "$(readlink "/proc/$pid/ns/pid")" = "$(readlink "/proc/$(state_field det pid)/ns/pid")" ]
	# not reaped or waited on by hull: it outlived the runtime
	kill -9 "$pid"
}

@test "exec into a created container runs before start; start still works" {
	create_container crt sleep 100
	run hull exec crt echo early
	[ "$status" -eq 0 ]
	[ "$output" = early ]
	[ "$(status_of crt)" = created ]
	hull start crt
	[ "$(status_of crt)" = running ]
}

@test "exec into a stopped or missing container fails" {
	start_container gone true
	wait_for_status gone stopped
	run hull exec gone true
	[ "$status" -eq 255 ]
	[[ "$output" == *"cannot exec in a stopped container"* ]]
	run hull exec no-such-container true
	[ "$status" -eq 255 ]
	[[ "$output" == *"does not exist"* ]]
}

@test "foreground exec forwards signals to the process" {
	start_container sig sleep 100
	"$HULL" --root "$ROOT" exec sig sh -c 'trap "exit 42" TERM; while :; do sleep 0.1; done' &
	local runtime=$!
	sleep 0.5
	kill -TERM "$runtime"
	local status=0
	wait "$runtime" || status=$?
	[ "$status" -eq 42 ]
}

@test "exec --preserve-fds passes extra fds" {
	start_container pfd sleep 100
	echo "through fd 3" >"$T/data"
	run hull exec --preserve-fds 1 pfd cat /proc/self/fd/3 3<"$T/data"
	[ "$status" -eq 0 ]
	[ "$output" = "through fd 3" ]
	run hull exec pfd sh -c 'test -e /proc/self/fd/3 && echo leaked || echo closed' 3<"$T/data"
	[ "$output" = closed ]
}

@test "exec --tty -d --console-socket: the process gets a pty, the master goes to the socket" {
	start_container tty sleep 100
	recvtty "$T/console.sock" "$T/tty.out"
	run hull exec --tty -d --console-socket "$T/console.sock" tty sh -c 'tty; test -t 0 && echo stdin-is-tty'
	[ "$status" -eq 0 ]
	wait "$RECV_PID"
	grep -q '^/dev/pts/[0-9]' "$T/tty.out"
	grep -q 'stdin-is-tty' "$T/tty.out"
	[ -s "$T/tty.out.name" ]
}

@test "exec terminal flag checks: tty and detach need a socket; a socket needs both" {
	start_container tchk sleep 100
	run hull exec --tty -d tchk true
	[ "$status" -ne 0 ]
	[[ "$output" == *"cannot allocate tty if"*"will detach without setting console socket"* ]]
	run hull exec --console-socket "$T/none.sock" tchk true
	[ "$status" -ne 0 ]
	[[ "$output" == *"cannot use console socket if"*"will not detach or allocate tty"* ]]
}

@test "exec does not reach the host: the process cannot see the runtime's fds or state dir" {
	start_container hyg sleep 100
	run hull exec hyg sh -c 'ls /proc/self/fd | tr "\n" " "'
	[ "$status" -eq 0 ]
	[ "$output" = "0 1 2 3 " ] # 3 is ls's own directory fd
}

@test "--pidfd-socket: create sends a pidfd of the init (\"standard\"), exec one of its process (\"setns\")" {
	skip_if_runc "runc 1.1 has no --pidfd-socket"
	CREATE_FLAGS=(--pidfd-socket "$T/pidfd.sock")
	recvtty "$T/pidfd.sock" "$T/init.pidfd" --pidfd
	create_container pfdc sleep 100
	wait "$RECV_PID"
	[ "$(cat "$T/init.pidfd.name")" = standard ]
	[ "$(tr -d ' \t\n' <"$T/init.pidfd")" = "$(state_field pfdc pid)" ]
	hull start pfdc
	recvtty "$T/pidfd2.sock" "$T/exec.pidfd" --pidfd
	hull exec -d --pid-file "$T/exec.pid" --pidfd-socket "$T/pidfd2.sock" pfdc sleep 50 </dev/null >/dev/null 2>&1
	wait "$RECV_PID"
	[ "$(cat "$T/exec.pidfd.name")" = setns ]
	[ "$(tr -d ' \t\n' <"$T/exec.pidfd")" = "$(cat "$T/exec.pid")" ]
	kill -9 "$(cat "$T/exec.pid")"
}

@test "--pidfd-socket with no listener fails before anything is made" {
	try_create nopfd --pidfd-socket "$T/none.sock"
	[ "$status" -ne 0 ]
	[[ "$output" == *"--pidfd-socket"*"connect: no such file or directory"* ]]
	no_state_left
}
