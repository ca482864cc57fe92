// Steps 5-6 of prepare_rootfs: entering the rootfs, then masked and read-only paths.
#include "lsm/lsm.hpp"
#include "rootfs/resolve.hpp"
#include "rootfs/rootfs.hpp"

#include "hull/mountinfo.hpp"

#include <fcntl.h>
#include <linux/magic.h>
#include <linux/mount.h>
#include <linux/openat2.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

namespace hull::rootfs {

namespace {

// The kernel lets a user namespace mount a fresh procfs or sysfs only when the mount namespace
// already holds a fully visible instance of it (mount_too_revealing). After MS_MOVE and chroot
// the old root's /proc and /sys stay in the container's mount namespace, unmasked, so a process
// with CAP_SYS_ADMIN could mount a bare procfs from a nested user namespace. Every whole-
// filesystem procfs and sysfs mount outside the rootfs is detached, or covered with a tmpfs
// where it cannot be detached (a locked mount, in a user namespace).
Result<void> hide_host_pseudo_filesystems(Sys& sys, const std::string& rootfs)
{
    auto mounts = TRY(read_mountinfo());
    for (const auto& m : mounts) {
        const std::string& mp = m.mount_point;
        if (m.root != "/" || (m.fstype != "proc" && m.fstype != "sysfs"))
            continue;
        if (mp == rootfs || (mp.compare(0, rootfs.size(), rootfs) == 0 && mp[rootfs.size()] == '/'))
            continue;
        // Keep the unmount from propagating to the host's mounts.
        auto slave = sys.mount("", mp, "", MS_SLAVE | MS_REC, "");
        if (!slave && slave.error().code() == ENOENT)
            continue; // beneath a mount already detached
        if (!slave)
            return std::move(slave).error().context("hide the host's " + m.fstype + " at " + mp);
        auto gone = sys.umount2(mp, MNT_DETACH);
        if (gone)
            continue;
        if (gone.error().code() != EINVAL && gone.error().code() != EPERM)
            return std::move(gone).error().context("hide the host's " + m.fstype + " at " + mp);
        TRY(sys.mount("tmpfs", mp, "tmpfs", 0, "").context("cover the host's " + m.fstype + " at " + mp));
    }
    return ok();
}

} // namespace

Result<void> require_container_mount_namespace(const RootfsOptions& opts)
{
    auto own = TRY(ns::own_namespace_id(oci::NamespaceType::Mount));
    if (opts.runtime_mount_ns == ns::NamespaceId {} || own == opts.runtime_mount_ns)
        return Error::from_code(EPERM, "set up the root filesystem:",
            "not in a mount namespace of the container's own (hull never mounts in the runtime's)");
    return ok();
}

Result<void> chroot_into_rootfs(Sys& sys, const std::string& rootfs)
{
    TRY(sys.chdir(rootfs));
    TRY(sys.chroot("."));
    return sys.chdir("/");
}

Result<void> pivot_into_rootfs(Sys& sys, const RootfsOptions& opts)
{
    TRY(require_container_mount_namespace(opts));
    if (opts.no_pivot) {
        // For hosts whose root is an initramfs (pivot_root refuses it): move the rootfs over
        // "/" and chroot. The old root stays reachable to a process that can escape a chroot,
        // which is why this is opt-in; its procfs and sysfs mounts are hidden first.
        TRY(hide_host_pseudo_filesystems(sys, opts.rootfs));
        TRY(sys.chdir(opts.rootfs));
        TRY(sys.mount(opts.rootfs, "/", "", MS_MOVE, "").context("move the rootfs to /"));
        TRY(sys.chroot("."));
        return sys.chdir("/");
    }
    // pivot_root(".", ".") stacks the old root on top of the new one; unmounting "." then
    // detaches the old root without needing a directory for it inside the rootfs.
    UniqueFd oldroot(::open("/", O_DIRECTORY | O_RDONLY | O_CLOEXEC));
    if (!oldroot)
        return Error::from_errno("open", "/");
    TRY(sys.chdir(opts.rootfs));
    TRY(sys.pivot_root(".", "."));
    TRY(sys.fchdir(oldroot.get()));
    // Keep the unmount from propagating to the host's mounts.
    TRY(sys.mount("", ".", "", MS_SLAVE | MS_REC, "").context("make the old root a slave"));
    TRY(sys.umount2(".", MNT_DETACH).context("detach the old root"));
    return sys.chdir("/");
}

namespace {

// crun CVE-2026-115521: after pivot_root, mount(2) resolves "/proc/self/fd/N" (fd_path) in the
// container's root, where the image decides what /proc holds unless a procfs is mounted there.
// Before a mask or a read-only remount is handed such a path, /proc must be the root of a procfs
// (no symlink on the way) and self/fd must be procfs's own directory, reached without crossing
// a mount; otherwise the mount would land wherever a fake /proc/self/fd/N points.
Result<void> verify_proc_fd_paths()
{
    struct open_how how = {};
    how.flags = O_PATH | O_DIRECTORY | O_CLOEXEC;
    how.resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
    UniqueFd proc(static_cast<int>(::syscall(SYS_openat2, AT_FDCWD, "/proc", &how, sizeof how)));
    if (!proc)
        return Error::from_errno("open", "/proc").context("the container's procfs, needed to mount by fd");
    struct statfs fs;
    struct stat st;
    if (::fstatfs(proc.get(), &fs) < 0 || fs.f_type != PROC_SUPER_MAGIC || ::fstat(proc.get(), &st) < 0
        || st.st_ino != 1 /* PROC_ROOT_INO */)
        return Error::message("/proc is not the root of a procfs mount (needed to mount by fd)");
    how.resolve = RESOLVE_BENEATH | RESOLVE_NO_XDEV | RESOLVE_NO_MAGICLINKS;
    UniqueFd fds(static_cast<int>(::syscall(SYS_openat2, proc.get(), "self/fd", &how, sizeof how)));
    if (!fds)
        return Error::from_errno("open", "/proc/self/fd")
            .context("the container's procfs, needed to mount by fd");
    if (::fstatfs(fds.get(), &fs) < 0 || fs.f_type != PROC_SUPER_MAGIC)
        return Error::message("/proc/self/fd is not on procfs (needed to mount by fd)");
    return ok();
}

} // namespace

Result<void> mask_path(Sys& sys, int root, const std::string& path, std::string_view mount_label)
{
    auto target = open_in_root(root, path, O_PATH);
    if (!target) {
        if (target.error().code() == ENOENT)
            return ok(); // nothing to hide
        return std::move(target).error();
    }
    struct stat st;
    if (::fstat(target.value().get(), &st) < 0)
        return Error::from_errno("stat", path);
    TRY(verify_proc_fd_paths());
    if (S_ISDIR(st.st_mode))
        return mount_onto(sys, "tmpfs", target.value().get(), path, "tmpfs", MS_RDONLY,
            lsm::format_mount_data("", mount_label, "tmpfs", MS_RDONLY));
    // P7: /dev/null must be the real one (char 1:3), not a file the image planted.
    auto null = TRY(open_in_root(root, "/dev/null", O_PATH));
    struct stat nst;
    if (::fstat(null.get(), &nst) < 0)
        return Error::from_errno("stat", "/dev/null");
    if (!S_ISCHR(nst.st_mode) || major(nst.st_rdev) != 1 || minor(nst.st_rdev) != 3)
        return Error::message("/dev/null is not the null device (char 1:3)");
    return mount_onto(sys, fd_path(null.get()), target.value().get(), path, "", MS_BIND, "");
}

Result<void> make_readonly(Sys& sys, int root, const std::string& path)
{
    auto target = open_in_root(root, path, O_PATH);
    if (!target) {
        if (target.error().code() == ENOENT)
            return ok();
        return std::move(target).error();
    }
    // P6: the bind of the path onto itself is cloned from the opened target, made read-only
    // while detached and attached onto that same fd; no path (and no /proc) is resolved again.
    int fd = target.value().get();
    auto tree = TRY(sys.open_tree(fd, "", OPEN_TREE_CLONE | AT_RECURSIVE | AT_EMPTY_PATH));
    TRY(sys.mount_setattr(tree.get(), false, {MOUNT_ATTR_RDONLY, 0, 0}, path));
    return sys.move_mount(tree.get(), fd, path);
}

} // namespace hull::rootfs
