// The cgroup filesystem as the container sees it (a config.json mount of type "cgroup").
//
// With a cgroup namespace of its own the container gets new mounts of every hierarchy, which
// show the namespace's root: its own cgroup. Without one, a new mount would show the host's
// whole hierarchy (every other container's cgroup, the root's "a *:* rwm" devices.list, and
// cgroup.procs files that move a process out of its limits), so the init's own cgroup directory
// of each hierarchy is bound instead, as runc does (mountCgroupV1/mountCgroupV2): the
// container reads its own memory.limit_in_bytes, pids.max and devices.list where an image
// expects them. Which directory is the init's own comes from /proc/self/cgroup, read once it
// is placed in its cgroups and before a cgroup namespace would make the paths relative.
//
// Layouts: on a cgroup2 host the mount is cgroup2 itself; on a v1 or hybrid host a tmpfs holds
// one mount per hierarchy (cgroup2 at "unified" on a hybrid host), and a co-mounted hierarchy
// ("cpu,cpuacct") is reachable under each controller's name through a symlink.
//
// P14 (CVE-2023-25809): with "ro" in the options every mount here is read-only, the tmpfs too.
// Everything is made detached and attached by fd (detached.hpp), and the tmpfs is filled
// through its own fd.
#include "lsm/lsm.hpp"
#include "rootfs/detached.hpp"
#include "rootfs/resolve.hpp"
#include "rootfs/rootfs.hpp"

#include "hull/cgroups/host.hpp"
#include "hull/cgroups/path.hpp"

#include <fcntl.h>
#include <linux/mount.h>
#include <sys/mount.h>

namespace hull::rootfs {

namespace {

// The init's own cgroup directory of `h`, cloned (with whatever is mounted below it).
Result<UniqueFd> own_tree(Sys& sys, const cgroups::Hierarchy& h, const cgroups::OwnCgroups& own,
    unsigned long flags, const std::string& what)
{
    std::string dir = cgroups::own_directory(h, own);
    if (dir.empty())
        return Error::message("no cgroup of the init in the hierarchy at " + h.mount_point);
    return clone_tree(sys, AT_FDCWD, dir, true, flags, what);
}

// The mount for hierarchy `h` in a v1 layout, detached.
Result<UniqueFd> hierarchy_tree(Sys& sys, const cgroups::Hierarchy& h, const cgroups::OwnCgroups& own,
    unsigned long flags, const RootfsOptions& opts, const std::string& what)
{
    if (!opts.new_cgroup_ns)
        return own_tree(sys, h, own, flags, what);
    if (h.v2)
        return new_filesystem(sys, "cgroup2", "cgroup2", flags, "", what);
    std::string data;
    for (const auto& s : h.subsystems)
        data += (data.empty() ? "" : ",") + s;
    // The superblock is the host's hierarchy: read-only is set on this mount alone.
    auto tree
        = new_filesystem(sys, "cgroup", "cgroup", flags & ~static_cast<unsigned long>(MS_RDONLY), data, what);
    // cgroup v1 cannot be mounted from a user namespace: the init's own cgroup of that
    // hierarchy is bound from the host instead, as runc does.
    if (!tree && tree.error().code() == EPERM)
        return own_tree(sys, h, own, flags, what);
    if (tree && (flags & MS_RDONLY))
        TRY(sys.mount_setattr(tree.value().get(), false, {MOUNT_ATTR_RDONLY, 0, 0}, what));
    return tree;
}

// A co-mounted hierarchy ("cpu,cpuacct") reachable under each controller's name.
Result<void> link_controllers(Sys& sys, int base, const std::string& name)
{
    if (name.find(',') == std::string::npos)
        return ok();
    size_t start = 0;
    while (start < name.size()) {
        size_t comma = name.find(',', start);
        std::string link = name.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
        auto r = sys.symlinkat(name, base, link);
        if (!r && r.error().code() != EEXIST)
            return r;
        start = comma == std::string::npos ? name.size() : comma + 1;
    }
    return ok();
}

} // namespace

Result<void> mount_cgroupfs(
    Sys& sys, int target, const oci::Mount& m, unsigned long mount_flags, const RootfsOptions& opts)
{
    cgroups::HostCgroups host = opts.host_cgroups ? *opts.host_cgroups : TRY(cgroups::detect_host());
    cgroups::OwnCgroups own = opts.own_cgroups ? *opts.own_cgroups : TRY(cgroups::read_own_cgroups());
    const std::string& what = m.destination;
    if (host.layout == cgroups::Layout::V2) {
        if (host.hierarchies.empty())
            return Error::message("no cgroup2 mount on the host");
        UniqueFd tree;
        if (opts.new_cgroup_ns) {
            tree = TRY(new_filesystem(sys, "cgroup2", "cgroup2", mount_flags, "", what));
        } else {
            tree = TRY(own_tree(sys, host.hierarchies.front(), own, mount_flags, what));
            // Whatever is mounted below the bound directory is read-only too.
            if (mount_flags & MS_RDONLY)
                TRY(sys.mount_setattr(tree.get(), true, {MOUNT_ATTR_RDONLY, 0, 0}, what));
        }
        return sys.move_mount(tree.get(), target, what);
    }
    unsigned long flags = mount_flags & ~static_cast<unsigned long>(MS_RDONLY);
    // The tmpfs is filled through its own fd once attached, and made read-only last.
    auto base = TRY(new_filesystem(sys, "tmpfs", "tmpfs", flags,
        lsm::format_mount_data("mode=755", opts.mount_label, "tmpfs", flags), what));
    TRY(sys.move_mount(base.get(), target, what));
    for (const auto& h : host.hierarchies) {
        std::string name = h.mount_point.substr(h.mount_point.rfind('/') + 1);
        std::string dest = m.destination + "/" + name;
        auto made = sys.mkdirat(base.get(), name, 0755);
        if (!made && made.error().code() != EEXIST)
            return made;
        UniqueFd sub(::openat(base.get(), name.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
        if (!sub)
            return Error::from_errno("open", dest);
        auto tree = TRY(hierarchy_tree(sys, h, own, mount_flags, opts, dest));
        TRY(sys.move_mount(tree.get(), sub.get(), dest));
        TRY(link_controllers(sys, base.get(), name));
    }
    if (mount_flags & MS_RDONLY)
        TRY(sys.mount_setattr(base.get(), false, {MOUNT_ATTR_RDONLY, 0, 0}, what));
    return ok();
}

} // namespace hull::rootfs
