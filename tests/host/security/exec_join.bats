#!/usr/bin/env bats
# Escape battery: how `exec` (and the init) joins a container. docs/security.md P2 (non-dumpable
# from the first instruction), P5/P7 (container files the runtime reads for user lookups are
# verified regular files before they are opened), P8 (/proc writes never go through the
# container's /proc), and pid reuse (namespaces joined through the init's pidfd).
#
# A fifo stands for any non-regular file: a writer blocked in open(2) on it returns as soon as
# anybody opens it for reading, even with O_NONBLOCK and even if the reader closes it at once,
# so "the runtime opened it" is seen from outside, deterministically.

load ../helpers
load ../spec/spec_helpers
load security_helpers

setup_file() {
	hull_setup_file
}

setup() {
	sec_setup
}

teardown() {
	sec_teardown
}

# ---- helpers -------------------------------------------------------------------------------------

# fifo_watch PATH: replace PATH with a fifo and block a writer in open(2) on it; the writer
# writes "opened" to $T/opened.<name> once a reader opens the fifo. Returns when the writer is
# waiting for a reader.
fifo_watch() {
	local path="$1" name i
	name="$(basename "$path")"
	rm -f "$path"
	mkfifo -m 0644 "$path"
	spawn_bg sh -c 'exec 3>"$1"; echo opened >"$2"' sh "$path" "$T/opened.$name"
	for i in $(seq 50); do
		[ "$(cat "/proc/$BG_PID/wchan" 2>/dev/null)" = wait_for_partner ] && return 0
		sleep 0.05
	done
	echo "the writer of $path never blocked in open" >&2
	return 1
}

# assert_fifo_unopened PATH: nobody opened the fifo at PATH (fifo_watch) for reading.
assert_fifo_unopened() {
	local name
	name="$(basename "$1")"
	sleep 0.2 # the writer's own echo, had it been woken
	if [ -e "$T/opened.$name" ]; then
		echo "the runtime opened the fifo at $1" >&2
		return 1
	fi
}

# ---- user lookups (P5, P7) -----------------------------------------------------------------------

@test "exec --user NAME: a fifo at the container's /etc/passwd or /etc/group is refused by name and never opened" {
	sec_create up hull-checker sleep 100
	hull start up
	local file
	for file in passwd group; do
		fifo_watch "$BUNDLE/rootfs/etc/$file"
		status=0
		output="$(closing_fds "$HULL" --root "$ROOT" exec --user daemon up true 2>&1 </dev/null)" || status=$?
		echo "exec with a fifo at /etc/$file: status $status: $output" >&2
		[ "$status" -ne 0 ]
		[[ "$output" == *"/etc/$file is not a regular file"* ]]
		assert_fifo_unopened "$BUNDLE/rootfs/etc/$file"
		kill "$BG_PID" 2>/dev/null || true
		rm -f "$BUNDLE/rootfs/etc/$file"
		cp "$HULL_BUNDLE_CACHE/rootfs/etc/$file" "$BUNDLE/rootfs/etc/$file"
	done
	# the same container still resolves the name once the files are regular again
	run hull exec --user daemon up sh -c 'echo "$(id -u) $HOME"'
	assert_status 0
	[ "$output" = "1 /usr/sbin" ]
}

@test "the init's HOME lookup never opens a fifo at the container's /etc/passwd" {
	fifo_watch "$BUNDLE/rootfs/etc/passwd"
	# no HOME in the config's env: the init looks it up at create
	update_config '.process.env |= map(select(startswith("HOME=") | not))'
	sec_create home sh -c 'echo "init HOME=$HOME"; exec sleep 100'
	assert_fifo_unopened "$BUNDLE/rootfs/etc/passwd"
	hull start home
	wait_for_file_text "$T/home.out" "init HOME=/"
}

@test "exec's HOME lookup never opens a fifo at the container's /etc/passwd" {
	update_config '.process.env |= map(select(startswith("HOME=") | not))'
	sec_create xhome hull-checker sleep 100
	hull start xhome
	fifo_watch "$BUNDLE/rootfs/etc/passwd"
	# exec without --user and without HOME: the exec'd process gets the passwd entry's or "/"
	run hull exec xhome sh -c 'echo "exec HOME=$HOME"'
	assert_status 0
	[ "$output" = "exec HOME=/" ]
	assert_fifo_unopened "$BUNDLE/rootfs/etc/passwd"
}

# ---- pid reuse ---------------------------------------------------------------------------------------

# The scenario of the pid-reuse test, run as PID 1 of a private pid namespace (small, controllable
# pid numbers; ns_last_pid chooses the next one). Prints "impostor P for Q" (the new process's
# pid and the dead init's) and "exec status N". Everything in it dies with its PID 1.
pid_reuse_scenario() {
	cat >"$T/reuse.sh" <<-'EOS'
		set -eu
		hull() { "$HULL" --root "$ROOT" "$@"; }
		hull create --bundle "$BUNDLE" reuse </dev/null >"$T/reuse.out" 2>"$T/reuse.err"
		hull start reuse
		init="$(hull state reuse | jq .pid)"
		# exec held for 2 s at its open of /proc/<init>/root, after it checked the init's pidfd
		# (LeakSanitizer cannot run under a tracer: an ASan build would fail at exit)
		ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
			strace -qq -o "$T/strace.out" -P "/proc/$init/root" -e trace=openat \
			-e inject=openat:delay_enter=2000000 \
			"$HULL" --root "$ROOT" exec reuse "$PROBE" exit 42 </dev/null >"$T/exec.out" 2>"$T/exec.err" &
		tracer=$!
		for i in $(seq 100); do
			grep -q "/proc/$init/root" "$T/strace.out" 2>/dev/null && break
			sleep 0.05
		done
		grep -q "/proc/$init/root" "$T/strace.out"
		# the init dies and is reaped (by this shell, PID 1 here); its pid number goes to another
		kill -9 "$init"
		for i in $(seq 100); do
			[ -e "/proc/$init" ] || break
			sleep 0.02
		done
		[ ! -e "/proc/$init" ]
		echo $((init - 1)) >/proc/sys/kernel/ns_last_pid
		sleep 100 &
		echo "impostor $! for $init"
		status=0
		wait "$tracer" || status=$?
		echo "exec status $status"
		cat "$T/strace.out" >&2
		hull delete --force reuse
	EOS
	HULL="$HULL" ROOT="$ROOT" BUNDLE="$BUNDLE" T="$T" PROBE="$PROBE" \
		closing_fds timeout 60 unshare --pid --fork --mount --mount-proc bash "$T/reuse.sh"
}

@test "pid reuse: exec held after its pidfd check while the init dies and its pid is taken joins nothing and runs nothing" {
	probe_binary
	set_args hull-checker sleep 100
	run pid_reuse_scenario
	echo "$output" >&2
	cat "$T/exec.err" >&2
	# the harness worked: the impostor took the init's pid number while exec was held
	[[ "$output" =~ impostor\ ([0-9]+)\ for\ ([0-9]+) ]]
	[ "${BASH_REMATCH[1]}" = "${BASH_REMATCH[2]}" ]
	[[ "$output" == *"exec status "* ]]
	# exec refused: the probe (a host path only) never ran
	[[ "$output" != *"exec status 42"* ]]
	[[ "$output" != *"exec status 0"* ]]
	grep -q "container not running" "$T/exec.err"
}

# ---- P8: oom_score_adj -----------------------------------------------------------------------------

@test "P8: exec's oomScoreAdj is never written through the container's /proc (a tmpfs over it) and reaches the process" {
	update_config '.process.capabilities |= with_entries(.value += ["CAP_SYS_ADMIN"])'
	# container root puts a tmpfs over /proc holding a file at self/oom_score_adj
	sec_create oom sh -c 'mount -t tmpfs fake /proc && mkdir /proc/self && echo 0 >/proc/self/oom_score_adj &&
		echo faked && exec sleep 100'
	hull start oom
	wait_for_file_text "$T/oom.out" faked
	local init fake
	init="$(state_field oom pid)"
	fake="/proc/$init/root/proc/self/oom_score_adj"
	[ "$(stat -f -c %T "/proc/$init/root/proc")" = tmpfs ]
	jq '.process + {"oomScoreAdj": 500, "args": ["hull-checker", "sleep", "100"]}' "$BUNDLE/config.json" >"$T/process.json"
	# detached, its stdio not ours: the program outlives the call
	hull exec -d --pid-file "$T/exec.pid" --process "$T/process.json" oom </dev/null >"$T/exec.out" 2>&1 || {
		cat "$T/exec.out" >&2
		return 1
	}
	echo "the fake file holds: $(cat "$fake")" >&2
	[ "$(cat "$fake")" = 0 ]
	[ "$(cat "/proc/$(cat "$T/exec.pid")/oom_score_adj")" = 500 ]
}

# ---- P2: non-dumpable from the first instruction -------------------------------------------------

# watched_container ID: a container whose PID 1 is hull-checker ptrace-watch, with every
# capability of the host but CAP_SYS_PTRACE. The runtime is then run without CAP_SYS_PTRACE too
# (held_after_clone): with the same capabilities on both sides and no user namespace, only
# dumpability decides whether container root may reach a runtime process's fds.
watched_container() {
	local caps
	caps="$(all_caps_json | jq -c 'map(select(. != "CAP_SYS_PTRACE"))')"
	update_config ".process.capabilities = {\"bounding\": $caps, \"effective\": $caps, \"permitted\": $caps}"
	sec_create "$1" hull-checker ptrace-watch 60 /bin/hull-checker
	hull start "$1"
	WATCHED_PID="$(state_field "$1" pid)"
}

# held_after_clone ARGS...: the runtime (without CAP_SYS_PTRACE) with ARGS under strace, every
# process's first prctl delayed by 1.5 s. In a process the runtime clones, that first prctl is
# its first step after clone (PR_SET_PDEATHSIG), so it stays in that state for 1.5 s.
held_after_clone() {
	# (LeakSanitizer cannot run under a tracer: an ASan build would fail at exit)
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
		closing_fds strace -ff -qq -o "$T/strace" -e trace=prctl \
		-e inject=prctl:delay_enter=1500000:when=1 \
		setpriv --bounding-set -sys_ptrace -- "$HULL" --root "$ROOT" "$@" </dev/null \
		>"$T/held.out" 2>"$T/held.err" || {
		cat "$T/held.err" >&2
		return 1
	}
	# the window was held open in a cloned process (not only in the runtime itself); one file per
	# process (-ff), so no line of another process splits the call in two
	grep -E '^prctl\(PR_SET_PDEATHSIG, SIGKILL\) += 0 \(DELAYED\)' "$T"/strace.* >&2 || {
		echo "no cloned process was held at its first prctl:" >&2
		grep -v AMBIENT "$T"/strace.* >&2
		return 1
	}
}

# watch_report ID: stop the watcher of container ID and check what it reached: the exec'd
# programs (dumpable, the same credentials: proof that it can reach what it may), and no
# process of the runtime.
watch_report() {
	hull kill "$1" TERM
	wait_pid_gone "$WATCHED_PID" "" 100
	cat "$T/$1.out" >&2
	jq -e '.fd_program >= 1' "$T/$1.out" >/dev/null || {
		echo "the watcher reached no program: the test proves nothing" >&2
		return 1
	}
	jq -e '.fd_runtime == 0 and .attached_runtime == 0' "$T/$1.out" >/dev/null || {
		echo "container PID 1 reached a process of the runtime before its execve: $(jq -c . "$T/$1.out")" >&2
		return 1
	}
}

@test "P2 / CVE-2016-9962: an exec child held right after clone is non-dumpable: container PID 1 cannot read its fds" {
	watched_container dump
	held_after_clone exec dump /bin/hull-checker sleep 0.5
	watch_report dump
}

@test "P2: an init cloned into a joined pid namespace, held right after clone, is non-dumpable to that namespace's PID 1" {
	watched_container dumpw
	# a second container in the first one's pid namespace, its program the watched name
	reset_config
	update_config ".linux.namespaces |= map(if .type == \"pid\" then .path = \"/proc/$WATCHED_PID/ns/pid\" else . end)"
	set_args /bin/hull-checker sleep 0.5
	held_after_clone run --bundle "$BUNDLE" dumpi
	watch_report dumpw
}
