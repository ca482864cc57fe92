// linux.sysctl, written by the init after pivot_root through the container's own /proc.
#include "rootfs/rootfs.hpp"

#include "hull/fd.hpp"

#include <fcntl.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace hull::rootfs {

Result<void> write_sysctls(Sys&, const std::map<std::string, std::string>& sysctl)
{
    if (sysctl.empty())
        return ok();
    UniqueFd procsys(::open("/proc/sys", O_PATH | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW));
    if (!procsys)
        return Error::from_errno("open", "/proc/sys");
    struct statfs fs;
    if (::fstatfs(procsys.get(), &fs) < 0 || fs.f_type != PROC_SUPER_MAGIC)
        return Error::message("/proc/sys is not on procfs");
    for (const auto& [key, value] : sysctl) {
        // "net.ipv4.ip_forward" -> "net/ipv4/ip_forward", as runc maps keys.
        std::string path = key;
        for (char& c : path)
            if (c == '.')
                c = '/';
        struct open_how how = {};
        how.flags = O_WRONLY | O_CLOEXEC;
        how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV;
        UniqueFd fd(static_cast<int>(::syscall(SYS_openat2, procsys.get(), path.c_str(), &how, sizeof how)));
        if (!fd)
            return Error::from_errno("open sysctl", key);
        if (::fstatfs(fd.get(), &fs) < 0 || fs.f_type != PROC_SUPER_MAGIC)
            return Error::message("sysctl " + key + " is not a procfs file");
        if (::write(fd.get(), value.data(), value.size()) != static_cast<ssize_t>(value.size()))
            return Error::from_errno("write sysctl", key);
    }
    return ok();
}

} // namespace hull::rootfs
