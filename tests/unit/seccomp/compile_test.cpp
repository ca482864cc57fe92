// compile(): errors with their JSON pointers, runc's skipping rules, flags, and where the
// -ENOSYS stub goes. Behaviour under a loaded filter is in filter_test.cpp.
#include "sc_helpers.hpp"

#include <doctest/doctest.h>
#include <linux/seccomp.h>

using namespace hull;
using namespace sc_test;

namespace {

std::string compile_error(const oci::Seccomp& s)
{
    auto r = seccomp::compile(s);
    return r.ok() ? std::string("(compiled)") : r.error().text();
}

constexpr uint32_t kRetEnosys = SECCOMP_RET_ERRNO | ENOSYS;

} // namespace

TEST_CASE("unknown actions are refused naming the JSON pointer")
{
    auto s = profile("SCMP_ACT_ALLOW",
        {rule({"mkdir"}, "SCMP_ACT_ERRNO"), rule({"rmdir"}, "SCMP_ACT_ERRNO"),
            rule({"chdir"}, "SCMP_ACT_LOG"), rule({"getcwd"}, "X")});
    CHECK(compile_error(s) == "config.json: /linux/seccomp/syscalls/3/action: unknown action \"X\"");
    CHECK(compile_error(profile("SCMP_ACT_NOPE"))
        == "config.json: /linux/seccomp/defaultAction: unknown action \"SCMP_ACT_NOPE\"");
    CHECK(compile_error(profile("")) == "config.json: /linux/seccomp/defaultAction: unknown action \"\"");
}

TEST_CASE("unknown architectures, flags and operators are refused naming the JSON pointer")
{
    auto s = profile("SCMP_ACT_ALLOW");
    s.architectures = {"SCMP_ARCH_X86", "SCMP_ARCH_VAX"};
    CHECK(compile_error(s)
        == "config.json: /linux/seccomp/architectures/1: unknown architecture \"SCMP_ARCH_VAX\"");
    s.architectures = {"SCMP_ARCH_M68K"}; // in the spec, not in libseccomp 2.5.4
    CHECK(compile_error(s).find(
              "/linux/seccomp/architectures/0: architecture \"SCMP_ARCH_M68K\" is not supported")
        != std::string::npos);

    s.architectures = {"SCMP_ARCH_X86", "SCMP_ARCH_S390X"};
    CHECK(compile_error(s)
        == "config.json: /linux/seccomp/architectures/1: architecture \"SCMP_ARCH_S390X\" has another byte "
           "order than "
           "this host's");

    s = profile("SCMP_ACT_ALLOW");
    s.flags = {"SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_NOPE"};
    CHECK(
        compile_error(s) == "config.json: /linux/seccomp/flags/1: unknown flag \"SECCOMP_FILTER_FLAG_NOPE\"");

    s = profile("SCMP_ACT_ALLOW", {rule({"personality"}, "SCMP_ACT_ERRNO", {}, {arg(0, 8, "SCMP_CMP_XOR")})});
    CHECK(compile_error(s)
        == "config.json: /linux/seccomp/syscalls/0/args/0/op: unknown operator \"SCMP_CMP_XOR\"");
    s = profile("SCMP_ACT_ALLOW", {rule({"personality"}, "SCMP_ACT_ERRNO", {}, {arg(6, 8, "SCMP_CMP_EQ")})});
    CHECK(compile_error(s) == "config.json: /linux/seccomp/syscalls/0/args/0/index: must be between 0 and 5");
}

TEST_CASE("invalid combinations are refused")
{
    CHECK(compile_error(profile("SCMP_ACT_NOTIFY"))
        == "config.json: /linux/seccomp/defaultAction: SCMP_ACT_NOTIFY cannot be used as the default action");

    auto s = profile("SCMP_ACT_ALLOW", {rule({"read", "write"}, "SCMP_ACT_NOTIFY")});
    s.listenerPath = "/run/agent.sock";
    CHECK(compile_error(s)
        == "config.json: /linux/seccomp/syscalls/0/action: SCMP_ACT_NOTIFY cannot be used for the write "
           "syscall");
    s.syscalls[0].names = {"mkdir"};
    s.listenerPath.clear();
    CHECK(compile_error(s)
        == "config.json: /linux/seccomp/syscalls/0/action: SCMP_ACT_NOTIFY requires listenerPath");

    s = profile("SCMP_ACT_ALLOW", {rule({"mkdir"}, "SCMP_ACT_KILL", EPERM)});
    CHECK(compile_error(s)
        == "config.json: /linux/seccomp/syscalls/0/errnoRet: only valid with SCMP_ACT_ERRNO or "
           "SCMP_ACT_TRACE");
    s = profile("SCMP_ACT_ALLOW");
    s.defaultErrnoRet = EPERM;
    CHECK(compile_error(s)
        == "config.json: /linux/seccomp/defaultErrnoRet: only valid with SCMP_ACT_ERRNO or SCMP_ACT_TRACE");
    s = profile("SCMP_ACT_ALLOW", {rule({"mkdir"}, "SCMP_ACT_ERRNO", 70000)});
    CHECK(compile_error(s) == "config.json: /linux/seccomp/syscalls/0/errnoRet: out of range: 70000");
}

TEST_CASE("syscall names libseccomp does not know are skipped, not errors")
{
    auto base = seccomp::compile(profile("SCMP_ACT_ALLOW", {rule({"mkdir"}, "SCMP_ACT_ERRNO")}));
    REQUIRE(base.ok());
    auto with_unknown = seccomp::compile(profile("SCMP_ACT_ALLOW",
        {rule({"mkdir", "no_such_syscall_2099"}, "SCMP_ACT_ERRNO"), rule({"nope"}, "SCMP_ACT_KILL")}));
    REQUIRE(with_unknown.ok());
    CHECK(seccomp::same_program(base.value(), with_unknown.value()));
}

TEST_CASE("rules with the default action are skipped (libseccomp would refuse them)")
{
    auto base = seccomp::compile(profile("SCMP_ACT_ALLOW", {rule({"mkdir"}, "SCMP_ACT_ERRNO")}));
    auto redundant = seccomp::compile(profile("SCMP_ACT_ALLOW",
        {rule({"getpid", "getppid"}, "SCMP_ACT_ALLOW"), rule({"mkdir"}, "SCMP_ACT_ERRNO")}));
    REQUIRE(base.ok());
    REQUIRE(redundant.ok());
    CHECK(seccomp::same_program(base.value(), redundant.value()));

    // Same action and errno as the default (EPERM both ways): skipped too; another errno is not.
    auto errno_default = profile("SCMP_ACT_ERRNO", {rule({"mkdir"}, "SCMP_ACT_ERRNO", EPERM)});
    REQUIRE(seccomp::compile(errno_default).ok());
    errno_default.syscalls[0].errnoRet = EACCES;
    REQUIRE(seccomp::compile(errno_default).ok());
    CHECK(has_ret(seccomp::compile(errno_default).value(), SECCOMP_RET_ERRNO | EACCES));
}

TEST_CASE("errno and trace data default to EPERM and take errnoRet")
{
    auto f = seccomp::compile(profile("SCMP_ACT_ALLOW",
        {rule({"mkdir"}, "SCMP_ACT_ERRNO"), rule({"rmdir"}, "SCMP_ACT_ERRNO", ENOMEDIUM),
            rule({"chdir"}, "SCMP_ACT_TRACE"), rule({"fchdir"}, "SCMP_ACT_TRACE", 42)}));
    REQUIRE(f.ok());
    CHECK(has_ret(f.value(), SECCOMP_RET_ERRNO | EPERM));
    CHECK(has_ret(f.value(), SECCOMP_RET_ERRNO | ENOMEDIUM));
    CHECK(has_ret(f.value(), SECCOMP_RET_TRACE | EPERM));
    CHECK(has_ret(f.value(), SECCOMP_RET_TRACE | 42));

    auto d = profile("SCMP_ACT_ERRNO", {rule({"write"}, "SCMP_ACT_ALLOW")});
    d.defaultErrnoRet = ENOMEDIUM;
    REQUIRE(seccomp::compile(d).ok());
    CHECK(has_ret(seccomp::compile(d).value(), SECCOMP_RET_ERRNO | ENOMEDIUM));
    auto kill = seccomp::compile(profile("SCMP_ACT_ALLOW",
        {rule({"mkdir"}, "SCMP_ACT_KILL"), rule({"rmdir"}, "SCMP_ACT_KILL_PROCESS"),
            rule({"chdir"}, "SCMP_ACT_TRAP"), rule({"fchdir"}, "SCMP_ACT_LOG")}));
    REQUIRE(kill.ok());
    CHECK(has_ret(kill.value(), SECCOMP_RET_KILL_THREAD));
    CHECK(has_ret(kill.value(), SECCOMP_RET_KILL_PROCESS));
    CHECK(has_ret(kill.value(), SECCOMP_RET_TRAP));
    CHECK(has_ret(kill.value(), SECCOMP_RET_LOG));
}

TEST_CASE("filter flags become kernel flags; notify asks for a listener")
{
    auto s = profile("SCMP_ACT_ALLOW", {rule({"mkdir"}, "SCMP_ACT_ERRNO")});
    s.flags = {"SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW", "SECCOMP_FILTER_FLAG_TSYNC",
        "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"};
    auto f = seccomp::compile(s);
    REQUIRE(f.ok());
    CHECK_FALSE(f.value().notify);
    // WAIT_KILLABLE_RECV only means something with a listener (the kernel refuses it alone).
    CHECK(f.value().flags
        == (SECCOMP_FILTER_FLAG_LOG | SECCOMP_FILTER_FLAG_SPEC_ALLOW | SECCOMP_FILTER_FLAG_TSYNC));

    s.syscalls.push_back(rule({"rmdir"}, "SCMP_ACT_NOTIFY"));
    s.listenerPath = "/run/agent.sock";
    f = seccomp::compile(s);
    REQUIRE(f.ok());
    CHECK(f.value().notify);
    CHECK(f.value().flags
        == (SECCOMP_FILTER_FLAG_LOG | SECCOMP_FILTER_FLAG_SPEC_ALLOW | SECCOMP_FILTER_FLAG_TSYNC
            | SECCOMP_FILTER_FLAG_TSYNC_ESRCH | (1u << 5)));

    auto plain = seccomp::compile(profile("SCMP_ACT_ALLOW", {rule({"mkdir"}, "SCMP_ACT_ERRNO")}));
    REQUIRE(plain.ok());
    CHECK(plain.value().flags == 0);
    CHECK_FALSE(plain.value().notify);
}

TEST_CASE("the -ENOSYS stub is there for restrictive defaults only")
{
    auto rules
        = std::vector {rule({"write", "exit_group"}, "SCMP_ACT_ALLOW"), rule({"mkdir"}, "SCMP_ACT_ERRNO")};
    for (const char* action : {"SCMP_ACT_ERRNO", "SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_TRAP"}) {
        CAPTURE(action);
        auto f = seccomp::compile(profile(action, rules));
        REQUIRE(f.ok());
        CHECK(has_ret(f.value(), kRetEnosys));
    }
    for (const char* action : {"SCMP_ACT_ALLOW", "SCMP_ACT_LOG", "SCMP_ACT_TRACE"}) {
        CAPTURE(action);
        auto f = seccomp::compile(profile(action, {rule({"mkdir"}, "SCMP_ACT_ERRNO")}));
        REQUIRE(f.ok());
        CHECK_FALSE(has_ret(f.value(), kRetEnosys));
    }
    // Even with no rule the profile names nothing, so there is no highest syscall: no stub.
    auto empty = seccomp::compile(profile("SCMP_ACT_ERRNO"));
    REQUIRE(empty.ok());
    CHECK_FALSE(has_ret(empty.value(), kRetEnosys));
}

TEST_CASE("a long profile compiles with libseccomp's binary tree")
{
    std::vector<std::string> names = {"read", "write", "open", "close", "stat", "fstat", "lstat", "poll",
        "lseek", "mmap", "mprotect", "munmap", "brk", "rt_sigaction", "rt_sigprocmask", "rt_sigreturn",
        "ioctl", "pread64", "pwrite64", "readv", "writev", "access", "pipe", "select", "sched_yield",
        "mremap", "msync", "mincore", "madvise", "shmget", "shmat", "shmctl", "dup", "dup2", "pause",
        "nanosleep", "getpid", "exit_group"};
    auto f = seccomp::compile(profile("SCMP_ACT_ERRNO", {rule(names, "SCMP_ACT_ALLOW")}));
    REQUIRE(f.ok());
    CHECK(f.value().program.size() > 10);
    CHECK(has_ret(f.value(), kRetEnosys));
}
