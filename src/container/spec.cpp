// `spec`: writes runc's default config.json (or the rootless variant) into the bundle.
#include "container/verbs.hpp"
#include "hull/cgroups/host.hpp"
#include "hull/fd.hpp"
#include "hull/oci/parse.hpp"

#include <fcntl.h>
#include <unistd.h>

namespace hull::container {

Result<int> spec(const GlobalOptions&, const SpecOptions& opts)
{
    std::string dir = opts.bundle.empty() ? "." : opts.bundle;
    std::string path = dir + "/config.json";
    oci::Spec spec = opts.rootless ? oci::rootless_spec() : oci::default_spec();
    // runc's example asks for a cgroup namespace only on a pure cgroup v2 host; on v1 and hybrid
    // hosts engines and scripts expect exec'd processes to see their full cgroup paths.
    auto host = cgroups::detect_host();
    if (!host || host.value().layout != cgroups::Layout::V2)
        std::erase_if(spec.linux->namespaces,
            [](const oci::Namespace& ns) { return ns.type == oci::NamespaceType::Cgroup; });
    std::string text = oci::to_json(spec);
    UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0666));
    if (!fd) {
        if (errno == EEXIST)
            return Error::message("File config.json exists. Remove it first");
        return Error::from_errno("create", path);
    }
    if (::write(fd.get(), text.data(), text.size()) != static_cast<ssize_t>(text.size()))
        return Error::from_errno("write", path);
    TRY(fd.close().context(path));
    return 0;
}

} // namespace hull::container
