#include "hull/cgroups/host.hpp"

#include <doctest/doctest.h>

using namespace hull;

namespace {

MountInfo m(std::string point, std::string type, std::string super = "rw")
{
    return MountInfo {"/", std::move(point), "", std::move(type), "cgroup", std::move(super)};
}

} // namespace

TEST_CASE("a cgroup2 root is the v2 layout")
{
    auto host = cgroups::classify({m("/", "ext4"), m("/sys/fs/cgroup", "cgroup2")});
    CHECK(host.layout == cgroups::Layout::V2);
    REQUIRE(host.hierarchies.size() == 1);
    CHECK(host.hierarchies[0].v2);
}

TEST_CASE("v1 controllers with cgroup2 at unified are the hybrid layout")
{
    auto host = cgroups::classify({m("/sys/fs/cgroup", "tmpfs"),
        m("/sys/fs/cgroup/memory", "cgroup", "rw,memory"),
        m("/sys/fs/cgroup/cpu,cpuacct", "cgroup", "rw,cpu,cpuacct"), m("/sys/fs/cgroup/unified", "cgroup2")});
    CHECK(host.layout == cgroups::Layout::Hybrid);
    REQUIRE(host.hierarchies.size() == 3);
    CHECK(host.hierarchies[1].subsystems == std::vector<std::string> {"cpu", "cpuacct"});
    CHECK(std::string(cgroups::to_string(host.layout)) == "hybrid");
}

TEST_CASE("v1 controllers alone are the v1 layout; nested or foreign mounts are ignored")
{
    auto host = cgroups::classify({m("/sys/fs/cgroup/pids", "cgroup", "rw,pids"),
        m("/sys/fs/cgroup/pids/nested", "cgroup", "rw,pids"), m("/other/cgroup", "cgroup2")});
    CHECK(host.layout == cgroups::Layout::V1);
    CHECK(host.hierarchies.size() == 1);
    CHECK(cgroups::classify({m("/", "ext4")}).layout == cgroups::Layout::None);
}

TEST_CASE("this machine's layout is detected")
{
    auto host = cgroups::detect_host();
    REQUIRE(host.ok());
    CHECK(host.value().layout != cgroups::Layout::None);
}

TEST_CASE("a hierarchy records the cgroup its mount shows as root")
{
    auto host
        = cgroups::classify({MountInfo {"/lxc/c1", "/sys/fs/cgroup/pids", "", "cgroup", "cgroup", "rw,pids"},
            MountInfo {"/", "/sys/fs/cgroup/unified", "", "cgroup2", "cgroup2", "rw"}});
    REQUIRE(host.hierarchies.size() == 2);
    CHECK(host.hierarchies[0].root == "/lxc/c1");
    CHECK(host.hierarchies[1].root == "/");
}
