#include "fake_sys.hpp"
#include "mount_entry.hpp"
#include "rootfs/detached.hpp"
#include "rootfs/resolve.hpp"
#include "rootfs/rootfs.hpp"

#include "hull/mountinfo.hpp"

#include <cstdlib>
#include <doctest/doctest.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace hull;

namespace {

// A throwaway directory standing in for a rootfs, opened as the resolution root.
struct TempRootfs {
    std::string path;
    UniqueFd fd;
    TempRootfs()
    {
        char tmpl[] = "/tmp/hull-rootfs-XXXXXX";
        path = ::mkdtemp(tmpl);
        fd.reset(::open(path.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    }
    ~TempRootfs() { std::system(("rm -rf " + path).c_str()); }
    bool exists(const std::string& rel) const
    {
        struct stat st;
        return ::lstat((path + rel).c_str(), &st) == 0;
    }
};

std::string mount_call(const std::string& src, const std::string& target, const std::string& type,
    unsigned long flags, const std::string& data)
{
    return "mount " + src + " fd:" + target + " " + type + " " + std::to_string(flags) + " " + data;
}

} // namespace

TEST_CASE("a symlink planted in the image resolves inside the rootfs, never on the host")
{
    TempRootfs root;
    REQUIRE(::symlink("/etc", (root.path + "/evil").c_str()) == 0);
    auto fd = rootfs::make_in_root(root.fd.get(), "/evil/hull-test-dir", rootfs::Kind::Directory);
    REQUIRE(fd.ok());
    CHECK(root.exists("/etc/hull-test-dir"));
    CHECK(::access("/etc/hull-test-dir", F_OK) != 0);
    // "..", however many, stops at the rootfs.
    auto up = rootfs::make_in_root(root.fd.get(), "/../../../tmp-escape", rootfs::Kind::Directory);
    REQUIRE(up.ok());
    CHECK(root.exists("/tmp-escape"));
    CHECK(::access("/tmp-escape", F_OK) != 0);
}

TEST_CASE("file mount targets are created as empty files without following symlinks")
{
    TempRootfs root;
    auto fd = rootfs::make_in_root(root.fd.get(), "/etc/resolv.conf", rootfs::Kind::File);
    REQUIRE(fd.ok());
    struct stat st;
    REQUIRE(::stat((root.path + "/etc/resolv.conf").c_str(), &st) == 0);
    CHECK(S_ISREG(st.st_mode));
    CHECK(st.st_size == 0);
}

TEST_CASE("a proc mount is a new filesystem, made detached with the parsed flags, moved onto the target")
{
    TempRootfs root;
    test::FakeSys sys;
    oci::Mount m {"/proc", "proc", "proc", {"nosuid", "noexec", "nodev"}, {}, {}};
    REQUIRE(test::mount_entry(sys, root.fd.get(), m, {}).ok());
    CHECK(sys.calls
        == std::vector<std::string> {"fsopen proc", "fsconfig source=proc", "fsconfig create /proc",
            "fsmount /proc " + std::to_string(MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC | MOUNT_ATTR_NODEV),
            "move_mount /proc fd:" + root.path + "/proc"});
    CHECK(sys.calls_of("mount ").empty());
    CHECK(root.exists("/proc"));
}

TEST_CASE("tmpfs options that are not flags are filesystem parameters; superblock flags are too")
{
    TempRootfs root;
    test::FakeSys sys;
    oci::Mount m {
        "/dev", "tmpfs", "tmpfs", {"nosuid", "strictatime", "mode=755", "size=65536k", "ro"}, {}, {}};
    REQUIRE(test::mount_entry(sys, root.fd.get(), m, {}).ok());
    CHECK(sys.calls
        == std::vector<std::string> {"fsopen tmpfs", "fsconfig source=tmpfs", "fsconfig ro",
            "fsconfig mode=755", "fsconfig size=65536k", "fsconfig create /dev",
            "fsmount /dev " + std::to_string(MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_STRICTATIME),
            "move_mount /dev fd:" + root.path + "/dev"});
}

TEST_CASE("a read-only bind is a cloned tree made read-only before it is attached, never a remount by path")
{
    TempRootfs root;
    test::FakeSys sys;
    oci::Mount m {"/data", "bind", "/tmp", {"rbind", "ro", "rnosuid"}, {}, {}};
    REQUIRE(test::mount_entry(sys, root.fd.get(), m, {}).ok());
    CHECK(sys.calls
        == std::vector<std::string> {"open_tree /tmp " + std::to_string(OPEN_TREE_CLONE | AT_RECURSIVE),
            "mount_setattr /data set=" + std::to_string(MOUNT_ATTR_RDONLY) + " clr=0 propagation=0",
            "mount_setattr /data set=" + std::to_string(MOUNT_ATTR_NOSUID) + " clr=0 propagation=0 recursive",
            "move_mount /data fd:" + root.path + "/data"});
    CHECK(sys.calls_of("mount ").empty());
}

TEST_CASE("a read-only tmpfs that waits is attached read-write and handed back to be made read-only later")
{
    TempRootfs root;
    test::FakeSys sys;
    std::vector<rootfs::ReadonlyLater> later;
    oci::Mount m {"/dev", "tmpfs", "tmpfs", {"nosuid", "ro", "mode=755"}, {}, {}};
    REQUIRE(test::mount_entry(sys, root.fd.get(), m, {}, &later).ok());
    // Neither the superblock nor the mount is read-only yet: /dev's entries are still to be made.
    CHECK(sys.calls
        == std::vector<std::string> {"fsopen tmpfs", "fsconfig source=tmpfs", "fsconfig mode=755",
            "fsconfig create /dev", "fsmount /dev " + std::to_string(MOUNT_ATTR_NOSUID),
            "move_mount /dev fd:" + root.path + "/dev"});
    REQUIRE(later.size() == 1);
    CHECK(later[0].destination == "/dev");
    CHECK(later[0].mount);
}

TEST_CASE("a read-only bind or pseudo filesystem is read-only at once, even where others wait")
{
    TempRootfs root;
    test::FakeSys sys;
    std::vector<rootfs::ReadonlyLater> later;
    oci::Mount bind {"/data", "bind", "/tmp", {"bind", "ro"}, {}, {}};
    REQUIRE(test::mount_entry(sys, root.fd.get(), bind, {}, &later).ok());
    oci::Mount sysfs {"/sys", "sysfs", "sysfs", {"ro"}, {}, {}};
    REQUIRE(test::mount_entry(sys, root.fd.get(), sysfs, {}, &later).ok());
    CHECK(later.empty());
    CHECK(sys.calls_of("mount_setattr /data")
        == std::vector<std::string> {
            "mount_setattr /data set=" + std::to_string(MOUNT_ATTR_RDONLY) + " clr=0 propagation=0"});
    CHECK(sys.calls_of("fsmount /sys")
        == std::vector<std::string> {"fsmount /sys " + std::to_string(MOUNT_ATTR_RDONLY)});
}

TEST_CASE(
    "a tmpfs on an existing directory takes its mode, set-id bits included, before the config's options")
{
    TempRootfs root;
    REQUIRE(::mkdir((root.path + "/m").c_str(), 0700) == 0);
    REQUIRE(::chmod((root.path + "/m").c_str(), 02710) == 0);
    test::FakeSys sys;
    oci::Mount m {"/m", "tmpfs", "tmpfs", {"size=1m"}, {}, {}};
    REQUIRE(test::mount_entry(sys, root.fd.get(), m, {}).ok());
    CHECK(sys.calls_of("fsconfig ")
        == std::vector<std::string> {
            "fsconfig source=tmpfs", "fsconfig mode=2710", "fsconfig size=1m", "fsconfig create /m"});

    // A directory the mount has to make gets no mode: tmpfs's own default (1777).
    test::FakeSys fresh;
    oci::Mount made {"/made", "tmpfs", "tmpfs", {}, {}, {}};
    REQUIRE(test::mount_entry(fresh, root.fd.get(), made, {}).ok());
    CHECK(fresh.calls_of("fsconfig ")
        == std::vector<std::string> {"fsconfig source=tmpfs", "fsconfig create /made"});
    CHECK(root.exists("/made"));
}

TEST_CASE("propagation options go on the attached mount through its own fd, in order")
{
    TempRootfs root;
    test::FakeSys sys;
    oci::Mount m {"/shared", "bind", "/tmp", {"bind", "rshared", "slave"}, {}, {}};
    REQUIRE(test::mount_entry(sys, root.fd.get(), m, {}).ok());
    CHECK(sys.calls
        == std::vector<std::string> {"open_tree /tmp " + std::to_string(OPEN_TREE_CLONE),
            "move_mount /shared fd:" + root.path + "/shared",
            "mount_setattr /shared set=0 clr=0 propagation=" + std::to_string(MS_SHARED) + " recursive",
            "mount_setattr /shared set=0 clr=0 propagation=" + std::to_string(MS_SLAVE)});
}

TEST_CASE(
    "without a cgroup namespace each hierarchy is the init's own cgroup directory, read-only under a tmpfs")
{
    TempRootfs root;
    test::FakeSys sys;
    cgroups::HostCgroups host;
    host.layout = cgroups::Layout::Hybrid;
    host.hierarchies = {{"/sys/fs/cgroup/memory", false, {"memory"}, "/"},
        {"/sys/fs/cgroup/cpu,cpuacct", false, {"cpu", "cpuacct"}, "/"},
        {"/sys/fs/cgroup/unified", true, {}, "/"}};
    cgroups::OwnCgroups own {{"memory", "/sup/ctr"}, {"cpu", "/ctr"}, {"cpuacct", "/ctr"}, {"", "/ctr"}};
    rootfs::RootfsOptions opts;
    opts.host_cgroups = &host;
    opts.own_cgroups = &own;
    opts.new_cgroup_ns = false;
    oci::Mount m {"/sys/fs/cgroup", "cgroup", "cgroup", {"nosuid", "noexec", "nodev", "ro"}, {}, {}};
    REQUIRE(test::mount_entry(sys, root.fd.get(), m, opts).ok());
    auto trees = sys.calls_of("open_tree");
    const std::string clone = " " + std::to_string(OPEN_TREE_CLONE | AT_RECURSIVE);
    CHECK(trees
        == std::vector<std::string> {"open_tree /sys/fs/cgroup/memory/sup/ctr" + clone,
            "open_tree /sys/fs/cgroup/cpu,cpuacct/ctr" + clone,
            "open_tree /sys/fs/cgroup/unified/ctr" + clone});
    CHECK(sys.calls_of("fsopen") == std::vector<std::string> {"fsopen tmpfs"});
    CHECK(sys.calls_of("symlinkat")
        == std::vector<std::string> {"symlinkat cpu,cpuacct cpu", "symlinkat cpu,cpuacct cpuacct"});
    const std::string ro_top = "set="
        + std::to_string(MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
    CHECK(sys.calls_of("mount_setattr /sys/fs/cgroup/memory")
        == std::vector<std::string> {
            "mount_setattr /sys/fs/cgroup/memory " + ro_top + " clr=0 propagation=0"});
    // the tmpfs itself is made read-only last, after it was filled
    CHECK(sys.calls.back()
        == "mount_setattr /sys/fs/cgroup set=" + std::to_string(MOUNT_ATTR_RDONLY) + " clr=0 propagation=0");
    CHECK(sys.calls_of("mount ").empty());
}

TEST_CASE("with a cgroup namespace each hierarchy is a new mount; a v1 one is read-only on the mount only")
{
    TempRootfs root;
    test::FakeSys sys;
    cgroups::HostCgroups host;
    host.layout = cgroups::Layout::V1;
    host.hierarchies = {{"/sys/fs/cgroup/systemd", false, {"name=systemd"}, "/"}};
    cgroups::OwnCgroups own {{"name=systemd", "/x"}};
    rootfs::RootfsOptions opts;
    opts.host_cgroups = &host;
    opts.own_cgroups = &own;
    oci::Mount m {"/sys/fs/cgroup", "cgroup", "cgroup", {"ro"}, {}, {}};
    REQUIRE(test::mount_entry(sys, root.fd.get(), m, opts).ok());
    CHECK(sys.calls_of("open_tree").empty());
    CHECK(sys.calls_of("fsopen") == std::vector<std::string> {"fsopen tmpfs", "fsopen cgroup"});
    CHECK(sys.calls_of("fsconfig name") == std::vector<std::string> {"fsconfig name=systemd"});
    CHECK(sys.calls_of("fsconfig ro").empty());
    CHECK(sys.calls_of("mount_setattr /sys/fs/cgroup/systemd")
        == std::vector<std::string> {"mount_setattr /sys/fs/cgroup/systemd set="
            + std::to_string(MOUNT_ATTR_RDONLY) + " clr=0 propagation=0"});
}

TEST_CASE("mount data splits at commas outside quotes; overlayfs keeps its backslash escapes")
{
    using P = std::vector<std::pair<std::string, std::optional<std::string>>>;
    CHECK(rootfs::split_mount_data("mode=755,size=64k,,ro", false)
        == P {{"mode", "755"}, {"size", "64k"}, {"ro", std::nullopt}});
    CHECK(rootfs::split_mount_data("context=\"system_u:object_r:x:s0:c1,c2\",mode=1777", false)
        == P {{"context", "system_u:object_r:x:s0:c1,c2"}, {"mode", "1777"}});
    CHECK(rootfs::split_mount_data("lowerdir=/a\\,b:/c,upperdir=/u", true)
        == P {{"lowerdir", "/a\\,b:/c"}, {"upperdir", "/u"}});
    CHECK(rootfs::split_mount_data("=x,k=", false) == P {{"k", ""}});
}

TEST_CASE("a failing mount names the destination")
{
    TempRootfs root;
    test::FakeSys sys;
    sys.fail_at = 0;
    oci::Mount m {"/proc", "proc", "proc", {}, {}, {}};
    auto r = test::mount_entry(sys, root.fd.get(), m, {});
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().text().rfind("mount /proc: ", 0) == 0);
    CHECK(r.error().code() == EPERM);
}

TEST_CASE("/dev gets the default devices, linux.devices and the standard symlinks")
{
    TempRootfs root;
    REQUIRE(::mkdir((root.path + "/dev").c_str(), 0755) == 0);
    REQUIRE(::mkdir((root.path + "/dev/pts").c_str(), 0755) == 0);
    // A node the image shipped is replaced, not trusted.
    ::close(::open((root.path + "/dev/null").c_str(), O_CREAT | O_WRONLY, 0600));
    test::FakeSys sys;
    oci::Spec spec;
    spec.linux = oci::Linux {};
    spec.linux->devices.push_back({"c", "/dev/fuse", 10, 229, 0600, 1000, 1000});
    REQUIRE(rootfs::setup_dev(sys, root.fd.get(), spec).ok());
    auto chr = [](unsigned maj, unsigned min, mode_t perm) {
        return std::to_string(S_IFCHR | perm) + " " + std::to_string(makedev(maj, min));
    };
    CHECK(sys.calls_of("mknodat")
        == std::vector<std::string> {"mknodat null " + chr(1, 3, 0666), "mknodat zero " + chr(1, 5, 0666),
            "mknodat full " + chr(1, 7, 0666), "mknodat random " + chr(1, 8, 0666),
            "mknodat urandom " + chr(1, 9, 0666), "mknodat tty " + chr(5, 0, 0666),
            "mknodat fuse " + chr(10, 229, 0600)});
    CHECK(sys.calls_of("fchownat fuse") == std::vector<std::string> {"fchownat fuse 1000 1000"});
    struct stat st;
    REQUIRE(::stat((root.path + "/dev/fuse").c_str(), &st) == 0);
    CHECK((st.st_mode & 07777) == 0600);
    char target[256];
    for (auto [name, want] : {std::pair {"fd", "/proc/self/fd"}, {"stdin", "/proc/self/fd/0"},
             {"stdout", "/proc/self/fd/1"}, {"stderr", "/proc/self/fd/2"}, {"ptmx", "pts/ptmx"}}) {
        ssize_t n = ::readlink((root.path + "/dev/" + name).c_str(), target, sizeof target);
        REQUIRE(n > 0);
        CHECK(std::string(target, static_cast<size_t>(n)) == want);
    }
}

TEST_CASE("with the host's /dev bind-mounted, no device is created")
{
    TempRootfs root;
    test::FakeSys sys;
    oci::Spec spec;
    spec.mounts.push_back({"/dev", "bind", "/dev", {"rbind"}, {}, {}});
    REQUIRE(rootfs::setup_dev(sys, root.fd.get(), spec).ok());
    CHECK(sys.calls.empty());
}

TEST_CASE("nothing of the rootfs setup runs in the runtime's mount namespace, or when it is unknown")
{
    test::FakeSys sys;
    oci::Spec spec;
    rootfs::RootfsOptions opts;
    opts.rootfs = "/bundle/rootfs";
    for (bool known : {false, true}) {
        if (known)
            opts.runtime_mount_ns = ns::own_namespace_id(oci::NamespaceType::Mount).value();
        auto prepared = rootfs::prepare_rootfs(sys, spec, opts);
        REQUIRE(!prepared.ok());
        CHECK(prepared.error().code() == EPERM);
        auto pivoted = rootfs::pivot_into_rootfs(sys, opts);
        REQUIRE(!pivoted.ok());
        CHECK(pivoted.error().code() == EPERM);
    }
    CHECK(sys.calls.empty());
}

TEST_CASE("without a mount namespace of its own the init only chroots into the rootfs")
{
    test::FakeSys sys;
    REQUIRE(rootfs::chroot_into_rootfs(sys, "/bundle/rootfs").ok());
    CHECK(sys.calls == std::vector<std::string> {"chdir /bundle/rootfs", "chroot .", "chdir /"});
}

TEST_CASE("pivot_root stacks and detaches the old root; --no-pivot moves and chroots")
{
    test::FakeSys sys;
    rootfs::RootfsOptions opts;
    opts.rootfs = "/bundle/rootfs";
    opts.runtime_mount_ns = {1, 1}; // another namespace than this process's
    REQUIRE(rootfs::pivot_into_rootfs(sys, opts).ok());
    CHECK(sys.calls
        == std::vector<std::string> {"chdir /bundle/rootfs", "pivot_root . .", "fchdir",
            "mount  .  " + std::to_string(MS_SLAVE | MS_REC) + " ", "umount2 . " + std::to_string(MNT_DETACH),
            "chdir /"});
    // --no-pivot first detaches every whole procfs and sysfs this process sees outside the
    // rootfs, so the old root keeps no unmasked instance a nested user namespace could use.
    std::vector<std::string> expected;
    auto mounts = read_mountinfo();
    REQUIRE(mounts.ok());
    for (const auto& m : mounts.value()) {
        if (m.root != "/" || (m.fstype != "proc" && m.fstype != "sysfs"))
            continue;
        expected.push_back("mount  " + m.mount_point + "  " + std::to_string(MS_SLAVE | MS_REC) + " ");
        expected.push_back("umount2 " + m.mount_point + " " + std::to_string(MNT_DETACH));
    }
    REQUIRE(expected.size() >= 2); // the test runs with a /proc
    expected.insert(expected.end(),
        {"chdir /bundle/rootfs", "mount /bundle/rootfs /  " + std::to_string(MS_MOVE) + " ", "chroot .",
            "chdir /"});
    test::FakeSys nopivot;
    opts.no_pivot = true;
    REQUIRE(rootfs::pivot_into_rootfs(nopivot, opts).ok());
    CHECK(nopivot.calls == expected);
}

TEST_CASE(
    "masking: directories get a read-only tmpfs, missing paths are skipped, a fake /dev/null is refused")
{
    TempRootfs root;
    REQUIRE(::mkdir((root.path + "/secret").c_str(), 0755) == 0);
    test::FakeSys sys;
    REQUIRE(rootfs::mask_path(sys, root.fd.get(), "/secret").ok());
    CHECK(sys.calls_of("mount")[0] == mount_call("tmpfs", root.path + "/secret", "tmpfs", MS_RDONLY, ""));
    REQUIRE(rootfs::mask_path(sys, root.fd.get(), "/does/not/exist").ok());
    CHECK(sys.calls.size() == 1);
    // A file to mask, and a /dev/null that is a regular file planted by the image.
    ::close(::open((root.path + "/file").c_str(), O_CREAT | O_WRONLY, 0600));
    REQUIRE(::mkdir((root.path + "/dev").c_str(), 0755) == 0);
    ::close(::open((root.path + "/dev/null").c_str(), O_CREAT | O_WRONLY, 0600));
    auto r = rootfs::mask_path(sys, root.fd.get(), "/file");
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().text() == "/dev/null is not the null device (char 1:3)");
}

TEST_CASE("a failed mask names the path in the container, never the fd path it mounts through")
{
    TempRootfs root;
    REQUIRE(::mkdir((root.path + "/secret").c_str(), 0755) == 0);
    test::FakeSys sys;
    sys.fail_at = 0;
    sys.fail_errno = EPERM;
    auto r = rootfs::mask_path(sys, root.fd.get(), "/secret");
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().text() == "mount /secret: operation not permitted");
    CHECK(r.error().text().find("/proc/self/fd") == std::string::npos);
}

TEST_CASE("a read-only path is a clone of itself made read-only detached and attached onto the same fd")
{
    TempRootfs root;
    REQUIRE(::mkdir((root.path + "/etc").c_str(), 0755) == 0);
    test::FakeSys sys;
    REQUIRE(rootfs::make_readonly(sys, root.fd.get(), "/etc").ok());
    CHECK(sys.calls
        == std::vector<std::string> {
            "open_tree  " + std::to_string(OPEN_TREE_CLONE | AT_RECURSIVE | AT_EMPTY_PATH),
            "mount_setattr /etc set=" + std::to_string(MOUNT_ATTR_RDONLY) + " clr=0 propagation=0",
            "move_mount /etc fd:" + root.path + "/etc"});
    REQUIRE(rootfs::make_readonly(sys, root.fd.get(), "/does/not/exist").ok());
    CHECK(sys.calls.size() == 3);
}

TEST_CASE("root propagation values map to mount flags, rslave by default")
{
    CHECK(rootfs::root_propagation("") == (MS_SLAVE | MS_REC));
    CHECK(rootfs::root_propagation("rslave") == (MS_SLAVE | MS_REC));
    CHECK(rootfs::root_propagation("private") == MS_PRIVATE);
    CHECK(rootfs::root_propagation("rprivate") == (MS_PRIVATE | MS_REC));
    CHECK(rootfs::root_propagation("shared") == MS_SHARED);
    CHECK(rootfs::root_propagation("rshared") == (MS_SHARED | MS_REC));
    CHECK(rootfs::root_propagation("slave") == MS_SLAVE);
    CHECK(rootfs::root_propagation("unbindable") == MS_UNBINDABLE);
    CHECK(rootfs::root_propagation("runbindable") == (MS_UNBINDABLE | MS_REC));
}

TEST_CASE("open_regular_in_root reads a regular file and refuses a fifo or directory by name")
{
    TempRootfs root;
    ::mkdir((root.path + "/etc").c_str(), 0755);
    {
        UniqueFd f(::open((root.path + "/etc/file").c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
        REQUIRE(f);
        REQUIRE(::write(f.get(), "x", 1) == 1);
    }
    REQUIRE(::mkfifo((root.path + "/etc/fifo").c_str(), 0644) == 0);
    auto fd = rootfs::open_regular_in_root(root.fd.get(), "/etc/file", O_RDONLY);
    REQUIRE(fd.ok());
    char c = 0;
    CHECK(::read(fd.value().get(), &c, 1) == 1);
    CHECK(c == 'x');
    auto fifo = rootfs::open_regular_in_root(root.fd.get(), "/etc/fifo", O_RDONLY | O_NONBLOCK);
    REQUIRE_FALSE(fifo.ok());
    CHECK(fifo.error().text() == "/etc/fifo is not a regular file");
    CHECK(rootfs::open_regular_in_root(root.fd.get(), "/etc", O_RDONLY).error().text()
        == "/etc is not a regular file");
    CHECK(rootfs::open_regular_in_root(root.fd.get(), "/etc/none", O_RDONLY).error().code() == ENOENT);
}
