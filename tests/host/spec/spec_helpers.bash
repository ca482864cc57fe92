# Helpers shared by the runtime-spec conformance suites in tests/host/spec/.
# Load after ../helpers:  load ../helpers; load spec_helpers

# spec_setup: hull_setup plus the per-test lists that spec_teardown undoes.
spec_setup() {
	hull_setup
	T="$BATS_TEST_TMPDIR"
	SPEC_PIDS=()   # host helper processes (e.g. `unshare --net sleep`) to kill at teardown
	SPEC_MOUNTS=() # host mounts the test made itself, unmounted (in reverse) at teardown
}

# spec_teardown: undo the test's own helpers first, then the common checks of hull_teardown.
spec_teardown() {
	local i pid
	for pid in "${SPEC_PIDS[@]}"; do
		kill -9 "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	# containers first: a test mount may be busy while a container still uses it
	for i in $("$HULL" --root "$ROOT" list -q 2>/dev/null); do
		"$HULL" --root "$ROOT" delete --force "$i" >/dev/null 2>&1 || true
	done
	for ((i = ${#SPEC_MOUNTS[@]} - 1; i >= 0; i--)); do
		umount -l "${SPEC_MOUNTS[$i]}" 2>/dev/null || true
	done
	hull_teardown
}

# run_sh SCRIPT: `hull run` of `sh -c SCRIPT` in $BUNDLE like bats' `run`: sets $status and
# $output (stdout only; stderr goes to $T/sh.err and is shown on failure by assert_status).
run_sh() {
	set_args sh -c "$1"
	status=0
	# shellcheck disable=SC2034 # status and output are for the caller, as with bats run
	output="$(hull run --bundle "$BUNDLE" "sh-$BATS_TEST_NUMBER" </dev/null 2>"$T/sh.err")" || status=$?
	if [ -s "$T/sh.err" ]; then
		echo "stderr of run_sh: $(cat "$T/sh.err")" >&2
	fi
	return 0
}

# mount_entry MOUNTPOINT: the topmost checker mount entry for MOUNTPOINT, as compact JSON.
mount_entry() {
	jq -c --arg mp "$1" '[.mounts[] | select(.mount_point == $mp)] | last' "$CHECKER"
}

# mount_has MOUNTPOINT FSTYPE|"" OPTION...: the checker saw MOUNTPOINT (topmost entry) with that
# file-system type and all those per-mount options (or super options). (as in lifecycle.bats,
# extended to super options so tmpfs size=/mode= can be checked)
mount_has() {
	local mp="$1" fs="$2" opts
	shift 2
	opts="$(printf '%s\n' "$@" | jq -R . | jq -s -c 'map(select(. != ""))')"
	jq -e --arg mp "$mp" --arg fs "$fs" --argjson opts "$opts" '
		[.mounts[] | select(.mount_point == $mp)] | last
		| . != null and ($fs == "" or .fstype == $fs)
		  and ((.options + (.super_options // [])) as $o
		       | $opts | all(. as $x | $o | index($x) != null))' "$CHECKER" >/dev/null || {
		echo "mount $mp: wanted type '$fs' with options $opts; saw:" >&2
		jq -c --arg mp "$mp" '.mounts[] | select(.mount_point == $mp)' "$CHECKER" >&2
		return 1
	}
}

# mount_lacks MOUNTPOINT OPTION...: the topmost entry for MOUNTPOINT has none of the options.
mount_lacks() {
	local mp="$1" opts
	shift
	opts="$(printf '%s\n' "$@" | jq -R . | jq -s -c .)"
	jq -e --arg mp "$mp" --argjson opts "$opts" '
		[.mounts[] | select(.mount_point == $mp)] | last
		| . != null and (.options as $o | $opts | all(. as $x | $o | index($x) == null))' \
		"$CHECKER" >/dev/null || {
		echo "mount $mp: wanted none of $opts; saw:" >&2
		jq -c --arg mp "$mp" '.mounts[] | select(.mount_point == $mp)' "$CHECKER" >&2
		return 1
	}
}

# add_mount JSON: append one entry to .mounts.
add_mount() {
	update_config ".mounts += [$1]"
}

# add_namespace TYPE [PATH]: add (or replace) a linux.namespaces entry.
add_namespace() {
	local entry
	if [ -n "${2:-}" ]; then
		entry="$(jq -n -c --arg t "$1" --arg p "$2" '{type: $t, path: $p}')"
	else
		entry="$(jq -n -c --arg t "$1" '{type: $t}')"
	fi
	update_config ".linux.namespaces = ([.linux.namespaces[] | select(.type != \"$1\")] + [$entry])"
}

# remove_namespace TYPE
remove_namespace() {
	update_config ".linux.namespaces = [.linux.namespaces[] | select(.type != \"$1\")]"
}

# nothing_left ID: no state, no process and no new mount after a failed create.
nothing_left() {
	no_state_left && no_container_process "$1" && no_new_mounts
}

# spawn_ns_holder UNSHARE_FLAGS...: start `unshare FLAGS sleep 1000` in the background; sets
# HOLDER to its pid once the namespaces exist (killed by spec_teardown).
spawn_ns_holder() {
	unshare "$@" sleep 1000 &
	HOLDER=$!
	SPEC_PIDS+=("$HOLDER")
	local i
	for i in $(seq 50); do
		# unshare execs sleep once the namespaces are made
		[ "$(readlink "/proc/$HOLDER/exe" 2>/dev/null)" != "$(readlink -f "$(command -v unshare)")" ] &&
			[ "$(readlink "/proc/$HOLDER/ns/mnt" 2>/dev/null)" != "" ] && return 0
		sleep 0.1
	done
	echo "namespace holder did not start" >&2
	return 1
}

# use_userns [HOSTID]: a new user namespace mapping container 0..65535 to HOSTID (100000).
# The mapped root must be able to reach the bundle, and bats' temporary directories are 0700,
# so the bundle moves to a world-searchable directory $UT (removed at teardown).
use_userns() {
	local host="${1:-100000}"
	UT="$(mktemp -d "${TMPDIR:-/tmp}/hull-spec-userns.XXXXXX")"
	HULL_TEMP_DIRS+=("$UT")
	chmod 0711 "$UT"
	cp -a "$BUNDLE" "$UT/bundle"
	BUNDLE="$UT/bundle"
	add_namespace user
	update_config ".linux.uidMappings = [{\"containerID\": 0, \"hostID\": $host, \"size\": 65536}]
		| .linux.gidMappings = [{\"containerID\": 0, \"hostID\": $host, \"size\": 65536}]"
}
