// The apply_* functions change the calling process, so each runs in a forked child that reports
// the first failing check through its exit status; the test process keeps its own attributes.
#include "process/attributes.hpp"

#include <cstdint>
#include <doctest/doctest.h>
#include <functional>
#include <sched.h>
#include <sys/personality.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace hull;
using namespace hull::process;

namespace {

// Returns the child's exit status, or 100 + signal number when it was killed.
int run_in_child(const std::function<int()>& body)
{
    pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0)
        ::_exit(body());
    int status = 0;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    if (WIFSIGNALED(status))
        return 100 + WTERMSIG(status);
    return WEXITSTATUS(status);
}

int count_cpus(const cpu_set_t& set)
{
    return CPU_COUNT(&set);
}

} // namespace

TEST_CASE("parse_cpu_list accepts single CPUs, ranges and blanks")
{
    auto set = parse_cpu_list("0-3,7,9-10");
    REQUIRE(set);
    CHECK(count_cpus(set.value()) == 7);
    for (int cpu : {0, 1, 2, 3, 7, 9, 10})
        CHECK(CPU_ISSET(cpu, &set.value()));
    CHECK_FALSE(CPU_ISSET(4, &set.value()));
    CHECK_FALSE(CPU_ISSET(8, &set.value()));

    auto one = parse_cpu_list("5");
    REQUIRE(one);
    CHECK(count_cpus(one.value()) == 1);
    CHECK(CPU_ISSET(5, &one.value()));

    auto spaced = parse_cpu_list(" 1 , 2-3 ");
    REQUIRE(spaced);
    CHECK(count_cpus(spaced.value()) == 3);

    auto same = parse_cpu_list("4-4");
    REQUIRE(same);
    CHECK(count_cpus(same.value()) == 1);

    auto last = parse_cpu_list(std::to_string(CPU_SETSIZE - 1));
    REQUIRE(last);
    CHECK(CPU_ISSET(CPU_SETSIZE - 1, &last.value()));
}

TEST_CASE("parse_cpu_list rejects malformed lists and names the value")
{
    for (const char* bad : {"", " ", "a", "1,", ",1", "0,,1", "3-1", "-1", "1-", "1-2-3", "+1", "0x1", "1.5",
             "1 2", "99999999999999999999"}) {
        CAPTURE(bad);
        auto set = parse_cpu_list(bad);
        REQUIRE_FALSE(set);
        CHECK(set.error().text().find(std::string("cpu list \"") + bad + "\"") != std::string::npos);
    }
    auto reversed = parse_cpu_list("3-1");
    CHECK(reversed.error().text().find("reversed") != std::string::npos);
    auto big = parse_cpu_list(std::to_string(CPU_SETSIZE));
    REQUIRE_FALSE(big);
    CHECK(big.error().text().find("CPU_SETSIZE") != std::string::npos);
}

TEST_CASE("apply_cpu_affinity pins the process to one CPU")
{
    cpu_set_t current;
    REQUIRE(::sched_getaffinity(0, sizeof(current), &current) == 0);
    // CPU 0 normally; the lowest allowed CPU when the test itself runs in a narrower cpuset.
    int cpu = 0;
    while (cpu < CPU_SETSIZE && !CPU_ISSET(cpu, &current))
        ++cpu;
    REQUIRE(cpu < CPU_SETSIZE);

    int status = run_in_child([cpu] {
        if (!apply_cpu_affinity(std::to_string(cpu)))
            return 1;
        cpu_set_t now;
        if (::sched_getaffinity(0, sizeof(now), &now) != 0)
            return 2;
        return CPU_COUNT(&now) == 1 && CPU_ISSET(cpu, &now) ? 0 : 3;
    });
    CHECK(status == 0);

    int garbage = run_in_child([] { return apply_cpu_affinity("zero") ? 1 : 0; });
    CHECK(garbage == 0);
}

TEST_CASE("apply_scheduler sets SCHED_BATCH with nice 5")
{
    int status = run_in_child([] {
        oci::Scheduler scheduler;
        scheduler.policy = "SCHED_BATCH";
        scheduler.nice = 5;
        if (!apply_scheduler(scheduler))
            return 1;
        SchedAttr attr {};
        if (::syscall(SYS_sched_getattr, 0, &attr, sizeof(attr), 0) != 0)
            return 2;
        if (attr.sched_policy != SCHED_BATCH)
            return 3;
        if (attr.sched_nice != 5)
            return 4;
        errno = 0;
        if (::getpriority(PRIO_PROCESS, 0) != 5 || errno != 0)
            return 5;
        return 0;
    });
    CHECK(status == 0);
}

TEST_CASE("apply_scheduler rejects unknown policy and flag names")
{
    oci::Scheduler bad_policy;
    bad_policy.policy = "SCHED_FAST";
    auto policy = apply_scheduler(bad_policy);
    REQUIRE_FALSE(policy);
    CHECK(policy.error().text() == "scheduler.policy: unknown policy \"SCHED_FAST\"");

    oci::Scheduler bad_flag;
    bad_flag.policy = "SCHED_OTHER";
    bad_flag.flags = {"SCHED_FLAG_RESET_ON_FORK", "SCHED_FLAG_TURBO"};
    auto flag = apply_scheduler(bad_flag);
    REQUIRE_FALSE(flag);
    CHECK(flag.error().text() == "scheduler.flags: unknown flag \"SCHED_FLAG_TURBO\"");
}

TEST_CASE("apply_io_priority sets IOPRIO_CLASS_BE 4")
{
    int status = run_in_child([] {
        if (!apply_io_priority(oci::IoPriority {"IOPRIO_CLASS_BE", 4}))
            return 1;
        long value = ::syscall(SYS_ioprio_get, 1 /* IOPRIO_WHO_PROCESS */, 0);
        if (value < 0)
            return 2;
        return value == ((2 << 13) | 4) ? 0 : 3;
    });
    CHECK(status == 0);
}

TEST_CASE("apply_io_priority rejects unknown classes and out-of-range priorities")
{
    auto io_class = apply_io_priority(oci::IoPriority {"IOPRIO_CLASS_FAST", 4});
    REQUIRE_FALSE(io_class);
    CHECK(io_class.error().text() == "ioPriority.class: unknown class \"IOPRIO_CLASS_FAST\"");

    auto high = apply_io_priority(oci::IoPriority {"IOPRIO_CLASS_BE", 8});
    REQUIRE_FALSE(high);
    CHECK(high.error().text().find("ioPriority.priority: 8") != std::string::npos);

    CHECK_FALSE(apply_io_priority(oci::IoPriority {"IOPRIO_CLASS_BE", -1}));
}

TEST_CASE("apply_personality sets PER_LINUX32 and rejects flags and unknown domains")
{
    int status = run_in_child([] {
        if (!apply_personality(oci::Personality {"LINUX32", {}}))
            return 1;
        int now = ::personality(0xffffffff);
        if (now == -1)
            return 2;
        return (now & PER_MASK) == PER_LINUX32 ? 0 : 3;
    });
    CHECK(status == 0);

    auto flagged = apply_personality(oci::Personality {"LINUX", {"ADDR_NO_RANDOMIZE"}});
    REQUIRE_FALSE(flagged);
    CHECK(flagged.error().text().find("personality.flags: unsupported flag \"ADDR_NO_RANDOMIZE\"")
        != std::string::npos);

    auto domain = apply_personality(oci::Personality {"LINUX64", {}});
    REQUIRE_FALSE(domain);
    CHECK(domain.error().text() == "personality.domain: unknown domain \"LINUX64\"");
}

TEST_CASE("listen_fds_from_env counts fds only when LISTEN_PID is ours")
{
    CHECK(listen_fds_from_env("42", "2", 42).count == 2);
    CHECK(listen_fds_from_env("42", "0", 42).count == 0);
    CHECK(listen_fds_from_env("43", "2", 42).count == 0);
    CHECK(listen_fds_from_env(nullptr, "2", 42).count == 0);
    CHECK(listen_fds_from_env("42", nullptr, 42).count == 0);
    for (const char* bad : {"", "two", "-1", "+2", "2x", " 2", "99999999999999999999", "2147483647"}) {
        CAPTURE(bad);
        CHECK(listen_fds_from_env("42", bad, 42).count == 0);
    }
    for (const char* bad_pid : {"", "42abc", "-42", "0x2a"}) {
        CAPTURE(bad_pid);
        CHECK(listen_fds_from_env(bad_pid, "2", 42).count == 0);
    }
}

TEST_CASE("with_listen_env replaces LISTEN_* entries, or leaves env alone without fds")
{
    std::vector<std::string> env {
        "PATH=/bin", "LISTEN_FDS=9", "HOME=/root", "LISTEN_PID=777", "LISTEN_FDNAMES=web"};
    auto out = with_listen_env(env, ListenFds {2});
    CHECK(out
        == std::vector<std::string> {
            "PATH=/bin", "HOME=/root", "LISTEN_FDNAMES=web", "LISTEN_FDS=2", "LISTEN_PID=1"});

    CHECK(with_listen_env({"PATH=/bin"}, ListenFds {1})
        == std::vector<std::string> {"PATH=/bin", "LISTEN_FDS=1", "LISTEN_PID=1"});
    CHECK(with_listen_env(env, ListenFds {}) == env);
}
