// Shared vocabulary: the syscall seam.
//
// Sys is the narrow set of effects that plans are applied through (mounts, pivot, hostname,
// devices, id changes, limits). LinuxSys is one thin wrapper per call, each returning a Result
// tagged with the call's name and its path or argument. Unit tests pass a recording fake
// (tests/unit/fake_sys.hpp) and assert the exact calls; clone, exec and wait are not faked:
// integration tests cover them against the real kernel.
//
// Sys is passed explicitly (`Sys& sys` as the first parameter), never chosen by build mode.
#pragma once

#include "hull/error.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <sys/resource.h>
#include <sys/types.h>
#include <vector>

namespace hull {

class Sys {
public:
    virtual ~Sys() = default;

    virtual Result<void> mount(const std::string& source, const std::string& target,
        const std::string& fstype, unsigned long flags, const std::string& data)
        = 0;
    virtual Result<void> umount2(const std::string& target, int flags) = 0;
    virtual Result<void> pivot_root(const std::string& new_root, const std::string& put_old) = 0;
    virtual Result<void> chdir(const std::string& path) = 0;
    virtual Result<void> fchdir(int fd) = 0;
    virtual Result<void> chroot(const std::string& path) = 0;

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
    Result<void> pivot_root(const std::string& new_root, const std::string& put_old) override;
    Result<void> chdir(const std::string& path) override;
    Result<void> fchdir(int fd) override;
    Result<void> chroot(const std::string& path) override;
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
