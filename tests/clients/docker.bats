#!/usr/bin/env bats
# Docker 20.10 (dockerd + the docker CLI from Debian's docker.io) driving hull as
# `--runtime hull` (daemon.json "runtimes"), through a private containerd (namespace moby) and
# the runc v2 shim. dockerd has its own data-root, exec-root, pidfile and socket under $CL,
# no bridge, no iptables, vfs storage, the cgroupfs driver, and deprecated-key-path (else it
# writes /etc/docker/key.json). Containers run with --network none.
#
# Not tested: --privileged (needs CAP_SYS_RESOURCE, which these machines lack; runc fails too).

bats_require_minimum_version 1.5.0

load lib

# No single test may hang the suite (a stuck client is a failure, not a wait).
BATS_TEST_TIMEOUT="${BATS_TEST_TIMEOUT:-180}"

setup_file() {
	clients_setup_file
	start_containerd containerd
	start_dockerd
	docker load -i "$IMAGE_TAR" >&2
}

teardown_file() {
	if [ -n "${DOCKER_HOST:-}" ] && [ -S "${DOCKER_HOST#unix://}" ]; then
		local c
		for c in $(docker ps -aq 2>/dev/null); do
			docker rm -f "$c" >/dev/null 2>&1 || true
		done
		docker rmi -f busybox:hull >/dev/null 2>&1 || true
	fi
	stop_daemon dockerd
	clients_teardown_file
}

teardown() {
	[ "${BATS_TEST_COMPLETED:-}" = 1 ] || show_failures
}

IMG=busybox:hull

# drun ARGS...: docker run with hull and no network.
drun() {
	docker run --runtime hull --network none "$@"
}

# docker_status_is NAME STATUS (for wait_until)
docker_status_is() {
	[ "$(docker inspect -f '{{.State.Status}}' "$1")" = "$2" ]
}

host_cgroup_file() { # ID CONTROLLER FILE
	local pid path
	pid="$(docker inspect -f '{{.State.Pid}}' "$1")"
	path="$(awk -F: -v c="$2" '$2 == c {print $3}' "/proc/$pid/cgroup")"
	cat "/sys/fs/cgroup/$2$path/$3"
}

@test "docker: the engine runs here and calls hull" {
	run docker info --format '{{json .Runtimes}}'
	[ "$status" -eq 0 ]
	assert_contains "$output" '"hull"'
	run drun --rm --name d-probe "$IMG" true
	echo "$output"
	[ "$status" -eq 0 ]
	[ -n "$(hull_calls ' create .*--bundle ')" ]
	[ -n "$(hull_calls ' start ')" ]
}

@test "docker: run prints the container's output and exits with its status" {
	run drun --rm "$IMG" sh -c 'echo hello; echo to-stderr >&2'
	[ "$status" -eq 0 ]
	assert_contains "$output" hello
	assert_contains "$output" to-stderr
	run drun --rm "$IMG" sh -c 'exit 3'
	assert_eq "$status" 3
}

@test "docker: run -t gives a terminal (under script)" {
	run in_pty "$DOCKER" run --runtime hull --network none --rm -t "$IMG" sh -c 'tty; echo done'
	echo "$output"
	[ "$status" -eq 0 ]
	assert_contains "$output" /dev/pts/
	assert_contains "$output" done
}

@test "docker: run -i passes stdin" {
	run bash -c "printf 'line1\nline2\n' | $DOCKER run --runtime hull --network none --rm -i $IMG sh -c 'cat; echo eof'"
	[ "$status" -eq 0 ]
	assert_eq "$output" $'line1\nline2\neof'
}

@test "docker: detached container: exec, top, pause/unpause, stats, kill, rm" {
	drun -d --name d-long "$IMG" sleep 1000
	run docker exec d-long sh -c 'echo exec-out; exit 4'
	assert_eq "$status" 4
	assert_eq "$output" exec-out
	run in_pty "$DOCKER" exec -t d-long sh -c 'tty; echo tty-ok'
	echo "$output"
	[ "$status" -eq 0 ]
	assert_contains "$output" /dev/pts/
	assert_contains "$output" tty-ok
	run docker top d-long
	[ "$status" -eq 0 ]
	assert_contains "$output" "sleep 1000"
	docker pause d-long
	assert_eq "$(docker inspect -f '{{.State.Status}}' d-long)" paused
	assert_eq "$(host_cgroup_file d-long freezer freezer.state)" FROZEN
	docker unpause d-long
	assert_eq "$(docker inspect -f '{{.State.Status}}' d-long)" running
	run docker stats --no-stream --format '{{.Name}} {{.MemUsage}} {{.PIDs}}' d-long
	[ "$status" -eq 0 ]
	assert_contains "$output" "d-long"
	[[ "$output" != *"0B / 0B"* ]]
	docker kill d-long
	wait_until 50 docker_status_is d-long exited
	assert_eq "$(docker inspect -f '{{.State.ExitCode}}' d-long)" 137
	docker rm d-long
	run docker ps -aq --filter name=d-long
	assert_eq "$output" ""
}

@test "docker: stop sends SIGTERM, then start again, rm -f" {
	drun -d --name d-stop "$IMG" sh -c 'trap "exit 7" TERM; while :; do sleep 0.1; done'
	sleep 0.3
	docker stop -t 5 d-stop
	assert_eq "$(docker inspect -f '{{.State.ExitCode}}' d-stop)" 7
	docker start d-stop
	assert_eq "$(docker inspect -f '{{.State.Status}}' d-stop)" running
	docker rm -f d-stop
}

@test "docker: memory and pids limits are set and enforced" {
	drun -d --name d-lim --memory 32m --memory-swap 32m --pids-limit 8 "$IMG" sleep 1000
	assert_eq "$(host_cgroup_file d-lim memory memory.limit_in_bytes)" 33554432
	assert_eq "$(host_cgroup_file d-lim pids pids.max)" 8
	run docker exec d-lim sh -c 'for i in $(seq 20); do sleep 100 & done; wait'
	[ "$status" -ne 0 ] || assert_contains "$output" "fork"
	[ "$(host_cgroup_file d-lim pids pids.current)" -le 8 ]
	docker rm -f d-lim
	run drun --rm --memory 16m --memory-swap 16m "$IMG" sh -c 'tail /dev/zero'
	assert_eq "$status" 137
}

@test "docker: a seccomp profile is applied" {
	run drun --rm "$IMG" grep Seccomp: /proc/self/status
	assert_contains "$output" 2
	cat >"$CL/no-mkdir.json" <<'JSON'
{"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86_64"],
 "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]}
JSON
	run drun --rm --security-opt seccomp="$CL/no-mkdir.json" "$IMG" mkdir /tmp/x
	[ "$status" -ne 0 ]
	assert_contains "$output" "Operation not permitted"
	run drun --rm --security-opt seccomp=unconfined "$IMG" grep Seccomp: /proc/self/status
	assert_contains "$output" 0
}

@test "docker: a failing entrypoint gives 127 and 126" {
	run -127 drun --rm "$IMG" /does-not-exist
	echo "$output"
	assert_eq "$status" 127
	run -127 drun --rm "$IMG" no-such-command
	echo "$output"
	assert_eq "$status" 127
	assert_contains "$output" "executable file not found"
	run drun --rm "$IMG" /etc
	echo "$output"
	assert_eq "$status" 126
	run drun --rm "$IMG" /etc/passwd
	echo "$output"
	assert_eq "$status" 126
}

@test "docker: exec of a missing command gives 126/127" {
	drun -d --name d-exec "$IMG" sleep 1000
	# Docker 20.10's exec maps both to 126 ("OCI runtime exec failed"); the message carries
	# hull's wording.
	run docker exec d-exec no-such-command
	echo "$output"
	[ "$status" -eq 126 ] || [ "$status" -eq 127 ]
	assert_contains "$output" "executable file not found"
	run docker exec d-exec /etc/passwd
	echo "$output"
	assert_eq "$status" 126
	docker rm -f d-exec
}
