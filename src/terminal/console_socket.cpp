// runc's console-socket protocol (cli-contract.md §6.1): one message, the pty master's name as
// data and the master itself as the only SCM_RIGHTS fd.
#include "terminal/console.hpp"

#include <cstring>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <vector>

namespace hull::terminal {

namespace {

// Room for a few fds more than the protocol allows, so that a malformed message is received
// whole (and every fd in it closed) rather than truncated.
constexpr size_t k_receive_control = CMSG_SPACE(sizeof(int) * 8);

// connect(2) interrupted by a signal goes on in the background: wait for its outcome.
int finish_interrupted_connect(int fd)
{
    struct pollfd p = {fd, POLLOUT, 0};
    int r;
    do
        r = ::poll(&p, 1, -1);
    while (r < 0 && errno == EINTR);
    if (r < 0)
        return -1;
    int err = 0;
    socklen_t len = sizeof err;
    if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
        return -1;
    errno = err;
    return err == 0 ? 0 : -1;
}

// The outermost frame of every error send_console_master returns.
constexpr std::string_view k_send_master = "send console master";

} // namespace

Error name_console_socket(Error error, const std::string& path)
{
    if (error.text().starts_with(k_send_master))
        error.context("console socket " + path);
    return error;
}

Result<void> send_console_master(int socket_fd, int master_fd, std::string_view name)
{
    // An empty payload on a stream socket reads as EOF; conmon and runc refuse 4096 bytes or more.
    if (name.empty())
        return Error::message(std::string(k_send_master) + ": the name must not be empty");
    if (name.size() >= k_max_console_name)
        return Error::message(
            std::string(k_send_master) + ": name too long (" + std::to_string(name.size()) + " bytes)");

    struct iovec iov = {const_cast<char*>(name.data()), name.size()};
    union {
        struct cmsghdr align;
        char buf[CMSG_SPACE(sizeof(int))];
    } control;
    std::memset(&control, 0, sizeof control);
    struct msghdr msg = {};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.buf;
    msg.msg_controllen = sizeof control.buf; // exactly CMSG_SPACE(sizeof(int)): go-runc checks it
    struct cmsghdr* cmsg = CMSG_FIRSTHDR(&msg);
    cmsg->cmsg_level = SOL_SOCKET;
    cmsg->cmsg_type = SCM_RIGHTS;
    cmsg->cmsg_len = CMSG_LEN(sizeof(int)); // conmon checks this one
    std::memcpy(CMSG_DATA(cmsg), &master_fd, sizeof master_fd);

    ssize_t n;
    do
        n = ::sendmsg(socket_fd, &msg, MSG_NOSIGNAL);
    while (n < 0 && errno == EINTR);
    if (n < 0)
        return Error::from_errno("sendmsg", "console socket").context(std::string(k_send_master));
    if (static_cast<size_t>(n) != name.size())
        return Error::message(std::string(k_send_master) + ": short write to the console socket ("
            + std::to_string(n) + " of " + std::to_string(name.size()) + " bytes)");
    return ok();
}

Result<UniqueFd> receive_console_master(int socket_fd)
{
    const std::string what = "receive console master";
    char name[k_max_console_name];
    struct iovec iov = {name, sizeof name};
    union {
        struct cmsghdr align;
        char buf[k_receive_control];
    } control;
    std::memset(&control, 0, sizeof control);
    struct msghdr msg = {};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.buf;
    msg.msg_controllen = sizeof control.buf;

    ssize_t n;
    do
        n = ::recvmsg(socket_fd, &msg, MSG_CMSG_CLOEXEC);
    while (n < 0 && errno == EINTR);
    if (n < 0)
        return Error::from_errno("recvmsg", "console socket").context(what);

    // Everything installed in our table is owned (and closed on every error) from here on.
    std::vector<UniqueFd> fds;
    size_t messages = 0;
    for (struct cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
        ++messages;
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS || c->cmsg_len < CMSG_LEN(0))
            continue;
        size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (size_t i = 0; i < count; ++i) {
            int fd;
            std::memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof fd);
            fds.emplace_back(fd);
        }
    }
    if (n == 0 && fds.empty())
        return Error::message(what + ": the console socket was closed before a pty master was sent");
    if (msg.msg_flags & MSG_CTRUNC)
        return Error::message(what + ": control data truncated (too many fds)");
    if (static_cast<size_t>(n) >= k_max_console_name)
        return Error::message(what + ": name too long");
    if (messages != 1)
        return Error::message(what + ": expected one control message, got " + std::to_string(messages));
    if (fds.size() != 1)
        return Error::message(what + ": expected one fd, got " + std::to_string(fds.size()));
    if (!::isatty(fds[0].get()))
        return Error::message(what + ": the received fd is not a terminal");
    return std::move(fds[0]);
}

Result<UniqueFd> connect_console_socket(const std::string& path)
{
    // Go's net.Dial wording, as runc reports it.
    const std::string what = "dial unix " + path;
    if (path.empty())
        return Error::message("dial unix: missing address");
    if (path[0] == '@')
        return Error::message(what + ": abstract socket addresses are not supported for the console socket");
    struct sockaddr_un addr = {};
    addr.sun_family = AF_UNIX;
    if (path.find('\0') != std::string::npos)
        return Error::message(what + ": the console socket path contains a NUL byte");
    if (path.size() >= sizeof addr.sun_path)
        return Error::message(what + ": the console socket path is too long (" + std::to_string(path.size())
            + " bytes; a unix socket path must be shorter than " + std::to_string(sizeof addr.sun_path)
            + ")");
    std::memcpy(addr.sun_path, path.data(), path.size());

    UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!fd)
        return Error::from_errno(what + ": socket");
    int r = ::connect(fd.get(), reinterpret_cast<const struct sockaddr*>(&addr), sizeof addr);
    if (r < 0 && errno == EINTR)
        r = finish_interrupted_connect(fd.get());
    if (r < 0)
        return Error::from_errno(what + ": connect");
    return fd;
}

} // namespace hull::terminal
