// SCMP_ACT_NOTIFY: the listener fd from load(), the container process state sent with it to
// listenerPath, and answering the notification from this (the agent's) side.
#include "sc_helpers.hpp"

#include <cstring>
#include <doctest/doctest.h>
#include <linux/seccomp.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>

using namespace hull;
using namespace sc_test;

namespace {

struct Listener {
    std::string dir;
    std::string path;
    UniqueFd sock;

    Listener()
    {
        char tmpl[] = "/tmp/hull-sc-XXXXXX";
        dir = mkdtemp(tmpl);
        path = dir + "/agent.sock";
        sock.reset(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
        sockaddr_un addr {};
        addr.sun_family = AF_UNIX;
        std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
        REQUIRE(bind(sock.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
        REQUIRE(listen(sock.get(), 1) == 0);
    }
    ~Listener()
    {
        unlink(path.c_str());
        rmdir(dir.c_str());
    }

    // Accepts one connection; returns the whole payload and the fd that came with it.
    bool receive(std::string& payload, UniqueFd& fd, int timeout_ms = 10000)
    {
        pollfd p {sock.get(), POLLIN, 0};
        if (poll(&p, 1, timeout_ms) != 1)
            return false;
        UniqueFd conn(accept4(sock.get(), nullptr, nullptr, SOCK_CLOEXEC));
        if (!conn)
            return false;
        char buf[4096];
        for (;;) {
            alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
            iovec iov {buf, sizeof buf};
            msghdr msg {};
            msg.msg_iov = &iov;
            msg.msg_iovlen = 1;
            msg.msg_control = control;
            msg.msg_controllen = sizeof control;
            ssize_t n = recvmsg(conn.get(), &msg, MSG_CMSG_CLOEXEC);
            if (n <= 0)
                return n == 0;
            for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
                if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
                    int received;
                    std::memcpy(&received, CMSG_DATA(c), sizeof received);
                    fd.reset(received);
                }
            payload.append(buf, static_cast<size_t>(n));
        }
    }
};

oci::State sample_state()
{
    oci::State s;
    s.ociVersion = "1.3.0";
    s.id = "c1";
    s.status = "creating";
    s.pid = 4422;
    s.bundle = "/containers/redis";
    s.rootfs = "/containers/redis/rootfs";
    s.created = "2024-01-01T00:00:00.000000000Z";
    s.annotations = {{"myKey", "myValue"}, {"bundle", "/containers/redis"}};
    s.owner = "root";
    return s;
}

} // namespace

TEST_CASE("the container process state has runtime-spec's shape")
{
    CHECK(seccomp::container_process_state_json(sample_state(), 4422, "MKNOD=/dev/null")
        == R"({"ociVersion":"1.3.0","fds":["seccompFd"],"pid":4422,"metadata":"MKNOD=/dev/null",)"
           R"("state":{"ociVersion":"1.3.0","id":"c1","status":"creating","pid":4422,)"
           R"("bundle":"/containers/redis","annotations":{"myKey":"myValue"}}})");
    oci::State bare = sample_state();
    bare.pid = 0;
    bare.annotations.clear();
    CHECK(seccomp::container_process_state_json(bare, 7, "")
        == R"({"ociVersion":"1.3.0","fds":["seccompFd"],"pid":7,)"
           R"("state":{"ociVersion":"1.3.0","id":"c1","status":"creating","bundle":"/containers/redis"}})");
}

TEST_CASE("send_listener names the socket when it cannot connect")
{
    auto r = seccomp::send_listener("/nonexistent/hull/agent.sock", 0, "{}");
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code() == ENOENT);
    CHECK(r.error().text()
        == "failed to connect with seccomp agent specified in the seccomp profile: "
           "connect /nonexistent/hull/agent.sock: no such file or directory");
    auto long_path = seccomp::send_listener("/" + std::string(200, 'a'), 0, "{}");
    CHECK(long_path.error().code() == ENAMETOOLONG);
    CHECK(long_path.error().text().starts_with("failed to connect with seccomp agent"));
}

TEST_CASE("send_listener delivers the state and the fd in one connection")
{
    Listener agent;
    int fds[2];
    REQUIRE(pipe2(fds, O_CLOEXEC) == 0);
    UniqueFd read_end(fds[0]), write_end(fds[1]);
    std::string big(100000, 'x'); // more than one socket buffer's worth: several sendmsg calls
    std::string payload = R"({"metadata":")" + big + R"("})";
    pid_t pid = fork();
    if (pid == 0)
        _exit(seccomp::send_listener(agent.path, read_end.get(), payload).ok() ? 0 : 1);
    ChildProcess child(pid);
    std::string got;
    UniqueFd fd;
    REQUIRE(agent.receive(got, fd));
    CHECK(got == payload);
    REQUIRE(fd);
    // The fd is the pipe's read end.
    REQUIRE(write(write_end.get(), "k", 1) == 1);
    char c = 0;
    CHECK(read(fd.get(), &c, 1) == 1);
    CHECK(c == 'k');
    auto status = child.wait();
    REQUIRE(status.ok());
    CHECK(status.value() == 0);
}

TEST_CASE("SCMP_ACT_NOTIFY: load returns a listener, the agent gets it and answers the call")
{
    Listener agent;
    std::string target = agent.dir + "/made-by-mkdir";
    auto s = profile("SCMP_ACT_ALLOW", {rule({"mkdir"}, "SCMP_ACT_NOTIFY")});
    s.listenerPath = agent.path;
    s.listenerMetadata = "meta";
    s.flags = {"SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"};
    auto f = seccomp::compile(s);
    REQUIRE(f.ok());
    REQUIRE(f.value().notify);
    std::string json = seccomp::container_process_state_json(sample_state(), 4422, s.listenerMetadata);

    // The child plays the container init: load, hand the listener over, then make the call.
    int fds[2];
    REQUIRE(pipe2(fds, O_CLOEXEC) == 0);
    UniqueFd report_read(fds[0]), report_write(fds[1]);
    pid_t pid = fork();
    if (pid == 0) {
        prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
        auto listener = seccomp::load(f.value());
        if (!listener.ok() || listener.value() < 0)
            _exit(kLoadFailed);
        if (!seccomp::send_listener(agent.path, listener.value(), json).ok())
            _exit(kLoadFailed + 1);
        close(listener.value());
        long e = err(syscall(SYS_mkdir, target.c_str(), 0700));
        _exit(static_cast<int>(e));
    }
    ChildProcess child(pid);

    std::string got;
    UniqueFd listener;
    REQUIRE(agent.receive(got, listener));
    CHECK(got == json);
    REQUIRE(listener);

    pollfd p {listener.get(), POLLIN, 0};
    REQUIRE(poll(&p, 1, 10000) == 1);
    seccomp_notif req {};
    REQUIRE(ioctl(listener.get(), SECCOMP_IOCTL_NOTIF_RECV, &req) == 0);
    CHECK(req.data.nr == SYS_mkdir);
    CHECK(req.pid == static_cast<uint32_t>(pid));
    seccomp_notif_resp resp {};
    resp.id = req.id;
    resp.error = -ENOMEDIUM;
    REQUIRE(ioctl(listener.get(), SECCOMP_IOCTL_NOTIF_SEND, &resp) == 0);

    auto status = child.wait();
    REQUIRE(status.ok());
    CHECK(WIFEXITED(status.value()));
    CHECK(WEXITSTATUS(status.value()) == ENOMEDIUM);
    struct stat st;
    CHECK(stat(target.c_str(), &st) != 0);
    // The container is gone: the listener reports POLLHUP.
    p = {listener.get(), POLLIN, 0};
    REQUIRE(poll(&p, 1, 5000) == 1);
    CHECK((p.revents & POLLHUP) != 0);
}
