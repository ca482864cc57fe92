// Shared vocabulary: the syscall seam.
//
// Sys is the narrow set of effects that plans are applied through (mounts, pivot, hostname,
// devices, labels, id changes, limits). LinuxSys is one thin wrapper per call, each returning a Result
// tagged with the call's name and its path or argument. Unit tests pass a recording fake
// (tests/unit/fake_sys.hpp) and assert the exact calls; clone, exec and wait are not faked:
// integration tests cover them against the real kernel.
//
// Sys is passed explicitly (`Sys& sys` as the first parameter), never chosen by build mode.
#pragma once

#include "hull/error.hpp"
#include "hull/fd.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <sys/resource.h>
#include <sys/types.h>
#include <vector>

namespace hull {

// mount_setattr(2)'s attributes: MOUNT_ATTR_* to set and to clear, a propagation type
// (MS_SHARED, MS_SLAVE, MS_PRIVATE or MS_UNBINDABLE; 0 leaves it alone), and with
// MOUNT_ATTR_IDMAP the user namespace (an fd) whose mappings the mount takes.
struct MountAttr {
    uint64_t set = 0;
    uint64_t clr = 0;
    uint64_t propagation = 0;
    int userns_fd = -1;
    bool empty() const { return set == 0 && clr == 0 && propagation == 0; }
};

class Sys {
public:
    virtual ~Sys() = default;

    virtual Result<void> mount(const std::string& source, const std::string& target,
        const std::string& fstype, unsigned long flags, const std::string& data)
        = 0;
    virtual Result<void> umount2(const std::string& target, int flags) = 0;
    // The new mount API: a mount is made detached (a clone of a tree, or a new filesystem),
    // given its attributes through its fd and attached onto an O_PATH target fd, so no path is
    // resolved again between the check of a target and the mount (security.md P6). `what` is
    // the mount's destination as the user wrote it, for errors.
    virtual Result<UniqueFd> open_tree(int dirfd, const std::string& path, unsigned flags) = 0;
    virtual Result<void> mount_setattr(int fd, bool recursive, const MountAttr& attr, const std::string& what)
        = 0;
    virtual Result<void> move_mount(int from_fd, int to_fd, const std::string& what) = 0;
    virtual Result<UniqueFd> fsopen(const std::string& fstype) = 0;
    // FSCONFIG_SET_STRING key=value, or FSCONFIG_SET_FLAG key without a value.
    virtual Result<void> fsconfig_set(
        int fs_fd, const std::string& key, const std::optional<std::string>& value)
        = 0;
    virtual Result<void> fsconfig_create(int fs_fd, const std::string& what) = 0; // FSCONFIG_CMD_CREATE
    virtual Result<UniqueFd> fsmount(int fs_fd, uint64_t attr_flags, const std::string& what) = 0;
    virtual Result<void> pivot_root(const std::string& new_root, const std::string& put_old) = 0;
    virtual Result<void> chdir(const std::string& path) = 0;
    virtual Result<void> fchdir(int fd) = 0;
    virtual Result<void> chroot(const std::string& path) = 0;
    // An extended attribute of an open file (security.selinux of a mount's root).
    virtual Result<void> fsetxattr(int fd, const std::string& name, std::string_view value) = 0;

    virtual Result<void> sethostname(std::string_view name) = 0;
    virtual Result<void> setdomainname(std::string_view name) = 0;

    virtual Result<void> mkdirat(int dirfd, const std::string& path, mode_t mode) = 0;
    virtual Result<void> mknodat(int dirfd, const std::string& path, mode_t mode, dev_t dev) = 0;
    virtual Result<void> symlinkat(const std::string& target, int dirfd, const std::string& path) = 0;
    virtual Result<void> fchownat(int dirfd, const std::string& path, uid_t uid, gid_t gid, int flags) = 0;
    // Opens `path` under `dirfd` for writing (no create, no truncate semantics beyond O_TRUNC)
    // and writes `data` in one write(2), as procfs and cgroupfs expect.
    virtual Result<void> write_file_at(int dirfd, const std::string& path, std::string_view data) = 0;

    virtual Result<void> setns(int fd, int nstype) = 0;
    virtual Result<void> unshare(int flags) = 0;

    virtual Result<void> setgroups(const std::vector<gid_t>& groups) = 0;
    virtual Result<void> setresgid(gid_t gid) = 0;
    virtual Result<void> setresuid(uid_t uid) = 0;
    virtual Result<void> setrlimit(int resource, const struct rlimit& limit) = 0;
    virtual Result<void> prctl(int option, unsigned long arg2) = 0;
};

// The real kernel.
class LinuxSys final : public Sys {
public:
    Result<void> mount(const std::string& source, const std::string& target, const std::string& fstype,
        unsigned long flags, const std::string& data) override;
    Result<void> umount2(const std::string& target, int flags) override;
    Result<UniqueFd> open_tree(int dirfd, const std::string& path, unsigned flags) override;
    Result<void> mount_setattr(
        int fd, bool recursive, const MountAttr& attr, const std::string& what) override;
    Result<void> move_mount(int from_fd, int to_fd, const std::string& what) override;
    Result<UniqueFd> fsopen(const std::string& fstype) override;
    Result<void> fsconfig_set(
        int fs_fd, const std::string& key, const std::optional<std::string>& value) override;
    Result<void> fsconfig_create(int fs_fd, const std::string& what) override;
    Result<UniqueFd> fsmount(int fs_fd, uint64_t attr_flags, const std::string& what) override;
    Result<void> pivot_root(const std::string& new_root, const std::string& put_old) override;
    Result<void> chdir(const std::string& path) override;
    Result<void> fchdir(int fd) override;
    Result<void> chroot(const std::string& path) override;
    Result<void> fsetxattr(int fd, const std::string& name, std::string_view value) override;
    Result<void> sethostname(std::string_view name) override;
    Result<void> setdomainname(std::string_view name) override;
    Result<void> mkdirat(int dirfd, const std::string& path, mode_t mode) override;
    Result<void> mknodat(int dirfd, const std::string& path, mode_t mode, dev_t dev) override;
    Result<void> symlinkat(const std::string& target, int dirfd, const std::string& path) override;
    Result<void> fchownat(int dirfd, const std::string& path, uid_t uid, gid_t gid, int flags) override;
    Result<void> write_file_at(int dirfd, const std::string& path, std::string_view data) override;
    Result<void> setns(int fd, int nstype) override;
    Result<void> unshare(int flags) override;
    Result<void> setgroups(const std::vector<gid_t>& groups) override;
    Result<void> setresgid(gid_t gid) override;
    Result<void> setresuid(uid_t uid) override;
    Result<void> setrlimit(int resource, const struct rlimit& limit) override;
    Result<void> prctl(int option, unsigned long arg2) override;
};

} // namespace hull
