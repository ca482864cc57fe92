// /dev/console through the Sys seam: which mount calls mount_console makes, with a recording
// fake (the real mount is pty_test.cpp's). /dev/null stands in for the pty slave: a character
// device any process can open.
#include "fake_sys.hpp"
#include "terminal/console.hpp"

#include <cstdlib>
#include <doctest/doctest.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace hull;

namespace {

struct DevDir {
    std::string path;
    DevDir()
    {
        char tmpl[] = "/tmp/hull-console-XXXXXX";
        path = ::mkdtemp(tmpl);
    }
    ~DevDir() { std::system(("rm -rf " + path).c_str()); }
};

UniqueFd null_device()
{
    UniqueFd fd(::open("/dev/null", O_RDWR | O_CLOEXEC));
    REQUIRE(fd);
    return fd;
}

} // namespace

TEST_CASE("mount_console clones the slave's own mount and moves it onto the console it opened")
{
    DevDir dev;
    auto slave = null_device();
    test::FakeSys sys;
    REQUIRE(terminal::mount_console(sys, slave.get(), dev.path).ok());
    const std::string console = dev.path + "/console";
    CHECK(sys.calls
        == std::vector<std::string> {"open_tree  " + std::to_string(OPEN_TREE_CLONE | AT_EMPTY_PATH),
            "move_mount " + console + " fd:" + console});
    // The mount point was made, exclusively, as a regular file.
    struct stat st;
    REQUIRE(::lstat(console.c_str(), &st) == 0);
    CHECK(S_ISREG(st.st_mode));
}

TEST_CASE("mount_console binds the two fd links where the kernel has no open_tree")
{
    DevDir dev;
    auto slave = null_device();
    test::FakeSys sys;
    sys.fail_at = 0;
    sys.fail_errno = ENOSYS;
    REQUIRE(terminal::mount_console(sys, slave.get(), dev.path).ok());
    const std::string console = dev.path + "/console";
    REQUIRE(sys.calls.size() == 2);
    CHECK(sys.calls[1]
        == "mount /proc/self/fd/" + std::to_string(slave.get()) + " fd:" + console + "  "
            + std::to_string(MS_BIND) + " ");
}

TEST_CASE("mount_console: a failed clone names the console; a source that is no device mounts nothing")
{
    DevDir dev;
    auto slave = null_device();
    test::FakeSys sys;
    sys.fail_at = 0;
    sys.fail_errno = EACCES;
    auto r = terminal::mount_console(sys, slave.get(), dev.path);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code() == EACCES);
    CHECK(r.error().text() == "mount " + dev.path + "/console: open_tree pty slave: permission denied");
    CHECK(sys.calls.size() == 1);

    test::FakeSys untouched;
    UniqueFd dir(::open(dev.path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    auto refused = terminal::mount_console(untouched, dir.get(), dev.path);
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().text().find("the console source is not a character device") != std::string::npos);
    CHECK(untouched.calls.empty());
}
