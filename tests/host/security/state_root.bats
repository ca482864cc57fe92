#!/usr/bin/env bats
# The state root as an attack surface. A state root, or a container directory in it, that another
# user owns or may write to lets that user plant a state.json whose hooks hull then runs with the
# caller's privileges: both are refused by name and mode before anything is read from them. And
# the verbs that remove state must not remove a container that a create made while they ran:
# `delete` destroys only what is still stale under the directory's lock, and a create's directory
# is locked from the moment it appears under its ID. The races are held open with strace's delay
# injection, each at one syscall, so every run takes the same path.

load ../helpers
load ../spec/spec_helpers
load security_helpers

setup_file() {
	hull_setup_file
}

setup() {
	sec_setup
	ORPHAN_PIDS=() # pid:starttime of inits a failing run may leave without state
	ORPHAN_CGROUPS=()
	EXTRA_ROOTS=() # state roots besides $ROOT where a test makes containers
}

# A failing run (the base binary) leaves an init whose state is gone: kill it by its recorded pid
# and start time and remove its cgroups, so that the harness judges the test and not its debris.
teardown() {
	local entry pid start d id
	for d in "${EXTRA_ROOTS[@]}"; do
		for id in $("$HULL" --root "$d" list -q 2>/dev/null); do
			"$HULL" --root "$d" delete --force "$id" >/dev/null 2>&1 || true
		done
	done
	for entry in "${ORPHAN_PIDS[@]}"; do
		pid="${entry%%:*}"
		start="${entry#*:}"
		if pid_is_running "$pid" "$start"; then
			kill -9 "$pid"
			wait_pid_gone "$pid" "$start" || true
		fi
	done
	for d in "${ORPHAN_CGROUPS[@]}"; do
		[ ! -d "$d" ] || rmdir "$d" 2>/dev/null || true
	done
	sec_teardown
}

# ---- planted state ---------------------------------------------------------------------------------

# plant_state DIR ID HOOK_TARGET: a container directory DIR/ID holding a state.json in hull's
# format for a stopped container whose poststop hook creates HOOK_TARGET (`delete` runs it).
plant_state() {
	local dir="$1/$2"
	mkdir -p "$dir"
	chmod 0711 "$dir"
	jq -n --arg id "$2" --arg bundle "$BUNDLE" --arg target "$3" '{
		id: $id, pid: 0, start_time: 0, bundle: $bundle, rootfs: ($bundle + "/rootfs"),
		created: "2026-01-01T00:00:00Z", annotations: {}, own_pid_namespace: true,
		no_new_keyring: false, poststart: [],
		poststop: [{path: "/bin/touch", args: ["touch", $target], env: []}]}' >"$dir/state.json"
}

# refused_everywhere ROOT ID TEXT root|dir: every verb that reads state fails on ROOT/ID and names
# the refused directory in TEXT; none runs the planted hook. For a refused root (root), list and
# create fail too; for a refused container directory (dir), list warns with TEXT and leaves the ID
# out. delete goes first: on a runtime that trusts the directory, it is the verb that runs the hook.
refused_everywhere() {
	local root="$1" id="$2" text="$3" kind="$4" verb
	local -a verbs=("delete $id" "delete --force $id" "state $id" "start $id" "kill $id KILL" "ps $id"
		"events --stats $id" "pause $id" "resume $id" "update --pids-limit 10 $id" "exec $id true")
	[ "$kind" != root ] || verbs+=("list" "create --bundle $BUNDLE $id")
	for verb in "${verbs[@]}"; do
		status=0
		# shellcheck disable=SC2086 # the verb's words
		output="$(closing_fds "$HULL" --root "$root" $verb 2>&1 </dev/null)" || status=$?
		if [ "$status" -eq 0 ] || [[ "$output" != *"$text"* ]]; then
			echo "hull --root $root $verb: status $status, expected a refusal naming: $text" >&2
			echo "output: $output" >&2
			return 1
		fi
	done
	if [ "$kind" = dir ]; then
		run closing_fds "$HULL" --root "$root" list -q
		assert_status 0
		assert_output_contains "$text"
		if grep -qx -- "$id" <<<"$output"; then
			echo "list shows $id from a refused directory: $output" >&2
			return 1
		fi
	fi
}

# ---- the race windows ------------------------------------------------------------------------------

# cgroup_dirs PID: the host directory of every non-root cgroup of PID, one a line (v1 hierarchies
# by their controller or name, the unified one as "unified").
cgroup_dirs() {
	awk -F: '$3 != "/" {
		d = $2
		sub(/^name=/, "", d)
		if (d == "") d = "unified"
		print "/sys/fs/cgroup/" d $3
	}' "/proc/$1/cgroup"
}

# note_init ID: INIT (pid from $T/ID.pid), INIT_START and INIT_CGROUPS, all registered for the
# teardown in case the run under test orphans them.
note_init() {
	INIT="$(cat "$T/$1.pid")"
	INIT_START="$(proc_starttime "$INIT")"
	ORPHAN_PIDS+=("$INIT:$INIT_START")
	# only the container's own cgroups, named after its ID (never a parent of the caller's)
	mapfile -t INIT_CGROUPS < <(cgroup_dirs "$INIT" | grep -E "/$1\$")
	local i
	for ((i = ${#INIT_CGROUPS[@]} - 1; i >= 0; i--)); do
		ORPHAN_CGROUPS+=("${INIT_CGROUPS[$i]}")
	done
	[ "${#INIT_CGROUPS[@]}" -gt 0 ] || {
		echo "the init $INIT of $1 is in no cgroup of its own" >&2
		return 1
	}
}

# intact_then_removed ID: the container created in the race window still has its state (created,
# with its init), its init and every cgroup; `delete --force` then removes all of it.
intact_then_removed() {
	local id="$1" d out
	out="$(hull state "$id")" || {
		echo "hull state $id failed after the race: the container's state is gone" >&2
		return 1
	}
	if [ "$(jq -r .status <<<"$out")" != created ] || [ "$(jq -r .pid <<<"$out")" != "$INIT" ]; then
		echo "state after the race: $out (init $INIT)" >&2
		return 1
	fi
	pid_is_running "$INIT" "$INIT_START"
	for d in "${INIT_CGROUPS[@]}"; do
		[ -d "$d" ] || {
			echo "cgroup $d of the init is gone" >&2
			return 1
		}
	done
	hull delete --force "$id"
	wait_pid_gone "$INIT" "$INIT_START"
	for d in "${INIT_CGROUPS[@]}"; do
		[ ! -d "$d" ] || {
			echo "cgroup $d is left after delete --force" >&2
			return 1
		}
	done
	[ ! -e "$ROOT/$id" ]
	no_state_left
}

# ---- a state root or container directory others control ------------------------------------------

@test "state root owned by another uid (chown 1000): every verb refuses it by name and mode, the planted hook never runs" {
	local r="$T/root-other"
	plant_state "$r" sr-own "$SENTINEL/hook-ran"
	chmod 0700 "$r"
	chown 1000 "$r"
	refused_everywhere "$r" sr-own \
		"state root $r: owned by uid 1000, mode 0700: must be owned by uid 0 and not writable by group or others" root
	[ ! -e "$SENTINEL/hook-ran" ]
	[ -f "$r/sr-own/state.json" ]
}

@test "state root with mode 0777: every verb refuses it by name and mode, the planted hook never runs" {
	local r="$T/root-0777"
	plant_state "$r" sr-777 "$SENTINEL/hook-ran"
	chmod 0777 "$r"
	refused_everywhere "$r" sr-777 \
		"state root $r: owned by uid 0, mode 0777: must be owned by uid 0 and not writable by group or others" root
	[ ! -e "$SENTINEL/hook-ran" ]
	# sticky and world-writable, as /tmp is
	chmod 1777 "$r"
	refused_everywhere "$r" sr-777 "state root $r: owned by uid 0, mode 1777: must be owned by uid 0" root
	[ ! -e "$SENTINEL/hook-ran" ]
}

@test "state root with mode 0770: every verb refuses it by name and mode, the planted hook never runs" {
	local r="$T/root-0770"
	plant_state "$r" sr-770 "$SENTINEL/hook-ran"
	chmod 0770 "$r"
	refused_everywhere "$r" sr-770 \
		"state root $r: owned by uid 0, mode 0770: must be owned by uid 0 and not writable by group or others" root
	[ ! -e "$SENTINEL/hook-ran" ]
}

@test "container directory owned by another uid, or mode 0777 or 0770, in a good root: refused by name and mode, the hook never runs" {
	local r="$T/root-good" dir mode
	mkdir -m 0700 "$r"
	plant_state "$r" sr-dir "$SENTINEL/hook-ran"
	dir="$r/sr-dir"
	chown 1000 "$dir"
	refused_everywhere "$r" sr-dir "container directory $dir: owned by uid 1000, mode 0711: must be owned by uid 0" dir
	chown 0 "$dir"
	for mode in 0777 0770; do
		chmod "$mode" "$dir"
		refused_everywhere "$r" sr-dir \
			"container directory $dir: owned by uid 0, mode $mode: must be owned by uid 0 and not writable by group or others" dir
	done
	[ ! -e "$SENTINEL/hook-ran" ]
	[ -f "$dir/state.json" ]
}

@test "state root control: the same planted state in a root of the caller's own, mode 0700, is used (its hook runs)" {
	local r="$T/root-mine"
	mkdir -m 0700 "$r"
	plant_state "$r" sr-mine "$T/control-hook-ran"
	run closing_fds "$HULL" --root "$r" state sr-mine
	assert_status 0
	[ "$(jq -r .status <<<"$output")" = stopped ]
	run closing_fds "$HULL" --root "$r" delete sr-mine
	assert_status 0
	[ -e "$T/control-hook-ran" ]
	[ ! -e "$r/sr-mine" ]
	# a real container in the test's root (mkdir -p, 0755) ...
	sec_run sr-fresh echo fresh-root-works
	assert_status 0
	[ "$output" = fresh-root-works ]
	# ... and in a missing one, which create makes (0700, with its parents)
	r="$T/made/by/create"
	EXTRA_ROOTS+=("$r")
	set_args sleep 100
	status=0
	closing_fds "$HULL" --root "$r" create --bundle "$BUNDLE" sr-made </dev/null >/dev/null 2>"$T/made.err" ||
		status=$?
	output="$(cat "$T/made.err")"
	assert_status 0
	[ "$(stat -c %a "$r")" = 700 ]
	run closing_fds "$HULL" --root "$r" state sr-made
	assert_status 0
	[ "$(jq -r .status <<<"$output")" = created ]
	run closing_fds "$HULL" --root "$r" delete --force sr-made
	assert_status 0
	[ ! -e "$r/sr-made" ]
}

# ---- delete and create racing for one ID -----------------------------------------------------------

@test "delete racing create: a delete held between its check and its stale-directory removal leaves the container created meanwhile intact" {
	local id="sr-del-$BATS_TEST_NUMBER-$$" del
	set_args sleep 1000
	CREATE_FLAGS=(--pid-file "$T/$id.pid")
	# delete --force of an ID that does not exist yet, held 3 s after each open of the root or of
	# the ID's directory (by path or by a dirfd of either)
	spawn_bg env "$(traced_env)" strace -qq -o "$T/delete.strace" -P "$ROOT" -P "$ROOT/$id" -e trace=openat \
		-e inject=openat:delay_exit=3000000 "$HULL" --root "$ROOT" delete --force "$id"
	del=$BG_PID
	# the check is done: the ID has no directory
	wait_for_file_text "$T/delete.strace" "ENOENT" 100
	sec_create "$id"
	note_init "$id"
	pid_is_running "$del" || {
		echo "delete finished before create did: the window was missed" >&2
		cat "$T/delete.strace" >&2
		return 1
	}
	status=0
	wait "$del" || status=$?
	cat "$T/delete.strace" >&2
	assert_status 0
	intact_then_removed "$id"
}

@test "create racing delete: a create held between making its directory and locking it keeps its container when a delete comes in between" {
	local id="sr-cre-$BATS_TEST_NUMBER-$$" cre
	set_args sleep 1000
	# create, held 3 s at its first flock (the state directory's)
	spawn_bg env "$(traced_env)" strace -qq -o "$T/create.strace" -e trace=flock -e inject=flock:delay_enter=3000000:when=1 \
		"$HULL" --root "$ROOT" create --bundle "$BUNDLE" --pid-file "$T/$id.pid" "$id" \
		</dev/null >"$T/$id.out" 2>"$T/$id.err"
	cre=$BG_PID
	wait_for_file_text "$T/create.strace" "flock(" 100
	run "$HULL" --root "$ROOT" delete --force "$id"
	assert_status 0
	pid_is_running "$cre" || {
		echo "create finished before delete did: the window was missed" >&2
		return 1
	}
	status=0
	wait "$cre" || status=$?
	cat "$T/create.strace" "$T/$id.err" >&2
	assert_status 0
	note_init "$id"
	intact_then_removed "$id"
}

@test "control: a directory without state.json whose create is gone is still removed by delete" {
	local id="sr-stale-$BATS_TEST_NUMBER"
	mkdir -m 0711 "$ROOT/$id"
	touch "$ROOT/$id/exec.fifo"
	run "$HULL" --root "$ROOT" delete "$id"
	assert_status 1
	assert_output_contains "container does not exist"
	[ ! -e "$ROOT/$id" ]
	mkdir -m 0711 "$ROOT/$id"
	run "$HULL" --root "$ROOT" delete --force "$id"
	assert_status 0
	[ ! -e "$ROOT/$id" ]
}

@test "run racing delete and create: a foreground run held after its init died removes only its own container, not the one created meanwhile" {
	local id="sr-run-$BATS_TEST_NUMBER-$$" run_pid first
	set_args sleep 1000
	# a foreground run, held 3 s after each wait4 (the reaping of its init among them)
	spawn_bg env "$(traced_env)" strace -qq -o "$T/run.strace" -e trace=wait4 -e inject=wait4:delay_exit=3000000 \
		"$HULL" --root "$ROOT" run --bundle "$BUNDLE" "$id" </dev/null >"$T/run.out" 2>"$T/run.err"
	run_pid=$BG_PID
	wait_for_status "$id" running 100
	first="$(state_field "$id" pid)"
	# another client deletes the container (its init dies) ...
	hull delete --force "$id"
	# ... the run has reaped it and is held before its own clean-up ...
	wait_for_file_text "$T/run.strace" "= $first (DELAYED)" 100
	# ... and a create makes a new container under the same ID
	CREATE_FLAGS=(--pid-file "$T/$id.pid")
	sec_create "$id"
	note_init "$id"
	pid_is_running "$run_pid" || {
		echo "run finished before create did: the window was missed" >&2
		cat "$T/run.strace" >&2
		return 1
	}
	wait "$run_pid" || true
	cat "$T/run.strace" "$T/run.err" >&2
	intact_then_removed "$id"
}
