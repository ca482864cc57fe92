#!/usr/bin/env bats
# Escape battery, docs/security.md §2.2 (leaked file descriptors, cwd and ptrace) and §3.1 (the
# fd and cwd escape battery): CVE-2024-21626 "Leaky Vessels" T1-T4 and its exec variants,
# CVE-2016-9962 (a joining exec process ptraced by container PID 1), crun CVE-2026-88265 (stdio
# reopened through a symlinked /dev/null). Defences: P2, P3, P4, P7.
#
# "No host binary executed" is observed with $PROBE, a copy of hull-checker at a host path that
# does not exist in the rootfs, run as `PROBE exit 42`: exit status 42 means it ran.

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

# assert_fd_allowlist ID PID: every fd of PID above 2 is the exec fifo, a socket, a pipe, an anon
# inode or a pty; 0-2 are what the caller passed. Any directory or other file fails.
assert_fd_allowlist() {
	local id="$1" pid="$2" n target bad=0
	while read -r n target; do
		case "$n" in
		0) [ "$target" = /dev/null ] || [[ "$target" == /dev/pts/* ]] || { echo "fd 0 is $target" >&2; bad=1; } ;;
		1) [ "$target" = "$T/$id.out" ] || [[ "$target" == /dev/pts/* ]] || { echo "fd 1 is $target" >&2; bad=1; } ;;
		2) [ "$target" = "$T/$id.err" ] || [[ "$target" == /dev/pts/* ]] || { echo "fd 2 is $target" >&2; bad=1; } ;;
		*)
			case "$target" in
			"$ROOT/$id/exec.fifo" | socket:* | pipe:* | anon_inode:* | /dev/pts/* | /dev/ptmx | /memfd:*) ;;
			*)
				echo "fd $n of the init is outside the allowlist: $target ($(stat -L -c %F "/proc/$pid/fd/$n" 2>&1))" >&2
				bad=1
				;;
			esac
			;;
		esac
	done < <(fd_targets "$pid")
	return "$bad"
}

# ---- T1: the created-state fd allowlist ----------------------------------------------------------

@test "CVE-2024-21626 T1 (§3.1): after create the init holds only stdio, the exec fifo, sockets, pipes and anon inodes" {
	sec_create t1 hull-checker
	local pid
	pid="$(state_field t1 pid)"
	fd_targets "$pid" >&2
	assert_fd_allowlist t1 "$pid"
	hull start t1
	wait_pid_gone "$pid"
	# and the program itself sees nothing but stdio
	[ "$(jq -r '.fds | keys | join(",")' "$T/t1.out")" = "0,1,2" ]
}

@test "CVE-2024-21626 T1: the fd allowlist holds with a terminal, an idmapped mount, a seccomp filter and hooks" {
	update_config '.process.terminal = true
		| .linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mknodat"], "action": "SCMP_ACT_ERRNO"}]}
		| .hooks = {"createRuntime": [{"path": "/bin/true"}]}'
	mkdir -p "$SEC/idsrc"
	jq_config --arg src "$SEC/idsrc" '.mounts += [{"destination": "/idmapped", "type": "bind", "source": $src,
		"options": ["bind", "idmap"], "uidMappings": [{"containerID": 0, "hostID": 1000, "size": 10}],
		"gidMappings": [{"containerID": 0, "hostID": 1000, "size": 10}]}]'
	sec_recvtty "$T/console.sock" "$T/tty.out"
	CREATE_FLAGS=(--console-socket "$T/console.sock")
	sec_create t1b hull-checker
	local pid
	pid="$(state_field t1b pid)"
	fd_targets "$pid" >&2
	assert_fd_allowlist t1b "$pid"
}

# ---- T2: a careless caller's leaked directory fd -------------------------------------------------

@test "CVE-2024-21626 T2 (§3.1): a host directory leaked by the caller as fd 7 reaches neither the created init nor the program" {
	set_args hull-checker
	with_fd 7 "$SENTINEL" "$HULL" --root "$ROOT" create --bundle "$BUNDLE" t2 </dev/null >"$T/t2.out" 2>"$T/t2.err"
	track_container t2
	local pid
	pid="$(state_field t2 pid)"
	fd_targets "$pid" >&2
	# P3: the init is a clone of the runtime; an fd the caller leaked to the runtime must not be in
	# it while it waits for start (nothing outside --preserve-fds is the container's).
	[ ! -e "/proc/$pid/fd/7" ] || {
		echo "the created init holds the caller's fd 7: $(readlink "/proc/$pid/fd/7")" >&2
		return 1
	}
	hull start t2
	wait_pid_gone "$pid"
	jq -e '.fds | has("7") | not' "$T/t2.out"
}

@test "CVE-2024-21626 T2 attack 1: with fd 7 leaked by the caller, process.cwd=/proc/self/fd/7 does not start" {
	update_config '.process.cwd = "/proc/self/fd/7"'
	set_args hull-checker
	status=0
	with_fd 7 "$SENTINEL" "$HULL" --root "$ROOT" run --bundle "$BUNDLE" t2cwd </dev/null >"$T/out" 2>"$T/err" || status=$?
	cat "$T/err" >&2
	[ "$status" -ne 0 ]
	grep -qF "cwd /proc/self/fd/7: " "$T/err"
	# nothing ran: the checker would have printed its report
	[ ! -s "$T/out" ]
}

@test "CVE-2024-21626 T2+T4 attack 3a: with fd 7 leaked by the caller, args[0]=/proc/self/fd/7/../<host binary> runs no host binary" {
	probe_binary
	set_args "/proc/self/fd/7/$UP${PROBE#/}" exit 42
	status=0
	with_fd 7 "$SENTINEL" "$HULL" --root "$ROOT" run --bundle "$BUNDLE" t2exe </dev/null >"$T/out" 2>"$T/err" || status=$?
	cat "$T/err" >&2
	[ "$status" -ne 42 ] || {
		echo "the host binary $PROBE was executed inside the container" >&2
		return 1
	}
	[ "$status" -ne 0 ]
	grep -qF 'exec: "/proc/self/fd/7/' "$T/err"
}

@test "CVE-2024-21626 T2 (exec): a caller-leaked fd 7 gives exec neither a host cwd nor a host binary" {
	probe_binary
	sec_create t2x sleep 100
	hull start t2x
	status=0
	with_fd 7 "$SENTINEL" "$HULL" --root "$ROOT" exec t2x "/proc/self/fd/7/$UP${PROBE#/}" exit 42 </dev/null >/dev/null 2>"$T/err" || status=$?
	cat "$T/err" >&2
	[ "$status" -ne 42 ] || {
		echo "exec ran the host binary $PROBE inside the container" >&2
		return 1
	}
	status=0
	with_fd 7 "$SENTINEL" "$HULL" --root "$ROOT" exec --cwd /proc/self/fd/7 t2x pwd </dev/null >"$T/out" 2>"$T/err" || status=$?
	[ "$status" -ne 0 ] || {
		echo "exec --cwd /proc/self/fd/7 started in $(cat "$T/out")" >&2
		return 1
	}
	grep -qF "chdir /proc/self/fd/7: " "$T/err"
	status=0
	with_fd 7 "$SENTINEL" "$HULL" --root "$ROOT" exec t2x hull-checker </dev/null >"$T/out" 2>"$T/err" || status=$?
	[ "$status" -eq 0 ]
	jq -e '.fds | has("7") | not' "$T/out"
}

# ---- T3/T4: sweeps over every fd number the runtime could hold ----------------------------------

@test "CVE-2024-21626 T3 (§3.1): process.cwd=/proc/self/fd/N for N=3..64 fails or reports a cwd inside the rootfs" {
	local n=3 started=0 cfg
	jq -c 'range(3; 65) as $n | .process.args = ["hull-checker"] | .process.cwd = "/proc/self/fd/\($n)"' \
		"$BUNDLE/config.json" >"$T/variants"
	while IFS= read -r cfg; do
		printf '%s\n' "$cfg" >"$BUNDLE/config.json"
		sec_run_config t3
		if [ "$status" -eq 0 ]; then
			started=$((started + 1))
			jq -e '.cwd | startswith("/") and (contains("unreachable") | not)' <<<"$output" >/dev/null || {
				echo "cwd /proc/self/fd/$n: the process runs in $(jq -r .cwd <<<"$output")" >&2
				return 1
			}
		fi
		n=$((n + 1))
	done <"$T/variants"
	[ "$n" -eq 65 ]
	echo "$started of 62 started (inside the rootfs)" >&2
}

@test "CVE-2024-21626 T4 (§3.1): args[0]=/proc/self/fd/N/../<host binary> for N=3..64 runs no host binary" {
	probe_binary
	local n=3 cfg
	jq -c --arg probe "$UP${PROBE#/}" 'range(3; 65) as $n | .process.args = ["/proc/self/fd/\($n)/\($probe)", "exit", "42"]' \
		"$BUNDLE/config.json" >"$T/variants"
	while IFS= read -r cfg; do
		printf '%s\n' "$cfg" >"$BUNDLE/config.json"
		sec_run_config t4
		[ "$status" -ne 42 ] || {
			echo "run: /proc/self/fd/$n reached the host and executed $PROBE" >&2
			return 1
		}
		[ "$status" -ne 0 ]
		[[ "$stderr_text" == *"exec: \"/proc/self/fd/$n/"* ]]
		n=$((n + 1))
	done <"$T/variants"
	[ "$n" -eq 65 ]
}

@test "CVE-2024-21626 attack 3a via exec (§3.1): exec of /proc/self/fd/N/../<host binary> for N=3..64 runs no host binary" {
	probe_binary
	sec_create t4x sleep 100
	hull start t4x
	local n
	for n in $(seq 3 64); do
		status=0
		closing_fds "$HULL" --root "$ROOT" exec t4x "/proc/self/fd/$n/$UP${PROBE#/}" exit 42 </dev/null >/dev/null 2>"$T/err" || status=$?
		[ "$status" -ne 42 ] || {
			echo "exec: /proc/self/fd/$n reached the host and executed $PROBE" >&2
			return 1
		}
	done
}

@test "CVE-2024-21626 attack 3a via an image symlink: exec of a program linked to /proc/self/fd/N/../<host binary> runs no host binary" {
	probe_binary
	local n
	for n in $(seq 3 16); do
		ln -s "/proc/self/fd/$n/$UP${PROBE#/}" "$BUNDLE/rootfs/usr/bin/tool$n"
	done
	sec_create t4s sleep 100
	hull start t4s
	for n in $(seq 3 16); do
		status=0
		closing_fds "$HULL" --root "$ROOT" exec t4s "tool$n" exit 42 </dev/null >/dev/null 2>"$T/err" || status=$?
		[ "$status" -ne 42 ] || {
			echo "exec of the image's tool$n -> /proc/self/fd/$n/... executed the host binary $PROBE" >&2
			return 1
		}
	done
}

@test "CVE-2024-21626 attack 2 (§3.1): exec --cwd /proc/self/fd/N, directly or through an image symlink, fails or stays inside" {
	local n
	for n in $(seq 3 16); do
		ln -s "/proc/self/fd/$n" "$BUNDLE/rootfs/leak$n"
	done
	sec_create a2 sleep 100
	hull start a2
	for n in $(seq 3 64); do
		for cwd in "/proc/self/fd/$n" "/leak$n"; do
			[ "$cwd" != "/leak$n" ] || [ "$n" -le 16 ] || continue
			status=0
			closing_fds "$HULL" --root "$ROOT" exec --cwd "$cwd" a2 hull-checker </dev/null >"$T/out" 2>"$T/err" || status=$?
			if [ "$status" -eq 0 ]; then
				jq -e '.cwd | startswith("/") and (contains("unreachable") | not)' "$T/out" >/dev/null || {
					echo "exec --cwd $cwd runs in $(jq -r .cwd "$T/out")" >&2
					return 1
				}
			fi
		done
	done
}

# ---- CVE-2016-9962 -------------------------------------------------------------------------------

@test "CVE-2016-9962: container PID 1 with CAP_SYS_PTRACE cannot ptrace or read the fds of 200 joining exec processes" {
	# A user namespace, so the joining process's credentials become the container's (setns) while
	# it still runs the runtime's code: only non-dumpability (P2) keeps PID 1 out.
	use_userns
	local caps
	caps="$(all_caps_json)"
	update_config ".process.capabilities = {\"bounding\": $caps, \"effective\": $caps, \"permitted\": $caps}"
	sec_create ptr hull-checker ptrace-watch 120 /bin/hull-checker
	hull start ptr
	# four at a time; a failed exec is recorded (xargs would stop at the first status 255)
	seq 200 | closing_fds xargs -P 4 -I{} sh -c '"$0" --root "$1" exec ptr /bin/hull-checker sleep 0.05 </dev/null \
		|| echo "exec {} failed: $?" >&2' "$HULL" "$ROOT" 2>"$T/exec.err"
	hull kill ptr TERM
	local pid
	pid="$(state_field ptr pid)"
	wait_pid_gone "$pid" "" 100
	cat "$T/ptr.out" >&2
	jq -e . "$T/ptr.out" >/dev/null
	# the harness works: the execs ran, and the watcher reached the programs they started
	[ "$(grep -c failed "$T/exec.err")" -le 10 ] || {
		echo "too many execs failed: $(sort "$T/exec.err" | uniq -c | head)" >&2
		return 1
	}
	jq -e '.attached_program >= 100' "$T/ptr.out" >/dev/null || {
		echo "the watcher attached to few exec'd programs: the test proves little" >&2
		return 1
	}
	jq -e '.attached_runtime == 0 and .fd_runtime == 0' "$T/ptr.out" >/dev/null || {
		echo "container PID 1 reached a joining process before its execve: $(jq -c . "$T/ptr.out")" >&2
		return 1
	}
}

# ---- crun CVE-2026-88265 -------------------------------------------------------------------------

@test "crun CVE-2026-88265: /dev/null -> /canary with no /dev mount: stdio stays the caller's pipes and the canary is not chowned" {
	no_dev_mounts
	update_config '.process.user = {"uid": 1000, "gid": 1000}'
	rm -f "$BUNDLE/rootfs/dev/null"
	ln -s /canary "$BUNDLE/rootfs/dev/null"
	set_args hull-checker
	# stdin, stdout and stderr are pipes (the case crun reopened through /dev/null)
	: | closing_fds "$HULL" --root "$ROOT" run --bundle "$BUNDLE" nul 2> >(cat >"$T/err") | cat >"$T/out" || true
	cat "$T/err" >&2 || true
	if [ -s "$T/out" ]; then
		jq -c .fds "$T/out" >&2
		jq -e '[.fds["0"], .fds["1"], .fds["2"]] | all(startswith("pipe:"))' "$T/out"
	fi
	assert_canary_untouched
}
