// The console-socket protocol: what strict receivers (go-runc, conmon) accept, what
// receive_console_master refuses, and connect errors in Go's wording.
#include "helpers.hpp"

#include <cstring>
#include <dirent.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <vector>

using namespace hull;
using namespace terminal_test;

namespace {

hull::FdPair stream_pair()
{
    auto pair = FdPair::socketpair(SOCK_STREAM);
    REQUIRE(pair.ok());
    return std::move(pair).value();
}

// A receiver as strict as go-runc's recvFd and conmon's: the control data must be exactly one
// cmsg of CMSG_LEN(sizeof(int)) taking exactly CMSG_SPACE(sizeof(int)), and the name short.
struct Strict {
    std::string error;
    std::string name;
    UniqueFd fd;
};

Strict strict_receive(int sock)
{
    Strict out;
    char name[4096];
    struct iovec iov = {name, sizeof name};
    union {
        struct cmsghdr align;
        char buf[CMSG_SPACE(sizeof(int) * 4)]; // room to notice extra fds
    } control;
    std::memset(&control, 0, sizeof control);
    struct msghdr msg = {};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.buf;
    msg.msg_controllen = sizeof control.buf;
    ssize_t n = ::recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
    if (n <= 0) {
        out.error = "recvmsg returned " + std::to_string(n);
        return out;
    }
    if (n >= 4096)
        out.error = "name too long";
    if (msg.msg_controllen != CMSG_SPACE(sizeof(int)))
        out.error = "msg_controllen " + std::to_string(msg.msg_controllen);
    struct cmsghdr* c = CMSG_FIRSTHDR(&msg);
    if (!c) {
        out.error = "no cmsg";
        return out;
    }
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
        out.error = "not SCM_RIGHTS";
    if (c->cmsg_len != CMSG_LEN(sizeof(int)))
        out.error = "cmsg_len " + std::to_string(c->cmsg_len);
    if (CMSG_NXTHDR(&msg, c) != nullptr)
        out.error = "more than one cmsg";
    int fd;
    std::memcpy(&fd, CMSG_DATA(c), sizeof fd);
    out.fd.reset(fd);
    out.name.assign(name, static_cast<size_t>(n));
    return out;
}

// Sends `fds` (any number) with `data` in one message, as a misbehaving runtime would.
void send_raw(int sock, const std::string& data, const std::vector<int>& fds)
{
    struct iovec iov = {const_cast<char*>(data.data()), data.size()};
    std::vector<char> control(CMSG_SPACE(sizeof(int) * fds.size()));
    struct msghdr msg = {};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    if (!fds.empty()) {
        msg.msg_control = control.data();
        msg.msg_controllen = control.size();
        struct cmsghdr* c = CMSG_FIRSTHDR(&msg);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int) * fds.size());
        std::memcpy(CMSG_DATA(c), fds.data(), sizeof(int) * fds.size());
    }
    REQUIRE(::sendmsg(sock, &msg, MSG_NOSIGNAL) == static_cast<ssize_t>(data.size()));
}

size_t open_fd_count()
{
    size_t n = 0;
    DIR* d = ::opendir("/proc/self/fd");
    REQUIRE(d != nullptr);
    while (auto* e = ::readdir(d))
        if (e->d_name[0] != '.')
            ++n;
    ::closedir(d);
    return n;
}

} // namespace

TEST_CASE("send_console_master sends one message a strict receiver (go-runc, conmon) accepts")
{
    auto pty = host_pty();
    auto pair = stream_pair();
    auto sent = terminal::send_console_master(pair.child_end().get(), pty.master.get(), "/dev/pts/ptmx");
    REQUIRE_MESSAGE(sent.ok(), sent.error().text());
    auto got = strict_receive(pair.parent_end().get());
    CHECK(got.error == "");
    CHECK(got.name == "/dev/pts/ptmx");
    REQUIRE(got.fd);
    // The received fd is the same master: it talks to our slave.
    REQUIRE(write_str(got.fd.get(), "hi\n"));
    CHECK(read_for(pty.slave.get(), 3) == "hi\n");
}

TEST_CASE("send_console_master refuses an empty or too long name")
{
    auto pty = host_pty();
    auto pair = stream_pair();
    CHECK_FALSE(terminal::send_console_master(pair.child_end().get(), pty.master.get(), "").ok());
    CHECK_FALSE(
        terminal::send_console_master(pair.child_end().get(), pty.master.get(), std::string(4096, 'x')).ok());
    CHECK(
        terminal::send_console_master(pair.child_end().get(), pty.master.get(), std::string(4095, 'x')).ok());
}

TEST_CASE("receive_console_master takes the master send_console_master sent")
{
    auto pty = host_pty();
    auto pair = stream_pair();
    REQUIRE(terminal::send_console_master(pair.child_end().get(), pty.master.get(), pty.master_name).ok());
    pty.master.reset(); // the sender keeps no copy
    auto master = terminal::receive_console_master(pair.parent_end().get());
    REQUIRE_MESSAGE(master.ok(), master.error().text());
    CHECK(cloexec(master.value().get()));
    REQUIRE(write_str(pty.slave.get(), "from the container"));
    CHECK(read_for(master.value().get(), 18) == "from the container");
}

TEST_CASE("receive_console_master refuses malformed messages and closes what came with them")
{
    auto pty = host_pty();
    size_t before = open_fd_count();
    {
        auto pair = stream_pair();
        send_raw(pair.child_end().get(), "two", {pty.master.get(), pty.slave.get()});
        auto r = terminal::receive_console_master(pair.parent_end().get());
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().text() == "receive console master: expected one fd, got 2");
    }
    {
        auto pair = stream_pair();
        send_raw(pair.child_end().get(), "none", {});
        auto r = terminal::receive_console_master(pair.parent_end().get());
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().text() == "receive console master: expected one control message, got 0");
    }
    {
        auto pair = stream_pair();
        UniqueFd null(::open("/dev/null", O_RDWR | O_CLOEXEC));
        send_raw(pair.child_end().get(), "null", {null.get()});
        auto r = terminal::receive_console_master(pair.parent_end().get());
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().text() == "receive console master: the received fd is not a terminal");
    }
    {
        auto pair = stream_pair();
        pair.close_child_end();
        auto r = terminal::receive_console_master(pair.parent_end().get());
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().text().find("closed before a pty master was sent") != std::string::npos);
    }
    // Every received fd was closed again.
    CHECK(open_fd_count() == before);
}

TEST_CASE("connect_console_socket: errors in runc's wording, abstract and long paths refused")
{
    TempDir dir;
    std::string missing = dir.file("missing.sock");
    auto r = terminal::connect_console_socket(missing);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().text() == "dial unix " + missing + ": connect: no such file or directory");

    std::string longpath = dir.path + "/" + std::string(120, 'a') + ".sock";
    auto l = terminal::connect_console_socket(longpath);
    REQUIRE_FALSE(l.ok());
    CHECK(l.error().text().find("dial unix " + longpath + ": ") == 0);
    CHECK(l.error().text().find("too long") != std::string::npos);

    auto a = terminal::connect_console_socket("@hull-console");
    REQUIRE_FALSE(a.ok());
    CHECK(a.error().text().find("dial unix @hull-console: abstract socket addresses are not supported") == 0);

    auto e = terminal::connect_console_socket("");
    REQUIRE_FALSE(e.ok());
    CHECK(e.error().text() == "dial unix: missing address");

    // Something that is not a listening socket.
    std::string file = dir.file("file");
    ::close(::open(file.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600));
    auto f = terminal::connect_console_socket(file);
    REQUIRE_FALSE(f.ok());
    CHECK(f.error().text() == "dial unix " + file + ": connect: connection refused");
}

TEST_CASE("connect_console_socket reaches a listener, and the master goes through it end to end")
{
    TempDir dir;
    std::string path = dir.file("pty.sock");
    UniqueFd listener(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    REQUIRE(listener);
    struct sockaddr_un addr = {};
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, path.data(), path.size());
    REQUIRE(::bind(listener.get(), reinterpret_cast<struct sockaddr*>(&addr), sizeof addr) == 0);
    REQUIRE(::listen(listener.get(), 128) == 0);

    auto conn = terminal::connect_console_socket(path);
    REQUIRE_MESSAGE(conn.ok(), conn.error().text());
    CHECK(cloexec(conn.value().get()));
    UniqueFd accepted(::accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC));
    REQUIRE(accepted);

    auto pty = host_pty();
    REQUIRE(terminal::send_console_master(conn.value().get(), pty.master.get(), pty.master_name).ok());
    conn.value().reset();
    auto got = strict_receive(accepted.get());
    CHECK(got.error == "");
    CHECK(got.name == "/dev/ptmx");
    REQUIRE(write_str(pty.slave.get(), "ok"));
    CHECK(read_for(got.fd.get(), 2) == "ok");
}
