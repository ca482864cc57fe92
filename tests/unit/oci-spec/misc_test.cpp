// Container IDs, mount options, namespace names and the known-name lists.
#include "hull/oci/id.hpp"
#include "hull/oci/known.hpp"
#include "hull/oci/mount_options.hpp"
#include "hull/oci/spec.hpp"

#include <doctest/doctest.h>

#include <sys/mount.h>

#include <algorithm>

using namespace hull::oci;

TEST_CASE("validate_container_id")
{
    for (const char* id : {"abc", "a.b", "A_B-c+1", "...", "x..y", "0"})
        CHECK_MESSAGE(validate_container_id(id).ok(), id);
    for (const char* id : {"", ".", "..", "a/b", "../x", "a b", "a:b", "ä", "a\nb"}) {
        auto r = validate_container_id(id);
        REQUIRE_FALSE_MESSAGE(r.ok(), id);
        CHECK(r.error().text() == "invalid container ID format");
    }
}

TEST_CASE("parse_mount_options: flags, clears and data")
{
    auto r = parse_mount_options({"nosuid", "noexec", "nodev", "mode=755", "size=65536k", "strictatime"});
    REQUIRE(r.ok());
    CHECK(r.value().flags == (MS_NOSUID | MS_NOEXEC | MS_NODEV | MS_STRICTATIME));
    CHECK(r.value().clear_flags == 0);
    CHECK(r.value().data == "mode=755,size=65536k");
    CHECK_FALSE(r.value().bind);

    auto rw = parse_mount_options({"ro", "rw", "suid"});
    REQUIRE(rw.ok());
    CHECK(rw.value().flags == 0);
    CHECK(rw.value().clear_flags == (MS_RDONLY | MS_NOSUID));

    auto unknown = parse_mount_options({"newinstance", "ptmxmode=0666", "defaults"});
    REQUIRE(unknown.ok());
    CHECK(unknown.value().flags == 0);
    CHECK(unknown.value().data == "newinstance,ptmxmode=0666");
}

TEST_CASE("parse_mount_options: bind, propagation and recursive attributes")
{
    auto r = parse_mount_options(
        {"rbind", "rprivate", "slave", "rro", "rnosuid", "rnoatime", "tmpcopyup", "ridmap"});
    REQUIRE(r.ok());
    const MountFlags& m = r.value();
    CHECK(m.bind);
    CHECK(m.recursive);
    CHECK(m.flags == (MS_BIND | MS_REC));
    CHECK(m.propagation == std::vector<unsigned long> {MS_PRIVATE | MS_REC, MS_SLAVE});
    CHECK(m.attr_set == (MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOATIME));
    CHECK(m.attr_clr == MOUNT_ATTR__ATIME);
    CHECK(m.tmpcopyup);
    CHECK(m.idmap);
    CHECK(m.idmap_recursive);
    CHECK(m.data.empty());

    auto bind = parse_mount_options({"bind", "idmap", "rrw"});
    REQUIRE(bind.ok());
    CHECK(bind.value().bind);
    CHECK_FALSE(bind.value().recursive);
    CHECK(bind.value().idmap);
    CHECK_FALSE(bind.value().idmap_recursive);
    CHECK(bind.value().attr_clr == MOUNT_ATTR_RDONLY);

    auto relatime = parse_mount_options({"rrelatime"});
    REQUIRE(relatime.ok());
    CHECK(relatime.value().attr_set == 0);
    CHECK(relatime.value().attr_clr == MOUNT_ATTR__ATIME);

    auto nul = parse_mount_options({std::string("a\0b", 3)});
    CHECK_FALSE(nul.ok());
}

TEST_CASE("known_mount_options is sorted and holds runc's names")
{
    const auto& list = known_mount_options();
    CHECK(std::is_sorted(list.begin(), list.end()));
    for (const char* name :
        {"ro", "rw", "bind", "rbind", "rro", "rnosymfollow", "tmpcopyup", "runbindable", "defaults"})
        CHECK_MESSAGE(is_known(list, name), name);
    CHECK_FALSE(is_known(list, "mode=755"));
}

TEST_CASE("known lists")
{
    CHECK(known_capabilities().size() == 41);
    CHECK(known_capabilities().front() == "CAP_CHOWN");
    CHECK(known_capabilities()[21] == "CAP_SYS_ADMIN");
    CHECK(known_capabilities().back() == "CAP_CHECKPOINT_RESTORE");
    CHECK(known_rlimits().size() == 16);
    CHECK(is_known(known_rlimits(), "RLIMIT_RTTIME"));
    CHECK(known_hooks().size() == 6);
    CHECK(known_namespaces().size() == 8);
    CHECK(is_known(known_seccomp_actions(), "SCMP_ACT_KILL_PROCESS"));
    CHECK(is_known(known_seccomp_flags(), "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"));
}

TEST_CASE("namespace type names")
{
    for (const std::string& name : known_namespaces()) {
        auto t = namespace_type_from_string(name);
        REQUIRE(t);
        CHECK(to_string(*t) == name);
    }
    CHECK_FALSE(namespace_type_from_string("net"));
    Spec s;
    CHECK(find_namespace(s, NamespaceType::Pid) == nullptr);
    s.linux = Linux {};
    s.linux->namespaces = {Namespace {.type = NamespaceType::Ipc, .path = "/proc/1/ns/ipc"}};
    REQUIRE(find_namespace(s, NamespaceType::Ipc));
    CHECK(find_namespace(s, NamespaceType::Ipc)->path == "/proc/1/ns/ipc");
}
