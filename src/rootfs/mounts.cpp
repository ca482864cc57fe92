// Steps 1-3 of prepare_rootfs: propagation, the rootfs bind, and each config.json mount.
#include "lsm/lsm.hpp"
#include "rootfs/idmap.hpp"
#include "rootfs/resolve.hpp"
#include "rootfs/rootfs.hpp"

#include "hull/cgroups/host.hpp"
#include "hull/oci/mount_options.hpp"

#include <climits>
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

Result<void> set_recursive_attrs(int fd, uint64_t set, uint64_t clr, const std::string& dest)
{
    if (set == 0 && clr == 0)
        return ok();
    struct mount_attr attr = {};
    attr.attr_set = set;
    attr.attr_clr = clr;
    if (::syscall(SYS_mount_setattr, fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof attr) < 0)
        return Error::from_errno("mount_setattr", dest);
    return ok();
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
// only the files lxcfs emulates (runc's checkProcMount list).
Result<void> check_proc_target(int target, const oci::Mount& m, bool bind, const RootfsOptions& opts)
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
        if (bind && ::statfs(m.source.c_str(), &fs) == 0 && fs.f_type == PROC_SUPER_MAGIC
            && ::stat(m.source.c_str(), &st) == 0 && st.st_ino == 1 /* PROC_ROOT_INO */)
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

// The init's cgroup in the v1 hierarchy holding `subsystems`, from /proc/self/cgroup.
std::string own_cgroup_path(const std::vector<std::string>& subsystems)
{
    auto text = read_file("/proc/self/cgroup");
    if (!text || subsystems.empty())
        return "/";
    std::string_view all = text.value();
    size_t start = 0;
    while (start < all.size()) {
        size_t end = all.find('\n', start);
        std::string_view line
            = all.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
        start = end == std::string_view::npos ? all.size() : end + 1;
        // "hierarchy-id:controller,list:/path"
        size_t c1 = line.find(':'), c2 = line.find(':', c1 + 1);
        if (c1 == std::string_view::npos || c2 == std::string_view::npos)
            continue;
        std::string_view controllers = line.substr(c1 + 1, c2 - c1 - 1);
        if (controllers.find(subsystems.front()) != std::string_view::npos)
            return std::string(line.substr(c2 + 1));
    }
    return "/";
}

// The cgroup filesystem as the container sees it. On a cgroup2 host: cgroup2 itself. On a v1
// or hybrid host: a tmpfs holding one mount per hierarchy the host has (and cgroup2 at
// "unified"), as runc does. With a new cgroup namespace each shows the namespace's root;
// without one, the init's own cgroup directories are bind-mounted from the host.
Result<void> mount_cgroup(
    Sys& sys, int root, const oci::Mount& m, const oci::MountFlags& mf, const RootfsOptions& opts)
{
    cgroups::HostCgroups host = opts.host_cgroups ? *opts.host_cgroups : TRY(cgroups::detect_host());
    unsigned long flags = mf.flags & ~static_cast<unsigned long>(MS_RDONLY);
    auto target = TRY(make_in_root(root, m.destination, Kind::Directory));
    TRY(check_proc_target(target.get(), m, false, opts));
    if (host.layout == cgroups::Layout::V2) {
        if (opts.new_cgroup_ns)
            return sys.mount("cgroup2", fd_path(target.get()), "cgroup2", mf.flags, "");
        TRY(sys.mount("/sys/fs/cgroup", fd_path(target.get()), "", MS_BIND | MS_REC, ""));
        // P14 (CVE-2023-25809): the host's hierarchy is read-only, submounts included, when the
        // config says ro.
        if (mf.flags & MS_RDONLY) {
            auto mounted = TRY(open_in_root(root, m.destination, O_PATH | O_DIRECTORY));
            TRY(set_recursive_attrs(mounted.get(), MOUNT_ATTR_RDONLY, 0, m.destination));
        }
        return ok();
    }
    TRY(sys.mount("tmpfs", fd_path(target.get()), "tmpfs", flags,
        lsm::format_mount_data("mode=755", opts.mount_label, "tmpfs", flags)));
    auto base = TRY(open_in_root(root, m.destination, O_PATH | O_DIRECTORY));
    for (const auto& h : host.hierarchies) {
        std::string name = h.mount_point.substr(h.mount_point.rfind('/') + 1);
        std::string dest = m.destination + "/" + name;
        auto sub = TRY(make_in_root(root, dest, Kind::Directory));
        if (!opts.new_cgroup_ns) {
            TRY(sys.mount(h.mount_point, fd_path(sub.get()), "", MS_BIND | MS_REC, ""));
        } else if (h.v2) {
            TRY(sys.mount("cgroup2", fd_path(sub.get()), "cgroup2", flags, ""));
        } else {
            std::string data;
            for (const auto& s : h.subsystems)
                data += (data.empty() ? "" : ",") + s;
            auto r = sys.mount("cgroup", fd_path(sub.get()), "cgroup", flags, data);
            // cgroup v1 cannot be mounted from a user namespace: bind the init's own cgroup of
            // that hierarchy from the host instead, as runc does.
            if (!r && r.error().code() == EPERM)
                r = sys.mount(h.mount_point + own_cgroup_path(h.subsystems), fd_path(sub.get()), "",
                    MS_BIND | MS_REC, "");
            TRY(std::move(r));
        }
        // A co-mounted hierarchy ("cpu,cpuacct") is reachable under each controller's name.
        if (name.find(',') != std::string::npos) {
            size_t start = 0;
            while (start < name.size()) {
                size_t comma = name.find(',', start);
                std::string link
                    = name.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
                auto r = sys.symlinkat(name, base.get(), link);
                if (!r && r.error().code() != EEXIST)
                    return r;
                start = comma == std::string::npos ? name.size() : comma + 1;
            }
        }
        if (mf.flags & MS_RDONLY) {
            auto mounted = TRY(open_in_root(root, dest, O_PATH | O_DIRECTORY));
            TRY(sys.mount("", fd_path(mounted.get()), "", MS_BIND | MS_REMOUNT | MS_RDONLY | flags, ""));
        }
    }
    if (mf.flags & MS_RDONLY)
        TRY(sys.mount("", fd_path(base.get()), "", MS_REMOUNT | MS_RDONLY | flags, "mode=755"));
    return ok();
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

Result<void> mount_entry(Sys& sys, int root, const oci::Mount& m, const RootfsOptions& opts)
{
    auto mf = TRY(oci::parse_mount_options(m.options));
    bool bind = mf.bind || m.type == "bind";
    std::string what = "mount " + m.destination;

    if (m.type == "cgroup")
        return mount_cgroup(sys, root, m, mf, opts).context(what);

    UniqueFd target;
    if (bind) {
        struct stat st;
        if (::stat(m.source.c_str(), &st) < 0)
            return Error::from_errno("stat", m.source).context(what);
        Kind kind = S_ISDIR(st.st_mode) ? Kind::Directory : Kind::File;
        target = TRY(make_in_root(root, m.destination, kind).context(what));
        TRY(check_proc_target(target.get(), m, true, opts).context(what));
        unsigned long bflags = MS_BIND | (mf.recursive ? MS_REC : 0);
        TRY(sys.mount(m.source, fd_path(target.get()), "", bflags, "").context(what));
        // A bind mount takes no other flags: they need a remount of the new mount.
        unsigned long extra = mf.flags & ~static_cast<unsigned long>(MS_BIND | MS_REC);
        if (extra != 0) {
            auto mounted = TRY(open_in_root(root, m.destination, O_PATH).context(what));
            std::string p = fd_path(mounted.get());
            TRY(sys.mount("", p, "", extra | MS_BIND | MS_REMOUNT | locked_flags(p), "").context(what));
        }
    } else {
        if (m.type == "proc" || m.type == "sysfs")
            target = TRY(ordinary_directory(root, m).context(what));
        else
            target = TRY(make_in_root(root, m.destination, Kind::Directory).context(what));
        TRY(check_proc_target(target.get(), m, false, opts).context(what));
        // tmpcopyup: keep a handle on the directory about to be covered, to copy from.
        UniqueFd covered;
        if (mf.tmpcopyup) {
            covered.reset(::openat(target.get(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
            if (!covered)
                return Error::from_errno("open", m.destination).context(what);
        }
        auto r = sys.mount(m.source, fd_path(target.get()), m.type, mf.flags,
            lsm::format_mount_data(mf.data, opts.mount_label, m.type, mf.flags));
        if (r && m.type == "mqueue" && !opts.mount_label.empty()) {
            auto mounted = TRY(open_in_root(root, m.destination, O_PATH | O_DIRECTORY).context(what));
            r = lsm::relabel_mount_root(mounted.get(), opts.mount_label);
        }
        if (r && covered) {
            auto mounted = TRY(open_in_root(root, m.destination, O_RDONLY | O_DIRECTORY).context(what));
            TRY(copy_tree(covered.get(), mounted.get()).context(what + ": tmpcopyup"));
        }

        if (!r && m.type == "sysfs" && r.error().code() == EPERM && !opts.new_network_ns) {
            // sysfs shows the mounter's network namespace; without our own, bind the host's.
            TRY(sys.mount("/sys", fd_path(target.get()), "", MS_BIND | MS_REC, "").context(what));
            auto mounted = TRY(open_in_root(root, m.destination, O_PATH).context(what));
            TRY(sys.mount("", fd_path(mounted.get()), "",
                       MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "")
                    .context(what));
            // P14 (CVE-2023-25809): the host's submounts of /sys (its cgroup hierarchies among
            // them) are read-only too, not only the top.
            TRY(set_recursive_attrs(mounted.get(),
                MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC, 0,
                m.destination)
                    .context(what));
        } else if (!r && m.type == "mqueue" && r.error().code() == EPERM && !opts.new_ipc_ns) {
            // mqueue shows the mounter's ipc namespace, which a user namespace cannot mount
            // unless it owns it: bind the runtime's /dev/mqueue, as runc does.
            if (auto bound = sys.mount("/dev/mqueue", fd_path(target.get()), "", MS_BIND | MS_REC, "");
                !bound)
                return std::move(r).context(
                    what + " (and no /dev/mqueue of the runtime to bind: " + bound.error().text() + ")");
            auto mounted = TRY(open_in_root(root, m.destination, O_PATH).context(what));
            std::string p = fd_path(mounted.get());
            constexpr unsigned long kPerMount = MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC;
            TRY(sys.mount("", p, "", MS_BIND | MS_REMOUNT | (mf.flags & kPerMount) | locked_flags(p), "")
                    .context(what));
        } else if (!r) {
            return std::move(r).context(what);
        }
    }

    if (!mf.propagation.empty() || mf.attr_set || mf.attr_clr) {
        auto mounted = TRY(open_in_root(root, m.destination, O_PATH).context(what));
        for (unsigned long p : mf.propagation)
            TRY(sys.mount("", fd_path(mounted.get()), "", p, "").context(what));
        TRY(set_recursive_attrs(mounted.get(), mf.attr_set, mf.attr_clr, m.destination));
    }
    return ok();
}

Result<void> prepare_rootfs(Sys& sys, const oci::Spec& spec, const RootfsOptions& opts)
{
    std::string propagation = spec.linux ? spec.linux->rootfsPropagation : "";
    TRY(sys.mount("", "/", "", root_propagation(propagation), "").context("set propagation of /"));
    TRY(make_parent_mount_private(sys, opts.rootfs, propagation));
    TRY(sys.mount(opts.rootfs, opts.rootfs, "", MS_BIND | MS_REC, "").context("bind the rootfs onto itself"));

    UniqueFd root(::open(opts.rootfs.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!root)
        return Error::from_errno("open", opts.rootfs);
    for (size_t i = 0; i < spec.mounts.size(); ++i) {
        const auto& m = spec.mounts[i];
        if (opts.idmapped_trees && opts.idmapped_trees->count(i)) {
            struct stat st;
            if (::stat(m.source.c_str(), &st) < 0)
                return Error::from_errno("stat", m.source).context("mount " + m.destination);
            auto target = TRY(
                make_in_root(root.get(), m.destination, S_ISDIR(st.st_mode) ? Kind::Directory : Kind::File));
            TRY(check_proc_target(target.get(), m, true, opts).context("mount " + m.destination));
            int tree = opts.idmapped_trees->at(i).get();
            TRY(attach_tree(tree, target.get(), m.destination));
            // P3 (CVE-2024-21626): nothing of the runtime's stays open in the init. This copy of
            // the tree's fd is the init's own (inherited at clone; the runtime closes its copy);
            // the init never returns to the map's owner, so closing it here is final.
            ::close(tree);
            continue;
        }
        TRY(mount_entry(sys, root.get(), m, opts));
    }
    TRY(setup_dev(sys, root.get(), spec).context("prepare /dev"));
    root.reset();

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
