// The plan of one config.json mount (rootfs/mount_plan.hpp): what every mount option does to it,
// then the plan applied through FakeSys for a few representative entries.
#include "fake_sys.hpp"
#include "rootfs/mount_plan.hpp"

#include "hull/oci/mount_options.hpp"

#include <cstdlib>
#include <doctest/doctest.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <set>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace hull;
using rootfs::BorrowOnEperm;
using rootfs::DeferReadonly;
using rootfs::MountMethod;
using rootfs::plan_mount;

namespace {

constexpr const char* kLabel = "system_u:object_r:container_file_t:s0:c1,c2";

rootfs::MountPlan plan_of(const oci::Mount& m, const rootfs::RootfsOptions& opts = {},
    DeferReadonly defer = DeferReadonly::No, size_t index = 0)
{
    auto plan = plan_mount(m, index, opts, defer);
    REQUIRE(plan.ok());
    return std::move(plan).value();
}

rootfs::MountPlan tmpfs_with(const std::vector<std::string>& options)
{
    return plan_of({"/mnt", "tmpfs", "tmpfs", options, {}, {}});
}

std::string attr_text(const MountAttr& a)
{
    return "set=" + std::to_string(a.set) + " clr=" + std::to_string(a.clr);
}

// A throwaway rootfs opened as the resolution root.
struct TempRootfs {
    std::string path;
    UniqueFd fd;
    TempRootfs()
    {
        char tmpl[] = "/tmp/hull-plan-XXXXXX";
        path = ::mkdtemp(tmpl);
        fd.reset(::open(path.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    }
    ~TempRootfs() { std::system(("rm -rf " + path).c_str()); }
};

std::string joined(const std::vector<std::string>& words)
{
    std::string out;
    for (const auto& w : words)
        out += (out.empty() ? "" : ",") + w;
    return out;
}

struct FlagRow {
    std::vector<std::string> options;
    unsigned long flags;
};
const FlagRow kFlagRows[] = {
    {{"defaults"}, 0},
    {{"ro"}, MS_RDONLY},
    {{"ro", "rw"}, 0},
    {{"nosuid"}, MS_NOSUID},
    {{"nosuid", "suid"}, 0},
    {{"nodev"}, MS_NODEV},
    {{"nodev", "dev"}, 0},
    {{"noexec"}, MS_NOEXEC},
    {{"noexec", "exec"}, 0},
    {{"sync"}, MS_SYNCHRONOUS},
    {{"sync", "async"}, 0},
    {{"dirsync"}, MS_DIRSYNC},
    {{"remount"}, MS_REMOUNT},
    {{"mand"}, MS_MANDLOCK},
    {{"mand", "nomand"}, 0},
    {{"noatime"}, MS_NOATIME},
    {{"noatime", "atime"}, 0},
    {{"relatime"}, MS_RELATIME},
    {{"relatime", "norelatime"}, 0},
    {{"strictatime"}, MS_STRICTATIME},
    {{"strictatime", "nostrictatime"}, 0},
    {{"nodiratime"}, MS_NODIRATIME},
    {{"nodiratime", "diratime"}, 0},
    {{"iversion"}, MS_I_VERSION},
    {{"iversion", "noiversion"}, 0},
    {{"lazytime"}, MS_LAZYTIME},
    {{"lazytime", "nolazytime"}, 0},
    {{"silent"}, MS_SILENT},
    {{"silent", "loud"}, 0},
    {{"nosymfollow"}, MS_NOSYMFOLLOW},
    {{"nosymfollow", "symfollow"}, 0},
    // The atime words are independent flags, as runc keeps them.
    {{"noatime", "strictatime", "nodiratime"}, MS_NOATIME | MS_STRICTATIME | MS_NODIRATIME},
};

constexpr uint64_t kAtime = MOUNT_ATTR__ATIME;
struct AttrRow {
    std::string option;
    uint64_t set, clr;
};
const AttrRow kAttrRows[] = {
    {"rro", MOUNT_ATTR_RDONLY, 0},
    {"rrw", 0, MOUNT_ATTR_RDONLY},
    {"rnosuid", MOUNT_ATTR_NOSUID, 0},
    {"rsuid", 0, MOUNT_ATTR_NOSUID},
    {"rnodev", MOUNT_ATTR_NODEV, 0},
    {"rdev", 0, MOUNT_ATTR_NODEV},
    {"rnoexec", MOUNT_ATTR_NOEXEC, 0},
    {"rexec", 0, MOUNT_ATTR_NOEXEC},
    {"rnodiratime", MOUNT_ATTR_NODIRATIME, 0},
    {"rdiratime", 0, MOUNT_ATTR_NODIRATIME},
    {"rnosymfollow", MOUNT_ATTR_NOSYMFOLLOW, 0},
    {"rsymfollow", 0, MOUNT_ATTR_NOSYMFOLLOW},
    // An access-time setting also clears the access-time field, as mount_setattr requires.
    {"rnoatime", MOUNT_ATTR_NOATIME, kAtime},
    {"ratime", 0, kAtime | MOUNT_ATTR_NOATIME},
    {"rstrictatime", MOUNT_ATTR_STRICTATIME, kAtime},
    {"rnostrictatime", 0, kAtime | MOUNT_ATTR_STRICTATIME},
    {"rrelatime", MOUNT_ATTR_RELATIME, kAtime},
    {"rnorelatime", 0, kAtime},
};

struct PropagationRow {
    std::string option;
    unsigned long flag;
};
const PropagationRow kPropagationRows[] = {
    {"private", MS_PRIVATE},
    {"rprivate", MS_PRIVATE | MS_REC},
    {"shared", MS_SHARED},
    {"rshared", MS_SHARED | MS_REC},
    {"slave", MS_SLAVE},
    {"rslave", MS_SLAVE | MS_REC},
    {"unbindable", MS_UNBINDABLE},
    {"runbindable", MS_UNBINDABLE | MS_REC},
};

// The words with a case of their own below, besides the tables.
const std::vector<std::string> kOtherWords = {"bind", "rbind", "tmpcopyup"};

} // namespace

// ---- the plan ---------------------------------------------------------------------------------

TEST_CASE("flag options set and clear the MS_* flags a new filesystem is made with")
{
    for (const auto& row : kFlagRows) {
        CAPTURE(joined(row.options));
        auto plan = tmpfs_with(row.options);
        CHECK(plan.method == MountMethod::Filesystem);
        CHECK(plan.flags == row.flags);
        CHECK(plan.recursive_attr.empty());
        CHECK(plan.propagation.empty());
        CHECK(plan.data.empty());
        CHECK_FALSE(plan.readonly_later);
    }
}

TEST_CASE("recursive attribute options become mount_setattr attributes for the whole tree")
{
    for (const auto& row : kAttrRows) {
        CAPTURE(row.option);
        auto plan = tmpfs_with({row.option});
        CHECK(attr_text(plan.recursive_attr) == attr_text({row.set, row.clr, 0}));
        CHECK(plan.recursive_attr.propagation == 0);
        CHECK(plan.flags == 0);
        // On a bind the same attributes go on the cloned tree.
        auto bind = plan_of({"/b", "bind", "/src", {"rbind", row.option}, {}, {}});
        CHECK(attr_text(bind.recursive_attr) == attr_text({row.set, row.clr, 0}));
    }
}

TEST_CASE("propagation options are kept in order, each for the attached mount")
{
    for (const auto& row : kPropagationRows) {
        CAPTURE(row.option);
        auto plan = tmpfs_with({row.option});
        CHECK(plan.propagation == std::vector<unsigned long> {row.flag});
        CHECK(plan.flags == 0);
        auto bind = plan_of({"/b", "bind", "/src", {"bind", row.option}, {}, {}});
        CHECK(bind.propagation == std::vector<unsigned long> {row.flag});
    }
    auto several = tmpfs_with({"rshared", "slave", "private"});
    CHECK(several.propagation == std::vector<unsigned long> {MS_SHARED | MS_REC, MS_SLAVE, MS_PRIVATE});
}

TEST_CASE("bind and rbind clone the source; the per-mount flags go on the clone's top mount")
{
    auto bind = plan_of({"/data", "none", "/src", {"bind", "ro", "nosuid", "nodev", "noexec"}, {}, {}});
    CHECK(bind.method == MountMethod::Bind);
    CHECK_FALSE(bind.recursive);
    CHECK(bind.flags == (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC));

    auto rbind = plan_of({"/data", "none", "/src", {"rbind", "noatime"}, {}, {}});
    CHECK(rbind.method == MountMethod::Bind);
    CHECK(rbind.recursive);
    CHECK(rbind.flags == MS_NOATIME);

    // The type alone makes a bind; options that are not flags have nowhere to go on one.
    auto typed = plan_of({"/data", "bind", "/src", {"mode=755"}, {}, {}});
    CHECK(typed.method == MountMethod::Bind);
    CHECK_FALSE(typed.recursive);
    CHECK(typed.data.empty());
    CHECK_FALSE(typed.tmpfs_mode);
    CHECK(typed.borrow == BorrowOnEperm::No);
}

TEST_CASE("options that are not flags are the filesystem's data, in order; tmpcopyup is kept")
{
    auto plan = tmpfs_with({"nosuid", "size=64k", "mode=1777", "nr_inodes=10", "tmpcopyup", "huge"});
    CHECK(plan.flags == MS_NOSUID);
    CHECK(plan.data == "size=64k,mode=1777,nr_inodes=10,huge");
    CHECK(plan.tmpcopyup);
    CHECK(plan.tmpfs_mode);
    CHECK_FALSE(tmpfs_with({}).tmpcopyup);
}

TEST_CASE("every mount option the parser knows has a case here")
{
    std::set<std::string> covered(kOtherWords.begin(), kOtherWords.end());
    for (const auto& row : kFlagRows)
        covered.insert(row.options.begin(), row.options.end());
    for (const auto& row : kAttrRows)
        covered.insert(row.option);
    for (const auto& row : kPropagationRows)
        covered.insert(row.option);
    for (const auto& word : oci::known_mount_options()) {
        CAPTURE(word);
        CHECK(covered.count(word) == 1);
    }
}

TEST_CASE("idmap and ridmap: the tree is only cloned and attached here; the runtime sets the rest")
{
    for (const std::string word : {"idmap", "ridmap"}) {
        CAPTURE(word);
        auto plan = plan_of({"/id", "bind", "/src", {"rbind", word, "ro", "rnosuid", "rshared"}, {}, {}}, {},
            DeferReadonly::Yes);
        CHECK(plan.method == MountMethod::IdmappedBind);
        CHECK(plan.recursive);
        CHECK(plan.flags == 0);
        CHECK(plan.recursive_attr.empty());
        CHECK(plan.propagation.empty());
        CHECK_FALSE(plan.readonly_later);
    }
    // Mappings on the mount ask for one too, without a word.
    oci::Mount mapped {"/id", "bind", "/src", {"bind"}, {{0, 1000, 1}}, {{0, 1000, 1}}};
    auto plan = plan_of(mapped);
    CHECK(plan.method == MountMethod::IdmappedBind);
    CHECK_FALSE(plan.recursive);
}

TEST_CASE("a cgroup mount takes its flags as parsed and nothing else")
{
    auto plan = plan_of(
        {"/sys/fs/cgroup", "cgroup", "cgroup", {"ro", "nosuid", "rshared", "rnodev", "x=y"}, {}, {}}, {},
        DeferReadonly::Yes);
    CHECK(plan.method == MountMethod::Cgroup);
    CHECK(plan.flags == (MS_RDONLY | MS_NOSUID));
    CHECK_FALSE(plan.readonly_later);
    CHECK(plan.propagation.empty());
    CHECK(plan.recursive_attr.empty());
    CHECK(plan.data.empty());
}

TEST_CASE("a read-only mount waits for /dev where something is still made beneath it")
{
    struct Row {
        oci::Mount m;
        bool later;
    };
    const Row rows[] = {
        // A writable filesystem anywhere, read-only by flag or by attribute.
        {{"/dev", "tmpfs", "tmpfs", {"ro"}, {}, {}}, true},
        {{"/tmp", "tmpfs", "tmpfs", {"ro"}, {}, {}}, true},
        {{"/tmp", "tmpfs", "tmpfs", {"rro"}, {}, {}}, true},
        {{"/tmp", "tmpfs", "tmpfs", {}, {}, {}}, false},
        // A bind only at /dev: elsewhere what would be made in it is the host's directory.
        {{"/dev", "bind", "/dev", {"rbind", "ro"}, {}, {}}, true},
        {{"/dev/", "bind", "/dev", {"rbind", "ro"}, {}, {}}, true},
        {{"/data", "bind", "/tmp", {"rbind", "ro"}, {}, {}}, false},
        {{"/dev", "bind", "/dev", {"rbind"}, {}, {}}, false},
        // The pseudo filesystems take no new entries, except as /dev itself.
        {{"/proc", "proc", "proc", {"ro"}, {}, {}}, false},
        {{"/sys", "sysfs", "sysfs", {"ro"}, {}, {}}, false},
        {{"/dev/mqueue", "mqueue", "mqueue", {"ro"}, {}, {}}, false},
        {{"/dev/pts", "devpts", "devpts", {"ro"}, {}, {}}, false},
        {{"/dev", "devpts", "devpts", {"ro"}, {}, {}}, true},
    };
    for (const auto& row : rows) {
        CAPTURE(row.m.destination);
        CAPTURE(row.m.type);
        CAPTURE(joined(row.m.options));
        auto plan = plan_of(row.m, {}, DeferReadonly::Yes);
        CHECK(plan.readonly_later == row.later);
        if (plan.readonly_later) {
            // Attached writable: the read-only comes at the end of prepare_rootfs.
            CHECK((plan.flags & MS_RDONLY) == 0);
            CHECK((plan.recursive_attr.set & MOUNT_ATTR_RDONLY) == 0);
        }
        // Without deferral everything is read-only at once.
        auto now = plan_of(row.m, {}, DeferReadonly::No);
        CHECK_FALSE(now.readonly_later);
    }
    CHECK((plan_of({"/tmp", "tmpfs", "tmpfs", {"ro"}, {}, {}}).flags & MS_RDONLY) != 0);
}

TEST_CASE("how a new filesystem's target is checked, and what stands in for one the kernel refuses")
{
    rootfs::RootfsOptions own;
    CHECK(plan_of({"/proc", "proc", "proc", {}, {}, {}}, own).ordinary_directory);
    CHECK(plan_of({"/sys", "sysfs", "sysfs", {}, {}, {}}, own).ordinary_directory);
    CHECK_FALSE(plan_of({"/tmp", "tmpfs", "tmpfs", {}, {}, {}}, own).ordinary_directory);
    CHECK_FALSE(plan_of({"/proc", "proc", "proc", {}, {}, {}}, own).tmpfs_mode);
    CHECK(plan_of({"/sys", "sysfs", "sysfs", {}, {}, {}}, own).borrow == BorrowOnEperm::No);
    CHECK(plan_of({"/dev/mqueue", "mqueue", "mqueue", {}, {}, {}}, own).borrow == BorrowOnEperm::No);

    rootfs::RootfsOptions shared;
    shared.new_network_ns = false;
    shared.new_ipc_ns = false;
    CHECK(plan_of({"/sys", "sysfs", "sysfs", {}, {}, {}}, shared).borrow == BorrowOnEperm::HostSysfs);
    CHECK(
        plan_of({"/dev/mqueue", "mqueue", "mqueue", {}, {}, {}}, shared).borrow == BorrowOnEperm::HostMqueue);
    CHECK(plan_of({"/proc", "proc", "proc", {}, {}, {}}, shared).borrow == BorrowOnEperm::No);
}

TEST_CASE("the mount label goes into the data of the filesystems runc labels, and onto mqueue's root")
{
    rootfs::RootfsOptions opts;
    opts.mount_label = kLabel;
    const std::string context = std::string("context=\"") + kLabel + "\"";
    CHECK(plan_of({"/run", "tmpfs", "tmpfs", {"size=1m"}, {}, {}}, opts).data == "size=1m," + context);
    CHECK(plan_of({"/dev/pts", "devpts", "devpts", {}, {}, {}}, opts).data == context);
    CHECK(plan_of({"/proc", "proc", "proc", {}, {}, {}}, opts).data.empty());
    CHECK(plan_of({"/run", "tmpfs", "tmpfs", {"context=x"}, {}, {}}, opts).data == "context=x");
    CHECK(plan_of({"/run", "tmpfs", "tmpfs", {"remount"}, {}, {}}, opts).data.empty());
    auto mqueue = plan_of({"/dev/mqueue", "mqueue", "mqueue", {}, {}, {}}, opts);
    CHECK(mqueue.data.empty());
    CHECK(mqueue.relabel_root);
    CHECK_FALSE(plan_of({"/dev/mqueue", "mqueue", "mqueue", {}, {}, {}}).relabel_root);
}

TEST_CASE("the destination is a path inside the rootfs; errors name it as the config writes it")
{
    rootfs::RootfsOptions opts;
    opts.rootfs = "/b/rootfs";
    auto plan = plan_of({"/b/rootfs/data", "bind", "/src", {"bind"}, {}, {}}, opts);
    CHECK(plan.mount.destination == "/data");
    CHECK(plan.what == "mount /b/rootfs/data");
    CHECK(plan.mount.source == "/src");
}

TEST_CASE("the runtime opens the source of the mounts it was told about, when it can be asked")
{
    const std::vector<size_t> sources {1, 3};
    rootfs::RootfsOptions opts;
    opts.runtime_sources = &sources;
    const oci::Mount m {"/data", "bind", "/src", {"bind"}, {}, {}};
    // No way to ask: nothing comes from the runtime.
    CHECK_FALSE(plan_of(m, opts, DeferReadonly::No, 1).runtime_source);
    opts.runtime_source = [](size_t) -> Result<UniqueFd> { return Error::message("not asked"); };
    CHECK(plan_of(m, opts, DeferReadonly::No, 1).runtime_source);
    CHECK(plan_of(m, opts, DeferReadonly::No, 1).index == 1);
    CHECK_FALSE(plan_of(m, opts, DeferReadonly::No, 2).runtime_source);
    CHECK(plan_of(m, opts, DeferReadonly::No, 3).runtime_source);
}

TEST_CASE("an option the parser refuses is the plan's only error")
{
    auto plan = plan_mount(
        {"/x", "tmpfs", "tmpfs", {std::string("size=1k\0x", 9)}, {}, {}}, 0, {}, DeferReadonly::No);
    REQUIRE_FALSE(plan.ok());
    CHECK(plan.error().text() == "mount option contains a NUL byte");
}

// ---- the plan applied ---------------------------------------------------------------------------

TEST_CASE("apply: a read-only bind of /dev is attached writable and handed back to be made read-only")
{
    TempRootfs root;
    test::FakeSys sys;
    rootfs::RootfsOptions opts;
    auto plan
        = plan_of({"/dev", "bind", "/tmp", {"rbind", "ro", "nosuid"}, {}, {}}, opts, DeferReadonly::Yes);
    std::vector<rootfs::ReadonlyLater> later;
    REQUIRE(rootfs::apply_mount(sys, root.fd.get(), plan, opts, later).ok());
    CHECK(sys.calls
        == std::vector<std::string> {"open_tree /tmp " + std::to_string(OPEN_TREE_CLONE | AT_RECURSIVE),
            "mount_setattr /dev set=" + std::to_string(MOUNT_ATTR_NOSUID) + " clr=0 propagation=0",
            "move_mount /dev fd:" + root.path + "/dev"});
    REQUIRE(later.size() == 1);
    CHECK(later[0].destination == "/dev");
    CHECK(later[0].mount);
}

TEST_CASE("apply: a tmpfs gets its data and the mount label as parameters, its flags at fsmount")
{
    TempRootfs root;
    test::FakeSys sys;
    rootfs::RootfsOptions opts;
    opts.mount_label = kLabel;
    auto plan
        = plan_of({"/run", "tmpfs", "tmpfs", {"nosuid", "nodev", "size=64k", "mode=755"}, {}, {}}, opts);
    std::vector<rootfs::ReadonlyLater> later;
    REQUIRE(rootfs::apply_mount(sys, root.fd.get(), plan, opts, later).ok());
    CHECK(sys.calls
        == std::vector<std::string> {"fsopen tmpfs", "fsconfig source=tmpfs", "fsconfig size=64k",
            "fsconfig mode=755", std::string("fsconfig context=") + kLabel, "fsconfig create /run",
            "fsmount /run " + std::to_string(MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV),
            "move_mount /run fd:" + root.path + "/run"});
    CHECK(later.empty());
}

TEST_CASE("apply: propagation goes on the attached mount, after the move")
{
    TempRootfs root;
    test::FakeSys sys;
    rootfs::RootfsOptions opts;
    auto plan = plan_of({"/shared", "tmpfs", "tmpfs", {"rshared", "rnoexec"}, {}, {}}, opts);
    std::vector<rootfs::ReadonlyLater> later;
    REQUIRE(rootfs::apply_mount(sys, root.fd.get(), plan, opts, later).ok());
    CHECK(sys.calls
        == std::vector<std::string> {"fsopen tmpfs", "fsconfig source=tmpfs", "fsconfig create /shared",
            "fsmount /shared 0",
            "mount_setattr /shared set=" + std::to_string(MOUNT_ATTR_NOEXEC)
                + " clr=0 propagation=0 recursive",
            "move_mount /shared fd:" + root.path + "/shared",
            "mount_setattr /shared set=0 clr=0 propagation=" + std::to_string(MS_SHARED) + " recursive"});
}

TEST_CASE("apply: an mqueue with a mount label is labelled through Sys before it is attached")
{
    TempRootfs root;
    test::FakeSys sys;
    rootfs::RootfsOptions opts;
    opts.mount_label = kLabel;
    auto plan = plan_of({"/dev/mqueue", "mqueue", "mqueue", {}, {}, {}}, opts);
    std::vector<rootfs::ReadonlyLater> later;
    REQUIRE(rootfs::apply_mount(sys, root.fd.get(), plan, opts, later).ok());
    CHECK(sys.calls_of("fsetxattr")
        == std::vector<std::string> {std::string("fsetxattr security.selinux ") + kLabel});
    CHECK(sys.calls.back() == "move_mount /dev/mqueue fd:" + root.path + "/dev/mqueue");
}

TEST_CASE("apply: an idmapped bind is cloned, handed to the runtime by index, then attached")
{
    TempRootfs root;
    test::FakeSys sys;
    rootfs::RootfsOptions opts;
    std::vector<size_t> asked;
    opts.idmap_tree = [&](size_t index, int) -> Result<void> {
        asked.push_back(index);
        return ok();
    };
    auto plan
        = plan_of({"/id", "bind", "/tmp", {"rbind", "idmap", "ro"}, {}, {}}, opts, DeferReadonly::Yes, 4);
    std::vector<rootfs::ReadonlyLater> later;
    REQUIRE(rootfs::apply_mount(sys, root.fd.get(), plan, opts, later).ok());
    CHECK(asked == std::vector<size_t> {4});
    CHECK(sys.calls
        == std::vector<std::string> {"open_tree /tmp " + std::to_string(OPEN_TREE_CLONE | AT_RECURSIVE),
            "move_mount /id fd:" + root.path + "/id"});
    CHECK(later.empty());

    // Without a runtime to ask, nothing is attached.
    test::FakeSys alone;
    auto refused = rootfs::apply_mount(alone, root.fd.get(), plan, {}, later);
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().text() == "mount /id: no runtime to give the tree its id mapping");
    CHECK(alone.calls.empty());
}

TEST_CASE("apply: a source the runtime opens is asked for by index; its failure names the mount")
{
    TempRootfs root;
    test::FakeSys sys;
    const std::vector<size_t> sources {2};
    rootfs::RootfsOptions opts;
    opts.runtime_sources = &sources;
    opts.runtime_source = [](size_t index) -> Result<UniqueFd> {
        return Error::from_code(ENOENT, "open", "source " + std::to_string(index));
    };
    auto plan = plan_of({"/data", "bind", "/src", {"bind"}, {}, {}}, opts, DeferReadonly::No, 2);
    std::vector<rootfs::ReadonlyLater> later;
    auto r = rootfs::apply_mount(sys, root.fd.get(), plan, opts, later);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code() == ENOENT);
    CHECK(r.error().text().rfind("mount /data: open source 2", 0) == 0);
    CHECK(sys.calls.empty());
}
