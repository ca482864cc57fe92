#include "fake_sys.hpp"
#include "lsm/lsm.hpp"
#include "skip.hpp"

#include <cstdlib>
#include <doctest/doctest.h>
#include <fcntl.h>
#include <fstream>
#include <linux/magic.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace hull;
using namespace hull::lsm;

namespace {

// A throwaway directory standing in for the host's / (fake sys/ and proc/ files).
struct FakeRoot {
    std::string path;
    FakeRoot()
    {
        char tmpl[] = "/tmp/hull-lsm-XXXXXX";
        path = ::mkdtemp(tmpl);
    }
    ~FakeRoot() { std::system(("rm -rf " + path).c_str()); }
    void mkdirs(const std::string& rel) const { std::system(("mkdir -p " + path + rel).c_str()); }
    void write(const std::string& rel, const std::string& content) const
    {
        auto slash = rel.rfind('/');
        mkdirs(rel.substr(0, slash));
        std::ofstream(path + rel, std::ios::binary) << content;
    }
};

std::string error_text(const Result<void>& r)
{
    REQUIRE_FALSE(r.ok());
    return r.error().text();
}

bool contains(const std::string& haystack, const std::string& needle)
{
    return haystack.find(needle) != std::string::npos;
}

oci::Spec spec_with(const std::string& apparmor, const std::string& selinux, const std::string& mount_label)
{
    oci::Spec spec;
    spec.process = oci::Process {};
    spec.process->apparmorProfile = apparmor;
    spec.process->selinuxLabel = selinux;
    spec.linux = oci::Linux {};
    spec.linux->mountLabel = mount_label;
    return spec;
}

// The real kernel: these tests are about the host's procfs.
LinuxSys kernel;

constexpr const char* kLabel = "system_u:system_r:container_t:s0:c1,c2";
constexpr const char* kMountLabel = "system_u:object_r:container_file_t:s0:c1,c2";

// Whether this host can apply labels at all (then the "write fails" tests do not apply).
bool host_has_lsm()
{
    HostLsm h = detect_host();
    return h.apparmor || h.selinux;
}

} // namespace

// ---- check_labels --------------------------------------------------------------------------

TEST_CASE("check_labels: nothing requested passes on any host")
{
    CHECK(check_labels(spec_with("", "", ""), HostLsm {}).ok());
    oci::Spec bare;
    CHECK(check_labels(bare, HostLsm {}).ok());
}

TEST_CASE("check_labels: an AppArmor profile without AppArmor is refused, naming the field")
{
    auto r = check_labels(spec_with("acme_secure_profile", "", ""), HostLsm {false, true});
    CHECK(error_text(r)
        == "config.json: /process/apparmorProfile: AppArmor profile \"acme_secure_profile\" requested but "
           "AppArmor is not enabled on this host");
    CHECK(check_labels(spec_with("acme_secure_profile", "", ""), HostLsm {true, false}).ok());
}

TEST_CASE("check_labels: an SELinux process label without SELinux is refused")
{
    auto r = check_labels(spec_with("", kLabel, ""), HostLsm {true, false});
    CHECK(error_text(r)
        == std::string("config.json: /process/selinuxLabel: SELinux label \"") + kLabel
            + "\" requested but SELinux is not enabled on this host");
    CHECK(check_labels(spec_with("", kLabel, ""), HostLsm {false, true}).ok());
}

TEST_CASE("check_labels: linux.mountLabel without SELinux is refused")
{
    auto r = check_labels(spec_with("", "", kMountLabel), HostLsm {true, false});
    CHECK(error_text(r)
        == std::string("config.json: /linux/mountLabel: SELinux mount label \"") + kMountLabel
            + "\" requested but SELinux is not enabled on this host");
    CHECK(check_labels(spec_with("", kLabel, kMountLabel), HostLsm {false, true}).ok());
}

TEST_CASE("check_labels: invalid strings are refused even where the LSM is enabled")
{
    HostLsm both {true, true};
    CHECK(error_text(check_labels(spec_with(std::string("a\0b", 3), "", ""), both))
        == "config.json: /process/apparmorProfile: AppArmor profile \"a\\x00b\" contains a NUL byte");
    CHECK(error_text(check_labels(spec_with("", "u:r:t:s0\nexec x", ""), both))
        == "config.json: /process/selinuxLabel: SELinux label \"u:r:t:s0\\nexec x\" contains a newline");
    CHECK(contains(
        error_text(check_labels(spec_with("p\tq", "", ""), both)), "\"p\\tq\" contains a control character"));
    CHECK(contains(error_text(check_labels(spec_with("", "", "u:o:t:s0\"x"), both)),
        "config.json: /linux/mountLabel: SELinux mount label \"u:o:t:s0\\\"x\" contains a '\"'"));
    CHECK(
        contains(error_text(check_labels(spec_with(" p", "", ""), both)), "has a leading or trailing space"));
    // A quote is harmless in a process label (it is written, not quoted into mount data).
    CHECK(check_labels(spec_with("odd\"name", "", ""), both).ok());
}

TEST_CASE("check_labels: a label over the length bound is refused and shortened in the message")
{
    HostLsm both {true, true};
    CHECK(check_labels(spec_with(std::string(kMaxLabelLength, 'a'), "", ""), both).ok());
    std::string text
        = error_text(check_labels(spec_with(std::string(kMaxLabelLength + 1, 'a'), "", ""), both));
    CHECK(contains(text, "is longer than 4000 bytes"));
    CHECK(contains(text, "... (4001 bytes)"));
    CHECK(text.size() < 300);
}

TEST_CASE("check_process_labels: exec passes its own prefix")
{
    oci::Process p;
    p.apparmorProfile = "docker-default";
    CHECK(error_text(check_process_labels(p, HostLsm {}, "exec --apparmor"))
        == "exec --apparmor/apparmorProfile: AppArmor profile \"docker-default\" requested but AppArmor is "
           "not "
           "enabled on this host");
    CHECK(contains(error_text(check_process_labels(p, HostLsm {}, "")), "apparmorProfile: AppArmor profile"));
    p.apparmorProfile.clear();
    p.selinuxLabel = kLabel;
    CHECK(contains(error_text(check_process_labels(p, HostLsm {true, false}, "process.json: /")),
        "process.json: //selinuxLabel: SELinux label"));
    CHECK(check_process_labels(p, HostLsm {false, true}, "x").ok());
}

TEST_CASE("validate_label: empty and ordinary labels pass")
{
    CHECK(validate_label("", LabelKind::MountLabel).ok());
    CHECK(validate_label(kMountLabel, LabelKind::MountLabel).ok());
    CHECK(validate_label("unconfined", LabelKind::AppArmorProfile).ok());
    CHECK(validate_label("/usr/bin/foo", LabelKind::AppArmorProfile).ok());
    CHECK_FALSE(validate_label(std::string("x\x7f"), LabelKind::SELinuxLabel).ok());
}

// ---- format_mount_data ---------------------------------------------------------------------

TEST_CASE("format_mount_data: labels tmpfs, devpts and other filesystems")
{
    CHECK(format_mount_data("mode=755,size=65536k", kMountLabel, "tmpfs")
        == std::string("mode=755,size=65536k,context=\"") + kMountLabel + "\"");
    CHECK(format_mount_data("", kMountLabel, "tmpfs") == std::string("context=\"") + kMountLabel + "\"");
    CHECK(format_mount_data("newinstance,ptmxmode=0666,mode=0620,gid=5", "u:o:t:s0", "devpts")
        == "newinstance,ptmxmode=0666,mode=0620,gid=5,context=\"u:o:t:s0\"");
    CHECK(format_mount_data("", "u:o:t:s0", "overlay") == "context=\"u:o:t:s0\"");
    CHECK(format_mount_data("mode=755", "u:o:t:s0", "tmpfs", MS_NOSUID | MS_NODEV | MS_RDONLY)
        == "mode=755,context=\"u:o:t:s0\"");
}

TEST_CASE("format_mount_data: unchanged where runc passes no label")
{
    CHECK(format_mount_data("mode=755", "", "tmpfs") == "mode=755");
    for (const char* type : {"proc", "sysfs", "cgroup", "cgroup2", "mqueue", "bind", ""})
        CHECK(format_mount_data("x=1", kMountLabel, type) == "x=1");
    CHECK(format_mount_data("", kMountLabel, "tmpfs", MS_BIND | MS_REC) == "");
    CHECK(format_mount_data("mode=755", kMountLabel, "tmpfs", MS_REMOUNT) == "mode=755");
    CHECK(format_mount_data("", kMountLabel, "none", MS_MOVE) == "");
}

TEST_CASE("format_mount_data: an explicit context option wins; quoted commas are not separators")
{
    CHECK(format_mount_data("size=1m,context=\"u:o:a:s0:c1,c2\"", kMountLabel, "tmpfs")
        == "size=1m,context=\"u:o:a:s0:c1,c2\"");
    CHECK(format_mount_data("fscontext=u:o:a:s0", kMountLabel, "tmpfs") == "fscontext=u:o:a:s0");
    CHECK(format_mount_data("defcontext=u:o:a:s0,size=1m", kMountLabel, "tmpfs")
        == "defcontext=u:o:a:s0,size=1m");
    CHECK(format_mount_data("rootcontext=x", kMountLabel, "tmpfs") == "rootcontext=x");
    // "context=" inside a quoted value of another option is not an option of its own.
    CHECK(format_mount_data("foo=\"a,context=b\"", "u:o:t:s0", "tmpfs")
        == "foo=\"a,context=b\",context=\"u:o:t:s0\"");
    CHECK(format_mount_data("mycontext=1", "u:o:t:s0", "tmpfs") == "mycontext=1,context=\"u:o:t:s0\"");
}

// ---- Host detection ------------------------------------------------------------------------

TEST_CASE("apparmor_enabled: securityfs directory and parameter 'Y'")
{
    FakeRoot root;
    HostProbe probe {root.path, {}};
    CHECK_FALSE(apparmor_enabled(probe));
    root.write("/sys/module/apparmor/parameters/enabled", "Y\n");
    CHECK_FALSE(apparmor_enabled(probe)); // securityfs has no apparmor directory
    root.mkdirs("/sys/kernel/security/apparmor");
    CHECK(apparmor_enabled(probe));
    root.write("/sys/module/apparmor/parameters/enabled", "N\n");
    CHECK_FALSE(apparmor_enabled(probe));
    root.write("/sys/module/apparmor/parameters/enabled", "");
    CHECK_FALSE(apparmor_enabled(probe));
    CHECK(detect_host(probe).apparmor == false);
}

TEST_CASE("selinux_enabled: selinuxfs at /sys/fs/selinux and a loaded policy")
{
    FakeRoot root;
    root.mkdirs("/sys/fs/selinux");
    const std::string selinuxfs = root.path + "/sys/fs/selinux";
    bool readonly = false;
    HostProbe probe {root.path, [&](const std::string& path) -> std::optional<FsStat> {
                         if (path == selinuxfs)
                             return FsStat {SELINUX_MAGIC, readonly};
                         return FsStat {0xEF53, false};
                     }};
    root.write("/proc/thread-self/attr/current", std::string("system_u:system_r:unconfined_t:s0", 33) + '\0');
    CHECK(selinux_enabled(probe));
    CHECK(detect_host(probe).selinux);
    // A policy that was never loaded: the thread's context is "kernel".
    root.write("/proc/thread-self/attr/current", std::string("kernel\0", 7));
    CHECK_FALSE(selinux_enabled(probe));
    // An unreadable context does not disable it (go-selinux compares it with "kernel" only).
    std::system(("rm -f " + root.path + "/proc/thread-self/attr/current").c_str());
    CHECK(selinux_enabled(probe));
    // A read-only selinuxfs does not count, and without /proc/filesystems there is no slow path.
    readonly = true;
    CHECK_FALSE(selinux_enabled(probe));
    // The real statfs of a plain directory is not selinuxfs.
    CHECK_FALSE(selinux_enabled(HostProbe {root.path, {}}));
}

TEST_CASE("selinux_enabled: selinuxfs found through /proc/filesystems and mountinfo")
{
    FakeRoot root;
    root.mkdirs("/selinux");
    const std::string selinuxfs = root.path + "/selinux";
    HostProbe probe {root.path, [&](const std::string& path) -> std::optional<FsStat> {
                         if (path == selinuxfs)
                             return FsStat {SELINUX_MAGIC, false};
                         return std::nullopt;
                     }};
    root.write("/proc/thread-self/attr/current", "system_u:system_r:init_t:s0");
    root.write("/proc/filesystems", "nodev\tsysfs\nnodev\tproc\n");
    root.write("/proc/self/mountinfo",
        "22 1 0:21 / /proc rw,nosuid - proc proc rw\n"
        "23 1 0:22 / /selinux rw,relatime - selinuxfs selinuxfs rw\n");
    CHECK_FALSE(selinux_enabled(probe)); // the kernel does not list selinuxfs
    root.write("/proc/filesystems", "nodev\tsysfs\nnodev\tselinuxfs\nnodev\tproc\n");
    CHECK(selinux_enabled(probe));
    root.write("/proc/self/mountinfo", "22 1 0:21 / /proc rw,nosuid - proc proc rw\n");
    CHECK_FALSE(selinux_enabled(probe));
}

TEST_CASE("detection on the real host agrees with the files runc reads")
{
    struct stat st;
    bool aa_files = ::stat("/sys/kernel/security/apparmor", &st) == 0;
    if (!aa_files)
        CHECK_FALSE(apparmor_enabled());
    struct statfs fs;
    if (::statfs("/sys/fs/selinux", &fs) < 0 && ::access("/proc/filesystems", R_OK) == 0) {
        std::ifstream in("/proc/filesystems");
        std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        if (all.find("\tselinuxfs\n") == std::string::npos)
            CHECK_FALSE(selinux_enabled());
    }
}

// ---- procfs handle and attr writes ---------------------------------------------------------

TEST_CASE("verify_proc_root: the real /proc passes; other directories are refused")
{
    auto proc = open_proc_root_at("/proc");
    REQUIRE(proc.ok());
    CHECK(verify_proc_root(proc.value().get(), "/proc").ok());

    auto root = open_proc_root_at("/");
    REQUIRE_FALSE(root.ok());
    CHECK(contains(root.error().text(), "/ is not on procfs (filesystem type 0x"));

    FakeRoot tmp;
    auto dir = open_proc_root_at(tmp.path);
    REQUIRE_FALSE(dir.ok());
    CHECK(contains(dir.error().text(), "is not on procfs"));

    // On procfs, but not its root: /proc/sys and a pid directory.
    auto sys = open_proc_root_at("/proc/sys");
    REQUIRE_FALSE(sys.ok());
    CHECK(contains(sys.error().text(), "/proc/sys is not the root of a procfs (inode "));
    auto pid = open_proc_root_at("/proc/" + std::to_string(::getpid()));
    CHECK_FALSE(pid.ok());

    // A symlink is not followed: /proc/self is one.
    auto self = open_proc_root_at("/proc/self");
    REQUIRE_FALSE(self.ok());
    CHECK(self.error().code() == ENOTDIR);
}

TEST_CASE("open_proc_root: a verified root that numbers this thread")
{
    auto proc = open_proc_root(kernel);
    REQUIRE(proc.ok());
    CHECK(verify_proc_root(proc.value().get(), "proc").ok());
    auto dir = thread_self_dir(proc.value().get());
    REQUIRE(dir.ok());
    // The test runs in the pid namespace whose procfs it opened.
    CHECK(dir.value() == std::to_string(::getpid()) + "/task/" + std::to_string(::gettid()));
}

TEST_CASE("open_thread_attr: the calling thread's attr/exec opens; bad names and symlinks do not" * HULL_HOST)
{
    auto proc = open_proc_root_at("/proc");
    REQUIRE(proc.ok());
    if (::access("/proc/thread-self/attr/exec", F_OK) != 0)
        HULL_SKIP("a kernel without CONFIG_SECURITY has no attr directory");
    auto fd = open_thread_attr(proc.value().get(), "exec", O_WRONLY);
    REQUIRE(fd.ok());
    CHECK(fd.value().get() >= 0);
    auto bad = open_thread_attr(proc.value().get(), "../../../sysrq-trigger", O_WRONLY);
    REQUIRE_FALSE(bad.ok());
    CHECK(contains(bad.error().text(), "invalid attr name"));
    auto missing = open_thread_attr(proc.value().get(), "nosuchattr", O_RDONLY);
    REQUIRE_FALSE(missing.ok());
    CHECK(missing.error().code() == ENOENT);
    CHECK(contains(missing.error().text(), "open /proc/thread-self/attr/nosuchattr"));
}

TEST_CASE("write_attr and set_exec_labels fail loudly on a host without an LSM" * HULL_HOST)
{
    if (host_has_lsm() || ::access("/proc/thread-self/attr/exec", F_OK) != 0)
        HULL_SKIP("this host has an LSM (or no attr directory)");
    auto proc = open_proc_root(kernel);
    REQUIRE(proc.ok());
    auto w = write_attr(proc.value().get(), "exec", kLabel);
    CHECK(w.error().code() == EINVAL);
    CHECK(error_text(w) == "write /proc/thread-self/attr/exec: invalid argument");

    oci::Process p;
    p.selinuxLabel = kLabel;
    CHECK(error_text(set_exec_labels(kernel, p))
        == std::string("set SELinux exec label \"") + kLabel
            + "\": write /proc/thread-self/attr/exec: invalid argument");
    p.selinuxLabel.clear();
    p.apparmorProfile = "acme_secure_profile";
    std::string text = error_text(set_exec_labels(p, proc.value().get()));
    CHECK(contains(text, "apply AppArmor profile \"acme_secure_profile\": write /proc/thread-self/attr/"));
    CHECK(contains(text, "exec: invalid argument"));
    CHECK(error_text(set_keycreate_label(proc.value().get(), kLabel))
        == std::string("set SELinux keyring label \"") + kLabel
            + "\": write /proc/thread-self/attr/keycreate: invalid argument");
}

TEST_CASE("set_exec_labels: nothing to do opens nothing; invalid labels never reach /proc")
{
    CHECK(set_exec_labels(oci::Process {}, -1).ok());
    CHECK(set_exec_labels(kernel, oci::Process {}).ok());
    oci::Process p;
    p.selinuxLabel = "a\nb";
    CHECK(contains(error_text(set_exec_labels(p, -1)), "contains a newline"));
}

TEST_CASE("overmounted attr files are refused; a private procfs does not see the overmount" * HULL_HOST)
{
    if (::geteuid() != 0)
        HULL_SKIP("needs root");
    // In a child with its own mount namespace, so the test process's mounts stay untouched.
    pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        auto fail = [](int code) { ::_exit(code); };
        if (::unshare(CLONE_NEWNS) < 0 || ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) < 0)
            fail(100); // no mount namespace here: skipped
        const std::string attr = "/proc/self/task/" + std::to_string(::gettid()) + "/attr";
        if (::access((attr + "/exec").c_str(), F_OK) != 0)
            fail(100);
        // (a) A bind of a harmless procfs file over attr/exec (CVE-2025-52881).
        if (::mount("/proc/self/sched", (attr + "/exec").c_str(), nullptr, MS_BIND, nullptr) < 0)
            fail(100);
        auto plain = open_proc_root_at("/proc");
        if (!plain.ok())
            fail(1);
        auto r = open_thread_attr(plain.value().get(), "exec", O_WRONLY);
        if (r.ok() || r.error().code() != EXDEV)
            fail(2);
        // (b) A tmpfs over the whole attr directory (CVE-2019-16884).
        if (::mount("tmpfs", attr.c_str(), "tmpfs", 0, nullptr) < 0)
            fail(100);
        r = open_thread_attr(plain.value().get(), "exec", O_WRONLY);
        if (r.ok() || r.error().code() != EXDEV)
            fail(3);
        // The private instance (or an open_tree clone) has no submounts: the real file opens.
        auto priv = open_proc_root(kernel);
        if (!priv.ok())
            fail(4);
        struct stat st;
        if (::fstatat(priv.value().get(), "thread-self", &st, AT_SYMLINK_NOFOLLOW) < 0)
            fail(5);
        r = open_thread_attr(priv.value().get(), "exec", O_WRONLY);
        // The fallback to a plain /proc open sees the overmount and refuses it: also fine.
        if (!r.ok() && r.error().code() != EXDEV)
            fail(6);
        ::_exit(0);
    }
    int status = 0;
    REQUIRE(::waitpid(child, &status, 0) == child);
    REQUIRE(WIFEXITED(status));
    if (WEXITSTATUS(status) == 100)
        HULL_SKIP("no private mount namespace or no attr directory here");
    CHECK(WEXITSTATUS(status) == 0);
}

TEST_CASE("relabel_mount_root: no-op without a label; an unquotable label is refused first")
{
    CHECK(relabel_mount_root(kernel, -1, "").ok());
    auto r = relabel_mount_root(kernel, -1, "u:o:t:s0\"");
    CHECK(contains(error_text(r), "label mount root with SELinux mount label"));
    CHECK(contains(error_text(r), "contains a '\"'"));
    auto bad_fd = relabel_mount_root(kernel, -1, kMountLabel);
    CHECK(bad_fd.error().code() == EBADF);
}

// ---- through the Sys seam --------------------------------------------------------------------

TEST_CASE("open_proc_root asks Sys for a private procfs, else for a clone of /proc, and checks it")
{
    test::FakeSys sys;
    auto r = open_proc_root(sys);
    // The fake's mounts are empty directories, not procfs: what was made is refused, never used.
    REQUIRE_FALSE(r.ok());
    CHECK(contains(r.error().text(), "private procfs is not on procfs"));
    CHECK(sys.calls
        == std::vector<std::string> {"fsopen proc", "fsconfig subset=pid", "fsconfig hidepid=ptraceable",
            "fsconfig create proc",
            "fsmount proc " + std::to_string(MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC)});

    // A kernel that narrows no instance (subset=, hidepid= refused) still gives one.
    test::FakeSys old_kernel;
    old_kernel.fail_at = 1;
    old_kernel.fail_errno = EINVAL;
    (void)open_proc_root(old_kernel);
    CHECK(old_kernel.calls_of("fsmount").size() == 1);

    // No private instance at all: the clone instead.
    test::FakeSys no_fsopen;
    no_fsopen.fail_at = 0;
    auto clone = open_proc_root(no_fsopen);
    REQUIRE_FALSE(clone.ok());
    CHECK(contains(clone.error().text(), "/proc is not on procfs"));
    CHECK(no_fsopen.calls
        == std::vector<std::string> {
            "fsopen proc", "open_tree /proc " + std::to_string(OPEN_TREE_CLONE | AT_SYMLINK_NOFOLLOW)});
}

TEST_CASE("set_exec_labels with nothing to apply makes no call; relabel_mount_root goes through Sys")
{
    test::FakeSys sys;
    CHECK(set_exec_labels(sys, oci::Process {}).ok());
    CHECK(sys.calls.empty());

    FakeRoot dir;
    UniqueFd root(::open(dir.path.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    REQUIRE(relabel_mount_root(sys, root.get(), kMountLabel).ok());
    CHECK(sys.calls == std::vector<std::string> {std::string("fsetxattr security.selinux ") + kMountLabel});

    test::FakeSys refusing;
    refusing.fail_at = 0;
    refusing.fail_errno = EOPNOTSUPP;
    auto r = relabel_mount_root(refusing, root.get(), kMountLabel);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code() == EOPNOTSUPP);
    CHECK(contains(r.error().text(), "label mount root with SELinux mount label \""));
}
