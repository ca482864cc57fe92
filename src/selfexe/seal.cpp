// The three ways of getting a copy of the hull binary that a container cannot write through
// (see selfexe.hpp), and the checks that tell them apart after the re-exec. Runs in the hull
// CLI process, before the command line is parsed.
#include "selfexe/selfexe.hpp"

#include <cerrno>
#include <fcntl.h>
#include <linux/magic.h>
#include <string>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <unistd.h>

// Linux 6.3; older kernel headers (Debian 12's) lack them.
#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif
#ifndef F_SEAL_EXEC
#define F_SEAL_EXEC 0x0020
#endif

namespace hull::selfexe {

namespace {

constexpr int k_base_seals = F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE;
// Read and execute, never write: a container process without CAP_DAC_OVERRIDE cannot even
// open the copy, and one that runs it (the `#!/proc/self/exe` case) is not dumpable.
constexpr mode_t k_copy_mode = 0511;

// Whether one of two absolute directories is the other or beneath it (overlayfs refuses such
// layers with ELOOP, "overlapping lowerdir path").
bool overlaps(std::string_view a, std::string_view b)
{
    auto within = [](std::string_view path, std::string_view dir) {
        return dir == "/" || path == dir
            || (path.size() > dir.size() && path.starts_with(dir) && path[dir.size()] == '/');
    };
    return within(a, b) || within(b, a);
}

// A layer for the "lowerdir" list: ':' separates layers and '\' escapes (runc escapes the same).
std::string escape_layer(std::string_view path)
{
    std::string out;
    for (char c : path) {
        if (c == '\\' || c == ':')
            out += '\\';
        out += c;
    }
    return out;
}

// The second lower layer: any directory outside the binary's own; it is never looked at
// (the binary's directory is the upper of the two, so a file of the same name there is hidden).
const char* pairing_directory(std::string_view binary_dir)
{
    for (const char* dir : {"/dev", "/run", "/tmp", "/var"}) {
        struct stat st;
        if (!overlaps(binary_dir, dir) && ::stat(dir, &st) == 0 && S_ISDIR(st.st_mode))
            return dir;
    }
    return nullptr;
}

// Copies all of `from` (from offset 0) into `to`, checking the size (runc does the same).
Result<void> copy_binary(int from, int to)
{
    struct stat st;
    if (::fstat(from, &st) < 0)
        return Error::from_errno("fstat", "/proc/self/exe");
    off_t offset = 0;
    while (offset < st.st_size) {
        ssize_t n = ::sendfile(to, from, &offset, static_cast<size_t>(st.st_size - offset));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return Error::from_errno("sendfile", "/proc/self/exe");
        if (n == 0)
            break;
    }
    if (offset != st.st_size)
        return Error::message("copied " + std::to_string(offset) + " of " + std::to_string(st.st_size)
            + " bytes of /proc/self/exe");
    return ok();
}

// One unlinked copy in `dir`: O_TMPFILE, else a classic temporary file unlinked at once.
Result<UniqueFd> tmpfile_in(const char* dir, int exe)
{
    UniqueFd fd(::open(dir, O_TMPFILE | O_RDWR | O_EXCL | O_CLOEXEC, 0700));
    if (!fd) {
        std::string name = std::string(dir) + "/hull-exe.XXXXXX";
        fd.reset(::mkostemp(name.data(), O_CLOEXEC));
        if (!fd)
            return Error::from_errno("mkostemp", name);
        if (::unlink(name.c_str()) < 0)
            return Error::from_errno("unlink", name);
    }
    struct stat st;
    if (::fstat(fd.get(), &st) < 0)
        return Error::from_errno("fstat", dir);
    if (st.st_nlink != 0)
        return Error::message(std::string("the temporary copy in ") + dir + " still has a name");
    TRY(copy_binary(exe, fd.get()).context(std::string("copy into ") + dir));
    if (::fchmod(fd.get(), k_copy_mode) < 0)
        return Error::from_errno("fchmod", dir);
    // execve refuses a file that is open for writing (ETXTBSY): keep only an O_PATH handle.
    UniqueFd path(::open(fd_path(fd.get()).c_str(), O_PATH | O_CLOEXEC));
    if (!path)
        return Error::from_errno("reopen", dir);
    // A noexec mount fails here rather than at execveat, so the next directory can be tried.
    if (::access(fd_path(path.get()).c_str(), X_OK) < 0)
        return Error::from_errno("access X_OK", dir);
    return path;
}

} // namespace

bool is_sealed_memfd(int fd)
{
    int seals = ::fcntl(fd, F_GET_SEALS);
    return seals >= 0 && (seals & k_base_seals) == k_base_seals;
}

bool made_by(Method method, int fd)
{
    switch (method) {
    case Method::Overlay: {
        // A lower-only overlayfs superblock is read-only for good: it has no upper layer that a
        // remount could make writable.
        struct statfs fs;
        return ::fstatfs(fd, &fs) == 0 && fs.f_type == OVERLAYFS_SUPER_MAGIC && (fs.f_flags & ST_RDONLY);
    }
    case Method::Memfd:
        return is_sealed_memfd(fd);
    case Method::Tmpfile: {
        struct stat st;
        return ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_nlink == 0;
    }
    }
    return false;
}

Result<UniqueFd> overlay_copy(int exe, std::string_view exe_path)
{
    if (!exe_path.starts_with('/') || exe_path.ends_with(" (deleted)"))
        return Error::message("no directory holds the binary (\"" + std::string(exe_path) + "\")");
    size_t slash = exe_path.rfind('/');
    std::string dir(slash == 0 ? std::string_view("/") : exe_path.substr(0, slash));
    std::string name(exe_path.substr(slash + 1));
    const char* pair = pairing_directory(dir);
    if (!pair)
        return Error::message("no directory to pair with " + dir + " as a second lower layer");

    UniqueFd ctx(::fsopen("overlay", FSOPEN_CLOEXEC));
    if (!ctx)
        return Error::from_errno("fsopen", "overlay");
    std::string lower = escape_layer(dir) + ":" + escape_layer(pair);
    if (::fsconfig(ctx.get(), FSCONFIG_SET_STRING, "lowerdir", lower.c_str(), 0) < 0)
        return Error::from_errno("fsconfig lowerdir", lower);
    // Keeps the real inode numbers (checked below) and the kernel log free of xino notes.
    (void)::fsconfig(ctx.get(), FSCONFIG_SET_STRING, "xino", "off", 0);
    if (::fsconfig(ctx.get(), FSCONFIG_CMD_CREATE, nullptr, nullptr, 0) < 0)
        return Error::from_errno("create overlay", "lowerdir=" + lower);
    // Detached: the mount is in no mount namespace, so nothing can reach it but the fds.
    UniqueFd mnt(
        ::fsmount(ctx.get(), FSMOUNT_CLOEXEC, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOSUID));
    if (!mnt)
        return Error::from_errno("fsmount", "overlay");
    UniqueFd file(::openat(mnt.get(), name.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
    if (!file)
        return Error::from_errno("openat", "overlay/" + name);

    // The overlay must show the very file this process runs (not a binary put at its path
    // since): same inode number (xino=off keeps it) and size.
    struct stat real, seen;
    if (::fstat(exe, &real) < 0 || ::fstat(file.get(), &seen) < 0)
        return Error::from_errno("fstat", std::string(exe_path));
    if (!S_ISREG(seen.st_mode) || seen.st_ino != real.st_ino || seen.st_size != real.st_size)
        return Error::message("the overlay shows another file than /proc/self/exe at " + name);
    if (!made_by(Method::Overlay, file.get()))
        return Error::message("the overlay is not read-only");
    return file;
}

Result<UniqueFd> memfd_copy(int exe)
{
    constexpr unsigned k_flags = MFD_CLOEXEC | MFD_ALLOW_SEALING;
    // MFD_EXEC (Linux 6.3) keeps the copy executable under vm.memfd_noexec=1; older kernels
    // refuse the flag with EINVAL.
    UniqueFd fd(::memfd_create("hull_cloned", k_flags | MFD_EXEC));
    if (!fd && errno == EINVAL)
        fd.reset(::memfd_create("hull_cloned", k_flags));
    if (!fd)
        return Error::from_errno("memfd_create");
    TRY(copy_binary(exe, fd.get()).context("copy into a memfd"));
    if (::fchmod(fd.get(), k_copy_mode) < 0)
        return Error::from_errno("fchmod", "memfd");
    // F_SEAL_EXEC (Linux 6.3) freezes the mode; older kernels refuse it, which is harmless.
    (void)::fcntl(fd.get(), F_ADD_SEALS, F_SEAL_EXEC);
    if (::fcntl(fd.get(), F_ADD_SEALS, k_base_seals) < 0)
        return Error::from_errno("fcntl F_ADD_SEALS", "memfd");
    return fd;
}

Result<UniqueFd> tmpfile_copy(int exe)
{
    Error last = Error::message("no temporary directory");
    for (const char* dir : {"/run", "/tmp", "/var/tmp", "/dev/shm"}) {
        Result<UniqueFd> copy = tmpfile_in(dir, exe);
        if (copy)
            return copy;
        last = std::move(copy).error();
    }
    return last;
}

} // namespace hull::selfexe
