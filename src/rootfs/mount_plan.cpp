// The plan of one config.json mount (mount_plan.hpp): pure, from the entry and the options.
#include "rootfs/mount_plan.hpp"

#include "lsm/lsm.hpp"
#include "rootfs/idmap.hpp"
#include "rootfs/resolve.hpp"

#include "hull/oci/mount_options.hpp"

#include <algorithm>
#include <linux/mount.h>
#include <sys/mount.h>

namespace hull::rootfs {

namespace {

// A read-only mount that stays writable until the end of prepare_rootfs, so that the mount
// points of later mounts, /dev's nodes and links and /dev/console can be made inside it (runc
// defers tmpfs and /dev alike). Binds elsewhere are read-only at once: what would be made in
// them is the host's source directory. The pseudo filesystems take no new entries anyway.
bool read_only_later(const oci::Mount& m, const oci::MountFlags& mf, bool bind)
{
    std::string dest = m.destination;
    while (dest.size() > 1 && dest.back() == '/')
        dest.pop_back();
    if (bind)
        return dest == "/dev" && (mf.flags & MS_RDONLY);
    if (!(mf.flags & MS_RDONLY) && !(mf.attr_set & MOUNT_ATTR_RDONLY))
        return false;
    static constexpr const char* kPseudo[] = {"proc", "sysfs", "mqueue", "devpts", "cgroup2"};
    for (const char* type : kPseudo)
        if (m.type == type)
            return dest == "/dev";
    return true;
}

bool runtime_opens_source(const RootfsOptions& opts, size_t index)
{
    return opts.runtime_source && opts.runtime_sources
        && std::binary_search(opts.runtime_sources->begin(), opts.runtime_sources->end(), index);
}

// A new filesystem: its parameters, how its target is checked, what follows it.
void plan_filesystem(MountPlan& plan, const oci::MountFlags& mf, const RootfsOptions& opts)
{
    const std::string& type = plan.mount.type;
    plan.data = lsm::format_mount_data(mf.data, opts.mount_label, type, plan.flags);
    plan.tmpfs_mode = type == "tmpfs";
    plan.ordinary_directory = type == "proc" || type == "sysfs";
    plan.relabel_root = type == "mqueue" && !opts.mount_label.empty();
    plan.tmpcopyup = mf.tmpcopyup;
    if (type == "sysfs" && !opts.new_network_ns)
        plan.borrow = BorrowOnEperm::HostSysfs;
    else if (type == "mqueue" && !opts.new_ipc_ns)
        plan.borrow = BorrowOnEperm::HostMqueue;
}

} // namespace

Result<MountPlan> plan_mount(
    const oci::Mount& m, size_t index, const RootfsOptions& opts, DeferReadonly defer)
{
    MountPlan plan;
    plan.index = index;
    plan.what = "mount " + m.destination;
    plan.mount = m;
    plan.mount.destination = lexically_in_root(opts.rootfs, m.destination);
    plan.runtime_source = runtime_opens_source(opts, index);
    auto mf = TRY(oci::parse_mount_options(m.options));
    const bool bind = mf.bind || m.type == "bind";

    // The runtime gives an idmapped tree its flags with its mapping (IdmapPlan); here it is only
    // cloned and attached.
    if (wants_idmap(m)) {
        plan.method = MountMethod::IdmappedBind;
        plan.recursive = mf.recursive;
        return plan;
    }
    // The cgroup filesystem takes its flags as parsed and nothing else (cgroupfs.cpp).
    if (m.type == "cgroup") {
        plan.method = MountMethod::Cgroup;
        plan.flags = mf.flags;
        return plan;
    }
    plan.readonly_later = defer == DeferReadonly::Yes && read_only_later(plan.mount, mf, bind);
    if (plan.readonly_later) {
        mf.flags &= ~static_cast<unsigned long>(MS_RDONLY);
        mf.attr_set &= ~static_cast<uint64_t>(MOUNT_ATTR_RDONLY);
    }
    plan.recursive_attr = {mf.attr_set, mf.attr_clr, 0};
    plan.propagation = mf.propagation;
    if (bind) {
        plan.method = MountMethod::Bind;
        plan.recursive = mf.recursive;
        plan.flags = mf.flags & ~static_cast<unsigned long>(MS_BIND | MS_REC);
        return plan;
    }
    plan.method = MountMethod::Filesystem;
    plan.flags = mf.flags;
    plan_filesystem(plan, mf, opts);
    return plan;
}

} // namespace hull::rootfs
