# The harness of docs/security.md §2, shared by the escape-regression battery in
# tests/host/security/. Load after the project helpers:
#   load ../helpers; load ../spec/spec_helpers; load security_helpers
#
# Every test gets, on top of spec_setup (a private state root, a fresh busybox bundle, $T):
#   canary       a host file $CANARY in a temporary directory outside the bundle, bind-mounted
#                read-write at /canary (the first entry of config.json's mounts); its content,
#                owner, mode, inode and mtime must be unchanged afterwards
#   sentinel     a host directory $SENTINEL outside the bundle holding a marker file; nothing may
#                be created in it, removed from it or changed in it (sec_resnapshot re-takes the
#                picture after a test plants something of its own there)
#   mountinfo    the host's /proc/self/mountinfo, compared line by line before and after
#   exe-hash     sha256 of the runtime binary under test, before and after
# All four are checked by sec_teardown after every test, once the test's containers, helper
# processes and host mounts are gone; any difference fails the test.
#
# The temporary directory $SEC ($TMPDIR/hull-sec.XXXXXX, mode 0711) is world-searchable, so a
# container root mapped to another uid can still reach the canary and sentinel paths.

# sec_setup: spec_setup plus the four probes.
sec_setup() {
	spec_setup
	SEC="$(mktemp -d "${TMPDIR:-/tmp}/hull-sec.XXXXXX")"
	chmod 0711 "$SEC"
	HULL_TEMP_DIRS+=("$SEC")
	mkdir "$SEC/canary-dir"
	CANARY="$SEC/canary-dir/canary"
	printf 'canary %s %s\n' "$BATS_TEST_NUMBER" "$RANDOM$RANDOM" >"$CANARY"
	chmod 0644 "$CANARY"
	SENTINEL="$SEC/sentinel"
	mkdir "$SENTINEL"
	echo "sentinel marker" >"$SENTINEL/marker"
	export CANARY SENTINEL SEC
	# the mount point exists in the image, so a container root mapped to another uid (which may
	# not create files in a rootfs owned by host root) can still mount the canary
	touch "$BUNDLE/rootfs/canary"
	# The canary goes first, so every later mount, device and symlink of the setup could reach it.
	jq_config --arg src "$CANARY" \
		'.mounts = [{"destination": "/canary", "type": "bind", "source": $src, "options": ["bind", "rw"]}] + .mounts'
	cp "$BUNDLE/config.json" "$T/config.base"
	SEC_CANARY_BEFORE="$(canary_fingerprint)"
	sec_resnapshot
	SEC_MOUNTINFO_BEFORE="$T/mountinfo.before"
	host_mountinfo >"$SEC_MOUNTINFO_BEFORE"
	SEC_EXE_BEFORE="$(exe_hash)"
}

# sec_teardown: containers, helpers and the test's own host mounts go first; then the probes are
# compared; then spec_teardown's common checks (no state, process or mount left).
sec_teardown() {
	local failed=0 pid i after
	for pid in "${SPEC_PIDS[@]}"; do
		kill -9 "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	SPEC_PIDS=()
	for i in $("$HULL" --root "$ROOT" list -q 2>/dev/null); do
		"$HULL" --root "$ROOT" delete --force "$i" >/dev/null 2>&1 || true
	done
	for ((i = ${#SPEC_MOUNTS[@]} - 1; i >= 0; i--)); do
		umount -l "${SPEC_MOUNTS[$i]}" 2>/dev/null || true
	done
	SPEC_MOUNTS=()
	if [ -n "${SEC_CANARY_BEFORE:-}" ]; then
		after="$(canary_fingerprint)"
		if [ "$after" != "$SEC_CANARY_BEFORE" ]; then
			echo "harness: the canary changed: before [$SEC_CANARY_BEFORE] after [$after]" >&2
			failed=1
		fi
	fi
	if [ -n "${SEC_SENTINEL_BEFORE:-}" ]; then
		after="$(sentinel_listing)"
		if [ "$after" != "$SEC_SENTINEL_BEFORE" ]; then
			echo "harness: the sentinel changed:" >&2
			diff <(echo "$SEC_SENTINEL_BEFORE") <(echo "$after") >&2 || true
			failed=1
		fi
	fi
	if [ -n "${SEC_MOUNTINFO_BEFORE:-}" ] && [ -f "$SEC_MOUNTINFO_BEFORE" ]; then
		after="$(diff "$SEC_MOUNTINFO_BEFORE" <(host_mountinfo))" || {
			echo "harness: the host's mountinfo changed:" >&2
			echo "$after" >&2
			failed=1
		}
	fi
	if [ -n "${SEC_EXE_BEFORE:-}" ]; then
		after="$(exe_hash)"
		if [ "$after" != "$SEC_EXE_BEFORE" ]; then
			echo "harness: the runtime binary changed: $SEC_EXE_BEFORE -> $after" >&2
			failed=1
		fi
	fi
	spec_teardown || failed=1
	return "$failed"
}

# ---- the probes ----------------------------------------------------------------------------------

canary_fingerprint() {
	echo "$(stat -c '%i %u:%g %a %s %Y %F' "$CANARY" 2>&1) $(sha256sum <"$CANARY" 2>&1 | cut -d' ' -f1)"
}

# sentinel_listing: every entry under $SENTINEL with its type, inode, size, mode, owner and, for
# files, content hash.
sentinel_listing() {
	(
		cd "$SENTINEL" 2>/dev/null || {
			echo "sentinel $SENTINEL is gone"
			exit 0
		}
		find . -printf '%p %y %i %s %m %U:%G %l\n' | sort
		find . -type f -exec sha256sum {} + | sort
	)
}

# sec_resnapshot: take the sentinel's picture again (after a test planted something there).
sec_resnapshot() {
	SEC_SENTINEL_BEFORE="$(sentinel_listing)"
}

# host_mountinfo: the host's mount table, whole lines. Mounts under another bats run's temporary
# directory, or under another test suite's /tmp/hull-* directory (containerd's snapshots, the VM
# harness), belong to concurrent runs and are left out; this test's own $SEC is always kept.
host_mountinfo() {
	awk -v mine="${BATS_RUN_TMPDIR:-/nonexistent}" -v sec="${SEC:-/nonexistent}" '
		index($0, mine) > 0 || index($0, sec) > 0 { print; next }
		index($0, "/bats-run-") > 0 { next }
		$5 ~ /^\/tmp\/hull-/ { next }
		{ print }' /proc/self/mountinfo
}

# mount_points: helpers.bash's, which hull_setup and hull_teardown compare, overridden for this
# battery to leave out, like host_mountinfo, mounts other suites make meanwhile in their own
# /tmp/hull-* directories (containerd snapshots, docker's netns files, the VM harness).
mount_points() {
	awk '{print $5, $4}' /proc/self/mountinfo |
		awk -v mine="${BATS_RUN_TMPDIR:-/nonexistent}" -v sec="${SEC:-/nonexistent}" '
			index($0, mine) > 0 || index($0, sec) > 0 { print; next }
			index($0, "/bats-run-") > 0 { next }
			$1 ~ /^\/tmp\/hull-/ { next }
			{ print }' |
		sort
}

exe_hash() {
	sha256sum "$(readlink -f "$HULL")" | cut -d' ' -f1
}

# ---- running ---------------------------------------------------------------------------------------

# sec_run ID ARGS...: foreground `hull run` of ARGS in $BUNDLE, like bats' run: $status, $output
# (stdout), $stderr_text (stderr). Stdin is /dev/null; no fd above 2 reaches the runtime.
sec_run() {
	local id="$1"
	shift
	set_args "$@"
	sec_run_config "$id"
}

# sec_run_config ID [RUN FLAGS...]: the same with the config's own process.args.
sec_run_config() {
	local id="$1" attempt
	shift
	for attempt in 1 2; do
		status=0
		output="$(closing_fds "$HULL" --root "$ROOT" run --bundle "$BUNDLE" "$@" "$id" </dev/null 2>"$T/run.err")" ||
			status=$?
		stderr_text="$(cat "$T/run.err")"
		# A hull bug, not a security property: `start` can take an init that has already run a
		# short program to completion for one that died early (src/process release_init polls
		# the pidfd between reading FIONREAD and re-checking it). Retried once so the battery
		# stays deterministic; reported to the process module's owner.
		[[ "$stderr_text" == *"container process is already dead"* ]] || break
		echo "note: retrying after the release_init race: $stderr_text" >&2
	done
	return 0
}

# traced_env: the environment a runtime traced by strace needs: in an ASan build LeakSanitizer
# refuses to run under a tracer and fails the process at exit, so leak checks are off for that
# one process (every other sanitizer check stays on). Use as `env "$(traced_env)" strace ...`.
traced_env() {
	echo "ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
}

# closing_fds CMD...: run CMD with every fd above 2 of this shell closed (bats keeps its own
# output on fd 3 and friends; a runtime must not be judged by what the test harness leaks).
closing_fds() {
	(
		local fd
		for fd in /proc/$BASHPID/fd/*; do
			fd="${fd##*/}"
			[ "$fd" -gt 2 ] 2>/dev/null || continue
			eval "exec $fd>&-" 2>/dev/null || true
		done
		exec "$@"
	)
}

# spawn_bg CMD...: CMD in the background with this shell's fds above 2 closed, as one process:
# BG_PID is CMD's own pid (not a shell's waiting for it), so kill and wait reach CMD itself. It is
# killed at teardown.
spawn_bg() {
	(
		local fd
		for fd in /proc/$BASHPID/fd/*; do
			fd="${fd##*/}"
			[ "$fd" -gt 2 ] 2>/dev/null || continue
			eval "exec $fd>&-" 2>/dev/null || true
		done
		exec "$@"
	) &
	BG_PID=$!
	SPEC_PIDS+=("$BG_PID")
}

# with_fd N PATH CMD...: CMD with this shell's fds above 2 closed, then PATH opened read-only as
# fd N without O_CLOEXEC (a careless caller's leaked descriptor).
with_fd() {
	local n="$1" path="$2"
	shift 2
	(
		local fd
		for fd in /proc/$BASHPID/fd/*; do
			fd="${fd##*/}"
			[ "$fd" -gt 2 ] 2>/dev/null || continue
			eval "exec $fd>&-" 2>/dev/null || true
		done
		eval "exec $n<\"\$path\""
		exec "$@"
	)
}

# sec_create ID [ARGS...]: create_container (process.args = ARGS if given; flags in CREATE_FLAGS)
# with no fd above 2 leaked to the runtime; stdout/stderr of the container go to $T/ID.out and
# $T/ID.err.
sec_create() {
	local id="$1"
	shift
	[ $# -eq 0 ] || set_args "$@"
	closing_fds "$HULL" --root "$ROOT" create --bundle "$BUNDLE" "${CREATE_FLAGS[@]}" "$id" </dev/null \
		>"$T/$id.out" 2>"$T/$id.err" || {
		cat "$T/$id.err" >&2
		return 1
	}
	track_container "$id"
}

# ---- bundle edits ----------------------------------------------------------------------------------

# jq_config JQ_ARGS... FILTER: rewrite $BUNDLE/config.json with jq and extra jq arguments
# (--arg NAME VALUE, --argjson NAME JSON) before the filter.
jq_config() {
	jq "$@" "$BUNDLE/config.json" >"$BUNDLE/config.json.tmp" && mv "$BUNDLE/config.json.tmp" "$BUNDLE/config.json"
}

# reset_config: config.json as sec_setup left it (the default spec plus the canary).
reset_config() {
	cp "$T/config.base" "$BUNDLE/config.json"
}

# remove_mounts DEST...: drop the config's mounts at these destinations.
remove_mounts() {
	local d
	for d in "$@"; do
		update_config ".mounts |= map(select(.destination != \"$d\"))"
	done
}

# no_dev_mounts: no tmpfs at /dev and nothing under it from config.json (the rootfs's own /dev
# is what the runtime works on).
no_dev_mounts() {
	update_config '.mounts |= map(select(.destination != "/dev" and (.destination | startswith("/dev/") | not)))'
}

# probe_binary: a copy of hull-checker at $PROBE, a host path that does not exist in the rootfs.
# Run as "PROBE exit 42", it tells by its exit status that a host binary was executed.
probe_binary() {
	PROBE="$SEC/escape-probe"
	cp "$HULL_CHECKER" "$PROBE"
	chmod 0755 "$PROBE"
	[ ! -e "$BUNDLE/rootfs$PROBE" ]
}

# UP: enough "../" to climb from any directory to "/".
UP="../../../../../../../../../../../../../../../../"

# fd_targets PID: "N TARGET" for each fd of PID.
fd_targets() {
	local f
	for f in /proc/"$1"/fd/*; do
		echo "${f##*/} $(readlink "$f")"
	done
}

# assert_sentinel_untouched: the sentinel is as it was at the last snapshot (also checked at
# teardown; this is for tests that want to fail at the exact step).
assert_sentinel_untouched() {
	local now
	now="$(sentinel_listing)"
	[ "$now" = "$SEC_SENTINEL_BEFORE" ] || {
		echo "the sentinel changed:" >&2
		diff <(echo "$SEC_SENTINEL_BEFORE") <(echo "$now") >&2 || true
		return 1
	}
}

assert_canary_untouched() {
	local now
	now="$(canary_fingerprint)"
	[ "$now" = "$SEC_CANARY_BEFORE" ] || {
		echo "the canary changed: before [$SEC_CANARY_BEFORE] now [$now]" >&2
		return 1
	}
}

# sec_recvtty SOCKET OUT [ARGS...]: helpers.bash's recvtty, with no fd of this shell above 2
# passed to it and its pid (RECV_PID) killed at teardown.
sec_recvtty() {
	local recv="${HULL_RECVTTY:-}"
	if [ -z "$recv" ] || [ ! -x "$recv" ]; then
		recv="$T/hull-recvtty"
		gcc -std=gnu11 -O2 -o "$recv" "$HULL_SOURCE_DIR/tests/checker/recvtty.c" >&2
	fi
	spawn_bg "$recv" "$@"
	RECV_PID=$BG_PID
	local i
	for i in $(seq 50); do
		[ -S "$1" ] && return 0
		sleep 0.05
	done
	echo "recvtty never listened on $1" >&2
	return 1
}

# all_caps_json: every capability in the host's bounding set, as a JSON array of names.
all_caps_json() {
	local last i names=()
	last="$(cat /proc/sys/kernel/cap_last_cap)"
	local -a table=(CHOWN DAC_OVERRIDE DAC_READ_SEARCH FOWNER FSETID KILL SETGID SETUID SETPCAP
		LINUX_IMMUTABLE NET_BIND_SERVICE NET_BROADCAST NET_ADMIN NET_RAW IPC_LOCK IPC_OWNER SYS_MODULE
		SYS_RAWIO SYS_CHROOT SYS_PTRACE SYS_PACCT SYS_ADMIN SYS_BOOT SYS_NICE SYS_RESOURCE SYS_TIME
		SYS_TTY_CONFIG MKNOD LEASE AUDIT_WRITE AUDIT_CONTROL SETFCAP MAC_OVERRIDE MAC_ADMIN SYSLOG
		WAKE_ALARM BLOCK_SUSPEND AUDIT_READ PERFMON BPF CHECKPOINT_RESTORE)
	local bnd
	bnd=$((16#$(awk '/^CapBnd/ {print $2}' /proc/self/status)))
	for ((i = 0; i <= last && i < ${#table[@]}; i++)); do
		((bnd >> i & 1)) && names+=("CAP_${table[$i]}")
	done
	printf '%s\n' "${names[@]}" | jq -R . | jq -s -c .
}
