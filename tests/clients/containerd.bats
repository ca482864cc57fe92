#!/usr/bin/env bats
# containerd 1.6 (ctr + containerd-shim-runc-v2) driving hull. The containerd is private (root,
# state and sockets under $CL) and the shim finds hull as the first `runc` in its PATH: 1.6's
# `ctr run --runc-binary` is silently dropped in some paths (--no-pivot, --uidmap), so the PATH
# shim is the one that catches every call. --runc-binary is passed too.
#
# Containers get a fresh network namespace with nothing in it (ctr sets up no network without
# --cni), the cgroupfs layout (`/hull/<id>`) and containerd's default overlayfs snapshotter.

bats_require_minimum_version 1.5.0

load lib

# No single test may hang the suite (a stuck client is a failure, not a wait).
BATS_TEST_TIMEOUT="${BATS_TEST_TIMEOUT:-180}"

setup_file() {
	clients_setup_file
	start_containerd containerd
	ctr image import --all-platforms "$IMAGE_TAR" >&2
}

teardown_file() {
	# Whatever a failed test left: tasks and containers, then the daemon, then the checks.
	if [ -n "${CTRD_SOCK:-}" ] && [ -S "$CTRD_SOCK" ]; then
		local c
		for c in $(ctr container ls -q 2>/dev/null); do
			ctr task kill -s KILL "$c" >/dev/null 2>&1 || true
			ctr task delete -f "$c" >/dev/null 2>&1 || true
			ctr container delete "$c" >/dev/null 2>&1 || true
		done
		ctr image rm "$IMAGE_REF" >/dev/null 2>&1 || true
	fi
	clients_teardown_file
}

teardown() {
	[ "${BATS_TEST_COMPLETED:-}" = 1 ] || show_failures
}

# crun ARGS...: `ctr run` with hull as the runc binary.
# --runc-root keeps hull's state under $CL too (the shim's default is /run/containerd/runc/<ns>),
# --fifo-dir ctr's stdio fifos (default /run/containerd/fifo).
crun_() {
	ctr run --runc-binary "$CL/bin/hull" --runc-root "$CL/containerd/runtime-state" \
		--fifo-dir "$CL/containerd/fifo" "$@"
}

# task_status ID: STATUS column of `ctr task ls`.
task_status() {
	ctr task ls | awk -v id="$1" '$1 == id {print $3}'
}

# cleanup_task ID: kill, delete the task and the container.
cleanup_task() {
	ctr task kill -s KILL "$1" >/dev/null 2>&1 || true
	wait_until 50 sh -c "! $CTR --address $CTRD_SOCK -n hull task ls | grep -q '^$1 .*RUNNING'" || true
	ctr task delete "$1" >/dev/null 2>&1 || true
	ctr container delete "$1" >/dev/null 2>&1 || true
}

# task_status_is ID STATUS (for wait_until)
task_status_is() {
	[ "$(task_status "$1")" = "$2" ]
}

# host_cgroup_file ID CONTROLLER FILE: a cgroup file of the task's init, read on the host.
host_cgroup_file() {
	local pid path
	pid="$(ctr task ls | awk -v id="$1" '$1 == id {print $2}')"
	path="$(awk -F: -v c="$2" '$2 == c {print $3}' "/proc/$pid/cgroup")"
	cat "/sys/fs/cgroup/$2$path/$3"
}

@test "containerd: the engine runs here and calls hull" {
	run ctr version
	[ "$status" -eq 0 ]
	run crun_ --rm "$IMAGE_REF" c-probe true
	echo "$output"
	[ "$status" -eq 0 ]
	# The shim went through the hull shim: create, start, delete at least.
	[ -n "$(hull_calls ' create .*--bundle .*c-probe')" ]
	[ -n "$(hull_calls ' start c-probe')" ]
	[ -n "$(hull_calls ' delete c-probe')" ]
}

@test "containerd: hull creates a missing state root, as runc does (MkdirAll)" {
	# The shim's default root is /run/containerd/runc/<namespace>, whose parents need not exist.
	run ctr run --runc-binary "$CL/bin/hull" --runc-root "$CL/containerd/fresh/runc" \
		--fifo-dir "$CL/containerd/fifo" --rm "$IMAGE_REF" c-root true
	echo "$output"
	[ "$status" -eq 0 ]
	rm -rf "$CL/containerd/fresh"
}

@test "containerd: run prints the container's output and exits with its status" {
	run crun_ --rm "$IMAGE_REF" c-out sh -c 'echo hello; echo to-stderr >&2'
	[ "$status" -eq 0 ]
	assert_contains "$output" "hello"
	assert_contains "$output" "to-stderr"
	run crun_ --rm "$IMAGE_REF" c-exit sh -c 'exit 3'
	assert_eq "$status" 3
}

@test "containerd: run -t gives a terminal (under script)" {
	run in_pty "$CTR" --address "$CTRD_SOCK" -n hull run --runc-binary "$CL/bin/hull" \
		--runc-root "$CL/containerd/runtime-state" --fifo-dir "$CL/containerd/fifo" --rm -t \
		"$IMAGE_REF" c-tty sh -c 'tty; stty size; echo done'
	echo "$output"
	[ "$status" -eq 0 ]
	assert_contains "$output" "/dev/pts/"
	assert_contains "$output" "done"
}

@test "containerd: run passes stdin (ctr 1.6 always attaches it; it has no -i)" {
	# ctr never closes the task's stdin at EOF (no CloseIO; the shim holds the fifo open), so
	# `cat` would wait forever, with runc too: read two lines instead.
	run bash -c "printf 'line1\nline2\n' | $CTR --address $CTRD_SOCK -n hull run --runc-binary $CL/bin/hull --runc-root $CL/containerd/runtime-state --fifo-dir $CL/containerd/fifo --rm $IMAGE_REF c-stdin sh -c 'read a; read b; echo \$a; echo \$b; echo eof'"
	[ "$status" -eq 0 ]
	assert_eq "$output" $'line1\nline2\neof'
}

@test "containerd: detached task: exec, ps, pause/resume, metrics, kill, delete" {
	crun_ -d "$IMAGE_REF" c-long sleep 1000
	assert_eq "$(task_status c-long)" RUNNING
	# exec without a terminal: output and status
	run ctr task exec --fifo-dir "$CL/containerd/fifo" --exec-id e1 c-long sh -c 'echo exec-out; exit 4'
	assert_eq "$status" 4
	assert_eq "$output" exec-out
	# exec with a terminal (under script)
	run in_pty "$CTR" --address "$CTRD_SOCK" -n hull task exec --fifo-dir "$CL/containerd/fifo" -t --exec-id e2 c-long sh -c 'tty; echo tty-ok'
	echo "$output"
	[ "$status" -eq 0 ]
	assert_contains "$output" /dev/pts/
	assert_contains "$output" tty-ok
	# ps (hull ps --format json) lists the init
	local pid
	pid="$(ctr task ls | awk '$1 == "c-long" {print $2}')"
	run ctr task ps c-long
	[ "$status" -eq 0 ]
	assert_contains "$output" "$pid"
	# pause / resume
	ctr task pause c-long
	assert_eq "$(task_status c-long)" PAUSED
	assert_eq "$(host_cgroup_file c-long freezer freezer.state)" FROZEN
	ctr task resume c-long
	assert_eq "$(task_status c-long)" RUNNING
	# metrics (read by the shim from the cgroup hull made)
	run ctr task metrics c-long
	[ "$status" -eq 0 ]
	assert_contains "$output" memory.usage_in_bytes
	# kill
	ctr task kill -s KILL c-long
	wait_until 50 task_status_is c-long STOPPED
	ctr task delete c-long
	ctr container delete c-long
	run ctr container ls -q
	[[ "$output" != *c-long* ]]
}

@test "containerd: SIGTERM stops a task (ctr has no stop) and its status is reported" {
	crun_ -d "$IMAGE_REF" c-term sh -c 'trap "exit 7" TERM; touch /ready; while :; do sleep 0.1; done'
	# pid 1 ignores SIGTERM until the trap is set
	wait_until 50 ctr task exec --fifo-dir "$CL/containerd/fifo" --exec-id r1 c-term test -f /ready
	ctr task kill c-term
	wait_until 50 task_status_is c-term STOPPED
	run ctr task delete c-term
	[ "$status" -eq 0 ]
	assert_contains "$output" "7"
	ctr container delete c-term
}

@test "containerd: memory limit is set and enforced" {
	crun_ -d --memory-limit 33554432 "$IMAGE_REF" c-mem sleep 1000
	local limit
	limit="$(host_cgroup_file c-mem memory memory.limit_in_bytes)"
	assert_eq "$limit" 33554432
	cleanup_task c-mem
	# A process that grows past the limit is OOM-killed.
	run crun_ --rm --memory-limit 16777216 "$IMAGE_REF" c-oom sh -c 'tail /dev/zero'
	assert_eq "$status" 137
}

@test "containerd: pids limit from a --config spec" {
	# With --config, ctr takes the whole spec from the file and no image: the rootfs is the
	# image's layer unpacked under $CL.
	mkdir -p "$CL/pids-rootfs"
	tar -xOf "$IMAGE_TAR" "$(tar -xOf "$IMAGE_TAR" ./manifest.json | jq -r '.[0].Layers[0]' | sed 's|^|./|')" |
		tar -C "$CL/pids-rootfs" -xf -
	ctr oci spec >"$CL/spec.json"
	jq --arg root "$CL/pids-rootfs" '.root.path = $root | .process.env = ["PATH=/usr/sbin:/usr/bin:/sbin:/bin"] | .process.args = ["sleep", "1000"] |
		.process.terminal = false | .linux.cgroupsPath = "/hull/c-pids" | .linux.resources.pids = {limit: 8}' "$CL/spec.json" >"$CL/spec-pids.json"
	crun_ -d --config "$CL/spec-pids.json" c-pids
	assert_eq "$(host_cgroup_file c-pids pids pids.max)" 8
	run ctr task exec --fifo-dir "$CL/containerd/fifo" --exec-id f1 c-pids \
		sh -c 'for i in $(seq 20); do sleep 100 & done; wait'
	echo "$output"
	assert_contains "$output" "fork"
	local cur
	cur="$(host_cgroup_file c-pids pids pids.current)"
	[ "$cur" -le 8 ]
	cleanup_task c-pids
	rm -rf "$CL/pids-rootfs"
}

@test "containerd: a seccomp profile is applied" {
	run crun_ --rm --seccomp "$IMAGE_REF" c-sec1 grep Seccomp: /proc/self/status
	[ "$status" -eq 0 ]
	assert_contains "$output" "2"
	cat >"$CL/no-mkdir.json" <<'JSON'
{"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86_64"],
 "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]}
JSON
	run crun_ --rm --seccomp --seccomp-profile "$CL/no-mkdir.json" "$IMAGE_REF" c-sec2 mkdir /tmp/x
	[ "$status" -ne 0 ]
	assert_contains "$output" "Operation not permitted"
}

@test "containerd: a missing entrypoint fails create with hull's error" {
	run crun_ --rm "$IMAGE_REF" c-noexec /does-not-exist
	[ "$status" -ne 0 ]
	assert_contains "$output" "OCI runtime create failed"
	assert_contains "$output" "no such file or directory"
	run crun_ --rm "$IMAGE_REF" c-noexec2 no-such-command
	[ "$status" -ne 0 ]
	assert_contains "$output" 'executable file not found in $PATH'
	run ctr container ls -q
	[[ "$output" != *c-noexec* ]]
}
