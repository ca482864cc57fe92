// Steps 1-3 of prepare_rootfs: propagation, the rootfs bind, and each config.json mount as its
// plan says (mount_plan.hpp). Every mount is made detached and attached by fd (detached.hpp); the
// cgroup filesystem is cgroupfs.cpp.
#include "lsm/lsm.hpp"
#include "rootfs/detached.hpp"
#include "rootfs/mount_plan.hpp"
#include "rootfs/resolve.hpp"
#include "rootfs/rootfs.hpp"

#include <climits>
#include <cstdio>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/mount.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace hull::rootfs {

namespace {

// Flags a bind remount must keep: the kernel refuses to clear flags locked by a less
// privileged mount namespace, and runc keeps them too.
unsigned long locked_flags(const std::string& path)
{
    struct statvfs st;
    if (::statvfs(path.c_str(), &st) < 0)
        return 0;
    return st.f_flag & (MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME | MS_NODIRATIME | MS_RELATIME);
}

// P9 (CVE-2019-19921, CVE-2023-27561/28642, youki CVE-2025-54867): proc and sysfs go on an
// ordinary directory. The destination's last component is looked at as it is, never followed,
// before anything resolves it (the parent is resolved in the root); the directory mounted on is
// then opened from that parent with O_NOFOLLOW, so a symlink swapped in meanwhile is refused too.
Result<UniqueFd> ordinary_directory(int root, const oci::Mount& m)
{
    std::string dest = m.destination;
    while (dest.size() > 1 && dest.back() == '/')
        dest.pop_back();
    size_t slash = dest.rfind('/');
    std::string parent_path = slash == std::string::npos || slash == 0 ? "/" : dest.substr(0, slash);
    std::string name = slash == std::string::npos ? dest : dest.substr(slash + 1);
    if (name.empty() || name == "." || name == "..")
        return make_in_root(root, dest, Kind::Directory);
    const std::string refused = "filesystem \"" + m.type + "\" must be mounted on ordinary directory";
    auto parent = TRY(make_in_root(root, parent_path, Kind::Directory));
    struct stat st;
    if (::fstatat(parent.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) {
        if (!S_ISDIR(st.st_mode))
            return Error::message(refused);
    } else if (errno != ENOENT) {
        return Error::from_errno("stat", dest);
    } else if (::mkdirat(parent.get(), name.c_str(), 0755) < 0 && errno != EEXIST) {
        return Error::from_errno("mkdir", dest);
    }
    UniqueFd target(::openat(parent.get(), name.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!target) {
        if (errno == ENOTDIR || errno == ELOOP)
            return Error::message(refused);
        return Error::from_errno("open", dest);
    }
    return target;
}

// Where an opened target really is, as a path inside the rootfs ("/proc/sys"), from the kernel's
// name for the fd (so a destination reaching /proc through a symlink is seen as /proc).
std::string path_in_root(int fd, const std::string& rootfs)
{
    char buf[PATH_MAX];
    ssize_t n = ::readlink(fd_path(fd).c_str(), buf, sizeof buf - 1);
    if (n < 0)
        return {};
    std::string p(buf, static_cast<size_t>(n));
    if (p == rootfs)
        return "/";
    if (p.size() > rootfs.size() && p.compare(0, rootfs.size(), rootfs) == 0 && p[rootfs.size()] == '/')
        return p.substr(rootfs.size());
    return p;
}

// P9 (CVE-2019-16884): on /proc itself only a fresh procfs or a bind of a procfs root; under it
// only the files lxcfs emulates (runc's checkProcMount list). A bind's source is `source` when
// the runtime opened it (sources.hpp), else m.source.
Result<void> check_proc_target(
    int target, const oci::Mount& m, bool bind, const RootfsOptions& opts, int source = -1)
{
    static constexpr const char* kAllowedUnderProc[] = {"/proc/cpuinfo", "/proc/diskstats", "/proc/meminfo",
        "/proc/stat", "/proc/swaps", "/proc/uptime", "/proc/loadavg", "/proc/slabinfo",
        "/proc/sys/kernel/ns_last_pid", "/proc/sys/crypto/fips_enabled"};
    std::string where = path_in_root(target, opts.rootfs);
    if (where == "/proc") {
        if (!bind && m.type == "proc")
            return ok();
        struct statfs fs;
        struct stat st;
        const bool have_source = source >= 0
            ? ::fstatfs(source, &fs) == 0 && ::fstat(source, &st) == 0
            : ::statfs(m.source.c_str(), &fs) == 0 && ::stat(m.source.c_str(), &st) == 0;
        if (bind && have_source && fs.f_type == PROC_SUPER_MAGIC && st.st_ino == 1 /* PROC_ROOT_INO */)
            return ok();
        return Error::message("\"/proc\" cannot be mounted because it is not of type proc");
    }
    if (where.rfind("/proc/", 0) != 0)
        return ok();
    for (const char* allowed : kAllowedUnderProc)
        if (where == allowed)
            return ok();
    return Error::message("\"" + where + "\" cannot be mounted because it is inside /proc");
}

// pivot_root refuses a shared parent mount, and an unbindable one cannot be bound: the mount
// holding the rootfs is made private, or a slave when the config asks for slave propagation
// (in our own mount namespace only). The
// config's propagation is applied to the new "/" after pivot_root.
Result<void> make_parent_mount_private(Sys& sys, const std::string& rootfs, const std::string& propagation)
{
    auto mounts = TRY(read_mountinfo());
    const MountInfo* parent = nullptr;
    for (const auto& m : mounts) {
        const std::string& mp = m.mount_point;
        bool contains = mp == "/" || rootfs == mp
            || (rootfs.compare(0, mp.size(), mp) == 0 && rootfs[mp.size()] == '/');
        if (contains && (!parent || mp.size() >= parent->mount_point.size()))
            parent = &m;
    }
    if (!parent)
        return ok();
    bool shared = parent->optional.find("shared:") != std::string::npos;
    bool unbindable = parent->optional.find("unbindable") != std::string::npos;
    if (!shared && !unbindable)
        return ok();
    // A slave keeps receiving the source's events (rootfsPropagation slave wants a master), and
    // pivot_root accepts it; otherwise private.
    bool slave = shared && (propagation == "slave" || propagation == "rslave" || propagation.empty());
    return sys.mount("", parent->mount_point, "", slave ? MS_SLAVE : MS_PRIVATE, "")
        .context("make the rootfs parent mount private");
}

} // namespace

unsigned long root_propagation(const std::string& value)
{
    if (value == "private")
        return MS_PRIVATE;
    if (value == "rprivate")
        return MS_PRIVATE | MS_REC;
    if (value == "slave")
        return MS_SLAVE;
    if (value == "shared")
        return MS_SHARED;
    if (value == "rshared")
        return MS_SHARED | MS_REC;
    if (value == "unbindable")
        return MS_UNBINDABLE;
    if (value == "runbindable")
        return MS_UNBINDABLE | MS_REC;
    return MS_SLAVE | MS_REC; // "rslave" and the default
}

namespace {

// A bind: the source tree cloned, given its flags while detached, then moved onto the target.
// The source is `source` when the runtime opened it (sources.hpp), else m.source as the init
// resolves it.
Result<UniqueFd> mount_bind(Sys& sys, int root, const MountPlan& plan, const RootfsOptions& opts, int source)
{
    const oci::Mount& m = plan.mount;
    struct stat st;
    if ((source >= 0 ? ::fstat(source, &st) : ::stat(m.source.c_str(), &st)) < 0)
        return Error::from_errno("stat", m.source);
    auto target = TRY(make_in_root(root, m.destination, S_ISDIR(st.st_mode) ? Kind::Directory : Kind::File));
    TRY(check_proc_target(target.get(), m, true, opts, source));
    auto tree = TRY(clone_tree(sys, source >= 0 ? source : AT_FDCWD, source >= 0 ? "" : m.source,
        plan.recursive, plan.flags, m.destination));
    if (!plan.recursive_attr.empty())
        TRY(sys.mount_setattr(tree.get(), true, plan.recursive_attr, m.destination));
    TRY(sys.move_mount(tree.get(), target.get(), m.destination));
    return tree;
}

// What stands in for a filesystem the init may not mount (`failed`, EPERM) because the
// namespace it shows is not the container's (plan.borrow): a read-only bind of the runtime's
// own sysfs or /dev/mqueue, as runc does.
Result<UniqueFd> borrowed_filesystem(Sys& sys, const MountPlan& plan, Error failed)
{
    const std::string& what = plan.mount.destination;
    if (plan.borrow == BorrowOnEperm::HostSysfs) {
        // P14 (CVE-2023-25809): the host's submounts of /sys (its cgroup hierarchies among
        // them) are read-only too, not only the top.
        auto tree = TRY(sys.open_tree(AT_FDCWD, "/sys", OPEN_TREE_CLONE | AT_RECURSIVE));
        TRY(sys.mount_setattr(tree.get(), true,
            {MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC, 0, 0}, what));
        return tree;
    }
    constexpr unsigned long kPerMount = MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC;
    auto tree = clone_tree(sys, AT_FDCWD, "/dev/mqueue", true, plan.flags & kPerMount, what);
    if (!tree)
        return std::move(failed).context("and no /dev/mqueue of the runtime to bind: " + tree.error().text());
    return tree;
}

// runc's tmpfs rule: a tmpfs on a directory that was there takes that directory's mode (with
// its set-id and sticky bits) before the config's options, so a mode= there wins; one on a
// directory made for it keeps tmpfs's own default, 1777.
Result<std::string> tmpfs_data(int target, const oci::Mount& m, const std::string& data)
{
    struct stat st;
    if (::fstat(target, &st) < 0)
        return Error::from_errno("stat", m.destination);
    char mode[16];
    std::snprintf(mode, sizeof mode, "mode=%04o", static_cast<unsigned>(st.st_mode & 07777));
    return data.empty() ? std::string(mode) : std::string(mode) + "," + data;
}

// A new filesystem (proc, sysfs, tmpfs, mqueue, devpts...), made and filled detached, then moved
// onto the target.
Result<UniqueFd> mount_filesystem(Sys& sys, int root, const MountPlan& plan, const RootfsOptions& opts)
{
    const oci::Mount& m = plan.mount;
    const bool tmpfs_on_existing = plan.tmpfs_mode && open_in_root(root, m.destination, O_PATH).ok();
    UniqueFd target;
    if (plan.ordinary_directory)
        target = TRY(ordinary_directory(root, m));
    else
        target = TRY(make_in_root(root, m.destination, Kind::Directory));
    const std::string data = tmpfs_on_existing ? TRY(tmpfs_data(target.get(), m, plan.data)) : plan.data;
    TRY(check_proc_target(target.get(), m, false, opts));
    auto made = new_filesystem(sys, m.type, m.source, plan.flags, data, m.destination);
    const bool borrowed = !made && made.error().code() == EPERM && plan.borrow != BorrowOnEperm::No;
    UniqueFd tree
        = borrowed ? TRY(borrowed_filesystem(sys, plan, std::move(made).error())) : TRY(std::move(made));
    if (!plan.recursive_attr.empty())
        TRY(sys.mount_setattr(tree.get(), true, plan.recursive_attr, m.destination));
    if (plan.relabel_root && !borrowed)
        TRY(lsm::relabel_mount_root(sys, tree.get(), opts.mount_label));
    if (plan.tmpcopyup && !borrowed) {
        // The directory about to be covered is copied into the new filesystem before it covers it.
        UniqueFd from(::openat(target.get(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
        UniqueFd to(::openat(tree.get(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
        if (!from || !to)
            return Error::from_errno("open", m.destination);
        TRY(copy_tree(from.get(), to.get()).context("tmpcopyup"));
    }
    TRY(sys.move_mount(tree.get(), target.get(), m.destination));
    return tree;
}

// An idmapped bind (idmap.hpp): the source tree cloned here, in config order, given its id
// mapping by the runtime, then moved onto the target. The tree's own root tells a file from a
// directory: its source may be out of the container root's reach.
Result<UniqueFd> mount_idmapped(
    Sys& sys, int root, const MountPlan& plan, const RootfsOptions& opts, int source)
{
    const oci::Mount& m = plan.mount;
    if (!opts.idmap_tree)
        return Error::message("no runtime to give the tree its id mapping");
    auto tree = TRY(clone_tree(
        sys, source >= 0 ? source : AT_FDCWD, source >= 0 ? "" : m.source, plan.recursive, 0, m.destination));
    TRY(opts.idmap_tree(plan.index, tree.get()));
    struct stat st;
    if (::fstat(tree.get(), &st) < 0)
        return Error::from_errno("stat", m.source);
    auto target = TRY(make_in_root(root, m.destination, S_ISDIR(st.st_mode) ? Kind::Directory : Kind::File));
    TRY(check_proc_target(target.get(), m, true, opts, tree.get()));
    TRY(sys.move_mount(tree.get(), target.get(), m.destination));
    return tree;
}

// The cgroup filesystem (cgroupfs.cpp) onto its checked target; nothing follows it, so no fd
// of it is kept.
Result<UniqueFd> mount_cgroup(Sys& sys, int root, const MountPlan& plan, const RootfsOptions& opts)
{
    auto target = TRY(make_in_root(root, plan.mount.destination, Kind::Directory));
    TRY(check_proc_target(target.get(), plan.mount, false, opts));
    TRY(mount_cgroupfs(sys, target.get(), plan.mount, plan.flags, opts));
    return UniqueFd();
}

// The planned mount made and attached, its source asked of the runtime first when it opens it.
Result<UniqueFd> make_mount(Sys& sys, int root, const MountPlan& plan, const RootfsOptions& opts)
{
    UniqueFd source;
    if (plan.runtime_source)
        source = TRY(opts.runtime_source(plan.index));
    switch (plan.method) {
    case MountMethod::Bind:
        return mount_bind(sys, root, plan, opts, source.get());
    case MountMethod::IdmappedBind:
        return mount_idmapped(sys, root, plan, opts, source.get());
    case MountMethod::Cgroup:
        return mount_cgroup(sys, root, plan, opts);
    case MountMethod::Filesystem:
        break;
    }
    return mount_filesystem(sys, root, plan, opts);
}

} // namespace

Result<void> apply_mount(
    Sys& sys, int root, const MountPlan& plan, const RootfsOptions& opts, std::vector<ReadonlyLater>& later)
{
    auto mounted = TRY(make_mount(sys, root, plan, opts).context(plan.what));
    // Propagation goes on the attached mount, through the fd that still names it: set on the
    // detached tree it would be judged against the destination's (the kernel refuses to attach
    // an unbindable tree below a shared mount), which mount(2)'s order never asked for.
    for (unsigned long p : plan.propagation)
        TRY(sys.mount_setattr(mounted.get(), (p & MS_REC) != 0,
                   {0, 0, p & ~static_cast<unsigned long>(MS_REC)}, plan.mount.destination)
                .context(plan.what));
    if (plan.readonly_later)
        later.push_back({std::move(mounted), plan.mount.destination});
    return ok();
}

Result<void> prepare_rootfs(Sys& sys, const oci::Spec& spec, const RootfsOptions& opts)
{
    TRY(require_container_mount_namespace(opts));
    std::string propagation = spec.linux ? spec.linux->rootfsPropagation : "";
    // Unbindable is for the finished root (finalize_rootfs): made so now, every host mount would
    // refuse to be bound into the container. Until then such a tree is private.
    unsigned long flags = root_propagation(propagation);
    if (flags & MS_UNBINDABLE)
        flags = (flags & MS_REC) | MS_PRIVATE;
    TRY(sys.mount("", "/", "", flags, "").context("set propagation of /"));
    TRY(make_parent_mount_private(sys, opts.rootfs, propagation));
    TRY(sys.mount(opts.rootfs, opts.rootfs, "", MS_BIND | MS_REC, "").context("bind the rootfs onto itself"));

    UniqueFd root(::open(opts.rootfs.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!root)
        return Error::from_errno("open", opts.rootfs);
    std::vector<ReadonlyLater> later;
    for (size_t i = 0; i < spec.mounts.size(); ++i) {
        auto plan = TRY(plan_mount(spec.mounts[i], i, opts, DeferReadonly::Yes));
        TRY(apply_mount(sys, root.get(), plan, opts, later));
    }
    TRY(setup_dev(sys, root.get(), spec).context("prepare /dev"));
    root.reset();
    // Everything beneath them is made: the read-only mounts that stayed writable for it become
    // read-only, through the fds that still name them.
    for (const auto& [mounted, destination] : later)
        TRY(sys.mount_setattr(mounted.get(), false, {MOUNT_ATTR_RDONLY, 0, 0}, destination)
                .context("make " + destination + " read-only"));

    return ok();
}

Result<void> finalize_rootfs(Sys& sys, const oci::Spec& spec)
{
    UniqueFd newroot(::open("/", O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!newroot)
        return Error::from_errno("open", "/");
    if (spec.linux) {
        for (const auto& p : spec.linux->maskedPaths)
            TRY(mask_path(sys, newroot.get(), p, spec.linux->mountLabel).context("mask " + p));
        for (const auto& p : spec.linux->readonlyPaths)
            TRY(make_readonly(sys, newroot.get(), p).context("make " + p + " read-only"));
    }
    if (spec.root && spec.root->readonly)
        TRY(sys.mount("", "/", "", MS_BIND | MS_REMOUNT | MS_RDONLY | locked_flags("/"), "")
                .context("make the root read-only"));
    if (spec.linux && !spec.linux->rootfsPropagation.empty())
        TRY(sys.mount("", "/", "", root_propagation(spec.linux->rootfsPropagation), "")
                .context("set propagation of /"));
    return ok();
}

} // namespace hull::rootfs
