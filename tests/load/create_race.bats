#!/usr/bin/env bats
# 100 `create` of one ID at once: exactly one wins, the others fail with runc's wording
# (cli-contract.md §8.2) and touch nothing of the winner.

load ../host/helpers
load load

setup_file() {
	hull_setup_file
}

setup() {
	load_setup
}

teardown() {
	load_teardown
}

@test "100 parallel creates of one ID: one winner, 99 'already exists', the winner intact" {
	set_args sleep 1000
	local i pids=() winners=() losers=0
	for i in $(seq 100); do
		hull create --bundle "$BUNDLE" race </dev/null >"$T/out.$i" 2>"$T/err.$i" &
		pids+=("$!")
	done
	for i in $(seq 100); do
		if wait "${pids[$((i - 1))]}"; then
			winners+=("$i")
		else
			echo "$?" >"$T/rc.$i"
		fi
	done
	track_container race
	[ "${#winners[@]}" -eq 1 ] || {
		echo "${#winners[@]} creates succeeded: ${winners[*]}" >&2
		return 1
	}
	for i in $(seq 100); do
		[ "$i" != "${winners[0]}" ] || continue
		[ "$(cat "$T/rc.$i")" = 1 ] || {
			echo "create $i exited $(cat "$T/rc.$i"): $(cat "$T/err.$i")" >&2
			return 1
		}
		grep -q 'container with given ID already exists' "$T/err.$i" || {
			echo "create $i failed otherwise: $(cat "$T/err.$i")" >&2
			return 1
		}
		losers=$((losers + 1))
	done
	[ "$losers" -eq 99 ]
	[ ! -s "$T/err.${winners[0]}" ] || {
		echo "the winner said: $(cat "$T/err.${winners[0]}")" >&2
		return 1
	}
	no_crash_reports "$T"

	# The winner's state: one entry, the file parses, created, its init alive and the only
	# process of the container.
	[ "$(hull list -q)" = race ]
	jq -e '.id == "race"' "$ROOT/race/state.json" >/dev/null
	run hull state race
	assert_status 0
	local pid
	pid="$(jq -r .pid <<<"$output")"
	[ "$(jq -r .status <<<"$output")" = created ]
	pid_is_running "$pid"
	[ "$(container_pids)" = "$pid" ]
	hull start race
	[ "$(status_of race)" = running ]

	hull delete --force race
	no_state_left
	container_processes_gone
	no_new_cgroups
	no_new_mounts
}
