// Joining a running container's namespaces through its init's pidfd.
#include "fake_sys.hpp"
#include "hull/namespaces/container_joins.hpp"

#include <doctest/doctest.h>
#include <sched.h>
#include <unistd.h>

using namespace hull;

TEST_CASE("every namespace but pid is joined in one setns on the pidfd")
{
    test::FakeSys sys;
    REQUIRE(ns::join_container_namespaces(sys, 7, CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWPID | CLONE_NEWUSER));
    CHECK(sys.calls
        == std::vector<std::string> {"setns " + std::to_string(CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWUSER)});
}

TEST_CASE("nothing to join but pid: no setns at all")
{
    test::FakeSys sys;
    REQUIRE(ns::join_container_namespaces(sys, 7, CLONE_NEWPID));
    REQUIRE(ns::join_container_namespaces(sys, 7, 0));
    CHECK(sys.calls.empty());
}

TEST_CASE("ESRCH from the pidfd: the container is not running")
{
    test::FakeSys sys;
    sys.fail_at = 0;
    sys.fail_errno = ESRCH;
    auto joined = ns::join_container_namespaces(sys, 7, CLONE_NEWNS);
    REQUIRE(!joined);
    CHECK(joined.error().code() == ESRCH);
    CHECK(joined.error().text().find("join the container's namespaces: container not running") == 0);
}

TEST_CASE("another error keeps setns's own words, framed by what was joined")
{
    test::FakeSys sys;
    sys.fail_at = 0;
    sys.fail_errno = EPERM;
    auto joined = ns::join_through_pidfd(sys, 7, CLONE_NEWPID, "pid namespace");
    REQUIRE(!joined);
    CHECK(joined.error().code() == EPERM);
    CHECK(joined.error().text().find("join the container's pid namespace: ") == 0);
}

TEST_CASE("without a pid namespace to enter the guard is empty and nothing is joined")
{
    test::FakeSys sys;
    auto guard = ns::enter_pid_namespace_for_children(sys, 7, CLONE_NEWNS);
    REQUIRE(guard);
    CHECK(sys.calls.empty());
}

TEST_CASE("a process shares every namespace with itself: nothing to join")
{
    auto flags = ns::differing_namespaces(::getpid());
    REQUIRE(flags);
    CHECK(flags.value() == 0);
}

TEST_CASE("a process that does not exist: the stat of its namespace file fails")
{
    auto flags = ns::differing_namespaces(0x3fffffff);
    REQUIRE(!flags);
    CHECK(flags.error().code() == ENOENT);
}

TEST_CASE("a saved namespace that cannot be opened fails before anything is entered")
{
    auto saved = ns::SavedNamespace::open("/proc/self/ns/no-such-type", CLONE_NEWPID);
    REQUIRE(!saved);
    CHECK(saved.error().code() == ENOENT);
    CHECK(saved.error().text().find("/proc/self/ns/no-such-type") != std::string::npos);
}
