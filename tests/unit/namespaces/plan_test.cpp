#include "fake_sys.hpp"
#include "hull/namespaces/plan.hpp"

#include <doctest/doctest.h>
#include <sched.h>

using namespace hull;
using oci::NamespaceType;

namespace {

constexpr NamespaceType kAll[] = {NamespaceType::Pid, NamespaceType::Network, NamespaceType::Mount,
    NamespaceType::Ipc, NamespaceType::Uts, NamespaceType::User, NamespaceType::Cgroup, NamespaceType::Time};

oci::Spec spec_with(unsigned create_mask, unsigned join_mask)
{
    oci::Spec spec;
    spec.linux = oci::Linux {};
    for (unsigned i = 0; i < 8; ++i) {
        if (create_mask & (1u << i))
            spec.linux->namespaces.push_back({kAll[i], ""});
        else if (join_mask & (1u << i))
            spec.linux->namespaces.push_back({kAll[i], "/proc/1/ns/x" + std::to_string(i)});
    }
    return spec;
}

} // namespace

TEST_CASE("clone flags are the kernel's CLONE_NEW* values")
{
    CHECK(ns::clone_flag(NamespaceType::Pid) == CLONE_NEWPID);
    CHECK(ns::clone_flag(NamespaceType::Network) == CLONE_NEWNET);
    CHECK(ns::clone_flag(NamespaceType::Mount) == CLONE_NEWNS);
    CHECK(ns::clone_flag(NamespaceType::Ipc) == CLONE_NEWIPC);
    CHECK(ns::clone_flag(NamespaceType::Uts) == CLONE_NEWUTS);
    CHECK(ns::clone_flag(NamespaceType::User) == CLONE_NEWUSER);
    CHECK(ns::clone_flag(NamespaceType::Cgroup) == CLONE_NEWCGROUP);
    CHECK(ns::clone_flag(NamespaceType::Time) == 0x80);
}

TEST_CASE("no linux section means no namespaces")
{
    oci::Spec spec;
    auto plan = ns::plan_namespaces(spec);
    CHECK(plan.clone_flags == 0);
    CHECK(plan.runtime_joins.empty());
    CHECK(plan.init_joins.empty());
}

TEST_CASE("every combination of created and joined namespaces is planned correctly")
{
    // Each of the 8 types is absent, created, or joined: 3^8 = 6561 configurations.
    for (unsigned code = 0; code < 6561; ++code) {
        unsigned create = 0, join = 0, c = code;
        for (unsigned i = 0; i < 8; ++i, c /= 3) {
            if (c % 3 == 1)
                create |= 1u << i;
            else if (c % 3 == 2)
                join |= 1u << i;
        }
        auto plan = ns::plan_namespaces(spec_with(create, join));
        int want_flags = 0;
        for (unsigned i = 0; i < 8; ++i)
            if ((create & (1u << i)) && kAll[i] != NamespaceType::Time)
                want_flags |= ns::clone_flag(kAll[i]);
        // A new time namespace is made by the runtime (offsets first), never by clone.
        REQUIRE(plan.clone_flags == want_flags);
        REQUIRE(plan.new_time == bool(create & (1u << 7)));
        REQUIRE(plan.user_namespace() == bool((create | join) & (1u << 5)));
        // An intermediate process exactly when a new user namespace meets init-side joins.
        bool init_side_join = join & ~((1u << 0) | (1u << 7));
        REQUIRE(plan.needs_intermediate() == (bool(create & (1u << 5)) && init_side_join));
        for (unsigned i = 0; i < 8; ++i) {
            REQUIRE(plan.creates(kAll[i]) == bool(create & (1u << i)));
            REQUIRE(plan.lists(kAll[i]) == bool((create | join) & (1u << i)));
        }
        // pid and time are joined by the runtime before clone; the rest by the init.
        size_t runtime = 0, init = 0;
        for (unsigned i = 0; i < 8; ++i) {
            if (!(join & (1u << i)))
                continue;
            if (kAll[i] == NamespaceType::Pid || kAll[i] == NamespaceType::Time)
                ++runtime;
            else
                ++init;
        }
        REQUIRE(plan.runtime_joins.size() == runtime);
        REQUIRE(plan.init_joins.size() == init);
        // The user namespace, when joined, comes first.
        if (join & (1u << 5))
            REQUIRE(plan.init_joins.front().type == NamespaceType::User);
        for (const auto& j : plan.runtime_joins)
            REQUIRE((j.type == NamespaceType::Pid || j.type == NamespaceType::Time));
    }
}

TEST_CASE("joining checks the namespace type before any setns")
{
    test::FakeSys sys;
    // Our own uts namespace file given as a network namespace: refused, and nothing joined.
    std::vector<ns::Join> joins
        = {{NamespaceType::Ipc, "/proc/self/ns/ipc"}, {NamespaceType::Network, "/proc/self/ns/uts"}};
    auto r = ns::apply_joins(sys, joins);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().text().find("another type") != std::string::npos);
    CHECK(sys.calls.empty());
}

TEST_CASE("joining a missing path or a non-namespace file is a clear error")
{
    test::FakeSys sys;
    auto missing = ns::apply_joins(sys, {{NamespaceType::Network, "/nonexistent/netns"}});
    REQUIRE_FALSE(missing.ok());
    CHECK(missing.error().text() == "open network namespace /nonexistent/netns: no such file or directory");
    auto regular = ns::apply_joins(sys, {{NamespaceType::Uts, "/etc/hostname"}});
    REQUIRE_FALSE(regular.ok());
    CHECK(regular.error().text().find("not a namespace file") != std::string::npos);
    CHECK(sys.calls.empty());
}

TEST_CASE("joins are applied in plan order with the right nstype")
{
    test::FakeSys sys;
    auto r = ns::apply_joins(
        sys, {{NamespaceType::Ipc, "/proc/self/ns/ipc"}, {NamespaceType::Uts, "/proc/self/ns/uts"}});
    REQUIRE(r.ok());
    CHECK(sys.calls
        == std::vector<std::string> {
            "setns " + std::to_string(CLONE_NEWIPC), "setns " + std::to_string(CLONE_NEWUTS)});
}

TEST_CASE("time offsets and id maps are rendered as the kernel files expect")
{
    oci::Spec spec;
    spec.linux = oci::Linux {};
    CHECK(ns::time_offsets_text(spec).empty());
    spec.linux->timeOffsets["monotonic"] = {86400, 5};
    spec.linux->timeOffsets["boottime"] = {-10, 0};
    CHECK(ns::time_offsets_text(spec) == "boottime -10 0\nmonotonic 86400 5\n");
    CHECK(ns::id_map_text({{0, 100000, 65536}, {65536, 1000, 1}}) == "0 100000 65536\n65536 1000 1\n");
}

TEST_CASE("the runtime's own namespaces come back after a new time namespace")
{
    test::FakeSys sys;
    oci::Spec spec;
    spec.linux = oci::Linux {};
    spec.linux->namespaces.push_back({NamespaceType::Time, ""});
    spec.linux->timeOffsets["monotonic"] = {1, 0};
    auto plan = ns::plan_namespaces(spec);
    {
        auto guard = ns::RuntimeNamespaces::enter(sys, plan, spec);
        REQUIRE(guard.ok());
    }
    CHECK(sys.calls
        == std::vector<std::string> {
            "unshare " + std::to_string(0x80), "write /proc/self/timens_offsets monotonic 1 0\n"});
}
