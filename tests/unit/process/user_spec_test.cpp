#include "process/user_spec.hpp"

#include <cerrno>
#include <cstdlib>
#include <doctest/doctest.h>
#include <fcntl.h>
#include <fstream>
#include <sys/stat.h>
#include <unistd.h>

using namespace hull;
using namespace hull::process;

namespace {

// A container passwd with the traps of security.md §2.5: users literally named "0" and "1000"
// with other uids, and a user whose name starts with a digit.
constexpr std::string_view kPasswd = "root:x:0:0:root:/root:/bin/sh\n"
                                     "daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"
                                     "0:x:4242:4243:trap:/trap:/bin/sh\n"
                                     "1000:x:4343:4344:trap:/trap2:/bin/sh\n"
                                     "1name:x:1500:1501::/home/1name:/bin/sh\n"
                                     "alice:x:1000:1000:Alice:/home/alice:/bin/sh\n"
                                     "nohome:x:2000:2001:::/bin/sh\n"
                                     "broken:x:abc:1:::\n";

constexpr std::string_view kGroup = "root:x:0:\n"
                                    "daemon:x:1:\n"
                                    "wheel:x:10:alice,root\n"
                                    "audio:x:29:bob,alice\n"
                                    "alice:x:1000:\n"
                                    "video:x:44:root\n"
                                    "1grp:x:55:\n";

ResolvedUser must_resolve(std::string_view spec)
{
    auto r = resolve_user_spec(spec, kPasswd, kGroup);
    INFO("spec ", spec, ": ", r.ok() ? "" : r.error().text());
    REQUIRE(r.ok());
    return r.value();
}

std::string resolve_error(std::string_view spec)
{
    auto r = resolve_user_spec(spec, kPasswd, kGroup);
    INFO("spec ", spec);
    REQUIRE_FALSE(r.ok());
    return r.error().text();
}

// A temporary directory standing in for a container rootfs, opened as the resolution root.
struct TempRoot {
    std::string path;
    int fd = -1;
    TempRoot()
    {
        char tmpl[] = "/tmp/hull-userspec-XXXXXX";
        path = ::mkdtemp(tmpl);
        ::mkdir((path + "/etc").c_str(), 0755);
        fd = ::open(path.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
    }
    ~TempRoot()
    {
        ::close(fd);
        std::system(("rm -rf '" + path + "'").c_str());
    }
    void write(const std::string& rel, std::string_view text) const { std::ofstream(path + rel) << text; }
};

} // namespace

TEST_CASE("passwd and group parsing")
{
    auto alice = find_user_by_name(kPasswd, "alice");
    REQUIRE(alice);
    CHECK(alice->uid == 1000);
    CHECK(alice->gid == 1000);
    CHECK(alice->home == "/home/alice");
    CHECK_FALSE(find_user_by_name(kPasswd, "ghost"));
    CHECK_FALSE(find_user_by_name(kPasswd, "broken"));
    CHECK_FALSE(find_user_by_name(kPasswd, ""));

    auto wheel = find_group_by_name(kGroup, "wheel");
    REQUIRE(wheel);
    CHECK(wheel->gid == 10);
    CHECK(wheel->members == std::vector<std::string> {"alice", "root"});
    CHECK_FALSE(find_group_by_name(kGroup, "nope"));

    CHECK(groups_of_user(kGroup, "alice") == std::vector<gid_t> {10, 29});
    CHECK(groups_of_user(kGroup, "root") == std::vector<gid_t> {10, 44});
    CHECK(groups_of_user(kGroup, "nobody").empty());
    CHECK(groups_of_user(kGroup, "").empty());
    CHECK(groups_of_user("g:x:5:,,\n", "").empty());
}

TEST_CASE("numeric specs are numbers, never names")
{
    auto r = must_resolve("1");
    CHECK(r.uid == 1);
    CHECK(r.gid == 1);
    CHECK(r.home == "/usr/sbin");

    r = must_resolve("1:1");
    CHECK(r.uid == 1);
    CHECK(r.gid == 1);

    r = must_resolve("0:1");
    CHECK(r.uid == 0);
    CHECK(r.gid == 1);
    CHECK(r.additional_gids.empty());

    // The passwd user literally named "0" (uid 4242) is never consulted for "0".
    r = must_resolve("0");
    CHECK(r.uid == 0);
    CHECK(r.gid == 0);
    CHECK(r.home == "/root");
    // uid 0 is root, whose supplementary groups come with it.
    CHECK(r.additional_gids == std::vector<gid_t> {10, 44});

    r = must_resolve("1000");
    CHECK(r.uid == 1000);
    CHECK(r.gid == 1000);
    CHECK(r.home == "/home/alice");
    CHECK(r.additional_gids == std::vector<gid_t> {10, 29});

    // Leading zeros are still decimal numbers.
    CHECK(must_resolve("007").uid == 7);
    CHECK(must_resolve("4294967294").uid == 4294967294U);
}

TEST_CASE("a uid without a passwd entry gets gid 0 and home /")
{
    auto r = must_resolve("4999");
    CHECK(r.uid == 4999);
    CHECK(r.gid == 0);
    CHECK(r.home == "/");
    CHECK(r.additional_gids.empty());

    r = must_resolve("4999:7");
    CHECK(r.gid == 7);

    // 4242 is the uid of the user named "0": by number, that entry is the right one.
    r = must_resolve("4242");
    CHECK(r.gid == 4243);
    CHECK(r.home == "/trap");

    r = resolve_user_spec("123", "", "").value();
    CHECK(r.uid == 123);
    CHECK(r.gid == 0);
    CHECK(r.home == "/");
}

TEST_CASE("names resolve through passwd and group")
{
    auto r = must_resolve("alice");
    CHECK(r.uid == 1000);
    CHECK(r.gid == 1000);
    CHECK(r.home == "/home/alice");
    CHECK(r.additional_gids == std::vector<gid_t> {10, 29});

    // A name that starts with a digit is a name.
    r = must_resolve("1name");
    CHECK(r.uid == 1500);
    CHECK(r.gid == 1501);
    CHECK(r.home == "/home/1name");

    // An empty home field falls back to "/".
    CHECK(must_resolve("nohome").home == "/");

    r = must_resolve("alice:audio");
    CHECK(r.uid == 1000);
    CHECK(r.gid == 29);
    // An explicit group replaces the supplementary groups, as in runc.
    CHECK(r.additional_gids.empty());

    r = must_resolve("alice:7");
    CHECK(r.gid == 7);
    CHECK(r.home == "/home/alice");

    r = must_resolve("1:wheel");
    CHECK(r.uid == 1);
    CHECK(r.gid == 10);

    r = must_resolve("5000:1grp");
    CHECK(r.uid == 5000);
    CHECK(r.gid == 55);
}

TEST_CASE("unknown names are errors with runc's wording")
{
    CHECK(resolve_error("ghost") == "unable to find user ghost: no matching entries in passwd file");
    CHECK(resolve_error("ghost:0") == "unable to find user ghost: no matching entries in passwd file");
    CHECK(
        resolve_error("alice:nogroup") == "unable to find group nogroup: no matching entries in group file");
    CHECK(resolve_error("0:nogroup") == "unable to find group nogroup: no matching entries in group file");
    // The trap user named "0" must not be reachable by a name lookup either: "broken" has a bad uid.
    CHECK(resolve_error("broken").find("unable to find user broken") == 0);
    // Without a passwd file names cannot resolve.
    CHECK_FALSE(resolve_user_spec("alice", "", "").ok());
}

TEST_CASE("malformed specs are rejected")
{
    for (std::string_view spec :
        {"", "4294967295", "4294967296", "99999999999999999999999", "-1", "+1", " 1", "1 ", "1:", ":1", ":",
            "a:b:c", "1:2:3", "1::", "0:-1", "0:+1", "0: 1", "0:4294967295", "al ice", "alice\t", "1\n"}) {
        auto r = resolve_user_spec(spec, kPasswd, kGroup);
        INFO("spec \"", spec, "\"");
        CHECK_FALSE(r.ok());
    }
    CHECK(resolve_error("a:b:c").find("more than one ':'") != std::string::npos);
    CHECK(resolve_error("1:").find("empty group") != std::string::npos);
    CHECK(resolve_error(":1").find("empty user") != std::string::npos);
    CHECK(resolve_error("4294967295").find("out of range") != std::string::npos);
}

TEST_CASE("resolve_user_in_root reads the container's files")
{
    TempRoot root;
    root.write("/etc/passwd", kPasswd);
    root.write("/etc/group", kGroup);
    auto r = resolve_user_in_root(root.fd, "alice");
    REQUIRE(r.ok());
    CHECK(r.value().uid == 1000);
    CHECK(r.value().additional_gids == std::vector<gid_t> {10, 29});
    r = resolve_user_in_root(root.fd, "0");
    REQUIRE(r.ok());
    CHECK(r.value().uid == 0);
    CHECK(r.value().home == "/root");
    CHECK_FALSE(resolve_user_in_root(root.fd, "ghost").ok());
    CHECK_FALSE(resolve_user_in_root(root.fd, "1:").ok());
}

TEST_CASE("missing files count as empty")
{
    TempRoot root;
    auto r = resolve_user_in_root(root.fd, "1000");
    REQUIRE(r.ok());
    CHECK(r.value().uid == 1000);
    CHECK(r.value().gid == 0);
    CHECK(r.value().home == "/");
    CHECK(resolve_user_in_root(root.fd, "1000:5").value().gid == 5);
    auto err = resolve_user_in_root(root.fd, "root");
    REQUIRE_FALSE(err.ok());
    CHECK(err.error().text() == "unable to find user root: no matching entries in passwd file");
}

TEST_CASE("etc/passwd -> /etc/passwd is resolved in the root, never reaching the host's file")
{
    TempRoot root;
    REQUIRE(::symlink("/etc/passwd", (root.path + "/etc/passwd").c_str()) == 0);
    REQUIRE(::symlink("/etc/group", (root.path + "/etc/group").c_str()) == 0);
    // Inside the root, /etc/passwd is the link itself: the lookup loops instead of opening the
    // host's file, whose "root" entry would otherwise resolve.
    auto r = resolve_user_in_root(root.fd, "root");
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code() == ELOOP);
    CHECK_FALSE(resolve_user_in_root(root.fd, "0").ok());
}

TEST_CASE("absolute and dot-dot symlinks land on the container's files")
{
    TempRoot root;
    ::mkdir((root.path + "/real").c_str(), 0755);
    root.write("/real/passwd", "root:x:0:0::/container-root:/bin/sh\nprobe:x:777:778::/in:/bin/sh\n");
    root.write("/real/group", "wheel:x:10:root\n");
    REQUIRE(::symlink("/real/passwd", (root.path + "/etc/passwd").c_str()) == 0);
    // Dot-dot past the top stays at the root, as "/.." does.
    REQUIRE(::symlink("../../../../../../real/group", (root.path + "/etc/group").c_str()) == 0);
    auto r = resolve_user_in_root(root.fd, "0");
    REQUIRE(r.ok());
    CHECK(r.value().home == "/container-root");
    CHECK(r.value().additional_gids == std::vector<gid_t> {10});
    r = resolve_user_in_root(root.fd, "probe");
    REQUIRE(r.ok());
    CHECK(r.value().uid == 777);
    CHECK(r.value().gid == 778);
}

TEST_CASE("a FIFO planted at /etc/passwd is refused rather than read")
{
    TempRoot root;
    REQUIRE(::mkfifo((root.path + "/etc/passwd").c_str(), 0644) == 0);
    auto r = resolve_user_in_root(root.fd, "0");
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().text() == "/etc/passwd is not a regular file");
    CHECK(home_in_root(root.fd, 0) == "/");
}

TEST_CASE("home_in_root reads the entry of the uid, \"/\" without one")
{
    TempRoot root;
    root.write("/etc/passwd", kPasswd);
    CHECK(home_in_root(root.fd, 0) == "/root");
    CHECK(home_in_root(root.fd, 1000) == "/home/alice");
    CHECK(home_in_root(root.fd, 2000) == "/");
    CHECK(home_in_root(root.fd, 77) == "/");
}
