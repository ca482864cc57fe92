// The "tmpcopyup" mount option (runc's extension, used by Podman and CRI-O): a tmpfs mounted
// over a directory of the image starts with a copy of that directory's contents.
// Runs in the init, before pivot_root; both directories are inside the rootfs, reached by fd.
#include "rootfs/rootfs.hpp"

#include "hull/fd.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace hull::rootfs {

namespace {

Result<void> copy_file(int from_dir, int to_dir, const char* name, const struct stat& st)
{
    UniqueFd in(::openat(from_dir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
    if (!in)
        return Error::from_errno("open", name);
    UniqueFd out(
        ::openat(to_dir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, st.st_mode & 07777));
    if (!out)
        return Error::from_errno("create", name);
    char buf[65536];
    for (;;) {
        ssize_t n = ::read(in.get(), buf, sizeof buf);
        if (n < 0)
            return Error::from_errno("read", name);
        if (n == 0)
            break;
        if (::write(out.get(), buf, static_cast<size_t>(n)) != n)
            return Error::from_errno("write", name);
    }
    return ok();
}

} // namespace

Result<void> copy_tree(int from_dir, int to_dir)
{
    int dup = ::fcntl(from_dir, F_DUPFD_CLOEXEC, 0);
    DIR* dir = dup >= 0 ? ::fdopendir(dup) : nullptr;
    if (!dir) {
        if (dup >= 0)
            ::close(dup);
        return Error::from_errno("opendir", "tmpcopyup source");
    }
    Result<void> result = ok();
    while (struct dirent* e = ::readdir(dir)) {
        std::string_view name = e->d_name;
        if (name == "." || name == "..")
            continue;
        struct stat st;
        if (::fstatat(from_dir, e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
            result = Error::from_errno("stat", e->d_name);
            break;
        }
        if (S_ISDIR(st.st_mode)) {
            if (::mkdirat(to_dir, e->d_name, st.st_mode & 07777) < 0) {
                result = Error::from_errno("mkdir", e->d_name);
                break;
            }
            UniqueFd sub_from(::openat(from_dir, e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
            UniqueFd sub_to(::openat(to_dir, e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
            if (!sub_from || !sub_to) {
                result = Error::from_errno("open", e->d_name);
                break;
            }
            if (result = copy_tree(sub_from.get(), sub_to.get()); !result)
                break;
        } else if (S_ISLNK(st.st_mode)) {
            char target[4096];
            ssize_t n = ::readlinkat(from_dir, e->d_name, target, sizeof target - 1);
            if (n < 0
                || ::symlinkat(std::string(target, static_cast<size_t>(n)).c_str(), to_dir, e->d_name) < 0) {
                result = Error::from_errno("symlink", e->d_name);
                break;
            }
        } else if (S_ISREG(st.st_mode)) {
            if (result = copy_file(from_dir, to_dir, e->d_name, st); !result)
                break;
        } else {
            continue; // devices, fifos and sockets are not copied
        }
        if (::fchownat(to_dir, e->d_name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) < 0) {
            result = Error::from_errno("chown", e->d_name);
            break;
        }
    }
    ::closedir(dir);
    return result;
}

} // namespace hull::rootfs
