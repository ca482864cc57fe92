// A recording Sys for unit tests: every call is appended to `calls` as text, and the call
// numbered `fail_at` (0-based) fails with `fail_errno`. Effects on the filesystem that a
// test wants to observe (mkdirat, symlinkat) are performed for real under the test's
// temporary directory; mounts and id changes are only recorded. A detached mount (open_tree,
// fsmount) is a fresh empty temporary directory, removed with the FakeSys, so the steps that
// fill a new mount (the cgroup tmpfs) have somewhere harmless to work.
#pragma once

#include "hull/sys.hpp"

#include <cstdlib>
#include <fcntl.h>
#include <string>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

namespace hull::test {

class FakeSys final : public Sys {
public:
    std::vector<std::string> calls;
    int fail_at = -1;
    int fail_errno = EPERM;

    FakeSys() = default;
    FakeSys(const FakeSys&) = delete;
    FakeSys& operator=(const FakeSys&) = delete;
    ~FakeSys() override
    {
        for (const auto& d : m_detached)
            std::system(("rm -rf " + d).c_str());
    }

    // Only the calls whose text starts with `prefix`.
    std::vector<std::string> calls_of(const std::string& prefix) const
    {
        std::vector<std::string> out;
        for (const auto& c : calls)
            if (c.rfind(prefix, 0) == 0)
                out.push_back(c);
        return out;
    }

    Result<void> mount(const std::string& source, const std::string& target, const std::string& fstype,
        unsigned long flags, const std::string& data) override
    {
        return record("mount " + source + " " + strip_fd(target) + " " + fstype + " " + std::to_string(flags)
            + " " + data);
    }
    Result<UniqueFd> open_tree(int, const std::string& path, unsigned flags) override
    {
        TRY(record("open_tree " + path + " " + std::to_string(flags)));
        return detached();
    }
    Result<void> mount_setattr(int, bool recursive, const MountAttr& a, const std::string& what) override
    {
        return record("mount_setattr " + what + " set=" + std::to_string(a.set)
            + " clr=" + std::to_string(a.clr) + " propagation=" + std::to_string(a.propagation)
            + (recursive ? " recursive" : "") + (a.userns_fd >= 0 ? " userns" : ""));
    }
    Result<void> move_mount(int, int to_fd, const std::string& what) override
    {
        return record("move_mount " + what + " " + strip_fd("/proc/self/fd/" + std::to_string(to_fd)));
    }
    Result<UniqueFd> fsopen(const std::string& fstype) override
    {
        TRY(record("fsopen " + fstype));
        UniqueFd fd(::open("/dev/null", O_RDONLY | O_CLOEXEC));
        return fd;
    }
    Result<void> fsconfig_set(int, const std::string& key, const std::optional<std::string>& value) override
    {
        return record("fsconfig " + key + (value ? "=" + *value : ""));
    }
    Result<void> fsconfig_create(int, const std::string& what) override
    {
        return record("fsconfig create " + what);
    }
    Result<UniqueFd> fsmount(int, uint64_t attr_flags, const std::string& what) override
    {
        TRY(record("fsmount " + what + " " + std::to_string(attr_flags)));
        return detached();
    }
    Result<void> umount2(const std::string& target, int flags) override
    {
        return record("umount2 " + target + " " + std::to_string(flags));
    }
    Result<void> pivot_root(const std::string& n, const std::string& o) override
    {
        return record("pivot_root " + n + " " + o);
    }
    Result<void> chdir(const std::string& path) override { return record("chdir " + path); }
    Result<void> fchdir(int) override { return record("fchdir"); }
    Result<void> chroot(const std::string& path) override { return record("chroot " + path); }
    Result<void> fsetxattr(int, const std::string& name, std::string_view value) override
    {
        return record("fsetxattr " + name + " " + std::string(value));
    }
    Result<void> sethostname(std::string_view name) override
    {
        return record("sethostname " + std::string(name));
    }
    Result<void> setdomainname(std::string_view name) override
    {
        return record("setdomainname " + std::string(name));
    }
    Result<void> mkdirat(int dirfd, const std::string& path, mode_t mode) override
    {
        auto r = record("mkdirat " + path);
        if (r && ::mkdirat(dirfd, path.c_str(), mode) < 0)
            return Error::from_errno("mkdirat", path);
        return r;
    }
    // Records the device and leaves a regular file in its place, so later steps (chmod)
    // have something to act on without privilege.
    Result<void> mknodat(int dirfd, const std::string& path, mode_t mode, dev_t dev) override
    {
        auto r = record("mknodat " + path + " " + std::to_string(mode) + " " + std::to_string(dev));
        if (r && ::mknodat(dirfd, path.c_str(), S_IFREG | (mode & 07777), 0) < 0)
            return Error::from_errno("mknodat", path);
        return r;
    }
    Result<void> symlinkat(const std::string& target, int dirfd, const std::string& path) override
    {
        auto r = record("symlinkat " + target + " " + path);
        if (r && ::symlinkat(target.c_str(), dirfd, path.c_str()) < 0)
            return Error::from_errno("symlinkat", path);
        return r;
    }
    Result<void> fchownat(int, const std::string& path, uid_t uid, gid_t gid, int) override
    {
        return record("fchownat " + path + " " + std::to_string(uid) + " " + std::to_string(gid));
    }
    Result<void> write_file_at(int, const std::string& path, std::string_view data) override
    {
        return record("write " + path + " " + std::string(data));
    }
    Result<void> setns(int, int nstype) override { return record("setns " + std::to_string(nstype)); }
    Result<void> unshare(int flags) override { return record("unshare " + std::to_string(flags)); }
    Result<void> setgroups(const std::vector<gid_t>& groups) override
    {
        std::string s = "setgroups";
        for (auto g : groups)
            s += " " + std::to_string(g);
        return record(s);
    }
    Result<void> setresgid(gid_t gid) override { return record("setresgid " + std::to_string(gid)); }
    Result<void> setresuid(uid_t uid) override { return record("setresuid " + std::to_string(uid)); }
    Result<void> setrlimit(int resource, const struct rlimit& l) override
    {
        return record("setrlimit " + std::to_string(resource) + " " + std::to_string(l.rlim_cur) + " "
            + std::to_string(l.rlim_max));
    }
    Result<void> prctl(int option, unsigned long arg2) override
    {
        return record("prctl " + std::to_string(option) + " " + std::to_string(arg2));
    }

private:
    std::vector<std::string> m_detached;

    Result<UniqueFd> detached()
    {
        char tmpl[] = "/tmp/hull-fake-mount-XXXXXX";
        if (!::mkdtemp(tmpl))
            return Error::from_errno("mkdtemp", tmpl);
        m_detached.emplace_back(tmpl);
        UniqueFd fd(::open(tmpl, O_PATH | O_DIRECTORY | O_CLOEXEC));
        if (!fd)
            return Error::from_errno("open", tmpl);
        return fd;
    }

    // "/proc/self/fd/N" names a different number on every run; tests compare the fd's target.
    static std::string strip_fd(const std::string& target)
    {
        if (target.rfind("/proc/self/fd/", 0) != 0)
            return target;
        char buf[4096];
        ssize_t n = ::readlink(target.c_str(), buf, sizeof buf - 1);
        return n > 0 ? "fd:" + std::string(buf, static_cast<size_t>(n)) : target;
    }

    Result<void> record(std::string call)
    {
        int index = static_cast<int>(calls.size());
        calls.push_back(std::move(call));
        if (index == fail_at)
            return Error::from_code(fail_errno, calls.back());
        return ok();
    }
};

} // namespace hull::test
