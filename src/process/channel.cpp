#include "process/protocol.hpp"

#include <cstdlib>
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
    }
    return "unknown";
}

Result<void> Channel::send(Msg msg, std::string_view payload)
{
    std::string packet;
    packet.reserve(1 + payload.size());
    packet += static_cast<char>(msg);
    packet.append(payload);
    for (;;) {
        ssize_t n = ::send(m_fd.get(), packet.data(), packet.size(), MSG_NOSIGNAL);
        if (n >= 0)
            return ok();
        if (errno != EINTR)
            return Error::from_errno("send", to_string(msg));
    }
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

Result<std::string> Channel::receive(Msg want, bool payload_allowed)
{
    std::vector<char> buf(kMaxPacket);
    ssize_t n;
    do {
        n = ::recv(m_fd.get(), buf.data(), buf.size(), MSG_TRUNC);
    } while (n < 0 && errno == EINTR);
    if (n < 0)
        return Error::from_errno("recv", std::string("waiting for ") + to_string(want));
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
    return std::string(payload);
}

} // namespace hull::process
