// The SCMP_ACT_NOTIFY hand-off (config-linux.md "Seccomp", listenerPath): the runtime sends
// the container process state as JSON, with the listener fd as SCM_RIGHTS, over one
// connection to the agent's AF_UNIX stream socket, then closes it (runc's
// sendContainerProcessState).
#include "hull/fd.hpp"
#include "hull/seccomp/seccomp.hpp"

#include <cstring>
#include <nlohmann/json.hpp>
#include <sys/socket.h>
#include <sys/un.h>

namespace hull::seccomp {

std::string container_process_state_json(const oci::State& state, int pid, const std::string& metadata)
{
    using Json = nlohmann::ordered_json;
    // runtime-spec specs-go State: pid and annotations are omitempty; the bundle path that
    // runc keeps as an annotation-like label is not an annotation.
    Json s = Json::object();
    s["ociVersion"] = state.ociVersion;
    s["id"] = state.id;
    s["status"] = state.status;
    if (state.pid != 0)
        s["pid"] = state.pid;
    s["bundle"] = state.bundle;
    std::map<std::string, std::string> annotations = state.annotations;
    annotations.erase("bundle");
    if (!annotations.empty())
        s["annotations"] = annotations;

    Json o = Json::object();
    o["ociVersion"] = state.ociVersion;
    o["fds"] = Json::array({"seccompFd"});
    o["pid"] = pid;
    if (!metadata.empty())
        o["metadata"] = metadata;
    o["state"] = std::move(s);
    return o.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// runc's words, which its users match when no agent listens.
constexpr const char* kConnectFailed
    = "failed to connect with seccomp agent specified in the seccomp profile";

Result<void> send_listener(
    const std::string& listener_path, int listener_fd, const std::string& process_state_json)
{
    const std::string op = "send seccomp listener fd to " + listener_path;
    if (process_state_json.empty())
        return Error::from_code(EINVAL, "sendmsg", listener_path).context(op);
    sockaddr_un addr {};
    addr.sun_family = AF_UNIX;
    if (listener_path.empty() || listener_path.size() >= sizeof addr.sun_path
        || listener_path.find('\0') != std::string::npos)
        return Error::from_code(ENAMETOOLONG, "connect", listener_path).context(kConnectFailed);
    std::memcpy(addr.sun_path, listener_path.data(), listener_path.size());

    UniqueFd sock(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!sock)
        return Error::from_errno("socket", "AF_UNIX").context(op);
    int rc;
    do
        rc = connect(sock.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr);
    while (rc < 0 && errno == EINTR);
    if (rc < 0)
        return Error::from_errno("connect", listener_path).context(kConnectFailed);

    // The fd goes with the first sendmsg only (config-linux.md); the rest follows plainly.
    size_t sent = 0;
    bool first = true;
    while (sent < process_state_json.size()) {
        iovec iov {const_cast<char*>(process_state_json.data() + sent), process_state_json.size() - sent};
        msghdr msg {};
        msg.msg_iov = &iov;
        msg.msg_iovlen = 1;
        alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
        if (first) {
            msg.msg_control = control;
            msg.msg_controllen = sizeof control;
            cmsghdr* cmsg = CMSG_FIRSTHDR(&msg);
            cmsg->cmsg_level = SOL_SOCKET;
            cmsg->cmsg_type = SCM_RIGHTS;
            cmsg->cmsg_len = CMSG_LEN(sizeof(int));
            std::memcpy(CMSG_DATA(cmsg), &listener_fd, sizeof(int));
        }
        ssize_t n = sendmsg(sock.get(), &msg, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return Error::from_errno("sendmsg", listener_path).context(op);
        sent += static_cast<size_t>(n);
        first = false;
    }
    return sock.close().context(op);
}

} // namespace hull::seccomp
