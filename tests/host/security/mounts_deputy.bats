#!/usr/bin/env bats
# Escape battery, docs/security.md §2.4 (confused-deputy mounts: the attacker chooses the mount
# source) and §3.5, §3.7: maskedPaths through a fake /dev/null (CVE-2025-31133, youki
# CVE-2025-62161), /dev/console bound from a planted /dev/pts/N (CVE-2025-52565). Defences: P6, P7,
# P12. The dangerous variants point the fake /dev/null at the host's own core_pattern, which is
# only ever read here, never written.

load ../helpers
load ../spec/spec_helpers
load security_helpers

setup_file() {
	hull_setup_file
}

setup() {
	sec_setup
	CORE_PATTERN_BEFORE="$(cat /proc/sys/kernel/core_pattern)"
}

teardown() {
	local failed=0
	if [ "$(cat /proc/sys/kernel/core_pattern)" != "$CORE_PATTERN_BEFORE" ]; then
		echo "harness: the host's core_pattern changed: '$CORE_PATTERN_BEFORE' -> '$(cat /proc/sys/kernel/core_pattern)'" >&2
		failed=1
	fi
	sec_teardown || failed=1
	return "$failed"
}

# mask_targets: the masked files of these tests that exist on this kernel.
mask_targets() {
	local p
	for p in /proc/kcore /proc/timer_list /proc/sched_debug; do
		[ -e "$p" ] && echo "$p"
	done
}

# masked_or_refused ID [nowrite]: either the run failed (naming /dev/null), or every mask
# target is the null device 1:3 inside, and (unless nowrite) what is written to it is gone. Use
# nowrite whenever a broken runtime could have bound something of the host's over the target:
# the test must never write there.
masked_or_refused() {
	local id="$1" targets script write=""
	targets="$(mask_targets | tr '\n' ' ')"
	[ "${2:-}" = nowrite ] || write="(echo x > \$p) 2>/dev/null;"
	script="for p in $targets; do stat -c \"%n %t:%T\" \$p; $write test -z \"\$(head -c 64 \$p)\" || echo \"\$p readable\"; done; true"
	sec_run "$id" sh -c "$script"
	echo "status $status: $output / $stderr_text" >&2
	if [ "$status" -ne 0 ]; then
		[[ "$stderr_text" == *"/dev/null"* ]]
		no_state_left
		return 0
	fi
	local p
	for p in $targets; do
		grep -qx "$p 1:3" <<<"$output" || {
			echo "$p is not masked with the null device: $output" >&2
			return 1
		}
	done
	if grep -q readable <<<"$output"; then
		return 1
	fi
}

# ---- CVE-2025-31133 ------------------------------------------------------------------------------

@test "CVE-2025-31133 (§3.5): rootfs /dev/null -> /canary with no /dev tmpfs: masks are the real null device or the start fails; the canary is untouched" {
	no_dev_mounts
	update_config '.linux.maskedPaths += ["/proc/kcore", "/proc/timer_list"]'
	rm -f "$BUNDLE/rootfs/dev/null"
	ln -s /canary "$BUNDLE/rootfs/dev/null"
	masked_or_refused m1
	assert_canary_untouched
}

@test "CVE-2025-31133 (runc@1a30a8f3d): rootfs /dev/null missing with no /dev tmpfs: the paths are still masked or the start fails" {
	no_dev_mounts
	update_config '.linux.maskedPaths += ["/proc/kcore", "/proc/timer_list"]'
	rm -f "$BUNDLE/rootfs/dev/null"
	masked_or_refused m2
}

@test "CVE-2025-31133 (§3.5): /dev bound from a host directory whose null -> /canary: the start is refused and the canary untouched" {
	mkdir "$SEC/hostdev"
	ln -s /canary "$SEC/hostdev/null"
	remove_mounts /dev /dev/pts /dev/shm /dev/mqueue
	jq_config --arg src "$SEC/hostdev" '.mounts += [{"destination": "/dev", "type": "bind", "source": $src, "options": ["rbind"]}]'
	masked_or_refused m3
	[ "$status" -ne 0 ]
	assert_canary_untouched
}

@test "CVE-2025-31133: /dev bound from a host directory whose null -> /proc/sys/kernel/core_pattern: nothing is bound over a masked path" {
	mkdir "$SEC/hostdev"
	ln -s /proc/sys/kernel/core_pattern "$SEC/hostdev/null"
	remove_mounts /dev /dev/pts /dev/shm /dev/mqueue
	jq_config --arg src "$SEC/hostdev" '.mounts += [{"destination": "/dev", "type": "bind", "source": $src, "options": ["rbind"]}]'
	update_config '.linux.readonlyPaths = []'
	# never written: with a broken runtime the masks would be the host's core_pattern
	masked_or_refused m4 nowrite
	[ "$status" -ne 0 ]
}

@test "CVE-2025-31133 (runc@1a30a8f3d): /dev bound from a host directory with no null: the masks are not silently skipped" {
	mkdir "$SEC/hostdev"
	remove_mounts /dev /dev/pts /dev/shm /dev/mqueue
	jq_config --arg src "$SEC/hostdev" '.mounts += [{"destination": "/dev", "type": "bind", "source": $src, "options": ["rbind"]}]'
	masked_or_refused m5
	[ "$status" -ne 0 ]
}

@test "CVE-2025-31133 (runc mask.bats): a masked file reads empty, a masked directory is empty and read-only, duplicates and a read-only root work" {
	mkdir -p "$BUNDLE/rootfs/testdir"
	echo secret >"$BUNDLE/rootfs/testdir/file"
	echo secret >"$BUNDLE/rootfs/testfile"
	update_config '.root.readonly = true
		| .linux.maskedPaths += ["/testdir", "/testfile", "/testdir", "/testfile"]'
	sec_run mask sh -c 'cat /testfile; ls -A /testdir; stat -c "%t:%T" /testfile;
		(echo x > /testfile) 2>/dev/null; cat /testfile; touch /testdir/new 2>/dev/null && echo dir-writable; echo end'
	assert_status 0
	[ "$output" = "$(printf '1:3\nend')" ]
	[ "$(cat "$BUNDLE/rootfs/testfile")" = secret ]
}

# ---- CVE-2025-52565 ------------------------------------------------------------------------------

@test "CVE-2025-52565 (§3.7): no devpts mount, rootfs /dev/pts/0..31 -> /canary, a terminal: /dev/console is a pty or the start fails; the canary is untouched" {
	no_dev_mounts
	mkdir -p "$BUNDLE/rootfs/dev/pts"
	local n
	for n in $(seq 0 31); do
		ln -s /canary "$BUNDLE/rootfs/dev/pts/$n"
	done
	ln -sf /canary "$BUNDLE/rootfs/dev/ptmx"
	update_config '.process.terminal = true'
	set_args sh -c 'stat -c "%F %t" /dev/console; echo written > /dev/console; echo done'
	sec_recvtty "$T/console.sock" "$T/tty.out"
	status=0
	closing_fds "$HULL" --root "$ROOT" run -d --console-socket "$T/console.sock" --bundle "$BUNDLE" con </dev/null >/dev/null 2>"$T/err" ||
		status=$?
	echo "status $status: $(cat "$T/err")" >&2
	if [ "$status" -eq 0 ]; then
		wait "$RECV_PID" || true
		tr -d '\r' <"$T/tty.out" >&2
		# major 136..143 (0x88..0x8f) is the Unix98 pty slave range
		grep -Eq '^character special file 8[89a-f]$' <(tr -d '\r' <"$T/tty.out")
		grep -q '^done$' <(tr -d '\r' <"$T/tty.out")
	fi
	assert_canary_untouched
}

@test "CVE-2025-52565 (§3.7): with a devpts mount, /dev/console is the pty slave (char 136:N) and masks and read-only paths still apply" {
	update_config '.process.terminal = true'
	# (/proc/sys/kernel/hostname is the container's own uts namespace: harmless to try)
	set_args sh -c 'stat -c "%F %t %T" /dev/console; ls -l /proc/self/fd/0; stat -c "%t:%T" /proc/timer_list 2>/dev/null;
		(echo x > /proc/sys/kernel/hostname) 2>/dev/null && echo sys-writable; echo done'
	sec_recvtty "$T/console.sock" "$T/tty.out"
	status=0
	closing_fds "$HULL" --root "$ROOT" run -d --console-socket "$T/console.sock" --bundle "$BUNDLE" con2 </dev/null >/dev/null 2>"$T/err" ||
		status=$?
	[ "$status" -eq 0 ] || {
		cat "$T/err" >&2
		return 1
	}
	wait "$RECV_PID"
	tr -d '\r' <"$T/tty.out" >"$T/tty.txt"
	cat "$T/tty.txt" >&2
	grep -Eq '^character special file 88 [0-9a-f]+$' "$T/tty.txt"
	grep -q -- '-> /dev/pts/' "$T/tty.txt"
	if grep -q sys-writable "$T/tty.txt"; then
		return 1
	fi
	grep -q '^done$' "$T/tty.txt"
	[ ! -e /proc/timer_list ] || grep -qx '1:3' "$T/tty.txt"
}
