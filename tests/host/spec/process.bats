#!/usr/bin/env bats
# runtime-spec config.md "Process" (rlimits, noNewPrivileges, oomScoreAdj, scheduler,
# ioPriority, execCPUAffinity, user.umask, cwd, args), config-linux.md "Personality", and the
# runc CLI's fd passing (docs/cli-contract.md §7.3: --preserve-fds, LISTEN_FDS) and exec errors
# (§5). Everything is checked from inside the container.

load ../helpers
load spec_helpers

setup_file() {
	hull_setup_file
}

setup() {
	spec_setup
}

teardown() {
	spec_teardown
}

# run_checker_listen ID FLAGS...: like run_checker, through `bash -c` with socket-activation
# variables pointing at the runtime's own pid (the runtime execs in place of bash).
run_checker_listen() {
	local id="$1"
	shift
	set_args hull-checker
	CHECKER="$T/checker.json"
	# shellcheck disable=SC2016
	bash -c 'LISTEN_PID=$$ LISTEN_FDS=1 exec "$@"' bash \
		"$HULL" --root "$ROOT" run --bundle "$BUNDLE" "$@" "$id" </dev/null >"$CHECKER" 2>"$T/checker.err" || {
		echo "run failed: $(cat "$T/checker.err")" >&2
		return 1
	}
	jq -e . "$CHECKER" >/dev/null
}

# create_fails ID TEXT...: create fails, its error contains every TEXT, nothing is left behind.
# (runc's text log escapes the quotes of `exec: "prog": ...`, so the pieces are checked apart)
create_fails() {
	local id="$1" text
	shift
	try_create "$id"
	[ "$status" -ne 0 ] || {
		echo "create of $id succeeded" >&2
		return 1
	}
	for text in "$@"; do
		assert_output_contains "$text"
	done
	nothing_left "$id"
}

# ---- rlimits -------------------------------------------------------------------------------------

@test "rlimits: RLIMIT_NOFILE soft and hard" {
	update_config '.process.rlimits = [{"type": "RLIMIT_NOFILE", "soft": 1000, "hard": 2000}]'
	run_checker rl-nofile
	[ "$(cq .rlimits.RLIMIT_NOFILE.soft)" = 1000 ]
	[ "$(cq .rlimits.RLIMIT_NOFILE.hard)" = 2000 ]
}

@test "rlimits: RLIMIT_CORE soft and hard, next to RLIMIT_NOFILE" {
	update_config '.process.rlimits = [{"type": "RLIMIT_NOFILE", "soft": 512, "hard": 512},
		{"type": "RLIMIT_CORE", "soft": 4096, "hard": 8192}]'
	run_checker rl-core
	[ "$(cq .rlimits.RLIMIT_CORE.soft)" = 4096 ]
	[ "$(cq .rlimits.RLIMIT_CORE.hard)" = 8192 ]
	[ "$(cq .rlimits.RLIMIT_NOFILE.soft)" = 512 ]
}

# ---- privileges, oom ---------------------------------------------------------------------------

@test "noNewPrivileges true: no_new_privs is set" {
	update_config '.process.noNewPrivileges = true'
	run_checker nnp-on
	[ "$(cq .no_new_privs)" = true ]
}

@test "noNewPrivileges false: no_new_privs is clear" {
	update_config '.process.noNewPrivileges = false'
	run_checker nnp-off
	[ "$(cq .no_new_privs)" = false ]
}

@test "oomScoreAdj is applied" {
	update_config '.process.oomScoreAdj = 500'
	run_checker oom
	[ "$(cq .oom_score_adj)" = 500 ]
}

# ---- personality, scheduler, I/O priority, CPU affinity ------------------------------------------

@test "personality LINUX32: uname -m shows a 32-bit machine" {
	skip_if_runc "runc 1.1 ignores linux.personality"
	[ "$(uname -m)" = x86_64 ] || skip "needs an x86_64 host"
	update_config '.linux.personality = {"domain": "LINUX32"}'
	run_sh 'uname -m'
	assert_status 0
	[ "$output" = i686 ]
}

@test "personality LINUX: uname -m is the host's" {
	update_config '.linux.personality = {"domain": "LINUX"}'
	run_sh 'uname -m'
	assert_status 0
	[ "$output" = "$(uname -m)" ]
}

@test "scheduler SCHED_BATCH with nice 5: policy 3 and nice 5 inside" {
	skip_if_runc "runc 1.1 has no process.scheduler"
	update_config '.process.scheduler = {"policy": "SCHED_BATCH", "nice": 5}'
	# /proc/self/stat field 19 is nice, field 41 the policy (comm "(cut)" has no space)
	run_sh 'cut -d" " -f19,41 /proc/self/stat'
	assert_status 0
	[ "$output" = "5 3" ]
}

@test "ioPriority IOPRIO_CLASS_IDLE: ionice shows idle" {
	skip_if_runc "runc 1.1 has no process.ioPriority"
	update_config '.process.ioPriority = {"class": "IOPRIO_CLASS_IDLE", "priority": 0}'
	run_sh 'ionice'
	assert_status 0
	[ "$output" = idle ]
}

@test "ioPriority IOPRIO_CLASS_BE priority 6: ionice shows best-effort prio 6" {
	skip_if_runc "runc 1.1 has no process.ioPriority"
	update_config '.process.ioPriority = {"class": "IOPRIO_CLASS_BE", "priority": 6}'
	run_sh 'ionice'
	assert_status 0
	[ "$output" = "best-effort: prio 6" ]
}

@test "execCPUAffinity.final 0: an exec'd process runs on CPU 0 only" {
	skip_if_runc "runc 1.1 has no process.execCPUAffinity"
	[ "$(nproc)" -ge 2 ] || skip "needs two CPUs"
	start_container aff sleep 100
	jq -n '{args: ["grep", "Cpus_allowed_list", "/proc/self/status"], cwd: "/",
		env: ["PATH=/bin:/usr/bin"], user: {uid: 0, gid: 0}, execCPUAffinity: {final: "0"}}' >"$T/proc.json"
	run hull exec --process "$T/proc.json" aff
	assert_status 0
	[ "$(awk '{print $2}' <<<"$output")" = 0 ]
}

@test "execCPUAffinity.initial 1 without final: the exec'd process keeps CPU 1; the init is not pinned" {
	skip_if_runc "runc 1.1 has no process.execCPUAffinity"
	[ "$(nproc)" -ge 2 ] || skip "needs two CPUs"
	update_config '.process.execCPUAffinity = {initial: "1"}'
	start_container aff1 sleep 100
	run hull exec aff1 grep Cpus_allowed_list /proc/self/status
	assert_status 0
	[ "$(awk '{print $2}' <<<"$output")" = 1 ]
	# config.md: execCPUAffinity is for exec'd processes; the init keeps the runtime's CPUs
	[ "$(awk '/Cpus_allowed_list/ {print $2}' "/proc/$(state_field aff1 pid)/status")" != 1 ]
}

# ---- user, cwd -----------------------------------------------------------------------------------

@test "user.umask 0077 is applied" {
	update_config '.process.user.umask = 63'
	run_checker umask
	[ "$(cq .umask)" = 0077 ]
}

@test "a missing cwd is created inside the rootfs, as runc does" {
	update_config '.root.readonly = false | .process.cwd = "/new/work/dir"'
	run_checker cwd-new
	[ "$(cq .cwd)" = /new/work/dir ]
	[ -d "$BUNDLE/rootfs/new/work/dir" ]
}

@test "a cwd that cannot be made (through a regular file) fails at create, nothing left behind" {
	update_config '.process.cwd = "/etc/passwd/sub"'
	set_args true
	create_fails "cwd-file-$$" "not a directory"
}

# ---- file descriptors ----------------------------------------------------------------------------

@test "--preserve-fds 2: fds 3 and 4 reach the container, fd 5 does not" {
	echo three >"$T/f3"
	echo four >"$T/f4"
	echo five >"$T/f5"
	run_checker pfds --preserve-fds 2 3<"$T/f3" 4<"$T/f4" 5<"$T/f5"
	[ "$(cq -c '.fds | keys | sort')" = '["0","1","2","3","4"]' ]
	[[ "$(cq '.fds["3"]')" == */f3 ]]
	[[ "$(cq '.fds["4"]')" == */f4 ]]
}

@test "--preserve-fds: the container reads the data through the passed fds" {
	echo three >"$T/f3"
	echo four >"$T/f4"
	set_args sh -c 'cat <&3; cat <&4'
	run hull run --preserve-fds 2 --bundle "$BUNDLE" pfds-read </dev/null 3<"$T/f3" 4<"$T/f4"
	assert_status 0
	[ "$output" = "$(printf 'three\nfour')" ]
}

@test "LISTEN_FDS=1 for the runtime's pid: fd 3 is passed with LISTEN_FDS=1 LISTEN_PID=1" {
	echo listened >"$T/sock"
	run_checker_listen listen 3<"$T/sock"
	[ "$(cq -c '.fds | keys | sort')" = '["0","1","2","3"]' ]
	[ "$(cq '.env | index("LISTEN_FDS=1") != null')" = true ]
	[ "$(cq '.env | index("LISTEN_PID=1") != null')" = true ]
}

@test "LISTEN_FDS plus --preserve-fds 1: fds 3 and 4 are passed" {
	echo a >"$T/a"
	echo b >"$T/b"
	run_checker_listen listen2 --preserve-fds 1 3<"$T/a" 4<"$T/b"
	[ "$(cq -c '.fds | keys | sort')" = '["0","1","2","3","4"]' ]
}

@test "LISTEN_PID of another process: no fd and no LISTEN_ variables are passed" {
	echo x >"$T/sock"
	set_args hull-checker
	CHECKER="$T/checker.json"
	LISTEN_PID=1 LISTEN_FDS=1 "$HULL" --root "$ROOT" run --bundle "$BUNDLE" nolisten \
		</dev/null >"$CHECKER" 2>"$T/err" 3<"$T/sock"
	[ "$(cq -c '.fds | keys | sort')" = '["0","1","2"]' ]
	[ "$(cq '[.env[] | select(startswith("LISTEN_"))] | length')" = 0 ]
}

@test "an inherited fd above 2 without CLOEXEC is closed unless preserved" {
	echo x >"$T/f"
	run_checker leak --preserve-fds 1 3<"$T/f" 7<"$T/f" 9<"$T/f"
	[ "$(cq -c '.fds | keys | sort')" = '["0","1","2","3"]' ]
}

@test "--preserve-fds with a missing fd fails" {
	skip_if_runc "runc 1.1 does not check that preserved fds exist"
	set_args true
	try_create pfds-missing --preserve-fds 3 3</dev/null
	[ "$status" -ne 0 ]
	assert_output_contains "unable to stat preserved-fd"
	nothing_left pfds-missing
}

# ---- executable errors at create time (runc's wording, cli-contract.md §5) -----------------------

@test "a program not in PATH: executable file not found in \$PATH, at create" {
	set_args no-such-program
	create_fails "exe-path-$$" no-such-program 'executable file not found in $PATH'
}

@test "a missing absolute program: no such file or directory, at create" {
	set_args /no/such/program
	create_fails "exe-missing-$$" /no/such/program "no such file or directory"
}

@test "a non-executable file: permission denied, at create" {
	set_args /etc/passwd
	create_fails "exe-perm-$$" /etc/passwd "permission denied"
}

@test "a directory as the program: permission denied, at create" {
	set_args /etc
	create_fails "exe-dir-$$" /etc "permission denied"
}

@test "a relative program with a slash is resolved against the cwd" {
	update_config '.process.cwd = "/bin"'
	set_args ./busybox echo relative-ok
	run hull run --bundle "$BUNDLE" exe-rel </dev/null
	assert_status 0
	[ "$output" = relative-ok ]
}

# ---- memory policy (config-linux.md "Memory policy") ----------------------------------------------

@test "memoryPolicy MPOL_BIND on node 0: the process's mappings show bind:0, exec'd ones too" {
	skip_if_runc "runc 1.1 has no linux.memoryPolicy"
	update_config '.linux.memoryPolicy = {"mode": "MPOL_BIND", "nodes": "0"}'
	run_sh 'grep -c " bind:0 " /proc/self/numa_maps'
	assert_status 0
	[ "$output" -gt 0 ]
	start_container mp sleep 100
	run hull exec mp grep -c " bind:0 " /proc/self/numa_maps
	[ "$status" -eq 0 ]
	[ "$output" -gt 0 ]
}

@test "memoryPolicy MPOL_INTERLEAVE with MPOL_F_STATIC_NODES: interleave=static:0" {
	skip_if_runc "runc 1.1 has no linux.memoryPolicy"
	update_config '.linux.memoryPolicy = {"mode": "MPOL_INTERLEAVE", "nodes": "0", "flags": ["MPOL_F_STATIC_NODES"]}'
	run_sh 'grep -c " interleave=static:0 " /proc/self/numa_maps'
	assert_status 0
	[ "$output" -gt 0 ]
}

@test "memoryPolicy without it: the default policy" {
	run_sh 'grep -c " bind:" /proc/self/numa_maps || true'
	[ "$output" = 0 ]
}

@test "memoryPolicy: a bad mode, nodes on MPOL_LOCAL, a node out of range fail at create naming the field" {
	skip_if_runc "runc 1.1 has no linux.memoryPolicy"
	update_config '.linux.memoryPolicy = {"mode": "MPOL_NOPE", "nodes": "0"}'
	try_create mp1
	[ "$status" -ne 0 ]
	[[ "$output" == *"/linux/memoryPolicy/mode"* ]]
	update_config '.linux.memoryPolicy = {"mode": "MPOL_LOCAL", "nodes": "0"}'
	try_create mp2
	[ "$status" -ne 0 ]
	[[ "$output" == *"/linux/memoryPolicy"* ]]
	update_config '.linux.memoryPolicy = {"mode": "MPOL_BIND", "nodes": "4000"}'
	try_create mp3
	[ "$status" -ne 0 ]
	no_state_left
}
