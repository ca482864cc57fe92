#!/usr/bin/env bats
# Escape battery, docs/security.md §2.8 (seccomp correctness; functional-security bugs with no
# runtime CVE): syscalls newer than the profile get ENOSYS rather than the default action, the
# filter checks seccomp_data.arch so the i386 (int $0x80) and x32 entries are no way around a
# deny rule, and the filter goes in after the user and capability changes. The syscall numbers
# are x86-64's (getpid 39, mkdir 83, setuid 105), i386's (getpid 20) and x32's (0x40000000|nr).

load ../helpers
load ../spec/spec_helpers
load security_helpers

setup_file() {
	hull_setup_file
}

setup() {
	sec_setup
	[ "$(uname -m)" = x86_64 ] || skip "the syscall numbers here are x86-64's"
	TIME_SCALE=1
	! hull_sanitized || TIME_SCALE=20
}

teardown() {
	sec_teardown
}

# sys ID MODE NR [ARGS]: `hull-checker MODE NR ARGS` in a new container; $output is its JSON.
sys() {
	local id="$1"
	shift
	sec_run "$id" hull-checker "$@"
}

errno_of() {
	jq -r .errno <<<"$output"
}

# denied: the call did not go through: the process was killed by the filter (SIGSYS: 128+31) or
# the call failed.
denied() {
	if [ "$status" -ne 0 ]; then
		[ "$status" -eq 159 ] || [ "$status" -eq 137 ] || {
			echo "unexpected status $status: $output $stderr_text" >&2
			return 1
		}
		return 0
	fi
	[ "$(errno_of)" != 0 ] || {
		echo "the call went through: $output" >&2
		return 1
	}
}

# a static program's start, print and exit, under defaultAction ERRNO
STARTUP='"execve", "brk", "arch_prctl", "set_tid_address", "set_robust_list", "rseq", "prlimit64",
	"mprotect", "readlink", "readlinkat", "getrandom", "uname", "newfstatat", "fstat", "write",
	"exit_group", "exit", "mmap", "munmap", "rt_sigprocmask", "rt_sigaction", "close", "close_range",
	"fcntl"'

@test "seccomp §2.8 (a): under defaultAction ERRNO, a syscall newer than the profile gets ENOSYS, a listed denied one its errnoRet" {
	update_config ".linux.seccomp = {\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": 1, \"syscalls\": [
		{\"names\": [$STARTUP, \"getpid\"], \"action\": \"SCMP_ACT_ALLOW\"},
		{\"names\": [\"mkdir\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 13}]}"
	sys new-sc syscall 1000
	assert_status 0
	[ "$(errno_of)" = 38 ]
	# fchmodat2 (452, Linux 6.6): the kernel has it, the profile cannot name it; it must not run
	# (it would fail with EFAULT on the NULL path): ENOSYS, or the default errno where the
	# libseccomp in use already knows it
	sys newer-than-profile syscall 452 -100 0 0 0
	assert_status 0
	[ "$(errno_of)" = 38 ] || [ "$(errno_of)" = 1 ]
	sys listed syscall 83 0 0
	assert_status 0
	[ "$(errno_of)" = 13 ]
	sys unlisted syscall 105 0 # setuid: known, unlisted: the default errno
	assert_status 0
	[ "$(errno_of)" = 1 ]
}

@test "seccomp §2.8 (b): with SCMP_ARCH_X86 listed, a denied syscall is denied through the i386 entry (int \$0x80) too" {
	update_config '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW",
		"architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
		"syscalls": [{"names": ["getpid"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13}]}'
	sys native syscall 39
	assert_status 0
	[ "$(errno_of)" = 13 ]
	sys i386 syscall32 20
	assert_status 0
	jq -e '.unsupported != true' <<<"$output" >/dev/null || skip "no i386 entry on this machine"
	[ "$(errno_of)" = 13 ]
	sys x32 syscall $((0x40000000 + 39))
	denied
}

@test "seccomp §2.8 (b): with only the native architecture listed, the i386 and x32 entries cannot bypass a deny rule" {
	update_config '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86_64"],
		"syscalls": [{"names": ["getpid"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13}]}'
	sys i386-only syscall32 20
	denied
	sys x32-only syscall $((0x40000000 + 39))
	denied
	# and with no architectures at all
	update_config '.linux.seccomp.architectures = null'
	sys i386-null syscall32 20
	denied
}

@test "seccomp §2.8 (c): with noNewPrivileges, a profile blocking setuid, setgroups and capset still starts as user 1000 and keeps blocking them" {
	update_config '.process.noNewPrivileges = true | .process.user = {"uid": 1000, "gid": 1000}
		| .linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["setuid", "setgid",
		"setresuid", "setresgid", "setgroups", "capset", "setreuid", "setregid"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13}]}'
	sys late syscall 105 1000 # setuid(1000): a no-op that the filter still refuses
	assert_status 0
	[ "$(errno_of)" = 13 ]
	sec_run late-id id -u
	assert_status 0
	[ "$output" = 1000 ]
}

# x86-64 syscalls that a profile can spread argument rules over (libseccomp's cost grows with the
# number of syscalls the rules touch, not only with the number of rules)
SPREAD='["shmctl", "pause", "getitimer", "alarm", "setitimer", "sendfile", "connect", "accept",
	"recvfrom", "shutdown", "bind", "listen", "getsockname", "getpeername", "socketpair", "setsockopt",
	"getsockopt", "semget", "semop", "semctl", "shmdt", "msgget", "msgsnd", "msgrcv", "msgctl", "flock",
	"fsync", "fdatasync", "truncate", "ftruncate", "getdents", "rename", "rmdir", "creat", "link",
	"unlink", "symlink", "chmod", "fchmod", "chown", "fchown", "lchown", "gettimeofday", "getrlimit",
	"getrusage", "sysinfo", "times", "ptrace", "syslog", "setpgid"]'

# timed_run ID: `hull run` of the config's process, killed after 5 s; like sec_run it sets
# $status, $output and $stderr_text, and $elapsed_ms. Every time bound here is for the release
# build and is multiplied by TIME_SCALE: a sanitizer build (make asan) is a Debug build that runs
# about ten times slower, and CI runs it beside three other suites on two cores. Even at 20 the
# bounds stay below what the unmerged or unbounded work takes in that build.
timed_run() {
	local id="$1" t0 t1
	t0="$EPOCHREALTIME"
	status=0
	output="$(closing_fds timeout -s KILL "$((5 * TIME_SCALE))" "$HULL" --root "$ROOT" run --bundle "$BUNDLE" "$id" </dev/null \
		2>"$T/run.err")" || status=$?
	t1="$EPOCHREALTIME"
	stderr_text="$(cat "$T/run.err")"
	elapsed_ms=$(((${t1/./} - ${t0/./}) / 1000))
}

@test "seccomp profile size: 4000 distinct argument rules are refused within 2 s, naming /linux/seccomp/syscalls and the count, before any side effect" {
	# runc 1.1.5 and crun 1.8 spend about 9 s in libseccomp on this profile, then the kernel
	# refuses the filter (over 4096 instructions)
	skip_if_runc "no limit on the profile: libseccomp compiles it for seconds"
	local cg="hull-sc-limit-$$-$RANDOM"
	set_args true
	jq_config -c --arg cg "/$cg" --argjson names "$SPREAD" '.linux.cgroupsPath = $cg
		| .linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW",
			"architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
			"syscalls": [range(4000) | {"names": [$names[. % 50]], "action": "SCMP_ACT_ERRNO",
				"args": [{"index": 0, "value": ., "op": "SCMP_CMP_EQ"}]}]}'
	timed_run sc-limit
	echo "refused after ${elapsed_ms} ms: $stderr_text" >&2
	[ "$status" -ne 0 ]
	[ "$elapsed_ms" -lt "$((2000 * TIME_SCALE))" ]
	[[ "$stderr_text" == *"config.json: /linux/seccomp/syscalls: 4000 argument conditions (identical rules merged), more than the 256 hull compiles"* ]]
	no_state_left
	[ -z "$(find /sys/fs/cgroup -type d -name "$cg" 2>/dev/null)" ]
	no_container_process sc-limit
}

@test "seccomp profile size: 100000 identical argument rules are merged: the container runs within 3 s and the rule holds" {
	# unmerged, libseccomp 2.5.4 takes 15 s and more on them (runc 1.1.5 and crun 1.8 too)
	skip_if_runc "identical rules go to libseccomp unmerged"
	set_args hull-checker syscall 135 57005 # personality(0xdead)
	jq_config -c '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW",
		"syscalls": [range(100000) | {"names": ["personality"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13,
			"args": [{"index": 0, "value": 57005, "op": "SCMP_CMP_EQ"}]}]}'
	timed_run sc-identical
	echo "ran in ${elapsed_ms} ms: $output $stderr_text" >&2
	assert_status 0
	[ "$elapsed_ms" -lt "$((3000 * TIME_SCALE))" ]
	[ "$(errno_of)" = 13 ]
	# the rule is the only one: another personality goes through (0xffffffff only queries)
	jq_config -c '.process.args = ["hull-checker", "syscall", "135", "4294967295"]'
	timed_run sc-identical-other
	assert_status 0
	[ "$(errno_of)" = 0 ]
}
