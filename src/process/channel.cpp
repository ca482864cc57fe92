#include "process/protocol.hpp"
#include "process/text_util.hpp"

#include <algorithm>
#include <climits>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>
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
    case Msg::ParentSeccompDone:
        return "ParentSeccompDone";
    case Msg::ChildRequestMountSource:
        return "ChildRequestMountSource";
    case Msg::ParentMountSource:
        return "ParentMountSource";
    case Msg::ChildIdmapTree:
        return "ChildIdmapTree";
    case Msg::ParentIdmapDone:
        return "ParentIdmapDone";
    }
    return "unknown";
}

size_t max_payload(Msg msg)
{
    switch (msg) {
    case Msg::ChildError:
        return kMaxErrorPayload;
    case Msg::ChildInitPid:
    case Msg::ChildSeccompListener:
        return 16; // a pid or an fd number in decimal
    case Msg::ChildRequestMountSource:
    case Msg::ChildIdmapTree:
        return 20; // a mount index in decimal
    case Msg::ParentHooksDone:
        return kMaxStatePayload;
    default:
        return 0;
    }
}

namespace {

Result<void> send_packet(int fd, Msg msg, std::string_view bytes, int attached)
{
    struct iovec iov = {const_cast<char*>(bytes.data()), bytes.size()};
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } control;
    struct msghdr mh = {};
    mh.msg_iov = &iov;
    mh.msg_iovlen = 1;
    if (attached >= 0) {
        mh.msg_control = control.buf;
        mh.msg_controllen = sizeof control.buf;
        struct cmsghdr* c = CMSG_FIRSTHDR(&mh);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int));
        std::memcpy(CMSG_DATA(c), &attached, sizeof attached);
    }
    for (;;) {
        ssize_t n = ::sendmsg(fd, &mh, MSG_NOSIGNAL);
        if (n >= 0)
            return ok();
        // A peer that died (EPIPE; ECONNRESET if it left packets unread) is the EOF of the
        // receiving side: the caller waits for it to learn why.
        if (errno == EPIPE || errno == ECONNRESET)
            return Error::from_code(ECHILD, std::string("peer closed the channel before ") + to_string(msg));
        if (errno != EINTR)
            return Error::from_errno("send", to_string(msg));
    }
}

} // namespace

// The header packet takes the fd and the payload's first bytes; the rest follows in packets of
// kMaxPacket bytes. The peer reads them as they come, so a payload larger than the socket's
// buffer only makes sendmsg wait.
Result<void> Channel::send(Msg msg, std::string_view payload, int fd)
{
    if (payload.size() > max_payload(msg))
        return Error::message(std::string("init channel: a ") + to_string(msg) + " payload of "
            + std::to_string(payload.size()) + " bytes is over its limit of "
            + std::to_string(max_payload(msg)));
    std::string packet(kHeaderSize, '\0');
    packet[0] = static_cast<char>(msg);
    auto length = static_cast<uint32_t>(payload.size());
    std::memcpy(packet.data() + 1, &length, sizeof length);
    size_t first = std::min(payload.size(), kMaxPacket - kHeaderSize);
    packet.append(payload.substr(0, first));
    TRY(send_packet(m_fd.get(), msg, packet, fd));
    for (size_t sent = first; sent < payload.size(); sent += kMaxPacket)
        TRY(send_packet(m_fd.get(), msg, payload.substr(sent, kMaxPacket), -1));
    return ok();
}

Result<void> Channel::report_seccomp_listener(int fd)
{
    // Built on the stack: nothing between the filter's load and this write may allocate (brk
    // and mmap are calls a profile may catch too).
    char packet[kHeaderSize + 16];
    packet[0] = static_cast<char>(Msg::ChildSeccompListener);
    int digits = std::snprintf(packet + kHeaderSize, sizeof packet - kHeaderSize, "%d", fd);
    auto length = static_cast<uint32_t>(digits);
    std::memcpy(packet + 1, &length, sizeof length);
    for (;;) {
        ssize_t n = ::write(m_fd.get(), packet, kHeaderSize + length);
        if (n >= 0)
            return ok();
        if (errno != EINTR)
            return Error::from_errno("write", to_string(Msg::ChildSeccompListener));
    }
}

Result<UniqueFd> Channel::wait_seccomp_listener(pid_t sender)
{
    std::string text = TRY(receive(Msg::ChildSeccompListener));
    int number = 0;
    if (!text::parse_decimal(text, number))
        return Error::message("protocol error: bad seccomp listener fd \"" + text + "\"");
    UniqueFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, sender, 0)));
    if (!pidfd)
        return Error::from_errno("pidfd_open", std::to_string(sender));
    UniqueFd fd(static_cast<int>(::syscall(SYS_pidfd_getfd, pidfd.get(), number, 0)));
    if (!fd)
        return Error::from_errno(
            "pidfd_getfd", "seccomp listener fd " + text + " of " + std::to_string(sender));
    return fd;
}

Result<UniqueFd> Channel::request_mount_source(size_t index)
{
    TRY(send(Msg::ChildRequestMountSource, std::to_string(index)));
    UniqueFd fd;
    TRY(receive(Msg::ParentMountSource, &fd));
    if (!fd)
        return Error::message("protocol error: no fd with the mount source message");
    return fd;
}

Result<void> Channel::request_idmap(size_t index, int tree)
{
    TRY(send(Msg::ChildIdmapTree, std::to_string(index), tree));
    return expect(Msg::ParentIdmapDone);
}

namespace {

Result<size_t> parse_mount_index(const std::string& text)
{
    size_t index = 0;
    if (!text::parse_decimal(text, index))
        return Error::message("protocol error: bad mount index \"" + text + "\"");
    return index;
}

} // namespace

Result<size_t> Channel::wait_mount_source_request()
{
    return parse_mount_index(TRY(receive(Msg::ChildRequestMountSource)));
}

Result<size_t> Channel::wait_idmap_request(UniqueFd* tree)
{
    size_t index = TRY(parse_mount_index(TRY(receive(Msg::ChildIdmapTree, tree))));
    if (!*tree)
        return Error::message("protocol error: no fd with the idmapped tree message");
    return index;
}

void Channel::report_error(const Error& error)
{
    std::string payload = error.serialize();
    if (payload.size() > kMaxErrorPayload)
        payload = Error::message(error.text().substr(0, kMaxErrorPayload / 2)).serialize();
    (void)send(Msg::ChildError, payload);
}

Result<void> Channel::expect(Msg want)
{
    TRY(receive(want));
    return ok();
}

Result<std::string> Channel::wait_hooks_done()
{
    return receive(Msg::ParentHooksDone);
}

Result<pid_t> Channel::wait_init_pid()
{
    std::string text = TRY(receive(Msg::ChildInitPid));
    pid_t pid = 0;
    if (!text::parse_decimal(text, pid) || pid == 0)
        return Error::message("protocol error: bad init pid \"" + text + "\"");
    return pid;
}

// One packet into buf: its length, never more than `size` (a longer one is refused). An fd that
// came with it is owned by `fd` from here on, so an unexpected one is closed, never leaked.
Result<size_t> Channel::receive_packet(char* buf, size_t size, UniqueFd& fd, Msg want)
{
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } control;
    struct iovec iov = {buf, size};
    struct msghdr mh = {};
    mh.msg_iov = &iov;
    mh.msg_iovlen = 1;
    mh.msg_control = control.buf;
    mh.msg_controllen = sizeof control.buf;
    ssize_t n;
    do {
        n = ::recvmsg(m_fd.get(), &mh, MSG_TRUNC | MSG_CMSG_CLOEXEC);
    } while (n < 0 && errno == EINTR);
    // A peer that died with packets of ours unread resets the connection instead of closing it:
    // the same EOF.
    if (n < 0 && errno == ECONNRESET)
        return Error::from_code(ECHILD, std::string("peer closed the channel before ") + to_string(want));
    if (n < 0)
        return Error::from_errno("recv", std::string("waiting for ") + to_string(want));
    for (struct cmsghdr* c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS
            && c->cmsg_len == CMSG_LEN(sizeof(int))) {
            int got;
            std::memcpy(&got, CMSG_DATA(c), sizeof got);
            fd.reset(got);
        }
    }
    if (mh.msg_flags & MSG_CTRUNC)
        return Error::message("protocol error: truncated control message on the init channel");
    if (n == 0)
        return Error::from_code(ECHILD, std::string("peer closed the channel before ") + to_string(want));
    if (static_cast<size_t>(n) > size)
        return Error::message("oversized packet on the init channel: " + std::to_string(n)
            + " bytes where at most " + std::to_string(size) + " may come");
    return static_cast<size_t>(n);
}

Result<std::string> Channel::receive(Msg want, UniqueFd* fd)
{
    std::vector<char> buf(kMaxPacket);
    UniqueFd received;
    size_t n = TRY(receive_packet(buf.data(), buf.size(), received, want));
    if (n < kHeaderSize)
        return Error::message(
            "protocol error: a packet of " + std::to_string(n) + " bytes, shorter than a header");
    auto got = static_cast<Msg>(buf[0]);
    uint32_t length;
    std::memcpy(&length, buf.data() + 1, sizeof length);
    if (got != want && got != Msg::ChildError)
        return Error::message(
            std::string("protocol error: expected ") + to_string(want) + ", got " + to_string(got));
    // The announced length is checked against what this kind may carry before anything is read
    // on or allocated for it.
    if (length > max_payload(got)) {
        if (max_payload(got) == 0)
            return Error::message(std::string("protocol error: unexpected payload with ") + to_string(got));
        return Error::message(std::string("protocol error: ") + to_string(got) + " announces "
            + std::to_string(length) + " bytes, more than its limit of " + std::to_string(max_payload(got)));
    }
    if (n - kHeaderSize > length)
        return Error::message(std::string("protocol error: ") + to_string(got) + " packet longer than its "
            + std::to_string(length) + "-byte payload");
    std::string payload(buf.data() + kHeaderSize, n - kHeaderSize);
    while (payload.size() < length) {
        UniqueFd stray;
        size_t left = length - payload.size();
        size_t part = TRY(receive_packet(buf.data(), std::min(left, buf.size()), stray, want));
        if (stray)
            return Error::message(
                std::string("protocol error: an fd within the payload of ") + to_string(got));
        payload.append(buf.data(), part);
    }
    if (got == Msg::ChildError) {
        Error e;
        if (!Error::deserialize(payload, e))
            return Error::message("malformed error report from the container init");
        return e;
    }
    if (fd)
        *fd = std::move(received);
    return payload;
}

} // namespace hull::process
