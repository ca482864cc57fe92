// plan_mempolicy is pure and tested directly; apply_mempolicy changes the calling process, so each
// apply runs in a forked child that reports what get_mempolicy(2) then says through a pipe.
#include "process/mempolicy.hpp"
#include "skip.hpp"

#include <climits>
#include <doctest/doctest.h>
#include <functional>
#include <string>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace hull;
using namespace hull::process;

namespace {

constexpr unsigned bits = sizeof(unsigned long) * CHAR_BIT;

oci::MemoryPolicy policy(std::string mode, std::string nodes = {}, std::vector<std::string> flags = {})
{
    return oci::MemoryPolicy {std::move(mode), std::move(nodes), std::move(flags)};
}

std::string plan_error(const oci::MemoryPolicy& p)
{
    auto plan = plan_mempolicy(p);
    return plan ? std::string("no error") : plan.error().text();
}

// Runs `body` in a forked child; returns what it returned ("" for success) or how it died.
std::string run_in_child(const std::function<std::string()>& body)
{
    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        ::close(fds[0]);
        std::string out = body();
        (void)!::write(fds[1], out.data(), out.size());
        ::_exit(0);
    }
    ::close(fds[1]);
    std::string out;
    char buf[512];
    ssize_t n;
    while ((n = ::read(fds[0], buf, sizeof buf)) > 0)
        out.append(buf, static_cast<size_t>(n));
    ::close(fds[0]);
    int status = 0;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return "child died with status " + std::to_string(status);
    return out;
}

struct Current {
    int mode = -1;
    unsigned long mask[1024 / bits] = {};
};

// get_mempolicy(2) of the calling thread: mode (with its MPOL_F_* flags) and nodemask.
std::string current_policy(Current& out)
{
    if (::syscall(SYS_get_mempolicy, &out.mode, out.mask, 1024UL, nullptr, 0UL) != 0)
        return "get_mempolicy: " + std::to_string(errno);
    return {};
}

// Applies `p` in a child and checks the policy the kernel then reports.
std::string apply_and_check(const oci::MemoryPolicy& p, int want_mode, unsigned long want_word0)
{
    return run_in_child([&]() -> std::string {
        auto plan = plan_mempolicy(p);
        if (!plan)
            return "plan: " + plan.error().text();
        auto applied = apply_mempolicy(plan.value());
        if (!applied)
            return "apply: " + applied.error().text();
        Current now;
        if (std::string e = current_policy(now); !e.empty())
            return e;
        if (now.mode != want_mode)
            return "mode " + std::to_string(now.mode) + ", want " + std::to_string(want_mode);
        if (now.mask[0] != want_word0)
            return "mask " + std::to_string(now.mask[0]) + ", want " + std::to_string(want_word0);
        return {};
    });
}

bool have_node0()
{
    struct stat st { };
    return ::stat("/sys/devices/system/node/node0", &st) == 0;
}

} // namespace

TEST_CASE("plan_mempolicy maps modes and flags to the kernel's numbers")
{
    auto bind = plan_mempolicy(policy("MPOL_BIND", "0-3,7", {"MPOL_F_STATIC_NODES"}));
    REQUIRE(bind);
    CHECK(bind.value().mode == 2);
    CHECK(bind.value().flags == (1 << 15));
    REQUIRE(bind.value().nodemask.size() == 1);
    CHECK(bind.value().nodemask[0] == 0x8fUL);
    CHECK(bind.value().maxnode == bits + 1);
    CHECK(bind.value().mode_name == "MPOL_BIND");
    CHECK(bind.value().nodes == "0-3,7");

    struct {
        const char* name;
        int value;
        const char* nodes;
    } modes[] = {{"MPOL_DEFAULT", 0, ""}, {"MPOL_PREFERRED", 1, "1"}, {"MPOL_PREFERRED", 1, ""},
        {"MPOL_BIND", 2, "0"}, {"MPOL_INTERLEAVE", 3, "2-3"}, {"MPOL_LOCAL", 4, ""},
        {"MPOL_PREFERRED_MANY", 5, "0,1"}, {"MPOL_WEIGHTED_INTERLEAVE", 6, "0"}};
    for (const auto& m : modes) {
        CAPTURE(m.name);
        auto plan = plan_mempolicy(policy(m.name, m.nodes));
        REQUIRE(plan);
        CHECK(plan.value().mode == m.value);
        CHECK(plan.value().flags == 0);
        CHECK(plan.value().nodemask.empty() == (m.nodes[0] == '\0'));
        if (m.nodes[0] == '\0')
            CHECK(plan.value().maxnode == 0);
    }

    auto flags = plan_mempolicy(policy(
        "MPOL_BIND", "0", {"MPOL_F_NUMA_BALANCING", "MPOL_F_RELATIVE_NODES", "MPOL_F_RELATIVE_NODES"}));
    REQUIRE(flags);
    CHECK(flags.value().flags == ((1 << 13) | (1 << 14)));
}

TEST_CASE("plan_mempolicy builds a multi-word nodemask")
{
    auto plan = plan_mempolicy(policy("MPOL_INTERLEAVE", " 0 , 64-65 ,130"));
    REQUIRE(plan);
    REQUIRE(plan.value().nodemask.size() == 130 / bits + 1);
    CHECK(plan.value().nodemask[0] == 1UL);
    CHECK((plan.value().nodemask[64 / bits] & (1UL << (64 % bits))) != 0);
    CHECK((plan.value().nodemask[65 / bits] & (1UL << (65 % bits))) != 0);
    CHECK((plan.value().nodemask[130 / bits] & (1UL << (130 % bits))) != 0);
    CHECK(plan.value().maxnode == plan.value().nodemask.size() * bits + 1);

    auto top = plan_mempolicy(policy("MPOL_BIND", std::to_string(max_memory_node)));
    REQUIRE(top);
    CHECK(top.value().nodemask.size() == max_memory_node / bits + 1);
}

TEST_CASE("plan_mempolicy rejects unknown names with the field's path")
{
    CHECK(plan_error(policy("MPOL_X")) == "config.json: /linux/memoryPolicy/mode: unknown mode \"MPOL_X\"");
    CHECK(plan_error(policy("")) == "config.json: /linux/memoryPolicy/mode: unknown mode \"\"");
    CHECK(plan_error(policy("mpol_bind", "0"))
        == "config.json: /linux/memoryPolicy/mode: unknown mode \"mpol_bind\"");
    CHECK(plan_error(policy("MPOL_BIND", "0", {"MPOL_F_STATIC_NODES", "MPOL_F_NODE"}))
        == "config.json: /linux/memoryPolicy/flags/1: unknown flag \"MPOL_F_NODE\"");
}

TEST_CASE("plan_mempolicy rejects malformed node lists")
{
    for (const char* bad : {" ", "a", "1,", ",1", "0,,1", "3-1", "-1", "1-", "1-2-3", "+1", "0x1", "1 2",
             "99999999999999999999", "4096"}) {
        CAPTURE(bad);
        std::string text = plan_error(policy("MPOL_BIND", bad));
        CHECK(text.starts_with(
            std::string("config.json: /linux/memoryPolicy/nodes: invalid node list \"") + bad + "\": "));
    }
    CHECK(plan_error(policy("MPOL_BIND", "3-1")).ends_with("range \"3-1\" is reversed"));
    CHECK(plan_error(policy("MPOL_BIND", "4096")).ends_with("node 4096 is above 4095"));
}

TEST_CASE("plan_mempolicy enforces which modes take nodes")
{
    CHECK(plan_error(policy("MPOL_DEFAULT", "0"))
        == "config.json: /linux/memoryPolicy/nodes: MPOL_DEFAULT takes no nodes, got \"0\"");
    CHECK(plan_error(policy("MPOL_LOCAL", "1-2"))
        == "config.json: /linux/memoryPolicy/nodes: MPOL_LOCAL takes no nodes, got \"1-2\"");
    for (const char* mode :
        {"MPOL_BIND", "MPOL_INTERLEAVE", "MPOL_PREFERRED_MANY", "MPOL_WEIGHTED_INTERLEAVE"}) {
        CAPTURE(mode);
        CHECK(plan_error(policy(mode))
            == std::string("config.json: /linux/memoryPolicy/nodes: ") + mode + " needs at least one node");
    }
    CHECK(plan_mempolicy(policy("MPOL_PREFERRED")));
    // A blank list is not an empty one (runc: "no members found in set").
    CHECK(plan_error(policy("MPOL_LOCAL", " "))
        == "config.json: /linux/memoryPolicy/nodes: invalid node list \" \": no nodes");
}

TEST_CASE("plan_mempolicy enforces the kernel's flag rules")
{
    CHECK(plan_error(policy("MPOL_BIND", "0", {"MPOL_F_STATIC_NODES", "MPOL_F_RELATIVE_NODES"}))
        == "config.json: /linux/memoryPolicy/flags: MPOL_F_STATIC_NODES and MPOL_F_RELATIVE_NODES exclude "
           "each other");
    CHECK(plan_error(policy("MPOL_PREFERRED", "", {"MPOL_F_RELATIVE_NODES"}))
        == "config.json: /linux/memoryPolicy/flags: MPOL_F_RELATIVE_NODES needs a node list");
    CHECK(plan_error(policy("MPOL_LOCAL", "", {"MPOL_F_STATIC_NODES"}))
        == "config.json: /linux/memoryPolicy/flags: MPOL_F_STATIC_NODES needs a node list");
    CHECK(plan_error(policy("MPOL_INTERLEAVE", "0", {"MPOL_F_NUMA_BALANCING"}))
        == "config.json: /linux/memoryPolicy/flags: MPOL_F_NUMA_BALANCING needs MPOL_BIND or "
           "MPOL_PREFERRED_MANY, "
           "not MPOL_INTERLEAVE");
    CHECK(plan_mempolicy(policy("MPOL_PREFERRED_MANY", "0", {"MPOL_F_NUMA_BALANCING"})));
    CHECK(plan_mempolicy(policy("MPOL_PREFERRED", "0", {"MPOL_F_STATIC_NODES"})));
}

TEST_CASE("apply_mempolicy sets the policy get_mempolicy reports" * HULL_HOST)
{
    if (!have_node0())
        HULL_SKIP("no NUMA node 0 in /sys/devices/system/node");
    CHECK(apply_and_check(policy("MPOL_BIND", "0"), 2, 1) == "");
    CHECK(apply_and_check(policy("MPOL_BIND", "0", {"MPOL_F_STATIC_NODES"}), 2 | (1 << 15), 1) == "");
    CHECK(apply_and_check(policy("MPOL_BIND", "0", {"MPOL_F_RELATIVE_NODES"}), 2 | (1 << 14), 1) == "");
    CHECK(apply_and_check(policy("MPOL_BIND", "0", {"MPOL_F_NUMA_BALANCING"}), 2 | (1 << 13), 1) == "");
    CHECK(apply_and_check(policy("MPOL_PREFERRED", "0"), 1, 1) == "");
    CHECK(apply_and_check(policy("MPOL_INTERLEAVE", "0"), 3, 1) == "");
    CHECK(apply_and_check(policy("MPOL_PREFERRED_MANY", "0"), 5, 1) == "");
    CHECK(apply_and_check(policy("MPOL_WEIGHTED_INTERLEAVE", "0"), 6, 1) == "");
    // The kernel turns a preferred policy without nodes into local allocation.
    CHECK(apply_and_check(policy("MPOL_PREFERRED"), 4, 0) == "");
    CHECK(apply_and_check(policy("MPOL_LOCAL"), 4, 0) == "");
    CHECK(apply_and_check(policy("MPOL_DEFAULT"), 0, 0) == "");
}

TEST_CASE("apply_mempolicy MPOL_DEFAULT undoes an earlier policy" * HULL_HOST)
{
    if (!have_node0())
        HULL_SKIP("no NUMA node 0 in /sys/devices/system/node");
    std::string result = run_in_child([]() -> std::string {
        auto bind = plan_mempolicy(policy("MPOL_BIND", "0"));
        auto reset = plan_mempolicy(policy("MPOL_DEFAULT"));
        if (!bind || !reset || !apply_mempolicy(bind.value()) || !apply_mempolicy(reset.value()))
            return "plan or apply failed";
        Current now;
        if (std::string e = current_policy(now); !e.empty())
            return e;
        return now.mode == 0 ? "" : "mode " + std::to_string(now.mode);
    });
    CHECK(result == "");
}

TEST_CASE("apply_mempolicy reports the kernel's refusal with the policy" * HULL_HOST)
{
    if (!have_node0())
        HULL_SKIP("no NUMA support (no node 0 in /sys/devices/system/node)");
    // Node 4000 passes the plan but no kernel has it (MAX_NUMNODES is at most 1024).
    std::string result = run_in_child([]() -> std::string {
        auto plan = plan_mempolicy(policy("MPOL_BIND", "4000"));
        if (!plan)
            return "plan: " + plan.error().text();
        auto applied = apply_mempolicy(plan.value());
        return applied ? std::string("applied") : applied.error().text();
    });
    CHECK(result == "set_mempolicy MPOL_BIND nodes \"4000\": invalid argument");
}
