#!/usr/bin/env bats
# Podman 4.3 (+ conmon 2.1) driving hull with `--runtime` (and runtime = "hull" in a private
# containers.conf, with hull in runtime_supports_json so podman passes --log-format=json --log).
# Private --root/--runroot/--tmpdir, vfs storage, cgroupfs, the file events logger, file locks
# and network config under $CL; containers run with --network none. Podman passes no --root to
# the runtime: hull's state goes to its default root, /run/hull, which the teardown checks.
# default_ulimits sets nofile to 20000: podman's default (1048576) needs CAP_SYS_RESOURCE.

bats_require_minimum_version 1.5.0

load lib

# No single test may hang the suite (a stuck client is a failure, not a wait).
BATS_TEST_TIMEOUT="${BATS_TEST_TIMEOUT:-180}"

setup_file() {
	clients_setup_file
	setup_podman
	ls /run/hull 2>/dev/null | sort >"$CL/hull-root.before"
	podman load -i "$IMAGE_TAR" >&2
}

teardown_file() {
	if [ -n "${CL:-}" ] && [ -d "$CL/podman" ]; then
		podman rm -af -t 0 >/dev/null 2>&1 || true
		podman rmi -af >/dev/null 2>&1 || true
		# podman keeps no daemon; its storage may hold mounts until `podman system reset`.
		podman system reset -f >/dev/null 2>&1 || true
		local left
		left="$(comm -13 "$CL/hull-root.before" <(ls /run/hull 2>/dev/null | sort))"
		if [ -n "$left" ]; then
			echo "teardown: hull state left in /run/hull: $left" >&2
			clients_teardown_file || true
			return 1
		fi
	fi
	clients_teardown_file
}

teardown() {
	[ "${BATS_TEST_COMPLETED:-}" = 1 ] || show_failures
}

IMG=docker.io/library/busybox:hull

prun() {
	podman run --network none "$@"
}

# podman_status_is NAME STATUS (for wait_until)
podman_status_is() {
	[ "$(podman inspect -f '{{.State.Status}}' "$1")" = "$2" ]
}

host_cgroup_file() { # NAME CONTROLLER FILE
	local pid path
	pid="$(podman inspect -f '{{.State.Pid}}' "$1")"
	path="$(awk -F: -v c="$2" '$2 == c {print $3}' "/proc/$pid/cgroup")"
	cat "/sys/fs/cgroup/$2$path/$3"
}

@test "podman: the engine runs here and calls hull" {
	run podman info --format '{{.Host.OCIRuntime.Path}}'
	echo "$output"
	[ "$status" -eq 0 ]
	assert_contains "$output" "$CL/bin/hull"
	run prun --rm --name p-probe "$IMG" true
	echo "$output"
	[ "$status" -eq 0 ]
	[ -n "$(hull_calls ' create .*--bundle ')" ]
	[ -n "$(hull_calls ' start ')" ]
}

@test "podman: run prints the container's output and exits with its status" {
	run prun --rm "$IMG" sh -c 'echo hello; echo to-stderr >&2'
	[ "$status" -eq 0 ]
	assert_contains "$output" hello
	assert_contains "$output" to-stderr
	run prun --rm "$IMG" sh -c 'exit 3'
	assert_eq "$status" 3
}

@test "podman: run -t gives a terminal (under script)" {
	run in_pty "$CL/bin/podman-cl" run --network none --rm -t "$IMG" sh -c 'tty; echo done'
	echo "$output"
	[ "$status" -eq 0 ]
	assert_contains "$output" /dev/pts/
	assert_contains "$output" done
}

@test "podman: run -i passes stdin" {
	printf 'line1\nline2\n' >"$CL/stdin.txt"
	run prun --rm -i "$IMG" sh -c 'cat; echo eof' <"$CL/stdin.txt"
	[ "$status" -eq 0 ]
	assert_eq "$output" $'line1\nline2\neof'
}

@test "podman: detached container: exec, top, pause/unpause, stats, kill, rm" {
	prun -d --name p-long "$IMG" sleep 1000
	run podman exec p-long sh -c 'echo exec-out; exit 4'
	assert_eq "$status" 4
	assert_eq "$output" exec-out
	run in_pty "$CL/bin/podman-cl" exec -t p-long sh -c 'tty; echo tty-ok'
	echo "$output"
	[ "$status" -eq 0 ]
	assert_contains "$output" /dev/pts/
	assert_contains "$output" tty-ok
	run podman top p-long
	[ "$status" -eq 0 ]
	assert_contains "$output" "sleep 1000"
	podman pause p-long
	assert_eq "$(podman inspect -f '{{.State.Status}}' p-long)" paused
	assert_eq "$(host_cgroup_file p-long freezer freezer.state)" FROZEN
	podman unpause p-long
	assert_eq "$(podman inspect -f '{{.State.Status}}' p-long)" running
	run podman stats --no-stream --format '{{.Name}} {{.MemUsage}} {{.PIDs}}' p-long
	echo "$output"
	[ "$status" -eq 0 ]
	assert_contains "$output" p-long
	podman kill p-long
	wait_until 50 podman_status_is p-long exited
	assert_eq "$(podman inspect -f '{{.State.ExitCode}}' p-long)" 137
	podman rm p-long
	run podman ps -aq --filter name=p-long
	assert_eq "$output" ""
}

@test "podman: stop sends SIGTERM, then start again, rm -f" {
	prun -d --name p-stop "$IMG" sh -c 'trap "exit 7" TERM; while :; do sleep 0.1; done'
	sleep 0.3
	podman stop -t 5 p-stop
	assert_eq "$(podman inspect -f '{{.State.ExitCode}}' p-stop)" 7
	podman start p-stop
	assert_eq "$(podman inspect -f '{{.State.Status}}' p-stop)" running
	podman rm -f -t 0 p-stop
}

@test "podman: memory and pids limits are set and enforced" {
	prun -d --name p-lim --memory 32m --memory-swap 32m --pids-limit 8 "$IMG" sleep 1000
	assert_eq "$(host_cgroup_file p-lim memory memory.limit_in_bytes)" 33554432
	assert_eq "$(host_cgroup_file p-lim pids pids.max)" 8
	run podman exec p-lim sh -c 'for i in $(seq 20); do sleep 100 & done; wait'
	[ "$(host_cgroup_file p-lim pids pids.current)" -le 8 ]
	podman rm -f -t 0 p-lim
	run prun --rm --memory 16m --memory-swap 16m "$IMG" sh -c 'tail /dev/zero'
	assert_eq "$status" 137
}

@test "podman: a seccomp profile is applied" {
	run prun --rm "$IMG" grep Seccomp: /proc/self/status
	assert_contains "$output" 2
	cat >"$CL/no-mkdir.json" <<'JSON'
{"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86_64"],
 "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]}
JSON
	run prun --rm --security-opt seccomp="$CL/no-mkdir.json" "$IMG" mkdir /tmp/x
	[ "$status" -ne 0 ]
	assert_contains "$output" "Operation not permitted"
}

@test "podman: a failing entrypoint gives 127 and 126" {
	run -127 prun --rm "$IMG" /does-not-exist
	echo "$output"
	assert_eq "$status" 127
	run -127 prun --rm "$IMG" no-such-command
	echo "$output"
	assert_eq "$status" 127
	run prun --rm "$IMG" /etc/passwd
	echo "$output"
	assert_eq "$status" 126
}

@test "podman: exec of a missing command gives 127, of a non-executable 126" {
	prun -d --name p-exec "$IMG" sleep 1000
	run -127 podman exec p-exec no-such-command
	echo "$output"
	assert_eq "$status" 127
	run podman exec p-exec /etc/passwd
	echo "$output"
	assert_eq "$status" 126
	podman rm -f -t 0 p-exec
}
