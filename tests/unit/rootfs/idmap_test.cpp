// Idmapped mounts (rootfs/idmap.hpp): the runtime's checks before clone, its user namespace whose
// maps go through Sys, and the mapping and flags it gives the init's tree through Sys.
#include "fake_sys.hpp"
#include "rootfs/idmap.hpp"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace hull;

namespace {

bool ends_with(const std::string& s, const std::string& tail)
{
    return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

} // namespace

TEST_CASE("apply_idmap: the mapping on the tree, then the top mount's flags, then the recursive ones")
{
    test::FakeSys sys;
    rootfs::IdmapPlan plan;
    plan.userns = UniqueFd(::open("/dev/null", O_RDONLY | O_CLOEXEC));
    REQUIRE(plan.userns);
    plan.recursive = true;
    plan.top_set = MOUNT_ATTR_RDONLY;
    plan.rec_set = MOUNT_ATTR_NOSUID;
    plan.what = "idmapped mount /id";
    plan.source = "/src";
    UniqueFd tree(::open("/tmp", O_PATH | O_DIRECTORY | O_CLOEXEC));
    REQUIRE(rootfs::apply_idmap(sys, tree.get(), plan).ok());
    CHECK(sys.calls
        == std::vector<std::string> {"mount_setattr /src set=" + std::to_string(MOUNT_ATTR_IDMAP)
                + " clr=0 propagation=0 recursive userns",
            "mount_setattr /src set=" + std::to_string(MOUNT_ATTR_RDONLY) + " clr=0 propagation=0",
            "mount_setattr /src set=" + std::to_string(MOUNT_ATTR_NOSUID)
                + " clr=0 propagation=0 recursive"});

    // "idmap" maps the top mount only; no flags, no further calls.
    test::FakeSys top_only;
    plan.recursive = false;
    plan.top_set = plan.rec_set = 0;
    REQUIRE(rootfs::apply_idmap(top_only, tree.get(), plan).ok());
    CHECK(top_only.calls
        == std::vector<std::string> {
            "mount_setattr /src set=" + std::to_string(MOUNT_ATTR_IDMAP) + " clr=0 propagation=0 userns"});

    // A failure names the mount.
    test::FakeSys failing;
    failing.fail_at = 0;
    failing.fail_errno = EINVAL;
    auto r = rootfs::apply_idmap(failing, tree.get(), plan);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code() == EINVAL);
    CHECK(r.error().text().rfind("idmapped mount /id: ", 0) == 0);
}

TEST_CASE("plan_idmapped_mounts refuses what cannot be idmapped before anything is made")
{
    test::FakeSys sys;
    oci::Spec spec;
    spec.mounts = {{"/t", "tmpfs", "tmpfs", {"idmap"}, {}, {}}};
    auto not_bind = rootfs::plan_idmapped_mounts(sys, spec);
    REQUIRE_FALSE(not_bind.ok());
    CHECK(not_bind.error().text() == "idmapped mount /t: only bind mounts can be idmapped");

    spec.mounts = {{"/b", "bind", "/src", {"rbind", "ridmap"}, {}, {}}};
    auto unmapped = rootfs::plan_idmapped_mounts(sys, spec);
    REQUIRE_FALSE(unmapped.ok());
    CHECK(unmapped.error().text()
        == "idmapped mount /b: no uidMappings/gidMappings on the mount or the container");
    CHECK(sys.calls.empty());

    spec.mounts = {{"/plain", "bind", "/src", {"rbind", "ro"}, {}, {}}};
    auto none = rootfs::plan_idmapped_mounts(sys, spec);
    REQUIRE(none.ok());
    CHECK(none.value().empty());
    CHECK(sys.calls.empty());
}

TEST_CASE("plan_idmapped_mounts writes the user namespace's maps through Sys and keeps the flags")
{
    test::FakeSys sys;
    oci::Spec spec;
    spec.linux = oci::Linux {};
    spec.linux->uidMappings = {{0, 100000, 65536}};
    spec.linux->gidMappings = {{0, 200000, 65536}};
    spec.mounts = {{"/x", "tmpfs", "tmpfs", {}, {}, {}},
        {"/id", "bind", "/src", {"rbind", "ridmap", "ro", "rnosuid"}, {{0, 1000, 1}}, {{0, 2000, 1}}},
        {"/c", "bind", "/src", {"bind", "idmap"}, {}, {}}};
    // The short-lived child that holds the namespace is real: a user namespace is made here.
    auto plans = rootfs::plan_idmapped_mounts(sys, spec);
    REQUIRE(plans.ok());
    REQUIRE(plans.value().size() == 2);

    const auto& own = plans.value().at(1);
    CHECK(own.recursive);
    CHECK(own.what == "idmapped mount /id");
    CHECK(own.source == "/src");
    CHECK(own.top_set == MOUNT_ATTR_RDONLY);
    CHECK(own.rec_set == MOUNT_ATTR_NOSUID);
    CHECK(own.userns);
    struct stat st;
    REQUIRE(::fstat(own.userns.get(), &st) == 0);

    const auto& container = plans.value().at(2);
    CHECK_FALSE(container.recursive);
    CHECK(container.top_set == 0);

    // Each namespace's maps, uid first: the mount's own, then the container's.
    auto writes = sys.calls_of("write ");
    REQUIRE(writes.size() == 4);
    CHECK(ends_with(writes[0], "/uid_map 0 1000 1\n"));
    CHECK(ends_with(writes[1], "/gid_map 0 2000 1\n"));
    CHECK(ends_with(writes[2], "/uid_map 0 100000 65536\n"));
    CHECK(ends_with(writes[3], "/gid_map 0 200000 65536\n"));
}
