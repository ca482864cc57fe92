// Step 4 of prepare_rootfs: /dev. The default devices every OCI container gets (runtime-spec
// config-linux.md "Default Devices"), linux.devices, the standard symlinks, and the console's
// mount point.
#include "rootfs/resolve.hpp"
#include "rootfs/rootfs.hpp"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

namespace hull::rootfs {

namespace {

struct DefaultDevice {
    const char* name;
    unsigned major, minor;
};

constexpr DefaultDevice kDefaultDevices[] = {
    {"null", 1, 3},
    {"zero", 1, 5},
    {"full", 1, 7},
    {"random", 1, 8},
    {"urandom", 1, 9},
    {"tty", 5, 0},
};

struct Symlink {
    const char* target;
    const char* name;
};

constexpr Symlink kDevSymlinks[] = {
    {"/proc/self/fd", "fd"},
    {"/proc/self/fd/0", "stdin"},
    {"/proc/self/fd/1", "stdout"},
    {"/proc/self/fd/2", "stderr"},
};

bool dev_is_bind_mounted(const oci::Spec& spec)
{
    for (const auto& m : spec.mounts) {
        if (m.destination != "/dev")
            continue;
        if (m.type == "bind")
            return true;
        for (const auto& o : m.options)
            if (o == "bind" || o == "rbind")
                return true;
    }
    return false;
}

mode_t device_type(const std::string& type)
{
    if (type == "b")
        return S_IFBLK;
    if (type == "p")
        return S_IFIFO;
    return S_IFCHR; // "c" and "u"
}

// Creates one device node at `path` (inside the root), replacing nothing: an existing file
// there is an error, as the image must not choose what a device path points to.
Result<void> make_device(Sys& sys, int root, const std::string& path, mode_t type, unsigned major,
    unsigned minor, mode_t perm, uid_t uid, gid_t gid)
{
    auto slash = path.rfind('/');
    std::string dir = path.substr(0, slash == 0 ? 1 : slash);
    std::string name = path.substr(slash + 1);
    auto parent = TRY(make_in_root(root, dir, Kind::Directory));
    // A node the image shipped (or an earlier linux.devices entry) is replaced.
    if (::unlinkat(parent.get(), name.c_str(), 0) < 0 && errno != ENOENT)
        return Error::from_errno("unlink", path);
    auto made = sys.mknodat(parent.get(), name, type | perm, makedev(major, minor));
    if (!made && made.error().code() == EPERM) {
        // In a user namespace mknod is not allowed: bind the host's node of the same path.
        UniqueFd f(
            ::openat(parent.get(), name.c_str(), O_CREAT | O_EXCL | O_NOFOLLOW | O_WRONLY | O_CLOEXEC, 0600));
        if (!f)
            return Error::from_errno("create", path);
        auto target = TRY(open_in_root(root, path, O_PATH));
        return mount_onto(sys, path, target.get(), path, "", MS_BIND, "").context("bind host device " + path);
    }
    TRY(std::move(made));
    // mknod honours the umask; the mode is the config's.
    if (::fchmodat(parent.get(), name.c_str(), perm, 0) < 0)
        return Error::from_errno("chmod", path);
    TRY(sys.fchownat(parent.get(), name, uid, gid, AT_SYMLINK_NOFOLLOW));
    return ok();
}

} // namespace

Result<void> setup_dev(Sys& sys, int root, const oci::Spec& spec)
{
    // With the host's /dev bind-mounted, the devices are the host's: nothing to create.
    if (dev_is_bind_mounted(spec))
        return ok();
    for (const auto& d : kDefaultDevices)
        TRY(make_device(sys, root, std::string("/dev/") + d.name, S_IFCHR, d.major, d.minor, 0666, 0, 0));
    if (spec.linux) {
        for (const auto& d : spec.linux->devices) {
            TRY(make_device(sys, root, d.path, device_type(d.type), static_cast<unsigned>(d.major),
                static_cast<unsigned>(d.minor), static_cast<mode_t>(d.fileMode.value_or(0666) & 07777),
                d.uid.value_or(0), d.gid.value_or(0))
                    .context("device " + d.path));
        }
    }
    auto dev = TRY(make_in_root(root, "/dev", Kind::Directory));
    for (const auto& l : kDevSymlinks) {
        auto r = sys.symlinkat(l.target, dev.get(), l.name);
        if (!r && r.error().code() != EEXIST)
            return r;
    }
    // /dev/ptmx is the devpts instance's own ptmx (newinstance), as runc sets it up.
    struct stat st;
    if (::fstatat(dev.get(), "pts", &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode)) {
        if (::unlinkat(dev.get(), "ptmx", 0) < 0 && errno != ENOENT)
            return Error::from_errno("unlink", "/dev/ptmx");
        TRY(sys.symlinkat("pts/ptmx", dev.get(), "ptmx"));
    }
    // The mount point of /dev/console, made while /dev is still writable: the pty slave is bound
    // onto it after pivot_root (terminal::mount_console), when a read-only /dev is read-only.
    if (spec.process && spec.process->terminal) {
        UniqueFd console(
            ::openat(dev.get(), "console", O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666));
        if (!console && errno != EEXIST)
            return Error::from_errno("create", "/dev/console");
    }
    return ok();
}

} // namespace hull::rootfs
