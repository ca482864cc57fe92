#include "container/cgroup.hpp"

#include <cstdlib>
#include <unistd.h>

namespace hull::container {

namespace {

std::vector<std::string> split_list(const char* text)
{
    std::vector<std::string> out;
    if (!text)
        return out;
    std::string s = text;
    size_t start = 0;
    while (start <= s.size()) {
        size_t end = s.find(',', start);
        if (end == std::string::npos)
            end = s.size();
        if (end > start)
            out.push_back(s.substr(start, end - start));
        start = end + 1;
    }
    return out;
}

} // namespace

Result<cgroups::CgroupState> resolve_container_cgroup(const oci::Spec& spec, const std::string& id,
    const GlobalOptions& global, const cgroups::HostCgroups& host)
{
    cgroups::PathRequest req;
    req.cgroups_path = spec.linux ? spec.linux->cgroupsPath : "";
    req.id = id;
    req.driver = global.systemd_cgroup ? cgroups::Driver::Systemd : cgroups::Driver::Cgroupfs;
    req.rootless = ::geteuid() != 0;
    req.confine = split_list(::getenv("HULL_CGROUP_CONFINE"));
    auto own = TRY(cgroups::read_own_cgroups());
    return cgroups::resolve_path(req, host, own).context("config.json: /linux/cgroupsPath");
}

Result<std::optional<cgroups::Manager>> container_cgroup(const ContainerRecord& record)
{
    if (!record.cgroup)
        return std::optional<cgroups::Manager>();
    return std::optional<cgroups::Manager>(cgroups::Manager(*record.cgroup));
}

} // namespace hull::container
