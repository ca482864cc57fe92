#include "container/load.hpp"

#include "hull/fd.hpp"
#include "hull/oci/id.hpp"
#include "hull/oci/parse.hpp"

#include <unistd.h>

namespace hull::container {

std::string state_root(const GlobalOptions& global)
{
    return global.root.empty() ? default_state_root() : global.root;
}

Result<Loaded> load_container(const GlobalOptions& global, const std::string& id, Lock lock)
{
    TRY(oci::validate_container_id(id));
    std::string root = state_root(global);
    auto dir
        = TRY(lock == Lock::Exclusive ? StateDir::open_locked(root, id) : StateDir::open_unlocked(root, id));
    return load_record(std::move(dir));
}

Result<Loaded> load_record(StateDir dir)
{
    auto record = TRY(dir.read_record());
    Status status = derive_status(record, dir);
    return Loaded {std::move(dir), std::move(record), status};
}

Result<BundleConfig> read_bundle_config(const std::string& bundle)
{
    BundleConfig c;
    c.text = TRY(read_file(bundle + "/config.json"));
    c.spec = TRY(oci::parse_config(c.text));
    return c;
}

std::string absolute_path(const std::string& path)
{
    if (!path.empty() && path[0] == '/')
        return path;
    char buf[4096];
    if (!::getcwd(buf, sizeof buf))
        return path;
    std::string cwd = buf;
    if (path.empty() || path == ".")
        return cwd;
    return cwd + "/" + path;
}

} // namespace hull::container
