#include "hull/cgroups/host.hpp"

namespace hull::cgroups {

namespace {

constexpr std::string_view kCgroupRoot = "/sys/fs/cgroup";

} // namespace

const char* to_string(Layout layout)
{
    switch (layout) {
    case Layout::None:
        return "none";
    case Layout::V1:
        return "v1";
    case Layout::Hybrid:
        return "hybrid";
    case Layout::V2:
        return "v2";
    }
    return "none";
}

HostCgroups classify(const std::vector<MountInfo>& mounts)
{
    HostCgroups host;
    bool v1 = false, unified = false;
    for (const auto& m : mounts) {
        if (m.fstype != "cgroup" && m.fstype != "cgroup2")
            continue;
        bool v2 = m.fstype == "cgroup2";
        if (v2 && m.mount_point == kCgroupRoot) {
            host.layout = Layout::V2;
            host.hierarchies = {Hierarchy {m.mount_point, true, {}, m.root.empty() ? "/" : m.root}};
            return host;
        }
        auto slash = m.mount_point.rfind('/');
        if (slash != kCgroupRoot.size() || m.mount_point.compare(0, slash, kCgroupRoot) != 0)
            continue;
        Hierarchy h {m.mount_point, v2,
            v2 ? std::vector<std::string> {} : cgroup_v1_subsystems(m.super_options),
            m.root.empty() ? "/" : m.root};
        (v2 ? unified : v1) = true;
        host.hierarchies.push_back(std::move(h));
    }
    host.layout = v1 ? (unified ? Layout::Hybrid : Layout::V1) : Layout::None;
    return host;
}

Result<HostCgroups> detect_host()
{
    auto mounts = TRY(read_mountinfo());
    return classify(mounts);
}

} // namespace hull::cgroups
