#!/usr/bin/env bats
# Terminal mode (cli-contract.md §6; config.md process.terminal and consoleSize; security.md P12):
# the pty comes from the container's own devpts, its slave is /dev/console and the process's
# stdio, the master goes to --console-socket (one fd, one cmsg, a name) or, in the foreground,
# is relayed by hull itself. The runtime's own stdout and stderr never reach the container.

load helpers

setup_file() {
	hull_setup_file
}

setup() {
	hull_setup
	T="$BATS_TEST_TMPDIR"
	RECV_PID=
}

teardown() {
	[ -z "$RECV_PID" ] || kill -9 "$RECV_PID" 2>/dev/null || true
	hull_teardown
}

terminal_config() {
	update_config '.process.terminal = true'
}

@test "create --console-socket: the master reaches the socket; stdio, /dev/console and the size are the pty's" {
	terminal_config
	update_config '.process.consoleSize = {"height": 33, "width": 111}'
	set_args sh -c 'tty; stty size; test -t 0 && test -t 1 && test -t 2 && echo all-tty;
		stat -c "%t:%T" /dev/console "$(tty)"'
	recvtty "$T/console.sock" "$T/tty.out"
	CREATE_FLAGS=(--console-socket "$T/console.sock")
	create_container con1
	# sent before create returned (conmon and containerd rely on it)
	[ -s "$T/tty.out.name" ]
	[ "$(cat "$T/tty.out.winsize")" = "33 111" ]
	hull start con1
	wait "$RECV_PID"
	RECV_PID=
	tr -d '\r' <"$T/tty.out" >"$T/tty.txt"
	grep -qx '/dev/pts/[0-9]*' "$T/tty.txt"
	grep -qx '33 111' "$T/tty.txt"
	grep -qx 'all-tty' "$T/tty.txt"
	# /dev/console is a bind mount of the process's own pty slave
	local devs
	devs="$(grep -x '[0-9a-f]*:[0-9a-f]*' "$T/tty.txt" | sort -u | wc -l)"
	[ "$devs" = 1 ]
}

@test "create --console-socket: input written to the master reaches the process" {
	terminal_config
	set_args sh -c 'read line; echo "got:$line"'
	recvtty "$T/console.sock" "$T/tty.out" --input $'hello\n'
	CREATE_FLAGS=(--console-socket "$T/console.sock")
	create_container con2
	hull start con2
	wait "$RECV_PID"
	RECV_PID=
	grep -q 'got:hello' "$T/tty.out"
}

@test "terminal mode: the runtime's stdout and stderr are not held by the container" {
	terminal_config
	recvtty "$T/console.sock" "$T/tty.out"
	# a pipe that only reaches EOF when every holder of its write end is gone
	timeout 10 bash -c "'$HULL' --root '$ROOT' create --bundle '$BUNDLE' --console-socket '$T/console.sock' leak 2>&1 </dev/null | cat"
	track_container leak
	[ "$(status_of leak)" = created ]
	local pid fd
	pid="$(state_field leak pid)"
	for fd in 0 1 2; do
		[[ "$(readlink "/proc/$pid/fd/$fd")" == /dev/pts/* ]]
	done
}

@test "terminal flag checks: create with a terminal needs a socket, a socket needs a terminal" {
	terminal_config
	try_create nosock
	[ "$status" -ne 0 ]
	[[ "$output" == *"cannot allocate tty if"*"will detach without setting console socket"* ]]
	update_config '.process.terminal = false'
	try_create notty --console-socket "$T/none.sock"
	[ "$status" -ne 0 ]
	[[ "$output" == *"cannot use console socket if"*"will not detach or allocate tty"* ]]
	no_state_left
}

@test "a missing console socket fails create with Go's dial wording, nothing left behind" {
	terminal_config
	try_create nolistener --console-socket "$T/missing.sock"
	[ "$status" -ne 0 ]
	[[ "$output" == *"dial unix $T/missing.sock: connect: no such file or directory"* ]]
	no_state_left
}

@test "run in the foreground with a terminal: hull relays the pty and exits with the status" {
	command -v script >/dev/null || skip "needs script(1)"
	terminal_config
	set_args sh -c 'read line; echo "tty=$(tty) got=$line"; exit 3'
	local status=0
	printf 'typed\n' | timeout 20 script -qec "'$HULL' --root '$ROOT' run --bundle '$BUNDLE' fg1" /dev/null >"$T/fg.out" || status=$?
	[ "$status" -eq 3 ]
	grep -q 'tty=/dev/pts/[0-9]* got=typed' "$T/fg.out"
}

@test "exec --tty in the foreground: hull relays the pty" {
	command -v script >/dev/null || skip "needs script(1)"
	start_container ex sleep 100
	local status=0
	timeout 20 script -qec "'$HULL' --root '$ROOT' exec --tty ex sh -c 'tty; exit 4'" /dev/null </dev/null >"$T/ex.out" || status=$?
	[ "$status" -eq 4 ]
	grep -q '/dev/pts/[0-9]' "$T/ex.out"
}

@test "run in the foreground with a terminal and no controlling terminal: open /dev/tty fails" {
	terminal_config
	run setsid "$HULL" --root "$ROOT" run --bundle "$BUNDLE" notty </dev/null
	[ "$status" -ne 0 ]
	[[ "$output" == *"open /dev/tty: no such device or address"* ]]
	no_state_left
}
