// Mount sources and destinations the way runc reads them: a destination written as a host path
// under the rootfs names the place inside it, and a bind whose source the runtime opened is
// cloned from that fd, never looked up again by path (rootfs/sources.hpp).
#include "fake_sys.hpp"
#include "mount_entry.hpp"
#include "rootfs/resolve.hpp"
#include "rootfs/rootfs.hpp"
#include "rootfs/sources.hpp"

#include <cstdlib>
#include <doctest/doctest.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace hull;

TEST_CASE("a destination under the rootfs path names the place inside the root; others stay as written")
{
    using rootfs::lexically_in_root;
    CHECK(lexically_in_root("/b/rootfs", "/b/rootfs/final") == "/final");
    CHECK(lexically_in_root("/b/rootfs/", "/b//rootfs/./mnt/x/") == "/mnt/x");
    CHECK(lexically_in_root("/b/rootfs", "/b/rootfs") == "/");
    CHECK(lexically_in_root("/b/rootfs", "/b/x/../rootfs/y") == "/y");
    CHECK(lexically_in_root("/b/rootfs", "/b/rootfs2/y") == "/b/rootfs2/y");
    CHECK(lexically_in_root("/b/rootfs", "/proc/") == "/proc/");
    CHECK(lexically_in_root("/b/rootfs", "relative/x") == "relative/x");
    CHECK(lexically_in_root("/", "/etc") == "/etc");
}

TEST_CASE("a bind whose source the runtime opened is cloned from that fd, at the destination inside the root")
{
    char tmpl[] = "/tmp/hull-sources-XXXXXX";
    std::string root_path = ::mkdtemp(tmpl);
    UniqueFd root(::open(root_path.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    REQUIRE(root);
    UniqueFd source(::open("/tmp", O_PATH | O_DIRECTORY | O_CLOEXEC));
    REQUIRE(source);
    test::FakeSys sys;
    rootfs::RootfsOptions opts;
    opts.rootfs = root_path;
    // The source string is not looked at again: a path that does not exist changes nothing.
    oci::Mount m {root_path + "/data", "bind", "/nonexistent-hull-source", {"rbind", "ro"}, {}, {}};
    auto mounted = test::mount_entry(sys, root.get(), m, opts, nullptr, source.get());
    CHECK(mounted.ok());
    CHECK(sys.calls
        == std::vector<std::string> {
            "open_tree  " + std::to_string(OPEN_TREE_CLONE | AT_RECURSIVE | AT_EMPTY_PATH),
            "mount_setattr /data set=" + std::to_string(MOUNT_ATTR_RDONLY) + " clr=0 propagation=0",
            "move_mount /data fd:" + root_path + "/data"});
    struct stat st;
    CHECK(::stat((root_path + "/data").c_str(), &st) == 0);
    CHECK(S_ISDIR(st.st_mode));
    // An error still names the destination as the config writes it.
    test::FakeSys failing;
    failing.fail_at = 2; // move_mount
    auto refused = test::mount_entry(failing, root.get(), m, opts, nullptr, source.get());
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().text().rfind("mount " + root_path + "/data: ", 0) == 0);
    std::system(("rm -rf " + root_path).c_str());
}

TEST_CASE("the runtime opens the sources of binds, idmapped too, in config order, only when it reaches more")
{
    oci::Spec spec;
    spec.mounts = {
        {"/proc", "proc", "proc", {}, {}, {}},
        {"/a", "bind", "a", {"rbind"}, {}, {}},
        {"/b", "", "/b", {"bind", "ro"}, {}, {}},
        {"/t", "tmpfs", "tmpfs", {}, {}, {}},
        {"/i", "bind", "/i", {"bind", "idmap"}, {}, {}},
        {"/sys/fs/cgroup", "cgroup", "cgroup", {"bind"}, {}, {}},
        {"/c", "none", "/c", {"rbind"}, {}, {}},
    };
    CHECK(rootfs::sources_opened_by_runtime(spec, true) == std::vector<size_t> {1, 2, 4, 6});
    CHECK(rootfs::sources_opened_by_runtime(spec, false).empty());
}
