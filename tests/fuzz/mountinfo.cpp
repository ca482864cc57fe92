// /proc/self/mountinfo as cgroup layout detection reads it: parse_mountinfo, then classify
// (detect_host) and the v1 subsystems of every cgroup mount.
#include "hull/mountinfo.hpp"
#include "fuzz.hpp"
#include "hull/cgroups/host.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    auto mounts = hull::parse_mountinfo(fuzz::text(data, size));
    for (const auto& m : mounts)
        (void)hull::cgroup_v1_subsystems(m.super_options);
    (void)hull::cgroups::classify(mounts);
    return 0;
}
