#!/usr/bin/env bats
# The crash matrix: hull SIGKILLed, or failing, at every fault point of its handshakes
# (include/hull/fault.hpp), on the runtime's side and the init's or exec child's, several times
# each. Afterwards `state` errors or reports a valid status, `delete --force` exits 0 and leaves
# nothing (no state directory, no cgroup in any hierarchy, no new mount, no process of the
# container), and the same ID runs again to completion.
#
# Needs a build with HULL_FAULTS (the Makefile's asan target); the points come from the binary
# (HULL_FAULT=list), so a point added there is driven here without a change. HULL_CRASH_ROUNDS
# sets the rounds per point and action (default 2).

load ../host/helpers

# The verbs the matrix drives, and the state each needs before its faulted call.
VERBS="create start exec delete update pause resume"

setup_file() {
	hull_setup_file
	local points
	points="$(HULL_FAULT=list "$HULL")"
	[ -n "$points" ] && [ "$points" != "$("$HULL" --version)" ] || {
		echo "$HULL lists no fault points: build it with -DHULL_FAULTS=ON (make asan)" >&2
		return 1
	}
	export HULL_FAULT_POINTS="$points"
	# A process whose UTS namespace the container joins by path: with a new user namespace,
	# that makes create go through the intermediate process (steps 2i).
	unshare --uts sleep 100000 </dev/null >/dev/null 2>&1 &
	export CRASH_UTS_HOLDER=$!
}

teardown_file() {
	kill "$CRASH_UTS_HOLDER" 2>/dev/null || true
}

setup() {
	hull_setup
	T="$BATS_TEST_TMPDIR"
	ROUNDS="${HULL_CRASH_ROUNDS:-2}"
	# Every step of the create table: a new user namespace (2a) joined with a namespace by path
	# (2i), a bind mount the runtime opens for it (3m), a prestart hook (3a) and a seccomp
	# notify rule whose listener goes to an agent (3c).
	mkdir "$T/shared"
	update_config "
		.linux.namespaces = [.linux.namespaces[] | select(.type != \"uts\")]
			+ [{\"type\": \"user\"}, {\"type\": \"uts\", \"path\": \"/proc/$CRASH_UTS_HOLDER/ns/uts\"}]
		| .hostname = null
		| .linux.uidMappings = [{\"containerID\": 0, \"hostID\": 0, \"size\": 65536}]
		| .linux.gidMappings = [{\"containerID\": 0, \"hostID\": 0, \"size\": 65536}]
		| .mounts += [{\"destination\": \"/mnt\", \"type\": \"bind\", \"source\": \"$T/shared\", \"options\": [\"rbind\"]}]
		| .hooks.prestart = [{\"path\": \"/bin/true\"}]
		| .linux.seccomp = {\"defaultAction\": \"SCMP_ACT_ALLOW\", \"listenerPath\": \"$T/agent.sock\",
			\"syscalls\": [{\"names\": [\"mkdirat\"], \"action\": \"SCMP_ACT_NOTIFY\"}]}"
	set_args sleep 100000
	# The same container run to completion, for the check that the ID can be used again.
	DONE_BUNDLE="$T/done"
	mkdir "$DONE_BUNDLE"
	jq --arg root "$BUNDLE/rootfs" '.root.path = $root | .process.args = ["true"]' \
		"$BUNDLE/config.json" >"$DONE_BUNDLE/config.json"
	AGENT_PIDS=()
}

teardown() {
	local p
	for p in "${AGENT_PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	hull_teardown
}

# agent: a fresh seccomp agent on $T/agent.sock for the next create or exec (it takes one
# listener). The earlier ones go first: one that times out removes the socket path it made.
agent() {
	local p
	for p in "${AGENT_PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${AGENT_PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
	AGENT_PIDS=()
	rm -f "$T/agent.sock"
	"$HULL_SECCOMP_AGENT" "$T/agent.sock" "$T/agent.state" 120 2>/dev/null &
	AGENT_PIDS+=("$!")
	local i
	for i in $(seq 200); do [ -S "$T/agent.sock" ] && return 0; sleep 0.02; done
	echo "the seccomp agent did not start" >&2
	return 1
}

# prepare VERB ID [FAULT]: the container in the state the faulted VERB starts from. FAULT is for
# the init's points of a later verb (start.init.*): the init has the environment create gave it.
prepare() {
	case "$1" in
	create) return 0 ;;
	start)
		agent && HULL_FAULT="${3:-}" "$HULL" --root "$ROOT" create --bundle "$BUNDLE" "$2" </dev/null \
			>/dev/null 2>"$T/prepare.err"
		;;
	resume)
		agent && hull run -d --bundle "$BUNDLE" "$2" </dev/null >/dev/null 2>"$T/prepare.err" &&
			hull pause "$2" 2>>"$T/prepare.err"
		;;
	*) agent && hull run -d --bundle "$BUNDLE" "$2" </dev/null >/dev/null 2>"$T/prepare.err" ;;
	esac || {
		echo "preparing $2 for $1 failed: $(cat "$T/prepare.err")" >&2
		return 1
	}
}

# faulted VERB ID POINT ACTION: VERB with HULL_FAULT set; its status in $FAULT_STATUS and its
# stderr in $T/fault.err.
faulted() {
	local verb="$1" id="$2" cmd
	case "$verb" in
	create) agent || return 1; cmd=(create --bundle "$BUNDLE" "$id") ;;
	start) cmd=(start "$id") ;;
	exec) agent || return 1; cmd=(exec "$id" true) ;;
	delete) cmd=(delete --force "$id") ;;
	update) cmd=(update --pids-limit 1000 "$id") ;;
	pause) cmd=(pause "$id") ;;
	resume) cmd=(resume "$id") ;;
	esac
	FAULT_STATUS=0
	HULL_FAULT="$3:$4" "$HULL" --root "$ROOT" "${cmd[@]}" </dev/null >/dev/null 2>"$T/fault.err" ||
		FAULT_STATUS=$?
}

# stops ID: the container reads as stopped within 5 s (start returns once the released init has
# closed the exec fifo, which its exit does before the exit is complete).
stops() {
	local i
	for i in $(seq 100); do
		[ "$(hull state "$1" 2>/dev/null | jq -r .status)" != stopped ] || return 0
		sleep 0.05
	done
	return 1
}

# reached POINT ACTION ID: the faulted call shows that it met the point. In the runtime, a kill
# exits with SIGKILL's status and an injected error fails the verb naming the point; in the init
# or exec child either makes the verb fail, or (once start has released the init) leaves the
# container stopped.
reached() {
	local err
	err="$(cat "$T/fault.err")"
	case "$1:$2" in
	*.init.*:* | *.intermediate.*:* | *.exec-child.*:*)
		[ "$FAULT_STATUS" -ne 0 ] || stops "$3"
		;;
	*:kill) [ "$FAULT_STATUS" -eq 137 ] ;;
	*:error) [ "$FAULT_STATUS" -ne 0 ] && [[ "$err" == *"fault injected at $1"* ]] ;;
	esac || {
		echo "$1:$2: the point was not reached (status $FAULT_STATUS): $err" >&2
		return 1
	}
}

# after POINT ACTION ID: the checks of the matrix, each failure named.
after() {
	local id="$3" st left
	if st="$(hull state "$id" 2>/dev/null)"; then
		case "$(jq -r .status <<<"$st")" in
		created | running | paused | stopped) ;;
		*) echo "$1:$2: state is not valid: $st" >&2; return 1 ;;
		esac
		[ "$(jq -r .id <<<"$st")" = "$id" ] || { echo "$1:$2: state names another id: $st" >&2; return 1; }
	fi
	run hull delete --force "$id"
	[ "$status" -eq 0 ] || { echo "$1:$2: delete --force failed: $output" >&2; return 1; }
	[ ! -e "$ROOT/$id" ] || { echo "$1:$2: state left: $(ls -A "$ROOT/$id")" >&2; return 1; }
	left="$(cgroups_named "$id")"
	[ -z "$left" ] || { echo "$1:$2: cgroups left: $left" >&2; return 1; }
	no_container_process "$id" || { echo "$1:$2: a process is left" >&2; return 1; }
	no_new_mounts || { echo "$1:$2: a mount is left" >&2; return 1; }
	agent || return 1
	run hull run --bundle "$DONE_BUNDLE" "$id"
	[ "$status" -eq 0 ] || { echo "$1:$2: the id does not run again (status $status): $output" >&2; return 1; }
	[ ! -e "$ROOT/$id" ] || { echo "$1:$2: state left after the new run" >&2; return 1; }
}

# matrix VERB: every point of VERB x {kill, error}, $ROUNDS times each.
matrix() {
	local verb="$1" point action round id n=0
	for point in $(grep "^$verb\." <<<"$HULL_FAULT_POINTS"); do
		for action in kill error; do
			for round in $(seq "$ROUNDS"); do
				id="m-$verb-$((n += 1))"
				if [[ "$point" == *.init.* ]]; then
					prepare "$verb" "$id" "$point:$action"
				else
					prepare "$verb" "$id"
				fi
				faulted "$verb" "$id" "$point" "$action"
				reached "$point" "$action" "$id"
				after "$point" "$action" "$id"
			done
		done
	done
	[ "$n" -gt 0 ] || { echo "no fault point of $verb" >&2; return 1; }
	echo "# $verb: $n rounds" >&3
}

@test "crash matrix: every fault point belongs to a verb the matrix drives" {
	local point bad=""
	for point in $HULL_FAULT_POINTS; do
		[[ " $VERBS " == *" ${point%%.*} "* ]] || bad="$bad $point"
	done
	[ -z "$bad" ] || { echo "points no test drives:$bad" >&2; return 1; }
}

@test "crash matrix: an unknown fault point is reported, not ignored" {
	run env HULL_FAULT=create.no-such-point:kill "$HULL" --root "$ROOT" state none
	assert_output_contains "no such fault point"
}

@test "crash matrix: create" { matrix create; }
@test "crash matrix: start" { matrix start; }
@test "crash matrix: exec" { matrix exec; }
@test "crash matrix: delete" { matrix delete; }
@test "crash matrix: update" { matrix update; }
@test "crash matrix: pause" { matrix pause; }
@test "crash matrix: resume" { matrix resume; }
