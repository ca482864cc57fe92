#!/usr/bin/env bats
# Every verb racing every other on one container for a minute (HULL_LOAD_CHAOS_SECONDS): loops
# in parallel create and start it, kill it, delete it, read its state, exec in it, update it,
# pause and resume it. Every call either succeeds or fails with a message; no call crashes or
# hangs; every state read (the verb, and state.json itself) is whole JSON; and at the end
# nothing of it is left.

load ../host/helpers
load load

setup_file() {
	hull_setup_file
}

setup() {
	load_setup
	set_args sleep 1000
	# Core files of a crashing runtime land in its working directory, $T.
	ulimit -c unlimited
	cd "$T" || return 1
}

teardown() {
	load_teardown
}

ID=chaos

# call LOOP VERB ARGS...: one runtime call (bounded by a timeout) whose outcome is logged to
# $T/LOOP.log as "VERB STATUS FIRST-LINE-OF-STDERR"; its stdout is in $T/LOOP.out afterwards and
# every stderr is kept in $T/LOOP.stderr. Whatever is wrong with it goes to $T/LOOP.bad.
call() {
	local loop="$1" verb="$2" rc=0
	shift 2
	timeout -k 5 30 "$HULL" --root "$ROOT" "$@" </dev/null >"$T/$loop.out" 2>"$T/$loop.cur" || rc=$?
	cat "$T/$loop.cur" >>"$T/$loop.stderr"
	local msg
	msg="$(head -n1 "$T/$loop.cur")"
	echo "$verb $rc $msg" >>"$T/$loop.log"
	if [ "$rc" -eq 124 ]; then
		echo "$verb hung: $*" >>"$T/$loop.bad"
	elif [ "$rc" -gt 128 ] && [ "$rc" -le $((128 + 64)) ] && [ "$verb:$rc" != exec:137 ]; then
		# 128 + a signal: the runtime died of it. exec passes on its process's end, which is 137
		# when the container's kill takes that process with it (and 255 is exec's own failure).
		echo "$verb exited $rc (a signal): $* $msg" >>"$T/$loop.bad"
	elif [ "$rc" -ne 0 ] && [ -z "$msg" ] && [ "$verb:$rc" != exec:137 ]; then
		echo "$verb failed ($rc) without a message: $*" >>"$T/$loop.bad"
	fi
	# A container that dies under a verb is told as such ("container not running", "container
	# init was killed by signal 9"), not by what broke inside the runtime.
	if [ "$rc" -ne 0 ] && [[ "$msg" =~ channel|"connection reset"|"broken pipe"|/proc/ ]]; then
		echo "$verb: $msg" >>"$T/$loop.bad"
	fi
	return "$rc"
}

# until_deadline COMMAND...: run COMMAND repeatedly until $DEADLINE (seconds since the epoch).
until_deadline() {
	while [ "$(date +%s)" -lt "$DEADLINE" ]; do
		"$@" || true
	done
}

pause_briefly() {
	sleep "0.0$((RANDOM % 10))"
}

creator() {
	call creator create create --bundle "$BUNDLE" "$ID" && call creator start start "$ID"
	pause_briefly
}

killer() {
	case $((RANDOM % 3)) in
	0) call killer kill kill "$ID" KILL ;;
	1) call killer kill kill --all "$ID" KILL ;;
	2) call killer kill kill "$ID" TERM ;;
	esac
	sleep 0.2
}

deleter() {
	if [ $((RANDOM % 5)) -eq 0 ]; then
		call deleter delete delete --force "$ID"
	else
		call deleter delete delete "$ID"
	fi
	sleep 0.2
}

# The state as the verb reports it, as state.json holds it, and as list reports it: each read is
# whole JSON with a valid status, or (the verbs) a failure with a message. With no container,
# list prints null, as runc does (cli-contract.md §4.2).
stater() {
	if call stater state state "$ID"; then
		jq -e --arg id "$ID" '.id == $id and (.status | IN("created", "running", "paused", "stopped"))' \
			"$T/stater.out" >/dev/null 2>&1 ||
			echo "state printed: $(cat "$T/stater.out")" >>"$T/stater.bad"
	fi
	if cat "$ROOT/$ID/state.json" >"$T/stater.file" 2>/dev/null; then
		jq -e --arg id "$ID" '.id == $id' "$T/stater.file" >/dev/null 2>&1 ||
			echo "state.json held: $(cat "$T/stater.file")" >>"$T/stater.bad"
	fi
	if call stater list list --format json; then
		jq -e 'type == "array" or . == null' "$T/stater.out" >/dev/null 2>&1 ||
			echo "list printed: $(cat "$T/stater.out")" >>"$T/stater.bad"
	fi
}

execer() {
	call execer exec exec "$ID" true
	pause_briefly
}

updater() {
	call updater update update --pids-limit $((100 + RANDOM % 100)) "$ID"
	pause_briefly
}

pauser() {
	call pauser pause pause "$ID"
	pause_briefly
	call pauser resume resume "$ID"
	pause_briefly
}

@test "start/kill/delete/state/exec/update/pause/resume racing on one container: no crash, no torn state, no leak" {
	local seconds="${HULL_LOAD_CHAOS_SECONDS:-60}" loop pids=()
	local loops=(creator killer deleter stater execer updater pauser)
	DEADLINE=$(($(date +%s) + seconds))
	for loop in "${loops[@]}"; do
		until_deadline "$loop" &
		pids+=("$!")
	done
	wait "${pids[@]}"

	# Whatever state the race ended in, a forced delete clears it.
	"$HULL" --root "$ROOT" resume "$ID" 2>/dev/null || true
	run hull delete --force "$ID"
	[ "$status" -eq 0 ] || assert_output_contains "does not exist"

	# What happened, per verb: calls, successes, and each distinct failure with its count.
	cat "$T"/*.log >"$T/all.log"
	local verb
	echo "# chaos for ${seconds}s:" >&3
	for verb in create start kill delete state list exec update pause resume; do
		echo "#   $verb: $(awk -v v="$verb" '$1 == v' "$T/all.log" | wc -l) calls," \
			"$(awk -v v="$verb" '$1 == v && $2 == 0' "$T/all.log" | wc -l) ok" >&3
		awk -v v="$verb" '$1 == v && $2 != 0 {$1 = ""; print}' "$T/all.log" |
			sed -E 's/[0-9]{3,}/N/g' | sort | uniq -c | sort -rn | head -n 8 | sed 's/^/#       /' >&3
	done

	cat "$T"/*.bad >"$T/all.bad" 2>/dev/null || true
	if [ -s "$T/all.bad" ]; then
		echo "$(wc -l <"$T/all.bad") bad calls:" >&2
		sort "$T/all.bad" | uniq -c | sort -rn | head -n 40 >&2
		return 1
	fi
	no_crash_reports "$T"
	# The race must really have happened: every verb got its turn at least once.
	for verb in create start kill delete state exec update pause resume; do
		awk -v v="$verb" '$1 == v && $2 == 0 {found = 1} END {exit !found}' "$T/all.log" || {
			echo "$verb never succeeded" >&2
			return 1
		}
	done
	no_state_left
	container_processes_gone
	no_new_cgroups
	no_new_mounts
}
