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

# create_seconds ID: how long the shim's `create` of ID ran, from calls.log's timestamps.
create_seconds() {
	awk -v id="$1" '
		function secs(t, a) { split(t, a, ":"); return a[1] * 3600 + a[2] * 60 + a[3] }
		/ ARGV:/ && / create / && $NF == id { start[$2] = secs($1) }
		/ EXIT / && ($2 in start) { printf "%.3f\n", secs($1) - start[$2]; exit }' "$CL/calls.log"
}

# left_of ID: what containerd and hull left of a container: its state directory, its bundle, a
# cgroup in any hierarchy, a mount, a process naming it (the shim, hull, the container child
# before it execs). Empty when nothing is.
left_of() {
	local id="$1" p
	[ ! -e "$CL/containerd/runtime-state/hull/$id" ] || echo "state: $CL/containerd/runtime-state/hull/$id"
	[ ! -e "$CL/containerd/state/io.containerd.runtime.v2.task/hull/$id" ] ||
		echo "bundle: $CL/containerd/state/io.containerd.runtime.v2.task/hull/$id"
	cgroup_dirs | grep -E "/hull/$id\$" | sed 's/^/cgroup: /'
	mount_points | grep -F -- "/$id/" | sed 's/^/mount: /'
	for p in $(grep -laE -- "(^|\x00)$id(\x00|$)" /proc/[0-9]*/cmdline 2>/dev/null | cut -d/ -f3); do
		[ "$p" != "$$" ] && [ -e "/proc/$p" ] || continue
		echo "process $p: $(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null)"
	done
}

# kill_moments: where the kill test stops a create, one per line. A hull built with HULL_FAULTS
# (the ASan build) names its create steps (HULL_FAULT=list): "fault create.STEP", on both sides
# of the handshake. Any other hull is SIGKILLed after a delay spread from 1 ms (timeout(1) reads
# 0 as "never") to the length of an unkilled create, the fastest of three here under this shim:
# "delay SECONDS".
kill_moments() {
	local points
	points="$(HULL_FAULT=list "$HULL" 2>/dev/null | grep '^create\.' || true)"
	if [ -n "$points" ]; then
		sed 's/^/fault /' <<<"$points"
		return
	fi
	local full=9 r t
	for r in 1 2 3; do
		crun_ -d "$IMAGE_REF" "c-kref$r" sleep 1000 >&2
		t="$(create_seconds "c-kref$r")"
		cleanup_task "c-kref$r"
		full="$(awk -v a="$full" -v b="$t" 'BEGIN { print (b < a ? b : a) }')"
	done
	awk -v f="$full" -v n="${HULL_CLIENTS_KILL_ROUNDS:-16}" \
		'BEGIN { for (i = 0; i < n; i++) printf "delay %.4f\n", 0.001 + (f - 0.001) * i / (n - 1) }'
}

@test "containerd: a create SIGKILLed at any moment leaves nothing the shim cannot clean up" {
	local moments kind arg i=0 id killed=0 left
	moments="$(kill_moments)"
	while read -r kind arg <&3; do
		id="c-kill$i"
		i=$((i + 1))
		if [ "$kind" = fault ]; then
			echo "$arg:kill" >"$CL/create-fault"
		else
			echo "$arg" >"$CL/create-kill-after"
		fi
		run crun_ -d "$IMAGE_REF" "$id" sleep 1000
		rm -f "$CL/create-fault" "$CL/create-kill-after"
		echo "$id: $kind $arg: ctr run exited $status: $output"
		# The create's exit as the shim saw it. 137: hull was killed, or the init it made was
		# (hull then fails); 124: timeout(1) fired as hull was exiting; all are failed creates.
		if awk -v id="$id" '/ ARGV:/ && / create / && $NF == id {p = $2}
			/ EXIT / && $2 == p && $4 != 0 {k = 1} END {exit !k}' "$CL/calls.log"; then
			killed=$((killed + 1))
			[ "$status" -ne 0 ]
			assert_contains "$output" "OCI runtime create failed"
		else
			# The create finished first: an ordinary task, stopped the ordinary way.
			[ "$status" -eq 0 ]
			ctr task kill -s KILL "$id"
			wait_until 50 task_status_is "$id" STOPPED
		fi
		# What an engine does next. The task may already be gone (the shim cleaned it up when
		# create failed): then containerd says so, and that is the only acceptable failure.
		run ctr task delete -f "$id"
		[ "$status" -eq 0 ] || assert_contains "$output" "not found"
		run ctr container delete "$id"
		echo "$output"
		[ "$status" -eq 0 ]
		wait_until 50 test -z "$(left_of "$id")" || true
		left="$(left_of "$id")"
		if [ -n "$left" ]; then
			echo "$id left: $left"
			return 1
		fi
	done 3<<<"$moments"
	echo "$killed of $i creates failed"
	# Most creates must really be killed (one as long as the reference may finish first): a
	# shim that never killed would prove nothing.
	[ "$killed" -ge $((i / 2)) ]
}
