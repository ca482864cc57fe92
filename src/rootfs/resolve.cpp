#include "rootfs/resolve.hpp"

#include "cli/flags.hpp"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace hull::rootfs {

namespace {

std::string strip_leading_slashes(const std::string& path)
{
    size_t i = 0;
    while (i < path.size() && path[i] == '/')
        ++i;
    std::string out = path.substr(i);
    return out.empty() ? "." : out;
}

} // namespace

std::string lexically_in_root(const std::string& rootfs, const std::string& destination)
{
    if (rootfs.empty() || rootfs[0] != '/' || destination.empty() || destination[0] != '/')
        return destination;
    const std::string root = cli::clean_path(rootfs);
    const std::string dest = cli::clean_path(destination);
    if (root == "/")
        return destination;
    if (dest == root)
        return "/";
    if (dest.size() > root.size() && dest.compare(0, root.size(), root) == 0 && dest[root.size()] == '/')
        return dest.substr(root.size());
    return destination;
}

Result<void> mount_onto(Sys& sys, const std::string& source, int target, const std::string& path,
    const std::string& fstype, unsigned long flags, const std::string& data)
{
    auto r = sys.mount(source, fd_path(target), fstype, flags, data);
    if (!r)
        return Error::from_code(r.error().code(), "mount", path);
    return ok();
}

Result<UniqueFd> open_in_root(int root, const std::string& path, int flags)
{
    struct open_how how = {};
    how.flags = static_cast<uint64_t>(flags | O_CLOEXEC);
    how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
    std::string rel = strip_leading_slashes(path);
    for (int attempt = 0; attempt < 16; ++attempt) {
        long fd = ::syscall(SYS_openat2, root, rel.c_str(), &how, sizeof how);
        if (fd >= 0)
            return UniqueFd(static_cast<int>(fd));
        // EAGAIN: a concurrent rename anywhere on the system; EINTR: a signal. Both are retried.
        if (errno != EAGAIN && errno != EINTR)
            break;
    }
    return Error::from_errno("open", path);
}

Result<UniqueFd> open_regular_in_root(int root, const std::string& path, int flags)
{
    auto handle = TRY(open_in_root(root, path, O_PATH));
    struct stat before, after;
    if (::fstat(handle.get(), &before) < 0)
        return Error::from_errno("fstat", path);
    if (!S_ISREG(before.st_mode))
        return Error::message(path + " is not a regular file");
    UniqueFd fd(::open(fd_path(handle.get()).c_str(), flags | O_NOCTTY | O_CLOEXEC));
    if (!fd)
        return Error::from_errno("open", path);
    if (::fstat(fd.get(), &after) < 0)
        return Error::from_errno("fstat", path);
    if (after.st_dev != before.st_dev || after.st_ino != before.st_ino)
        return Error::message(path + " changed while it was opened");
    return fd;
}

namespace {

// Linux's own limit on symlinks followed in one lookup.
constexpr int kMaxSymlinks = 40;

Result<UniqueFd> make_in_root_depth(int root, const std::string& path, Kind kind, int depth)
{
    if (depth > kMaxSymlinks)
        return Error::from_code(ELOOP, "mkdir", path);
    std::string rel = strip_leading_slashes(path);
    // Walk the components; each existing prefix is re-resolved in the root, so a symlink among
    // them is followed inside the container and never outside.
    size_t pos = 0;
    std::string prefix;
    UniqueFd parent(::fcntl(root, F_DUPFD_CLOEXEC, 0));
    if (!parent)
        return Error::from_errno("dup", "rootfs");
    while (pos <= rel.size()) {
        size_t slash = rel.find('/', pos);
        bool last = slash == std::string::npos;
        std::string name = rel.substr(pos, last ? std::string::npos : slash - pos);
        pos = last ? rel.size() + 1 : slash + 1;
        if (name.empty() || name == ".")
            continue;
        std::string parent_path = prefix;
        prefix += (prefix.empty() ? "" : "/") + name;
        auto existing = open_in_root(root, prefix, O_PATH);
        if (existing.ok()) {
            parent = std::move(existing.value());
            continue;
        }
        if (existing.error().code() != ENOENT)
            return std::move(existing).error();
        Kind want = last ? kind : Kind::Directory;
        char link[4096];
        ssize_t n = ::readlinkat(parent.get(), name.c_str(), link, sizeof link - 1);
        if (n >= 0) {
            // A dangling symlink: create what it points to, inside the root.
            std::string target(link, static_cast<size_t>(n));
            std::string resolved = target[0] == '/' ? target : parent_path + "/" + target;
            TRY(make_in_root_depth(root, resolved, want, depth + 1));
        } else if (want == Kind::File) {
            UniqueFd f(::openat(
                parent.get(), name.c_str(), O_CREAT | O_EXCL | O_NOFOLLOW | O_WRONLY | O_CLOEXEC, 0644));
            if (!f && errno != EEXIST)
                return Error::from_errno("create", path);
        } else if (::mkdirat(parent.get(), name.c_str(), 0755) < 0 && errno != EEXIST) {
            return Error::from_errno("mkdir", "/" + prefix);
        }
        parent = TRY(open_in_root(root, prefix, O_PATH));
    }
    return parent;
}

} // namespace

Result<UniqueFd> make_in_root(int root, const std::string& path, Kind kind)
{
    return make_in_root_depth(root, path, kind, 0);
}

} // namespace hull::rootfs
