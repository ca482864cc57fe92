#!/usr/bin/env bats
# A runtime killed by its caller at any moment (an engine's timeout, an OOM kill, a user's ^C and
# kill -9) leaves nothing that `delete --force` cannot remove: no state directory, no process, no
# mount and no cgroup in any hierarchy.

load helpers

setup_file() { hull_setup_file; }
setup() { hull_setup; }
teardown() { hull_teardown; }

# nothing_left ID: no state directory, cgroup or process of ID.
nothing_left() {
	local left
	[ ! -e "$ROOT/$1" ] || { echo "$1: state directory left: $(ls -A "$ROOT/$1")" >&2; return 1; }
	left="$(cgroups_named "$1")"
	[ -z "$left" ] || { echo "$1: cgroups left: $left" >&2; return 1; }
	no_container_process "$1"
}

# How long an undisturbed `run -d` takes here, in microseconds: the kills are spread over it.
run_duration_us() {
	local t0 t1
	t0="$(date +%s%6N)"
	hull run -d --bundle "$BUNDLE" probe </dev/null >/dev/null 2>&1
	t1="$(date +%s%6N)"
	hull delete --force probe
	echo $((t1 - t0))
}

@test "run -d SIGKILLed at random moments: delete --force leaves no state, process, mount or cgroup" {
	set_args sleep 1000
	local span rounds=40 i id pid delay failed=0
	span="$(run_duration_us)"
	for i in $(seq "$rounds"); do
		id="killed$i"
		# A moment anywhere in the run, and now and then just after it.
		delay="$((RANDOM * RANDOM % (span * 5 / 4 + 1)))"
		"$HULL" --root "$ROOT" run -d --bundle "$BUNDLE" "$id" </dev/null >/dev/null 2>&1 &
		pid=$!
		sleep "$(printf '0.%06d' "$delay")"
		kill -KILL "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
		run hull delete --force "$id"
		if [ "$status" -ne 0 ]; then
			echo "round $i (killed after ${delay} us of ${span}): delete --force failed: $output" >&2
			failed=1
		fi
		nothing_left "$id" || { echo "round $i: killed after ${delay} us of ${span}" >&2; failed=1; }
	done
	# A create killed before it named its directory leaves <root>/.new:PID:NONCE; the
	# delete --force after it removes that too.
	local unnamed
	unnamed="$(find "$ROOT" -mindepth 1 -maxdepth 1 -name '.new:*')"
	[ -z "$unnamed" ] || { echo "left in the state root: $unnamed" >&2; failed=1; }
	no_new_mounts
	[ "$failed" -eq 0 ]
}

@test "delete --force of a missing ID removes directories of creates killed before naming them" {
	mkdir -p "$ROOT"
	# A maker that is gone (no pid is this large) and one that lives (this shell): only the
	# first is abandoned; the second may still be on its way to its lock.
	mkdir "$ROOT/.new:2147483647:1" "$ROOT/.new:$$:2"
	run hull delete --force never-made
	[ "$status" -eq 0 ]
	[ ! -e "$ROOT/.new:2147483647:1" ]
	[ -d "$ROOT/.new:$$:2" ]
	rmdir "$ROOT/.new:$$:2"
}
