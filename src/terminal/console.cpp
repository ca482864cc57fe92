// The container side of a terminal: pty allocation, /dev/console and the controlling terminal.
#include "terminal/console.hpp"

#include <algorithm>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <termios.h>
#include <unistd.h>

namespace hull::terminal {

namespace {

// TTYAUX_MAJOR:2 (ptmx) and the ptmx's inode in every devpts instance (fs/devpts/inode.c).
constexpr unsigned k_ptmx_major = 5;
constexpr unsigned k_ptmx_minor = 2;
constexpr ino_t k_devpts_ptmx_ino = 2;

Result<UniqueFd> open_resolved(
    int dirfd, const std::string& path, int flags, uint64_t resolve, const std::string& what)
{
    struct open_how how = {};
    how.flags = static_cast<uint64_t>(flags | O_CLOEXEC);
    how.resolve = resolve;
    for (int attempt = 0; attempt < 16; ++attempt) {
        long fd = ::syscall(SYS_openat2, dirfd, path.c_str(), &how, sizeof how);
        if (fd >= 0)
            return UniqueFd(static_cast<int>(fd));
        // EAGAIN: a concurrent rename somewhere (RESOLVE_* lookups are retried); EINTR: a signal.
        if (errno != EAGAIN && errno != EINTR)
            break;
    }
    return Error::from_errno("open", what);
}

// "/dev/pts/ptmx" → {"/dev/pts", "ptmx"}.
Result<std::pair<std::string, std::string>> split_path(const std::string& path)
{
    auto slash = path.find_last_of('/');
    std::string dir = slash == std::string::npos ? "." : path.substr(0, slash);
    std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
    if (dir.empty())
        dir = "/";
    if (base.empty() || base == "." || base == "..")
        return Error::message("invalid path " + path);
    return std::pair {dir, base};
}

std::string describe(const struct stat& st)
{
    const char* type = S_ISCHR(st.st_mode) ? "char device"
        : S_ISBLK(st.st_mode)              ? "block device"
        : S_ISREG(st.st_mode)              ? "regular file"
        : S_ISDIR(st.st_mode)              ? "directory"
        : S_ISLNK(st.st_mode)              ? "symlink"
                                           : "special file";
    std::string out = type;
    if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode))
        out += " " + std::to_string(major(st.st_rdev)) + ":" + std::to_string(minor(st.st_rdev));
    return out;
}

// P7: the multiplexer must be char 5:2; under devpts also the instance's own ptmx inode.
Result<struct stat> verify_ptmx(int fd, const std::string& path, bool on_devpts)
{
    struct stat st = {};
    if (::fstat(fd, &st) < 0)
        return Error::from_errno("fstat", path);
    if (!S_ISCHR(st.st_mode) || major(st.st_rdev) != k_ptmx_major || minor(st.st_rdev) != k_ptmx_minor)
        return Error::message("verify " + path + ": not a ptmx device: " + describe(st));
    if (on_devpts) {
        struct statfs fs = {};
        if (::fstatfs(fd, &fs) < 0)
            return Error::from_errno("fstatfs", path);
        if (fs.f_type != DEVPTS_SUPER_MAGIC)
            return Error::message("verify " + path + ": not on a devpts mount");
        if (st.st_ino != k_devpts_ptmx_ino)
            return Error::message("verify " + path + ": wrong ptmx inode " + std::to_string(st.st_ino));
    }
    return st;
}

Result<UniqueFd> open_ptmx(const std::string& path)
{
    auto [dir, base] = TRY(split_path(path));
    UniqueFd dirfd = TRY(open_resolved(AT_FDCWD, dir, O_PATH | O_DIRECTORY, RESOLVE_NO_SYMLINKS, dir));
    struct statfs fs = {};
    if (::fstatfs(dirfd.get(), &fs) < 0)
        return Error::from_errno("fstatfs", dir);
    // No symlink and no mount crossing below the directory: the name is one of its own entries.
    const uint64_t beneath = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_XDEV;
    const int flags = O_RDWR | O_NOCTTY;
    if (fs.f_type == DEVPTS_SUPER_MAGIC) {
        // A devpts directory holds nothing but kernel-made pty nodes: opening is harmless, and
        // the result is then checked to be the instance's ptmx.
        UniqueFd fd = TRY(open_resolved(dirfd.get(), base, flags, beneath, path));
        TRY(verify_ptmx(fd.get(), path, true));
        return fd;
    }
    // Elsewhere (a /dev/ptmx node, possibly bind-mounted where mknod is not allowed) the inode
    // is checked before it is opened, and the opened file must be that same inode.
    const uint64_t no_links = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS;
    UniqueFd handle = TRY(open_resolved(dirfd.get(), base, O_PATH, no_links, path));
    struct stat before = TRY(verify_ptmx(handle.get(), path, false));
    UniqueFd fd = TRY(open_resolved(dirfd.get(), base, flags, no_links, path));
    struct stat after = TRY(verify_ptmx(fd.get(), path, false));
    if (before.st_dev != after.st_dev || before.st_ino != after.st_ino)
        return Error::message("verify " + path + ": replaced while it was being opened");
    return fd;
}

} // namespace

Result<Pty> open_container_pty(const std::optional<oci::ConsoleSize>& size, const std::string& ptmx_path)
{
    Pty pty;
    pty.master_name = ptmx_path.empty() ? k_container_ptmx : ptmx_path;
    auto master = open_ptmx(pty.master_name);
    if (!master && ptmx_path.empty() && master.error().code() == ENOENT) {
        // No devpts at /dev/pts: the legacy node (never a symlink) allocates from the
        // instance mounted beside it, if any.
        auto legacy = open_ptmx(k_legacy_ptmx);
        if (legacy) {
            master = std::move(legacy);
            pty.master_name = k_legacy_ptmx;
        }
    }
    if (!master)
        return std::move(master).error().context("allocate pty");
    pty.master = std::move(master).value();

    int unlock = 0;
    if (::ioctl(pty.master.get(), TIOCSPTLCK, &unlock) < 0)
        return Error::from_errno("unlockpt", pty.master_name).context("allocate pty");
    unsigned number = 0;
    if (::ioctl(pty.master.get(), TIOCGPTN, &number) < 0)
        return Error::from_errno("ptsname", pty.master_name).context("allocate pty");
    pty.slave_name = "/dev/pts/" + std::to_string(number);
    // P12: the peer straight from the master (Linux 4.13), never /dev/pts/N by path.
    int slave = ::ioctl(pty.master.get(), TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (slave < 0)
        return Error::from_errno("ioctl TIOCGPTPEER", pty.master_name).context("allocate pty");
    pty.slave.reset(slave);

    if (size && size->height != 0 && size->width != 0) {
        struct winsize ws = {};
        ws.ws_row = static_cast<unsigned short>(std::min<uint32_t>(size->height, 0xffff));
        ws.ws_col = static_cast<unsigned short>(std::min<uint32_t>(size->width, 0xffff));
        if (::ioctl(pty.master.get(), TIOCSWINSZ, &ws) < 0)
            return Error::from_errno("ioctl TIOCSWINSZ", pty.slave_name).context("set console size");
    }
    return pty;
}

Result<void> give_pty_to(int slave_fd, uid_t uid)
{
    struct stat st = {};
    if (::fstat(slave_fd, &st) < 0)
        return Error::from_errno("fstat", "pty slave");
    if (st.st_uid == uid)
        return ok();
    if (::fchown(slave_fd, uid, st.st_gid) < 0 && errno != EINVAL && errno != EPERM && errno != EROFS)
        return Error::from_errno("chown", "pty slave to uid " + std::to_string(uid));
    return ok();
}

Result<void> mount_console(Sys& sys, int slave_fd, const std::string& dev_dir)
{
    std::string target_path = dev_dir;
    if (target_path.empty() || target_path.back() != '/')
        target_path += '/';
    target_path += "console";
    const std::string what = "mount " + target_path;

    struct stat slave_st = {};
    if (::fstat(slave_fd, &slave_st) < 0)
        return Error::from_errno("fstat", "pty slave").context(what);
    if (!S_ISCHR(slave_st.st_mode))
        return Error::message("the console source is not a character device: " + describe(slave_st))
            .context(what);

    UniqueFd dev = TRY(
        open_resolved(AT_FDCWD, dev_dir, O_PATH | O_DIRECTORY, RESOLVE_NO_SYMLINKS, dev_dir).context(what));
    // P10: an existing entry is opened without following it (a symlink is refused below); a
    // missing one is created exclusively, so nothing that appears meanwhile is reused unchecked.
    UniqueFd target;
    for (int attempt = 0; attempt < 4 && !target; ++attempt) {
        int fd = ::openat(dev.get(), "console", O_PATH | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0 && errno == ENOENT)
            fd = ::openat(dev.get(), "console", O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
        if (fd < 0 && errno != EEXIST)
            return Error::from_errno("open", target_path).context(what);
        target.reset(fd);
    }
    if (!target)
        return Error::from_code(EEXIST, "create", target_path).context(what);
    struct stat st = {};
    if (::fstat(target.get(), &st) < 0)
        return Error::from_errno("fstat", target_path).context(what);
    if (!S_ISREG(st.st_mode) && !S_ISCHR(st.st_mode))
        return Error::message(
            target_path + " must be a regular file or a character device, not a " + describe(st))
            .context(what);

    // The slave's own mount and dentry (it came from TIOCGPTPEER), attached onto the opened
    // target: no path is resolved between the checks and the mount.
    auto tree = sys.open_tree(slave_fd, "", OPEN_TREE_CLONE | AT_EMPTY_PATH);
    if (!tree) {
        if (tree.error().code() != ENOSYS)
            return Error::from_code(tree.error().code(), "open_tree", "pty slave").context(what);
        std::string source = fd_path(slave_fd);
        std::string dest = fd_path(target.get());
        if (auto bound = sys.mount(source, dest, "", MS_BIND, ""); !bound)
            return Error::from_code(bound.error().code(), "bind", target_path).context(what);
        return ok();
    }
    return sys.move_mount(tree.value().get(), target.get(), target_path).context(what);
}

Result<void> make_controlling_terminal(UniqueFd slave)
{
    if (!slave)
        return Error::message("make controlling terminal: no pty slave");
    // A process that already leads its session keeps it (setsid would fail with EPERM).
    if (::getsid(0) != ::getpid() && ::setsid() < 0)
        return Error::from_errno("setsid");
    if (::ioctl(slave.get(), TIOCSCTTY, 0) < 0)
        return Error::from_errno("ioctl TIOCSCTTY");
    for (int target = 0; target <= 2; ++target) {
        if (slave.get() == target) {
            // dup2 onto itself would keep FD_CLOEXEC.
            if (::fcntl(target, F_SETFD, 0) < 0)
                return Error::from_errno("fcntl F_SETFD", std::to_string(target));
        } else if (::dup2(slave.get(), target) < 0) {
            return Error::from_errno("dup2", std::to_string(target));
        }
    }
    if (slave.get() <= 2)
        (void)slave.release();
    return ok();
}

} // namespace hull::terminal
