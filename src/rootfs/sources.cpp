#include "rootfs/sources.hpp"

#include "rootfs/resolve.hpp"

#include "hull/oci/mount_options.hpp"

#include <fcntl.h>

namespace hull::rootfs {

std::vector<size_t> sources_opened_by_runtime(const oci::Spec& spec, bool runtime_reaches_more)
{
    std::vector<size_t> out;
    if (!runtime_reaches_more)
        return out;
    for (size_t i = 0; i < spec.mounts.size(); ++i) {
        const auto& m = spec.mounts[i];
        auto mf = oci::parse_mount_options(m.options);
        const bool bind = m.type == "bind" || (mf.ok() && mf.value().bind);
        if (bind && m.type != "cgroup")
            out.push_back(i);
    }
    return out;
}

Result<UniqueFd> open_source_for_init(pid_t init, const std::string& bundle, const oci::Mount& m)
{
    const std::string root_link = "/proc/" + std::to_string(init) + "/root";
    UniqueFd root(::open(root_link.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!root)
        return Error::from_errno("open", root_link).context("mount source " + m.source);
    const std::string path = !m.source.empty() && m.source[0] == '/' ? m.source : bundle + "/" + m.source;
    auto source = open_in_root(root.get(), path, O_PATH);
    if (!source)
        return Error::from_code(source.error().code(), "open", m.source);
    return source;
}

} // namespace hull::rootfs
