#!/usr/bin/env bats
# A container whose init has died reads as stopped, whenever it died, and a process that later
# gets the init's pid is never taken for it: not by state, list, kill or delete. Run in a pid
# namespace of the test's own (unshare --pid --mount-proc), where writing
# /proc/sys/kernel/ns_last_pid hands the dead init's pid to the next fork at once.

load helpers

setup_file() { hull_setup_file; }
setup() {
	hull_setup
	T="$BATS_TEST_TMPDIR"
	set_args sleep 100000
}
teardown() { hull_teardown; }

# in_pid_namespace SCRIPT: bash SCRIPT as pid 1 of a new pid namespace with its own /proc, with
# HULL, ROOT, BUNDLE and T exported; its output lands in $output and its status in $status.
in_pid_namespace() {
	run env HULL="$HULL" ROOT="$ROOT" BUNDLE="$BUNDLE" T="$T" \
		unshare --pid --fork --mount-proc bash -euo pipefail "$1"
}

# The helpers every script of this file starts with: the dead init's pid given to a new process
# (the impostor), and the checks that it is never taken for the container.
write_prelude() {
	cat >"$T/prelude.sh" <<'PRELUDE'
hull() { "$HULL" --root "$ROOT" "$@"; }
status_of() { hull state "$1" | jq -r .status; }
# gone PID: the process has exited and been reaped (bash, our pid 1, reaps its orphans).
gone() {
	local i
	for i in $(seq 500); do
		[ -e "/proc/$1" ] || return 0
		[ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" != Z ] || wait -n 2>/dev/null || true
		sleep 0.01
	done
	echo "process $1 never went away" >&2
	return 1
}
# impostor PID: a sleeping process that gets PID (sets IMPOSTOR).
impostor() {
	echo $(($1 - 1)) >/proc/sys/kernel/ns_last_pid
	sleep 100000 &
	IMPOSTOR=$!
	[ "$IMPOSTOR" = "$1" ] || { echo "the impostor got pid $IMPOSTOR, not $1" >&2; return 1; }
}
# never_running ID: the container reads as stopped in state and list, its pid as 0, while the
# impostor has its old pid; kill and delete leave the impostor alone.
never_running() {
	local st
	st="$(hull state "$1")"
	[ "$(jq -r .status <<<"$st")" = stopped ] || { echo "$1 reads as $(jq -r .status <<<"$st"): $st" >&2; return 1; }
	hull list | grep -E "^$1 +0 +stopped" >/dev/null || { echo "list: $(hull list)" >&2; return 1; }
	! hull kill "$1" KILL 2>/dev/null || { echo "kill of stopped $1 succeeded" >&2; return 1; }
	kill -0 "$IMPOSTOR" || { echo "the impostor was killed" >&2; return 1; }
	hull delete "$1"
	kill -0 "$IMPOSTOR" || { echo "delete killed the impostor" >&2; return 1; }
	kill "$IMPOSTOR"
}
PRELUDE
}

@test "pid reuse: a container whose init was killed reads as stopped, and its pid's next owner is left alone" {
	write_prelude
	cat >"$T/inner.sh" <<'EOF2'
. "$T/prelude.sh"
hull run -d --bundle "$BUNDLE" reuse </dev/null >/dev/null
pid="$(hull state reuse | jq -r .pid)"
[ "$(status_of reuse)" = running ]
kill -KILL "$pid"
gone "$pid"
[ "$(status_of reuse)" = stopped ]
impostor "$pid"
never_running reuse
echo "checked pid $pid"
EOF2
	in_pid_namespace "$T/inner.sh"
	echo "$output"
	assert_status 0
	assert_output_contains "checked pid"
}

@test "pid reuse: a created container whose init was killed reads as stopped, also once its pid is reused" {
	write_prelude
	cat >"$T/inner.sh" <<'EOF2'
. "$T/prelude.sh"
hull create --bundle "$BUNDLE" made </dev/null >/dev/null
pid="$(hull state made | jq -r .pid)"
[ "$(status_of made)" = created ]
kill -KILL "$pid"
gone "$pid"
[ "$(status_of made)" = stopped ]
impostor "$pid"
[ "$(status_of made)" = stopped ]
! hull start made 2>/dev/null
kill -0 "$IMPOSTOR"
never_running made
echo "checked pid $pid"
EOF2
	in_pid_namespace "$T/inner.sh"
	echo "$output"
	assert_status 0
	assert_output_contains "checked pid"
}

@test "pid reuse: an init killed at random moments of its run always reads as stopped once gone" {
	write_prelude
	cat >"$T/inner.sh" <<'EOF2'
. "$T/prelude.sh"
for round in $(seq 20); do
	id="r$round"
	hull run -d --bundle "$BUNDLE" "$id" </dev/null >/dev/null
	pid="$(hull state "$id" | jq -r .pid)"
	# pause now and then: a frozen init killed reads as stopped too, once thawed and gone
	if [ $((round % 4)) -eq 0 ]; then hull pause "$id"; fi
	sleep "0.0$((RANDOM % 10))"
	kill -KILL "$pid"
	if [ $((round % 4)) -eq 0 ]; then hull resume "$id"; fi
	gone "$pid"
	[ "$(status_of "$id")" = stopped ] || { echo "round $round: $(hull state "$id")" >&2; exit 1; }
	impostor "$pid"
	never_running "$id"
done
echo "checked 20 rounds"
EOF2
	in_pid_namespace "$T/inner.sh"
	echo "$output"
	assert_status 0
	assert_output_contains "checked 20 rounds"
}
