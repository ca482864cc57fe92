// The host's cgroup layout, read from mountinfo: pure v2 (cgroup2 at /sys/fs/cgroup),
// hybrid (v1 controllers plus cgroup2 at /sys/fs/cgroup/unified, as on the development and
// CI machines) or pure v1. The container's cgroup filesystem mirrors it, `hull features` and
// `hull --version` report it, and the manager (manager.hpp) places container cgroups by it.
#pragma once

#include "hull/error.hpp"
#include "hull/mountinfo.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace hull::cgroups {

enum class Layout { None, V1, Hybrid, V2 };
const char* to_string(Layout layout);

struct Hierarchy {
    std::string mount_point; // /sys/fs/cgroup/memory, /sys/fs/cgroup/unified, ...
    bool v2 = false; // cgroup2
    std::vector<std::string> subsystems; // v1 controllers and "name=X"; empty for v2
    std::string root = "/"; // the cgroup this mount shows as its root (mountinfo field 4)
};

struct HostCgroups {
    Layout layout = Layout::None;
    std::vector<Hierarchy> hierarchies; // those mounted directly under /sys/fs/cgroup
};

HostCgroups classify(const std::vector<MountInfo>& mounts);
Result<HostCgroups> detect_host();

} // namespace hull::cgroups
