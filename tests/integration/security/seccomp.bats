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
