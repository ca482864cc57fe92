#include "hull/fd.hpp"
#include "hull/sys.hpp"

#include <cerrno>
#include <fcntl.h>
#include <grp.h>
#include <linux/mount.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

namespace hull {

namespace {

Result<void> check(int rc, std::string_view op, std::string_view arg = {})
{
    if (rc < 0)
        return Error::from_errno(op, arg);
    return ok();
}

// The kernel's own words on a failed fsconfig/fsmount ("e tmpfs: Bad value for 'size'"),
// read from the filesystem context's log; empty when it said nothing.
std::string fs_log(int fs_fd)
{
    std::string out;
    char buf[256];
    ssize_t n;
    while ((n = ::read(fs_fd, buf, sizeof buf)) > 0) {
        std::string_view line(buf, static_cast<size_t>(n));
        if (line.size() > 2 && line[1] == ' ')
            line.remove_prefix(2);
        out += (out.empty() ? "" : "; ") + std::string(line);
    }
    return out;
}

Result<void> fs_check(int rc, int fs_fd, std::string_view op, const std::string& arg)
{
    if (rc >= 0)
        return ok();
    int code = errno;
    std::string log = fs_log(fs_fd);
    return Error::from_code(code, op, log.empty() ? arg : arg + " (" + log + ")");
}

} // namespace

Result<void> LinuxSys::mount(const std::string& source, const std::string& target, const std::string& fstype,
    unsigned long flags, const std::string& data)
{
    int rc = ::mount(source.empty() ? nullptr : source.c_str(), target.c_str(),
        fstype.empty() ? nullptr : fstype.c_str(), flags, data.empty() ? nullptr : data.c_str());
    return check(rc, "mount", target);
}

Result<void> LinuxSys::umount2(const std::string& target, int flags)
{
    return check(::umount2(target.c_str(), flags), "umount2", target);
}

Result<UniqueFd> LinuxSys::open_tree(int dirfd, const std::string& path, unsigned flags)
{
    UniqueFd fd(static_cast<int>(::syscall(SYS_open_tree, dirfd, path.c_str(), flags | OPEN_TREE_CLOEXEC)));
    if (!fd)
        return Error::from_errno("open_tree", path);
    return fd;
}

Result<void> LinuxSys::mount_setattr(int fd, bool recursive, const MountAttr& attr, const std::string& what)
{
    struct mount_attr a = {};
    a.attr_set = attr.set;
    a.attr_clr = attr.clr;
    a.propagation = attr.propagation;
    a.userns_fd = attr.userns_fd < 0 ? 0 : static_cast<uint64_t>(attr.userns_fd);
    unsigned flags = AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0);
    // An idmapping fails for reasons of its own (the filesystem, the namespace): errors say so.
    std::string_view op = (attr.set & MOUNT_ATTR_IDMAP) ? "mount_setattr MOUNT_ATTR_IDMAP" : "mount_setattr";
    return check(static_cast<int>(::syscall(SYS_mount_setattr, fd, "", flags, &a, sizeof a)), op, what);
}

Result<void> LinuxSys::move_mount(int from_fd, int to_fd, const std::string& what)
{
    return check(static_cast<int>(::syscall(SYS_move_mount, from_fd, "", to_fd, "",
                     MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH)),
        "move_mount", what);
}

Result<UniqueFd> LinuxSys::fsopen(const std::string& fstype)
{
    UniqueFd fd(static_cast<int>(::syscall(SYS_fsopen, fstype.c_str(), FSOPEN_CLOEXEC)));
    if (!fd)
        return Error::from_errno("fsopen", fstype);
    return fd;
}

Result<void> LinuxSys::fsconfig_set(
    int fs_fd, const std::string& key, const std::optional<std::string>& value)
{
    int rc = value
        ? static_cast<int>(
            ::syscall(SYS_fsconfig, fs_fd, FSCONFIG_SET_STRING, key.c_str(), value->c_str(), 0))
        : static_cast<int>(::syscall(SYS_fsconfig, fs_fd, FSCONFIG_SET_FLAG, key.c_str(), nullptr, 0));
    return fs_check(rc, fs_fd, "fsconfig", value ? key + "=" + *value : key);
}

Result<void> LinuxSys::fsconfig_create(int fs_fd, const std::string& what)
{
    return fs_check(
        static_cast<int>(::syscall(SYS_fsconfig, fs_fd, FSCONFIG_CMD_CREATE, nullptr, nullptr, 0)), fs_fd,
        "fsconfig create", what);
}

Result<UniqueFd> LinuxSys::fsmount(int fs_fd, uint64_t attr_flags, const std::string& what)
{
    UniqueFd fd(static_cast<int>(::syscall(SYS_fsmount, fs_fd, FSMOUNT_CLOEXEC, attr_flags)));
    if (!fd)
        return fs_check(-1, fs_fd, "fsmount", what).error();
    return fd;
}

Result<void> LinuxSys::pivot_root(const std::string& new_root, const std::string& put_old)
{
    return check(static_cast<int>(::syscall(SYS_pivot_root, new_root.c_str(), put_old.c_str())), "pivot_root",
        new_root);
}

Result<void> LinuxSys::chdir(const std::string& path)
{
    return check(::chdir(path.c_str()), "chdir", path);
}

Result<void> LinuxSys::fchdir(int fd)
{
    return check(::fchdir(fd), "fchdir");
}

Result<void> LinuxSys::chroot(const std::string& path)
{
    return check(::chroot(path.c_str()), "chroot", path);
}

Result<void> LinuxSys::fsetxattr(int fd, const std::string& name, std::string_view value)
{
    int rc;
    do
        rc = ::fsetxattr(fd, name.c_str(), value.data(), value.size(), 0);
    while (rc < 0 && errno == EINTR);
    return check(rc, "setxattr", name);
}

Result<void> LinuxSys::sethostname(std::string_view name)
{
    return check(::sethostname(name.data(), name.size()), "sethostname", name);
}

Result<void> LinuxSys::setdomainname(std::string_view name)
{
    return check(::setdomainname(name.data(), name.size()), "setdomainname", name);
}

Result<void> LinuxSys::mkdirat(int dirfd, const std::string& path, mode_t mode)
{
    return check(::mkdirat(dirfd, path.c_str(), mode), "mkdirat", path);
}

Result<void> LinuxSys::mknodat(int dirfd, const std::string& path, mode_t mode, dev_t dev)
{
    return check(::mknodat(dirfd, path.c_str(), mode, dev), "mknodat", path);
}

Result<void> LinuxSys::symlinkat(const std::string& target, int dirfd, const std::string& path)
{
    return check(::symlinkat(target.c_str(), dirfd, path.c_str()), "symlinkat", path);
}

Result<void> LinuxSys::fchownat(int dirfd, const std::string& path, uid_t uid, gid_t gid, int flags)
{
    return check(::fchownat(dirfd, path.c_str(), uid, gid, flags), "fchownat", path);
}

Result<void> LinuxSys::write_file_at(int dirfd, const std::string& path, std::string_view data)
{
    UniqueFd fd(::openat(dirfd, path.c_str(), O_WRONLY | O_CLOEXEC | O_NOFOLLOW));
    if (!fd)
        return Error::from_errno("open", path);
    ssize_t n = ::write(fd.get(), data.data(), data.size());
    if (n < 0)
        return Error::from_errno("write", path);
    if (static_cast<size_t>(n) != data.size())
        return Error::from_code(EIO, "short write", path);
    return fd.close().context("close " + path);
}

Result<void> LinuxSys::setns(int fd, int nstype)
{
    return check(::setns(fd, nstype), "setns");
}

Result<void> LinuxSys::unshare(int flags)
{
    return check(::unshare(flags), "unshare");
}

Result<void> LinuxSys::setgroups(const std::vector<gid_t>& groups)
{
    return check(::setgroups(groups.size(), groups.data()), "setgroups");
}

Result<void> LinuxSys::setresgid(gid_t gid)
{
    return check(::setresgid(gid, gid, gid), "setresgid", std::to_string(gid));
}

Result<void> LinuxSys::setresuid(uid_t uid)
{
    return check(::setresuid(uid, uid, uid), "setresuid", std::to_string(uid));
}

Result<void> LinuxSys::setrlimit(int resource, const struct rlimit& limit)
{
    return check(
        ::setrlimit(static_cast<__rlimit_resource>(resource), &limit), "setrlimit", std::to_string(resource));
}

Result<void> LinuxSys::prctl(int option, unsigned long arg2)
{
    return check(::prctl(option, arg2, 0, 0, 0), "prctl", std::to_string(option));
}

} // namespace hull
