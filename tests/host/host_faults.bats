#!/usr/bin/env bats
# Faults from the host: a state root that is full (ENOSPC) or read-only (EROFS), cgroup writes
# that fail half-way or hit a cgroup removed from outside, hooks that are killed or never exit, a
# console socket that closes early, stdout that is a closed pipe, and a storm of signals at a
# foreground `run` and `exec`. Every verb gives a clear error or works; nothing is half-written
# or left behind (state, cgroups, mounts, processes); no hull process dies of anything but the
# signal it was sent.
#
# The suite runs in a mount namespace of its own (tests/host/sandbox.sh): the tmpfs it mounts on
# the state root stays private, and teardown unmounts it.

load helpers

setup_file() {
	hull_setup_file
}

setup() {
	hull_setup
	T="$BATS_TEST_TMPDIR"
	ROOT_TMPFS=""
	RECV_PID=""
}

teardown() {
	local failed=0
	[ -z "$RECV_PID" ] || kill -9 "$RECV_PID" 2>/dev/null || true
	if [ -n "$ROOT_TMPFS" ]; then
		mount -o remount,rw "$ROOT" 2>/dev/null || true
		rm -rf "$ROOT"/.fill*
	fi
	hull_teardown || failed=1
	if [ -n "$ROOT_TMPFS" ]; then
		umount "$ROOT" || failed=1
	fi
	return "$failed"
}

# ---- helpers -------------------------------------------------------------------------------------

# root_on_tmpfs OPTIONS: a tmpfs with OPTIONS as this test's state root (mode 0700: hull refuses
# a root that others may write), taken into the mount snapshot so teardown compares from here.
root_on_tmpfs() {
	mount -t tmpfs -o "mode=0700,$1" hull-faults "$ROOT"
	ROOT_TMPFS=1
	mount_points >"$MOUNTS_BEFORE"
}

# fill_blocks: no block left on the state root's tmpfs (inodes are left: a directory or an empty
# file can still be made, what goes into a file cannot).
fill_blocks() {
	dd if=/dev/zero of="$ROOT/.fill" bs=4k status=none 2>/dev/null || true
	if dd if=/dev/zero of="$ROOT/.fill-check" bs=4k count=1 status=none 2>/dev/null; then
		echo "the state root still takes data after filling it" >&2
		return 1
	fi
	rm -f "$ROOT/.fill-check"
}

# fill_inodes: no inode left either.
fill_inodes() {
	local i=0
	while touch "$ROOT/.fill$i" 2>/dev/null; do
		i=$((i + 1))
	done
}

# free_root: space and inodes again.
free_root() {
	rm -f "$ROOT"/.fill*
}

# cgroup_dirs ID: every cgroup directory named ID, in any hierarchy.
cgroup_dirs() {
	find /sys/fs/cgroup -mindepth 1 -type d -name "$1" 2>/dev/null
}

# pids_max ID: the container's pids.max (v1 pids hierarchy or cgroup2).
pids_max() {
	local d
	for d in $(cgroup_dirs "$1"); do
		[ -f "$d/pids.max" ] && cat "$d/pids.max" && return 0
	done
	echo "no pids.max for $1" >&2
	return 1
}

# nothing_left ID...: no state directory, cgroup or process of any of them remains.
nothing_left() {
	local id
	no_state_left || return 1
	for id in "$@"; do
		if [ -n "$(cgroup_dirs "$id")" ]; then
			echo "cgroup of $id left: $(cgroup_dirs "$id")" >&2
			return 1
		fi
		no_container_process "$id" || return 1
	done
}

# not_crashed: $status is an exit status, not death by a signal (bats' `run` gives 128+N). 255
# is a failed `exec`'s status (cli-contract.md §2).
not_crashed() {
	if [ "$status" -gt 128 ] && [ "$status" -ne 255 ]; then
		echo "hull died of signal $((status - 128)): $output" >&2
		return 1
	fi
}

# fails_naming TEXT: $status is 1 and $output names TEXT (a path as the user wrote it).
fails_naming() {
	not_crashed || return 1
	if [ "$status" -eq 0 ]; then
		echo "expected a failure naming $1; it succeeded: $output" >&2
		return 1
	fi
	assert_output_contains "$1"
}

# state_json_intact ID: state.json parses and has the container's ID; no temporary file is left
# next to it.
state_json_intact() {
	jq -e --arg id "$1" '.id == $id' "$ROOT/$1/state.json" >/dev/null || {
		echo "state.json of $1 is damaged: $(head -c 300 "$ROOT/$1/state.json")" >&2
		return 1
	}
	local tmp
	tmp="$(find "$ROOT/$1" -name '.*' 2>/dev/null)"
	[ -z "$tmp" ] || {
		echo "temporary files left in $ROOT/$1: $tmp" >&2
		return 1
	}
}

# ---- a full state root (ENOSPC) ------------------------------------------------------------------

@test "full state root: writers fail naming the root, readers work, nothing half-written, delete works once freed" {
	root_on_tmpfs size=512k,nr_inodes=64
	create_container made sleep 100
	start_container live sleep 100
	cp "$ROOT/live/state.json" "$T/live.state.json"
	fill_blocks

	# Made, then found without room for its files: removed again.
	try_create new
	fails_naming "$ROOT/new"
	assert_output_contains "no space left on device"
	[ ! -e "$ROOT/new" ]
	run hull run --bundle "$BUNDLE" new2 </dev/null
	fails_naming "$ROOT/new2"
	[ ! -e "$ROOT/new2" ]
	# Without an inode, its directory cannot be made at all.
	fill_inodes
	try_create new
	fails_naming "$ROOT/new"
	assert_output_contains "no space left on device"
	run hull run --bundle "$BUNDLE" new2 </dev/null
	fails_naming "$ROOT/new2"
	[ "$(find "$ROOT" -mindepth 1 -maxdepth 1 ! -name '.fill*' -printf '%f\n' | sort | tr '\n' ' ')" = "live made " ]
	state_json_intact made
	[ -z "$(cgroup_dirs new)$(cgroup_dirs new2)" ]

	# What only reads, or changes only the cgroup or the processes, works.
	run hull state live
	assert_status 0
	[ "$(jq -r .status <<<"$output")" = running ]
	run hull list -q
	assert_status 0
	[ "$(sort <<<"$output" | tr '\n' ' ')" = "live made " ]
	run hull ps live
	assert_status 0
	run hull events --stats live
	assert_status 0
	jq -e '.type == "stats"' <<<"$output" >/dev/null
	run hull exec live true
	assert_status 0
	run hull pause live
	assert_status 0
	[ "$(status_of live)" = paused ]
	run hull resume live
	assert_status 0
	run hull kill live 0
	assert_status 0
	run hull start made
	assert_status 0
	[ "$(status_of made)" = running ]

	# update records the new limits beside the container: it fails before the cgroup changes.
	run hull update --pids-limit 77 live
	fails_naming "$ROOT/live"
	not_crashed
	state_json_intact live
	cmp "$ROOT/live/state.json" "$T/live.state.json"
	local pids
	pids="$(pids_max live)"
	[ "$pids" != 77 ]

	run hull delete --force made
	assert_status 0
	free_root
	run hull delete --force live
	assert_status 0
	run hull delete --force live
	assert_status 0
	nothing_left made live new new2
}

# ---- a read-only state root (EROFS) --------------------------------------------------------------

@test "read-only state root: writers fail naming the path, readers work, state intact, delete works once writable" {
	root_on_tmpfs size=4m
	create_container made sleep 100
	start_container live sleep 100
	cp "$ROOT/live/state.json" "$T/live.state.json"
	mount -o remount,ro "$ROOT"

	try_create new
	fails_naming "$ROOT/new"
	assert_output_contains "read-only file system"
	[ ! -e "$ROOT/new" ]
	run hull run --bundle "$BUNDLE" new2 </dev/null
	fails_naming "$ROOT/new2"
	[ -z "$(cgroup_dirs new)$(cgroup_dirs new2)" ]

	run hull state live
	assert_status 0
	run hull list -q
	assert_status 0
	[ "$(sort <<<"$output" | tr '\n' ' ')" = "live made " ]
	run hull ps live
	assert_status 0
	run hull events --stats live
	assert_status 0
	run hull exec live true
	assert_status 0
	run hull pause live
	assert_status 0
	run hull resume live
	assert_status 0
	run hull kill live 0
	assert_status 0
	[ "$(status_of live)" = running ]

	# start takes the exec fifo away: it fails before the init is released.
	run hull start made
	fails_naming "$ROOT/made"
	[ "$(status_of made)" = created ]
	run hull update --pids-limit 77 live
	fails_naming "$ROOT/live"
	[ "$(pids_max live)" != 77 ]
	# delete cannot remove the state: it fails before it kills anything.
	run hull delete --force live
	fails_naming "$ROOT/live"
	assert_output_contains "read-only file system"
	[ "$(status_of live)" = running ]
	run hull delete made
	fails_naming "$ROOT/made"
	[ "$(status_of made)" = created ]
	cmp "$ROOT/live/state.json" "$T/live.state.json"

	mount -o remount,rw "$ROOT"
	# The init of "made" was never released: it starts now.
	run hull start made
	assert_status 0
	[ "$(status_of made)" = running ]
	run hull delete --force live
	assert_status 0
	run hull delete --force made
	assert_status 0
	run hull delete --force made
	assert_status 0
	nothing_left made live new new2
}

# ---- cgroup writes that fail, cgroups removed from outside ---------------------------------------

@test "update below the current usage: a clear error, the saved limits stay what the kernel holds, nothing leaked" {
	# Five processes and 16 MiB of shared memory charged to the container.
	start_container low sh -c 'for i in 1 2 3 4 5; do sleep 100 & done;
		dd if=/dev/zero of=/dev/shm/fill bs=1M count=16 2>/dev/null; echo filled; wait'
	wait_for_file_text "$T/low.out" filled
	# A pids limit below the current count is the kernel's to take: new forks fail, none die.
	run hull update --pids-limit 2 low
	assert_status 0
	[ "$(hull ps low | tail -n +2 | wc -l)" -ge 6 ]
	run hull exec low true
	assert_status 0
	# A process that forks in there gets the kernel's refusal, not hull.
	run hull exec low sh -c 'sleep 1 & wait'
	not_crashed
	[ "$status" -ne 0 ]
	[ "$(hull ps low | tail -n +2 | wc -l)" -ge 6 ]
	# A memory limit below what the container holds cannot be taken. The update fails naming
	# the memory limit; the saved config is unchanged and still what the kernel holds (the
	# pids limit given with it is written after the memory limit, so it is not applied).
	run hull update --pids-limit 50 --memory 1M low
	[ "$status" -eq 1 ]
	assert_output_contains "unable to set memory limit to 1048576"
	jq -e '.linux.resources.pids.limit == 2' "$ROOT/low/config.json" >/dev/null
	[ "$(pids_max low)" = 2 ]
	state_json_intact low
	[ "$(status_of low)" = running ]
	# A later update in range works, and the container can be removed.
	run hull update --pids-limit 60 --memory 64M low
	assert_status 0
	jq -e '.linux.resources.pids.limit == 60' "$ROOT/low/config.json" >/dev/null
	run hull delete --force low
	assert_status 0
	nothing_left low
}

# cgroup_empty_out ID: moves every process of the container's cgroups to this shell's own cgroup
# of that hierarchy, as something outside hull would.
cgroup_empty_out() {
	local d mp own p
	for d in $(cgroup_dirs "$1"); do
		mp="$(awk -v d="$d" '$9 == "cgroup" || $9 == "cgroup2" { if (index(d, $5 "/") == 1) print $5 }' \
			/proc/self/mountinfo | head -n1)"
		own="$(find "$mp" -name cgroup.procs -exec grep -lx "$$" {} + | head -n1)"
		[ -n "$own" ] || continue
		for p in $(cat "$d/cgroup.procs"); do
			echo "$p" >"$own" || true
		done
	done
}

@test "a cgroup emptied or removed from outside: verbs give clear errors or work, delete --force leaves nothing" {
	start_container gone sleep 100
	local pid start d
	pid="$(state_field gone pid)"
	start="$(proc_starttime "$pid")"
	cgroup_empty_out gone
	for d in $(cgroup_dirs gone | sort -r); do
		rmdir "$d"
	done
	[ -z "$(cgroup_dirs gone)" ]

	run hull state gone
	assert_status 0
	run hull list
	assert_status 0
	# Stats of a cgroup that is not there would be zeros: there are none.
	run hull events --stats gone
	[ "$status" -eq 1 ]
	assert_output_contains "container gone: its cgroup does not exist"
	for verb in "ps gone" "pause gone" "resume gone" "update --pids-limit 9 gone" "exec gone true" \
		"kill gone 0"; do
		# shellcheck disable=SC2086
		run hull $verb
		not_crashed
		[ "$status" -eq 0 ] || [ -n "$output" ] || {
			echo "hull $verb failed without saying why" >&2
			return 1
		}
	done
	[ -z "$(cgroup_dirs gone)" ]
	run hull delete --force gone
	assert_status 0
	wait_pid_gone "$pid" "$start"
	nothing_left gone
}

@test "a cgroup emptied from outside: delete --force kills the init by its pid and removes the cgroup" {
	start_container emptied sleep 100
	local pid start
	pid="$(state_field emptied pid)"
	start="$(proc_starttime "$pid")"
	cgroup_empty_out emptied
	run hull delete --force emptied
	assert_status 0
	wait_pid_gone "$pid" "$start"
	nothing_left emptied
}

# ---- hooks ---------------------------------------------------------------------------------------

# hook_config KIND TIMEOUT PATH ARGS...: one hook of KIND, PATH with argv ARGS (TIMEOUT "" for
# none).
hook_config() {
	local kind="$1" timeout="$2" path="$3" args
	shift 3
	args="$(jq -n -c '$ARGS.positional' --args -- "$@")"
	if [ -n "$timeout" ]; then
		update_config ".hooks.$kind = [{\"path\": \"$path\", \"args\": $args, \"timeout\": $timeout}]"
	else
		update_config ".hooks.$kind = [{\"path\": \"$path\", \"args\": $args}]"
	fi
}

# kill_hook_when_up: SIGKILL the hook that wrote its pid to $T/hook.pid.
kill_hook_when_up() {
	local i
	for i in $(seq 200); do
		[ -s "$T/hook.pid" ] && break
		sleep 0.05
	done
	[ -s "$T/hook.pid" ] || {
		echo "the hook never started" >&2
		return 1
	}
	kill -KILL "$(cat "$T/hook.pid")"
}

@test "a createRuntime hook killed with SIGKILL: create fails saying so, nothing left" {
	hook_config createRuntime "" /bin/sh sh -c "echo \$\$ >$T/hook.pid; exec sleep 100"
	set_args sleep 100
	hull create --bundle "$BUNDLE" hk1 </dev/null >/dev/null 2>"$T/create.err" &
	local hull_pid=$!
	kill_hook_when_up
	local status=0
	wait "$hull_pid" || status=$?
	output="$(cat "$T/create.err")"
	[ "$status" -eq 1 ]
	assert_output_contains "createRuntime hook"
	assert_output_contains "signal"
	nothing_left hk1
}

@test "a poststart hook killed with SIGKILL: start fails saying so, the container stops, delete leaves nothing" {
	hook_config poststart "" /bin/sh sh -c "echo \$\$ >$T/hook.pid; exec sleep 100"
	create_container hk2 sleep 100
	local pid
	pid="$(state_field hk2 pid)"
	hull start hk2 2>"$T/start.err" &
	local hull_pid=$!
	kill_hook_when_up
	local status=0
	wait "$hull_pid" || status=$?
	output="$(cat "$T/start.err")"
	[ "$status" -eq 1 ]
	assert_output_contains "poststart hook"
	wait_for_status hk2 stopped
	run hull delete hk2
	assert_status 0
	nothing_left hk2
}

@test "a hook that never exits: its timeout kills it, create fails saying so, nothing left" {
	hook_config createRuntime 1 /bin/sh sh -c "echo \$\$ >$T/hook.pid; exec sleep 100"
	set_args sleep 100
	local t0=$SECONDS
	try_create hk3
	[ "$status" -eq 1 ]
	assert_output_contains "createRuntime hook #0: hook /bin/sh: timeout after 1 seconds"
	[ $((SECONDS - t0)) -lt 10 ]
	if pid_is_running "$(cat "$T/hook.pid")"; then
		echo "the hook outlived its timeout" >&2
		return 1
	fi
	nothing_left hk3
}

@test "a hook that never exits: what it started goes with it at the timeout" {
	hook_config createRuntime 1 /bin/sh sh -c "sleep 100 & echo \$! >$T/child.pid; wait"
	set_args sleep 100
	try_create hk5
	[ "$status" -eq 1 ]
	assert_output_contains "timeout after 1 seconds"
	wait_pid_gone "$(cat "$T/child.pid")" "" 20
	nothing_left hk5
}

@test "a poststop hook that never exits: delete waits out its timeout, warns and removes everything" {
	hook_config poststop 1 /bin/sleep sleep 100
	start_container hk4 sleep 100
	run hull delete --force hk4
	assert_status 0
	assert_output_contains "timeout after 1 seconds"
	nothing_left hk4
}

# ---- the console socket --------------------------------------------------------------------------

# console_outcome WHAT: after a --console-socket receiver closed early, WHAT either failed
# naming the socket as given, or worked. Echoes which, for the log.
console_outcome() {
	not_crashed
	wait "$RECV_PID"
	RECV_PID=
	[ "$(cat "$T/tty.out")" = closed ]
	if [ "$status" -ne 0 ]; then
		assert_output_contains "console socket $T/console.sock"
		echo "$1 failed: $output" >&2
	else
		echo "$1 worked" >&2
	fi
}

@test "a console socket whose receiver closes before taking the fd: create and exec fail naming it, or work; nothing left" {
	update_config '.process.terminal = true'
	set_args sleep 100
	recvtty "$T/console.sock" "$T/tty.out" --close
	try_create cs1 --console-socket "$T/console.sock"
	console_outcome create
	[ "$status" -ne 0 ] || {
		run hull delete --force cs1
		assert_status 0
	}
	nothing_left cs1

	update_config '.process.terminal = false'
	start_container cs2 sleep 100
	recvtty "$T/console.sock" "$T/tty.out" --close
	run hull exec -t -d --console-socket "$T/console.sock" cs2 sleep 100
	console_outcome exec
	[ "$(status_of cs2)" = running ]
	run hull delete --force cs2
	assert_status 0
	nothing_left cs2
}

# ---- stdout a closed pipe ------------------------------------------------------------------------

# into_closed_pipe [ignore] ARGS...: hull ARGS with stdout a pipe that has no reader; with
# "ignore", SIGPIPE is ignored (as it is under some supervisors). Sets $status and $output
# (stderr).
into_closed_pipe() {
	local ignore=""
	[ "$1" != ignore ] || {
		ignore=1
		shift
	}
	rm -f "$T/pipe"
	mkfifo "$T/pipe"
	exec 7<>"$T/pipe" 8>"$T/pipe"
	exec 7<&-
	status=0
	if [ -n "$ignore" ]; then
		(
			trap '' PIPE
			exec "$HULL" --root "$ROOT" "$@" >&8 2>"$T/pipe.err"
		) || status=$?
	else
		(exec "$HULL" --root "$ROOT" "$@" >&8 2>"$T/pipe.err") || status=$?
	fi
	exec 8>&-
	output="$(cat "$T/pipe.err")"
}

@test "SIGPIPE on stdout: list, state, ps and events into a closed pipe die of SIGPIPE or fail saying so" {
	start_container sp sleep 100
	local args
	for args in "list" "list -q" "state sp" "ps sp" "events --stats sp" "events --interval 1s sp"; do
		# shellcheck disable=SC2086
		into_closed_pipe $args
		[ "$status" -eq $((128 + 13)) ] || [ "$status" -eq 1 ] || {
			echo "hull $args into a closed pipe: status $status: $output" >&2
			return 1
		}
		# shellcheck disable=SC2086
		into_closed_pipe ignore $args
		[ "$status" -eq 1 ] || {
			echo "hull $args into a closed pipe, SIGPIPE ignored: status $status: $output" >&2
			return 1
		}
		assert_output_contains "write standard output: broken pipe"
	done
	state_json_intact sp
	[ "$(status_of sp)" = running ]
}

# ---- a storm of signals --------------------------------------------------------------------------

# storm PID COUNT: send PID three harmless signals (SIGWINCH, SIGCHLD, SIGURG) about every
# millisecond (as often as this shell gets to run on a busy machine) until COUNT have been sent,
# PID is gone or a minute has passed. Prints how many were sent.
storm() {
	local pid="$1" end=$((SECONDS + 60)) n=0 sig
	# read -t on a fifo nobody writes: a millisecond's wait without a process per signal.
	rm -f "$T/storm.fifo"
	mkfifo "$T/storm.fifo"
	exec 6<>"$T/storm.fifo"
	while [ "$n" -lt "$2" ] && [ $SECONDS -lt $end ]; do
		for sig in WINCH CHLD URG; do
			kill -s "$sig" "$pid" 2>/dev/null || break 3
			n=$((n + 1))
		done
		read -r -t 0.001 -u 6 || true
	done
	exec 6<&-
	echo "$n"
}

# A program that prints numbered lines until the file STOP appears (made from the host in the
# bundle's rootfs), then "done", and exits with STATUS.
storm_program() {
	echo "i=0; while [ ! -e /$1 ]; do echo line\$i; i=\$((i + 1)); usleep 5000; done; echo done; exit $2"
}

# storm_output_whole FILE: line0, line1, ... with none missing or repeated, then "done".
storm_output_whole() {
	local n
	n="$(grep -c '^line' "$1")"
	[ "$n" -gt 0 ] && [ "$(tail -n 1 "$1")" = "done" ] &&
		diff <(grep '^line' "$1") <(seq 0 $((n - 1)) | sed 's/^/line/') >/dev/null || {
		echo "$1 is not whole: $(head -c 300 "$1") ... $(tail -c 100 "$1")" >&2
		return 1
	}
}

@test "a storm of harmless signals at a foreground run and exec: both finish with all their output and their status" {
	set_args sh -c "$(storm_program stop-run 7)"
	hull run --bundle "$BUNDLE" storm1 </dev/null >"$T/run.out" 2>"$T/run.err" &
	local hull_pid=$! sent status=0
	sent="$(storm "$hull_pid" 900)"
	touch "$BUNDLE/rootfs/stop-run"
	wait "$hull_pid" || status=$?
	echo "run: $sent signals sent" >&2
	[ "$sent" -ge 900 ]
	[ "$status" -eq 7 ] || {
		echo "run: status $status: $(cat "$T/run.err")" >&2
		return 1
	}
	storm_output_whole "$T/run.out"
	nothing_left storm1

	start_container storm2 sleep 100
	hull exec storm2 sh -c "$(storm_program stop-exec 5)" </dev/null >"$T/exec.out" 2>"$T/exec.err" &
	hull_pid=$!
	status=0
	sent="$(storm "$hull_pid" 900)"
	touch "$BUNDLE/rootfs/stop-exec"
	wait "$hull_pid" || status=$?
	echo "exec: $sent signals sent" >&2
	[ "$sent" -ge 900 ]
	[ "$status" -eq 5 ] || {
		echo "exec: status $status: $(cat "$T/exec.err")" >&2
		return 1
	}
	storm_output_whole "$T/exec.out"
	[ "$(status_of storm2)" = running ]
	run hull delete --force storm2
	assert_status 0
	nothing_left storm2
}
