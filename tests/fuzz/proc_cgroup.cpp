// /proc/self/cgroup as create reads it (read_own_cgroups), then where the container's cgroup goes
// from there: own_directory and resolve_path for a relative and an absolute cgroupsPath on a
// hybrid host, the layout of the machines hull is built on.
#include "fuzz.hpp"
#include "hull/cgroups/path.hpp"

namespace {

hull::cgroups::HostCgroups hybrid_host()
{
    hull::cgroups::HostCgroups host;
    host.layout = hull::cgroups::Layout::Hybrid;
    host.hierarchies = {
        {"/sys/fs/cgroup/cpu,cpuacct", false, {"cpu", "cpuacct"}, "/"},
        {"/sys/fs/cgroup/memory", false, {"memory"}, "/"},
        {"/sys/fs/cgroup/pids", false, {"pids"}, "/process_api"},
        {"/sys/fs/cgroup/systemd", false, {"name=systemd"}, "/"},
        {"/sys/fs/cgroup/unified", true, {}, "/"},
    };
    return host;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    static const hull::cgroups::HostCgroups host = hybrid_host();
    auto own = hull::cgroups::parse_proc_cgroup(fuzz::text(data, size));
    for (const auto& h : host.hierarchies)
        (void)hull::cgroups::own_directory(h, own);
    for (const char* path : {"", "/fuzz/box", "sub/box"}) {
        hull::cgroups::PathRequest request;
        request.cgroups_path = path;
        request.id = "box";
        request.confine = {"memory"};
        if (auto state = hull::cgroups::resolve_path(request, host, own))
            fuzz::check(hull::cgroups::state_from_json(hull::cgroups::state_to_json(state.value())).ok());
    }
    return 0;
}
