// Behaviour of compiled filters loaded in a forked child (no_new_privs, so no root needed):
// every action, argument conditions, the ENOSYS stub, the architecture checks.
#include "sc_helpers.hpp"
#include "skip.hpp"

#include <doctest/doctest.h>
#include <pthread.h>
#include <sys/personality.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>

using namespace hull;
using namespace sc_test;

namespace {

seccomp::CompiledFilter must_compile(const oci::Seccomp& s)
{
    auto r = seccomp::compile(s);
    REQUIRE_MESSAGE(r.ok(), r.error().text());
    return r.value();
}

// The calls a child needs after the load when the default action denies everything (and, in a
// sanitizer build, the memory and signal-stack calls its runtime makes in the child).
oci::SyscallRule basics()
{
#if defined(__SANITIZE_ADDRESS__)
    return rule({"write", "exit_group", "exit", "mmap", "munmap", "mprotect", "madvise", "sigaltstack"},
        "SCMP_ACT_ALLOW");
#else
    return rule({"write", "exit_group", "exit"}, "SCMP_ACT_ALLOW");
#endif
}

struct TempDir {
    std::string path;
    TempDir()
    {
        char tmpl[] = "/tmp/hull-sc-XXXXXX";
        path = mkdtemp(tmpl);
    }
    ~TempDir() { rmdir(path.c_str()); }
};

bool exists(const std::string& path)
{
    struct stat st;
    return stat(path.c_str(), &st) == 0;
}

// personality(persona) under a filter: 0 when allowed, the errno otherwise.
std::vector<long> personalities(const seccomp::CompiledFilter& f, std::vector<unsigned long> personas)
{
    auto out = run_filtered(f, [&](Report& r, int) {
        for (unsigned long p : personas)
            r.add(err(syscall(SYS_personality, p)));
    });
    REQUIRE(out.exited_ok());
    return out.values;
}

// i386 syscall from this 64-bit process: seccomp sees AUDIT_ARCH_I386.
long int80(long nr)
{
    long ret;
    asm volatile("int $0x80" : "=a"(ret) : "a"(nr) : "memory", "r8", "r9", "r10", "r11");
    return ret;
}

constexpr long kI386Getpid = 20;
constexpr long kI386Getppid = 64;
constexpr long kX32Bit = 0x40000000;

} // namespace

TEST_CASE("SCMP_ACT_ERRNO: EPERM by default, errnoRet when given, and the call does not happen")
{
    TempDir dir;
    std::string a = dir.path + "/a", b = dir.path + "/b";
    auto f = must_compile(profile(
        "SCMP_ACT_ALLOW", {rule({"mkdir"}, "SCMP_ACT_ERRNO"), rule({"rmdir"}, "SCMP_ACT_ERRNO", ENOMEDIUM)}));
    auto out = run_filtered(f, [&](Report& r, int listener) {
        r.add(listener);
        r.add(err(syscall(SYS_mkdir, a.c_str(), 0700)));
        r.add(err(syscall(SYS_rmdir, dir.path.c_str())));
        r.add(err(syscall(SYS_mkdirat, AT_FDCWD, b.c_str(), 0700)));
    });
    REQUIRE(out.exited_ok());
    CHECK(out.values == std::vector<long> {-1, EPERM, ENOMEDIUM, 0});
    CHECK_FALSE(exists(a));
    CHECK(exists(b));
    rmdir(b.c_str());
}

TEST_CASE("argument conditions: every operator")
{
    struct Case {
        const char* op;
        std::vector<long> expected; // personality 7, 8, 9
    };
    const long B = ENOMEDIUM;
    for (const Case& c : {Case {"SCMP_CMP_NE", {B, 0, B}}, Case {"SCMP_CMP_LT", {B, 0, 0}},
             Case {"SCMP_CMP_LE", {B, B, 0}}, Case {"SCMP_CMP_EQ", {0, B, 0}},
             Case {"SCMP_CMP_GE", {0, B, B}}, Case {"SCMP_CMP_GT", {0, 0, B}}}) {
        CAPTURE(c.op);
        auto f = must_compile(profile(
            "SCMP_ACT_ALLOW", {rule({"personality"}, "SCMP_ACT_ERRNO", ENOMEDIUM, {arg(0, 8, c.op)})}));
        CHECK(personalities(f, {7, 8, 9}) == c.expected);
    }
}

TEST_CASE("SCMP_CMP_MASKED_EQ: value is the mask, valueTwo the expected value")
{
    auto f = must_compile(profile("SCMP_ACT_ALLOW",
        {rule({"personality"}, "SCMP_ACT_ERRNO", ENOMEDIUM, {arg(0, 0xff, "SCMP_CMP_MASKED_EQ", 8)})}));
    CHECK(personalities(f, {0xffffffffUL, 8, 0x10008, 0, 9})
        == std::vector<long> {0, ENOMEDIUM, ENOMEDIUM, 0, 0});
}

TEST_CASE("conditions on different arguments are ANDed in one rule")
{
    auto f = must_compile(profile("SCMP_ACT_ALLOW",
        {rule({"getpriority"}, "SCMP_ACT_ERRNO", ENOMEDIUM,
            {arg(0, PRIO_PROCESS, "SCMP_CMP_EQ"), arg(1, 0, "SCMP_CMP_EQ")})}));
    auto out = run_filtered(f, [](Report& r, int) {
        r.add(err(syscall(SYS_getpriority, PRIO_PROCESS, 0)));
        r.add(err(syscall(SYS_getpriority, PRIO_PROCESS, getpid())));
        r.add(err(syscall(SYS_getpriority, PRIO_PGRP, 0)));
    });
    REQUIRE(out.exited_ok());
    CHECK(out.values == std::vector<long> {ENOMEDIUM, 0, 0});
}

TEST_CASE("several conditions on the same argument become one rule each (OR), as runc")
{
    auto f = must_compile(profile("SCMP_ACT_ALLOW",
        {rule({"personality"}, "SCMP_ACT_ERRNO", ENOMEDIUM,
            {arg(0, 8, "SCMP_CMP_EQ"), arg(0, 16, "SCMP_CMP_EQ")})}));
    CHECK(personalities(f, {8, 16, 0, 0xffffffffUL}) == std::vector<long> {ENOMEDIUM, ENOMEDIUM, 0, 0});
}

TEST_CASE("default ERRNO: syscalls newer than the profile get ENOSYS, older unlisted ones the default")
{
    TempDir dir;
    std::string a = dir.path + "/a";
    auto f = must_compile(profile("SCMP_ACT_ERRNO", {basics(), rule({"mkdir"}, "SCMP_ACT_ERRNO", EACCES)}));
    auto out = run_filtered(f, [&](Report& r, int) {
        r.add(err(syscall(1000)));
        r.add(err(syscall(SYS_getpid)));
        r.add(err(syscall(SYS_mkdir, a.c_str(), 0700)));
        r.add(err(syscall(SYS_write, -1, "", 0)));
        r.add(err(syscall(SYS_clone3, nullptr, 0))); // 435, above exit_group's 231
    });
    REQUIRE(out.exited_ok());
    CHECK(out.values == std::vector<long> {ENOSYS, EPERM, EACCES, EBADF, ENOSYS});
    CHECK_FALSE(exists(a));
}

TEST_CASE("default ERRNO with defaultErrnoRet keeps ENOSYS for newer syscalls")
{
    auto s = profile("SCMP_ACT_ERRNO", {basics()});
    s.defaultErrnoRet = ENOMEDIUM;
    auto out = run_filtered(must_compile(s), [](Report& r, int) {
        r.add(err(syscall(1000)));
        r.add(err(syscall(SYS_getpid)));
    });
    REQUIRE(out.exited_ok());
    CHECK(out.values == std::vector<long> {ENOSYS, ENOMEDIUM});
}

TEST_CASE("default KILL_PROCESS: a newer syscall gets ENOSYS instead of killing")
{
    auto out = run_filtered(must_compile(profile("SCMP_ACT_KILL_PROCESS", {basics()})),
        [](Report& r, int) { r.add(err(syscall(1000))); });
    REQUIRE(out.exited_ok());
    CHECK(out.values == std::vector<long> {ENOSYS});
}

TEST_CASE("x32: the stub handles x32 numbers when SCMP_ARCH_X32 is listed, bad arch kills otherwise")
{
    auto s = profile("SCMP_ACT_ERRNO", {basics(), rule({"getppid"}, "SCMP_ACT_ERRNO", ENOMEDIUM)});
    s.architectures = {"SCMP_ARCH_X86_64", "SCMP_ARCH_X32"};
    auto out = run_filtered(must_compile(s), [](Report& r, int) {
        r.add(err(syscall(kX32Bit | 1000)));
        r.add(err(syscall(kX32Bit | SYS_getppid)));
        r.add(err(syscall(kX32Bit | SYS_getpid)));
        r.add(err(syscall(1000)));
    });
    REQUIRE(out.exited_ok());
    CHECK(out.values == std::vector<long> {ENOSYS, ENOMEDIUM, EPERM, ENOSYS});

    s.architectures.clear();
    out = run_filtered(must_compile(s), [](Report& r, int) { r.add(err(syscall(kX32Bit | SYS_getpid))); });
    CHECK(out.killed_by(SIGSYS));
}

TEST_CASE("a profile naming many architectures gives a valid stub (one section per architecture)")
{
    auto s = profile("SCMP_ACT_ERRNO", {basics(), rule({"getppid"}, "SCMP_ACT_ERRNO", ENOMEDIUM)});
    // The little-endian ones: a filter cannot mix byte orders (libseccomp refuses).
    s.architectures = {"SCMP_ARCH_X86", "SCMP_ARCH_X86_64", "SCMP_ARCH_X32", "SCMP_ARCH_ARM",
        "SCMP_ARCH_AARCH64", "SCMP_ARCH_MIPSEL", "SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32",
        "SCMP_ARCH_PPC64LE", "SCMP_ARCH_RISCV64"};
    auto out = run_filtered(must_compile(s), [](Report& r, int) {
        r.add(err(syscall(1000)));
        r.add(err(syscall(SYS_getppid)));
        r.add(err(syscall(SYS_getpid)));
        r.add(err(syscall(kX32Bit | 1000)));
    });
    REQUIRE(out.exited_ok());
    CHECK(out.values == std::vector<long> {ENOSYS, ENOMEDIUM, EPERM, ENOSYS});
}

TEST_CASE(
    "i386 syscalls are checked against the x86 rules, or killed when SCMP_ARCH_X86 is absent" * HULL_HOST)
{
    // Does this kernel run int $0x80 at all (IA32 emulation)?
    pid_t pid = fork();
    if (pid == 0)
        _exit(int80(kI386Getpid) > 0 ? 0 : 1);
    int status = 0;
    waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        HULL_SKIP("no IA32 emulation on this kernel");
    auto s = profile("SCMP_ACT_ALLOW", {rule({"getppid"}, "SCMP_ACT_ERRNO", ENOMEDIUM)});
    auto out = run_filtered(must_compile(s), [](Report& r, int) { r.add(int80(kI386Getppid)); });
    CHECK(out.killed_by(SIGSYS));

    s.architectures = {"SCMP_ARCH_X86"};
    out = run_filtered(must_compile(s), [](Report& r, int) {
        r.add(int80(kI386Getppid));
        r.add(int80(kI386Getpid) > 0);
        r.add(err(syscall(SYS_getppid)));
    });
    REQUIRE(out.exited_ok());
    CHECK(out.values == std::vector<long> {-ENOMEDIUM, 1, ENOMEDIUM});
}

TEST_CASE("SCMP_ACT_KILL_PROCESS kills the process with SIGSYS")
{
    auto f = must_compile(profile("SCMP_ACT_ALLOW", {rule({"getppid"}, "SCMP_ACT_KILL_PROCESS")}));
    auto out = run_filtered(f, [](Report& r, int) { r.add(syscall(SYS_getppid)); });
    CHECK(out.killed_by(SIGSYS));
    CHECK(out.values.empty());
}

namespace {
void* call_getppid(void*)
{
    syscall(SYS_getppid);
    return nullptr;
}
} // namespace

TEST_CASE("SCMP_ACT_KILL and KILL_THREAD end the calling thread only")
{
    for (const char* action : {"SCMP_ACT_KILL", "SCMP_ACT_KILL_THREAD"}) {
        CAPTURE(action);
        auto f = must_compile(profile("SCMP_ACT_ALLOW", {rule({"getppid"}, action)}));
        auto out = run_filtered(f, [](Report& r, int) {
            pthread_t t;
            if (pthread_create(&t, nullptr, call_getppid, nullptr) == 0)
                r.add(pthread_join(t, nullptr) == 0 ? 1 : 0);
        });
        CHECK(out.exited_ok());
        CHECK(out.values == std::vector<long> {1});
        // In a single-threaded process the whole process goes.
        out = run_filtered(f, [](Report& r, int) { r.add(syscall(SYS_getppid)); });
        CHECK(out.killed_by(SIGSYS));
    }
}

namespace {
volatile sig_atomic_t g_trapped_nr = -1;
void on_sigsys(int, siginfo_t* info, void*)
{
    if (info->si_code == 1 /* SYS_SECCOMP */)
        g_trapped_nr = info->si_syscall;
}
void install_sigsys_handler()
{
    struct sigaction sa { };
    sa.sa_sigaction = on_sigsys;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGSYS, &sa, nullptr);
}
} // namespace

TEST_CASE("SCMP_ACT_TRAP sends SIGSYS to a handler and the process goes on")
{
    auto f = must_compile(profile("SCMP_ACT_ALLOW", {rule({"getppid"}, "SCMP_ACT_TRAP")}));
    auto out = run_filtered(
        f,
        [](Report& r, int) {
            syscall(SYS_getppid);
            r.add(g_trapped_nr);
        },
        install_sigsys_handler);
    REQUIRE(out.exited_ok());
    CHECK(out.values == std::vector<long> {SYS_getppid});
}

TEST_CASE("SCMP_ACT_LOG allows; SCMP_ACT_TRACE without a tracer fails with ENOSYS")
{
    auto f = must_compile(profile("SCMP_ACT_ERRNO", {basics(), rule({"getppid"}, "SCMP_ACT_LOG")}));
    auto out = run_filtered(f, [](Report& r, int) {
        r.add(syscall(SYS_getppid) > 0);
        r.add(err(syscall(SYS_getpid)));
    });
    REQUIRE(out.exited_ok());
    CHECK(out.values == std::vector<long> {1, EPERM});

    f = must_compile(profile("SCMP_ACT_ALLOW", {rule({"getppid"}, "SCMP_ACT_TRACE")}));
    out = run_filtered(f, [](Report& r, int) { r.add(err(syscall(SYS_getppid))); });
    REQUIRE(out.exited_ok());
    CHECK(out.values == std::vector<long> {ENOSYS});
}

namespace {
int g_wake[2] = {-1, -1};
long g_thread_errno = -1;
pthread_t g_thread;
void* getppid_when_woken(void*)
{
    char c;
    if (read(g_wake[0], &c, 1) == 1)
        g_thread_errno = err(syscall(SYS_getppid));
    return nullptr;
}
void start_waiting_thread()
{
    if (pipe(g_wake) != 0 || pthread_create(&g_thread, nullptr, getppid_when_woken, nullptr) != 0)
        _exit(kLoadFailed + 2);
}
void wake_and_join(Report& r, int)
{
    if (write(g_wake[1], "x", 1) == 1 && pthread_join(g_thread, nullptr) == 0)
        r.add(g_thread_errno);
}
} // namespace

TEST_CASE("SECCOMP_FILTER_FLAG_TSYNC puts the filter on the process's other threads too")
{
    auto s = profile("SCMP_ACT_ALLOW", {rule({"getppid"}, "SCMP_ACT_ERRNO", ENOMEDIUM)});
    auto out = run_filtered(must_compile(s), wake_and_join, start_waiting_thread);
    REQUIRE(out.exited_ok());
    CHECK(out.values == std::vector<long> {0});

    s.flags = {"SECCOMP_FILTER_FLAG_TSYNC"};
    out = run_filtered(must_compile(s), wake_and_join, start_waiting_thread);
    REQUIRE(out.exited_ok());
    CHECK(out.values == std::vector<long> {ENOMEDIUM});
}

TEST_CASE("the kernel accepts the filter flags")
{
    auto s = profile("SCMP_ACT_ALLOW", {rule({"getppid"}, "SCMP_ACT_ERRNO", ENOMEDIUM)});
    s.flags = {"SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
        "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"};
    auto out = run_filtered(must_compile(s), [](Report& r, int listener) {
        r.add(listener);
        r.add(err(syscall(SYS_getppid)));
    });
    REQUIRE(out.exited_ok());
    CHECK(out.values == std::vector<long> {-1, ENOMEDIUM});
}

TEST_CASE("a filter passed through serialize/deserialize loads and behaves the same")
{
    auto f
        = must_compile(profile("SCMP_ACT_ERRNO", {basics(), rule({"getppid"}, "SCMP_ACT_ERRNO", ENOMEDIUM)}));
    auto back = seccomp::deserialize(seccomp::serialize(f));
    REQUIRE(back.ok());
    auto out = run_filtered(back.value(), [](Report& r, int) {
        r.add(err(syscall(SYS_getppid)));
        r.add(err(syscall(SYS_getpid)));
        r.add(err(syscall(1000)));
    });
    REQUIRE(out.exited_ok());
    CHECK(out.values == std::vector<long> {ENOMEDIUM, EPERM, ENOSYS});
}
