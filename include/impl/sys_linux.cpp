#include "hull/fd.hpp"
#include "hull/sys.hpp"

#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace hull {

namespace {

Result<void> check(int rc, std::string_view op, std::string_view arg = {})
{
    if (rc < 0)
        return Error::from_errno(op, arg);
    return ok();
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
