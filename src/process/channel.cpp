#include "process/protocol.hpp"

#include <cstdlib>
#include <cstring>
#include <sys/socket.h>
#include <vector>

namespace hull::process {

const char* to_string(Msg msg)
{
    switch (msg) {
    case Msg::ChildReady:
        return "ChildReady";
    case Msg::ChildError:
        return "ChildError";
    case Msg::ParentCreated:
        return "ParentCreated";
    case Msg::ChildDetached:
        return "ChildDetached";
    case Msg::ParentMapsWritten:
        return "ParentMapsWritten";
    case Msg::ChildRequestHooks:
        return "ChildRequestHooks";
    case Msg::ParentHooksDone:
        return "ParentHooksDone";
    case Msg::ChildRequestMaps:
        return "ChildRequestMaps";
    case Msg::ChildInitPid:
        return "ChildInitPid";
    case Msg::ParentSetupReady:
        return "ParentSetupReady";
    case Msg::ChildSeccompListener:
        return "ChildSeccompListener";
    }
    return "unknown";
}

Result<void> Channel::send(Msg msg, std::string_view payload, int fd)
{
    std::string packet;
    packet.reserve(1 + payload.size());
    packet += static_cast<char>(msg);
    packet.append(payload);
    struct iovec iov = {packet.data(), packet.size()};
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } control;
    struct msghdr mh = {};
    mh.msg_iov = &iov;
    mh.msg_iovlen = 1;
    if (fd >= 0) {
        mh.msg_control = control.buf;
        mh.msg_controllen = sizeof control.buf;
        struct cmsghdr* c = CMSG_FIRSTHDR(&mh);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int));
        std::memcpy(CMSG_DATA(c), &fd, sizeof fd);
    }
    for (;;) {
        ssize_t n = ::sendmsg(m_fd.get(), &mh, MSG_NOSIGNAL);
        if (n >= 0)
            return ok();
        if (errno != EINTR)
            return Error::from_errno("send", to_string(msg));
    }
}

Result<void> Channel::send_seccomp_listener(int fd)
{
    return send(Msg::ChildSeccompListener, {}, fd);
}

Result<UniqueFd> Channel::wait_seccomp_listener()
{
    UniqueFd fd;
    TRY(receive(Msg::ChildSeccompListener, false, &fd));
    if (!fd)
        return Error::message("protocol error: no fd with the seccomp listener message");
    return fd;
}

void Channel::report_error(const Error& error)
{
    std::string payload = error.serialize();
    if (payload.size() + 1 > kMaxPacket)
        payload = Error::message(error.text().substr(0, kMaxPacket / 2)).serialize();
    (void)send(Msg::ChildError, payload);
}

Result<void> Channel::expect(Msg want)
{
    TRY(receive(want, false));
    return ok();
}

Result<std::string> Channel::wait_hooks_done()
{
    return receive(Msg::ParentHooksDone, true);
}

Result<pid_t> Channel::wait_init_pid()
{
    std::string text = TRY(receive(Msg::ChildInitPid, true));
    char* end = nullptr;
    long pid = std::strtol(text.c_str(), &end, 10);
    if (text.empty() || *end != '\0' || pid <= 0)
        return Error::message("protocol error: bad init pid \"" + text + "\"");
    return static_cast<pid_t>(pid);
}

Result<std::string> Channel::receive(Msg want, bool payload_allowed, UniqueFd* fd)
{
    std::vector<char> buf(kMaxPacket);
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } control;
    struct iovec iov = {buf.data(), buf.size()};
    struct msghdr mh = {};
    mh.msg_iov = &iov;
    mh.msg_iovlen = 1;
    mh.msg_control = control.buf;
    mh.msg_controllen = sizeof control.buf;
    ssize_t n;
    do {
        n = ::recvmsg(m_fd.get(), &mh, MSG_TRUNC | MSG_CMSG_CLOEXEC);
    } while (n < 0 && errno == EINTR);
    if (n < 0)
        return Error::from_errno("recv", std::string("waiting for ") + to_string(want));
    // Any fd that came along is owned here, so an unexpected one is closed, never leaked.
    UniqueFd received;
    for (struct cmsghdr* c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS
            && c->cmsg_len == CMSG_LEN(sizeof(int))) {
            int got;
            std::memcpy(&got, CMSG_DATA(c), sizeof got);
            received.reset(got);
        }
    }
    if (mh.msg_flags & MSG_CTRUNC)
        return Error::message("protocol error: truncated control message on the init channel");
    if (n == 0)
        return Error::from_code(ECHILD, std::string("peer closed the channel before ") + to_string(want));
    if (static_cast<size_t>(n) > buf.size())
        return Error::message("oversized packet on the init channel");
    auto got = static_cast<Msg>(buf[0]);
    std::string_view payload(buf.data() + 1, static_cast<size_t>(n) - 1);
    if (got == Msg::ChildError) {
        Error e;
        if (!Error::deserialize(payload, e))
            return Error::message("malformed error report from the container init");
        return e;
    }
    if (got != want)
        return Error::message(
            std::string("protocol error: expected ") + to_string(want) + ", got " + to_string(got));
    if (!payload.empty() && !payload_allowed)
        return Error::message(std::string("protocol error: unexpected payload with ") + to_string(got));
    if (fd)
        *fd = std::move(received);
    return std::string(payload);
}

} // namespace hull::process
