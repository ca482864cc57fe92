// The container side: pty allocation, /dev/console and the controlling terminal. No root
// needed: the host's /dev/ptmx stands in for the container's, and mounts happen in a forked
// child's own user and mount namespaces.
#include "helpers.hpp"

#include <cstdlib>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <termios.h>

using namespace hull;
using namespace terminal_test;

namespace {

std::string stat_rdev(const std::string& path, dev_t& rdev)
{
    struct stat st = {};
    if (::stat(path.c_str(), &st) < 0)
        return "stat " + path + ": " + std::strerror(errno);
    if (!S_ISCHR(st.st_mode))
        return path + " is not a char device";
    rdev = st.st_rdev;
    return "";
}

} // namespace

TEST_CASE("open_container_pty gives an unlocked, working pair whose peer came from the master")
{
    auto pty = host_pty();
    CHECK(pty.master_name == "/dev/ptmx");
    REQUIRE(pty.master);
    REQUIRE(pty.slave);
    CHECK(::isatty(pty.master.get()));
    CHECK(::isatty(pty.slave.get()));
    CHECK(cloexec(pty.master.get()));
    CHECK(cloexec(pty.slave.get()));

    // The name is the pts number of this very master, and the slave fd is that pts.
    char name[64] = {};
    REQUIRE(::ptsname_r(pty.master.get(), name, sizeof name) == 0);
    CHECK(pty.slave_name == name);
    char* tty = ::ttyname(pty.slave.get());
    REQUIRE(tty != nullptr);
    CHECK(pty.slave_name == tty);

    // Both directions carry data (default termios: canonical input, ONLCR output).
    REQUIRE(write_str(pty.slave.get(), "ping"));
    CHECK(read_for(pty.master.get(), 4) == "ping");
    REQUIRE(write_str(pty.master.get(), "pong\n"));
    CHECK(read_for(pty.slave.get(), 5) == "pong\n");
}

TEST_CASE("consoleSize is applied to the pty: rows are the height, columns the width")
{
    auto pty = host_pty(oci::ConsoleSize {37, 123});
    struct winsize ws = {};
    REQUIRE(::ioctl(pty.slave.get(), TIOCGWINSZ, &ws) == 0);
    CHECK(ws.ws_row == 37);
    CHECK(ws.ws_col == 123);

    // As runc: a size with a zero in it is not applied.
    auto zero = host_pty(oci::ConsoleSize {0, 80});
    REQUIRE(::ioctl(zero.slave.get(), TIOCGWINSZ, &ws) == 0);
    CHECK(ws.ws_row == 0);
    CHECK(ws.ws_col == 0);
}

TEST_CASE("open_container_pty refuses anything that is not a ptmx, and symlinks")
{
    auto null = terminal::open_container_pty({}, "/dev/null");
    REQUIRE_FALSE(null.ok());
    CHECK(null.error().text() == "allocate pty: verify /dev/null: not a ptmx device: char device 1:3");

    TempDir dir;
    {
        UniqueFd f(::open(dir.file("ptmx").c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666));
        REQUIRE(f);
    }
    auto regular = terminal::open_container_pty({}, dir.file("ptmx"));
    REQUIRE_FALSE(regular.ok());
    CHECK(regular.error().text().find("not a ptmx device: regular file") != std::string::npos);

    // A symlink to the real thing is still refused: nothing is followed on the way.
    REQUIRE(::symlink("/dev/ptmx", dir.file("link").c_str()) == 0);
    auto link = terminal::open_container_pty({}, dir.file("link"));
    REQUIRE_FALSE(link.ok());
    CHECK(link.error().code() == ELOOP);
    REQUIRE(::symlink("/dev", dir.file("devlink").c_str()) == 0);
    auto dirlink = terminal::open_container_pty({}, dir.file("devlink") + "/ptmx");
    REQUIRE_FALSE(dirlink.ok());
    CHECK(dirlink.error().code() == ELOOP);
}

TEST_CASE(
    "a devpts instance's ptmx is used as is, its peer is from that instance, and overmounts are refused")
{
    TempDir dir;
    std::string pts = dir.file("pts");
    REQUIRE(::mkdir(pts.c_str(), 0755) == 0);
    std::string failure = in_child([&]() -> std::string {
        if (auto e = enter_user_and_mount_ns(); !e.empty())
            return e;
        if (::mount("devpts", pts.c_str(), "devpts", 0, "newinstance,ptmxmode=0666,mode=0620") < 0)
            return "mount devpts: " + std::string(std::strerror(errno));
        auto pty = terminal::open_container_pty(oci::ConsoleSize {10, 20}, pts + "/ptmx");
        if (!pty)
            return pty.error().text();
        // A fresh instance numbers from 0; the peer is pts 0 of this instance, not of the host's.
        if (pty.value().slave_name != "/dev/pts/0")
            return "slave name " + pty.value().slave_name;
        struct stat slave = {}, ptsdir = {};
        if (::fstat(pty.value().slave.get(), &slave) < 0 || ::stat(pts.c_str(), &ptsdir) < 0)
            return "stat failed";
        if (slave.st_dev != ptsdir.st_dev || major(slave.st_rdev) != 136 || minor(slave.st_rdev) != 0)
            return "the peer is not pts 0 of the new instance";
        if (!write_str(pty.value().slave.get(), "x") || read_for(pty.value().master.get(), 1) != "x")
            return "the pair does not carry data";
        // Under devpts too, only the ptmx is accepted: not one of its pts nodes.
        auto peer = terminal::open_container_pty({}, pts + "/0");
        if (peer)
            return "a pts slave was accepted as a ptmx";
        if (peer.error().text().find("not a ptmx device: char device 136:0") == std::string::npos)
            return "unexpected error: " + peer.error().text();
        // Something mounted over the instance's ptmx is not opened.
        if (::mount("/dev/null", (pts + "/ptmx").c_str(), nullptr, MS_BIND, nullptr) < 0)
            return "bind /dev/null: " + std::string(std::strerror(errno));
        auto over = terminal::open_container_pty({}, pts + "/ptmx");
        if (over)
            return "an overmounted ptmx was accepted";
        if (over.error().code() != EXDEV)
            return "unexpected error: " + over.error().text();
        return "";
    });
    CHECK(failure == "");
}

TEST_CASE("mount_console binds the slave onto <dev>/console through fds, never through symlinks")
{
    TempDir dir;
    std::string dev = dir.file("dev");
    REQUIRE(::mkdir(dev.c_str(), 0755) == 0);
    std::string failure = in_child([&]() -> std::string {
        LinuxSys sys;
        if (auto e = enter_user_and_mount_ns(); !e.empty())
            return e;
        if (::mount("none", "/", nullptr, MS_REC | MS_PRIVATE, nullptr) < 0)
            return "make / private: " + std::string(std::strerror(errno));
        if (::mount("tmpfs", dev.c_str(), "tmpfs", 0, "mode=0755") < 0)
            return "mount tmpfs: " + std::string(std::strerror(errno));
        auto opened = terminal::open_container_pty({}, terminal::k_legacy_ptmx);
        if (!opened)
            return opened.error().text();
        auto& pty = opened.value();
        struct stat slave = {};
        if (::fstat(pty.slave.get(), &slave) < 0)
            return "fstat slave";

        // 1. Missing: created, then the slave is mounted on it.
        if (auto r = terminal::mount_console(sys, pty.slave.get(), dev); !r)
            return r.error().text();
        dev_t rdev = 0;
        if (auto e = stat_rdev(dev + "/console", rdev); !e.empty())
            return e;
        if (rdev != slave.st_rdev)
            return "/dev/console is not the slave";
        {
            UniqueFd console(::open((dev + "/console").c_str(), O_RDWR | O_NOCTTY | O_CLOEXEC));
            if (!console || !write_str(console.get(), "via console"))
                return "write /dev/console: " + std::string(std::strerror(errno));
            if (read_for(pty.master.get(), 11) != "via console")
                return "the master did not get what /dev/console was written";
        }

        // 2. An existing regular file is a valid target too.
        std::string dev2 = dev + "/2";
        ::mkdir(dev2.c_str(), 0755);
        ::close(::open((dev2 + "/console").c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600));
        if (auto r = terminal::mount_console(sys, pty.slave.get(), dev2); !r)
            return "existing file: " + r.error().text();
        if (auto e = stat_rdev(dev2 + "/console", rdev); !e.empty() || rdev != slave.st_rdev)
            return "existing file not overmounted: " + e;

        // 3. A symlinked console is refused; its target is untouched.
        std::string dev3 = dev + "/3";
        ::mkdir(dev3.c_str(), 0755);
        UniqueFd victim(::open((dev3 + "/victim").c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600));
        if (!victim || !write_str(victim.get(), "keep")
            || ::symlink("victim", (dev3 + "/console").c_str()) < 0)
            return "set up the symlink";
        auto r3 = terminal::mount_console(sys, pty.slave.get(), dev3);
        if (r3)
            return "a symlinked /dev/console was followed";
        if (r3.error().text().find("not a symlink") == std::string::npos)
            return "unexpected error: " + r3.error().text();
        struct stat vst = {};
        if (::stat((dev3 + "/victim").c_str(), &vst) < 0 || !S_ISREG(vst.st_mode) || vst.st_size != 4)
            return "the symlink's target was changed";

        // 4. A directory is refused.
        std::string dev4 = dev + "/4";
        ::mkdir(dev4.c_str(), 0755);
        ::mkdir((dev4 + "/console").c_str(), 0755);
        auto r4 = terminal::mount_console(sys, pty.slave.get(), dev4);
        if (r4 || r4.error().text().find("not a directory") == std::string::npos)
            return "a directory was accepted: " + (r4 ? std::string("ok") : r4.error().text());

        // 5. A symlinked dev directory is refused.
        if (::symlink(dev.c_str(), (dev + "/5").c_str()) < 0)
            return "symlink dev";
        auto r5 = terminal::mount_console(sys, pty.slave.get(), dev + "/5");
        if (r5 || r5.error().code() != ELOOP)
            return "a symlinked dev directory was followed";
        return "";
    });
    CHECK(failure == "");
}

TEST_CASE("make_controlling_terminal: new session, the slave as controlling tty and on 0, 1, 2")
{
    std::string failure = in_child([]() -> std::string {
        auto opened = terminal::open_container_pty({}, terminal::k_legacy_ptmx);
        if (!opened)
            return opened.error().text();
        auto& pty = opened.value();
        int original = pty.slave.get();
        if (auto r = terminal::make_controlling_terminal(std::move(pty.slave)); !r)
            return r.error().text();
        if (::getsid(0) != ::getpid())
            return "not a session leader";
        for (int fd = 0; fd <= 2; ++fd) {
            const char* name = ::ttyname(fd);
            if (!name || pty.slave_name != name)
                return "fd " + std::to_string(fd) + " is not " + pty.slave_name;
            if (::fcntl(fd, F_GETFD) != 0)
                return "fd " + std::to_string(fd) + " has FD_CLOEXEC";
        }
        if (::tcgetpgrp(0) != ::getpgrp())
            return "tcgetpgrp: " + std::string(std::strerror(errno));
        if (::fcntl(original, F_GETFD) >= 0 || errno != EBADF)
            return "the original slave fd was left open";
        // It is this process's controlling terminal: /dev/tty opens, and it is the pty.
        UniqueFd tty(::open("/dev/tty", O_RDWR | O_CLOEXEC));
        if (!tty)
            return "open /dev/tty: " + std::string(std::strerror(errno));
        if (!write_str(tty.get(), "ctty") || read_for(pty.master.get(), 4) != "ctty")
            return "/dev/tty is not the slave";
        return "";
    });
    CHECK(failure == "");
}

TEST_CASE("make_controlling_terminal keeps a slave that already is fd 0 (and an existing session)")
{
    std::string failure = in_child([]() -> std::string {
        if (::setsid() < 0)
            return "setsid";
        auto opened = terminal::open_container_pty({}, terminal::k_legacy_ptmx);
        if (!opened)
            return opened.error().text();
        ::close(0);
        int zero = ::fcntl(opened.value().slave.get(), F_DUPFD_CLOEXEC, 0);
        if (zero != 0)
            return "could not put the slave on fd 0";
        if (auto r = terminal::make_controlling_terminal(UniqueFd(0)); !r)
            return r.error().text();
        if (::fcntl(0, F_GETFD) != 0)
            return "fd 0 was closed or kept FD_CLOEXEC";
        const char* name = ::ttyname(2);
        if (!name || opened.value().slave_name != name)
            return "fd 2 is not the slave";
        if (::tcgetpgrp(0) != ::getpgrp())
            return "not the controlling terminal";
        return "";
    });
    CHECK(failure == "");
}

TEST_CASE("give_pty_to: the slave's owner becomes the user, its group stays devpts's; a refusal leaves it")
{
    auto pty = host_pty();
    struct stat before = {};
    REQUIRE(::fstat(pty.slave.get(), &before) == 0);
    const uid_t other = before.st_uid + 1000;
    REQUIRE(terminal::give_pty_to(pty.slave.get(), other).ok());
    struct stat after = {};
    REQUIRE(::fstat(pty.slave.get(), &after) == 0);
    CHECK(after.st_gid == before.st_gid);
    // Root may give it away; anyone else is refused (EPERM), which is not an error.
    CHECK(after.st_uid == (::geteuid() == 0 ? other : before.st_uid));
    // Already the user's: nothing to do.
    REQUIRE(terminal::give_pty_to(pty.slave.get(), after.st_uid).ok());
}
