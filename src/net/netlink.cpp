// The rtnetlink client of netlink.hpp.
#include "net/netlink.hpp"

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <fcntl.h>
#include <linux/netlink.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

namespace hull::net {

namespace {

constexpr size_t receive_buffer_size = 64 * 1024;
constexpr int dump_attempts = 5;

size_t align4(size_t n)
{
    return (n + 3) & ~size_t(3);
}

void pad4(std::string& buf)
{
    buf.resize(align4(buf.size()), '\0');
}

nlmsghdr header_at(std::string_view data)
{
    nlmsghdr h {};
    std::memcpy(&h, data.data(), std::min(sizeof h, data.size()));
    return h;
}

// The NLMSGERR_ATTR_MSG text of an error or done message, if the kernel sent one.
std::string extended_ack(const nlmsghdr& h, std::string_view payload)
{
    if (!(h.nlmsg_flags & NLM_F_ACK_TLVS))
        return {};
    size_t skip = sizeof(nlmsgerr);
    if (h.nlmsg_type == NLMSG_ERROR && !(h.nlmsg_flags & NLM_F_CAPPED)) {
        // Without NETLINK_CAP_ACK the request is echoed after the error code.
        nlmsgerr err {};
        std::memcpy(&err, payload.data(), std::min(sizeof err, payload.size()));
        skip = sizeof(int) + align4(err.msg.nlmsg_len);
    } else if (h.nlmsg_type == NLMSG_DONE) {
        skip = sizeof(int);
    }
    if (skip > payload.size())
        return {};
    auto attrs = parse_attrs(payload, skip);
    const NlAttr* msg = find_attr(attrs, NLMSGERR_ATTR_MSG);
    return msg ? attr_string(*msg) : std::string();
}

// An error code as the kernel sends it: -errno, errno from 1 to MAX_ERRNO (4095). Anything else
// (INT_MIN has no negation) did not come from a kernel and is refused as malformed.
constexpr int max_errno = 4095;

bool is_kernel_error_code(int code)
{
    return code < 0 && code >= -max_errno;
}

Error kernel_error(int code, std::string_view what, const std::string& ack)
{
    std::string op(what);
    if (!ack.empty())
        op += ": " + ack;
    return Error::from_code(code, op);
}

Error malformed_code(int code, std::string_view what)
{
    return Error::message(
        "netlink receive " + std::string(what) + ": malformed error code " + std::to_string(code));
}

} // namespace

NlRequest::NlRequest(uint16_t type, uint16_t flags)
{
    nlmsghdr h {};
    h.nlmsg_type = type;
    h.nlmsg_flags = static_cast<uint16_t>(flags | NLM_F_REQUEST);
    append(&h, sizeof h);
}

void NlRequest::append(const void* data, size_t size)
{
    pad4(m_buf);
    m_buf.append(static_cast<const char*>(data), size);
}

void NlRequest::attr(uint16_t type, const void* data, size_t size)
{
    nlattr a {};
    a.nla_len = static_cast<uint16_t>(sizeof a + size);
    a.nla_type = type;
    append(&a, sizeof a);
    if (size != 0)
        m_buf.append(static_cast<const char*>(data), size);
    pad4(m_buf);
}

void NlRequest::attr_string(uint16_t type, std::string_view value)
{
    std::string terminated(value);
    attr(type, terminated.c_str(), terminated.size() + 1);
}

size_t NlRequest::begin_nested(uint16_t type)
{
    pad4(m_buf);
    size_t token = m_buf.size();
    attr(static_cast<uint16_t>(type | NLA_F_NESTED), nullptr, 0);
    return token;
}

void NlRequest::end_nested(size_t token)
{
    pad4(m_buf);
    uint16_t len = static_cast<uint16_t>(m_buf.size() - token);
    std::memcpy(m_buf.data() + token + offsetof(nlattr, nla_len), &len, sizeof len);
}

std::vector<NlAttr> parse_attrs(std::string_view payload, size_t header_size)
{
    std::vector<NlAttr> out;
    size_t pos = align4(header_size);
    while (pos + sizeof(nlattr) <= payload.size()) {
        nlattr a {};
        std::memcpy(&a, payload.data() + pos, sizeof a);
        if (a.nla_len < sizeof a || pos + a.nla_len > payload.size())
            break;
        out.push_back(NlAttr {static_cast<uint16_t>(a.nla_type & NLA_TYPE_MASK),
            payload.substr(pos + sizeof a, a.nla_len - sizeof a)});
        pos += align4(a.nla_len);
    }
    return out;
}

const NlAttr* find_attr(const std::vector<NlAttr>& attrs, uint16_t type)
{
    auto it = std::find_if(attrs.begin(), attrs.end(), [&](const NlAttr& a) { return a.type == type; });
    return it == attrs.end() ? nullptr : &*it;
}

std::string attr_string(const NlAttr& attr)
{
    std::string_view s = attr.data;
    size_t nul = s.find('\0');
    return std::string(s.substr(0, nul));
}

Result<bool> parse_reply(std::string_view datagram, uint32_t seq, std::string_view what,
    std::vector<NlMessage>& out, bool& interrupted)
{
    std::string_view data = datagram;
    while (data.size() >= sizeof(nlmsghdr)) {
        nlmsghdr h = header_at(data);
        if (h.nlmsg_len < sizeof h || h.nlmsg_len > data.size())
            return Error::message("netlink receive " + std::string(what) + ": malformed message");
        std::string_view payload = data.substr(sizeof h, h.nlmsg_len - sizeof h);
        data.remove_prefix(std::min(data.size(), align4(h.nlmsg_len)));
        if (h.nlmsg_seq != seq)
            continue; // a late answer to an earlier request
        if (h.nlmsg_flags & NLM_F_DUMP_INTR)
            interrupted = true;
        if (h.nlmsg_type == NLMSG_ERROR) {
            int code = 0;
            std::memcpy(&code, payload.data(), std::min(sizeof code, payload.size()));
            if (code != 0 && !is_kernel_error_code(code))
                return malformed_code(code, what);
            if (code != 0)
                return kernel_error(-code, what, extended_ack(h, payload));
            return true; // the acknowledgement ends a request
        }
        if (h.nlmsg_type == NLMSG_DONE) {
            int code = 0;
            std::memcpy(&code, payload.data(), std::min(sizeof code, payload.size()));
            if (code < 0 && !is_kernel_error_code(code))
                return malformed_code(code, what);
            if (code < 0)
                return kernel_error(-code, what, extended_ack(h, payload));
            return true;
        }
        if (h.nlmsg_type == NLMSG_NOOP || h.nlmsg_type == NLMSG_OVERRUN)
            continue;
        out.push_back(NlMessage {h.nlmsg_type, h.nlmsg_flags, std::string(payload)});
    }
    return false;
}

Result<RtnlSocket> RtnlSocket::open()
{
    UniqueFd fd(::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE));
    if (!fd)
        return Error::from_errno("socket", "NETLINK_ROUTE");
    // Best effort: error texts from the kernel, and acks without a copy of the request.
    int one = 1;
    (void)::setsockopt(fd.get(), SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof one);
    (void)::setsockopt(fd.get(), SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof one);
    sockaddr_nl local {};
    local.nl_family = AF_NETLINK;
    if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&local), sizeof local) != 0)
        return Error::from_errno("bind", "NETLINK_ROUTE");
    return RtnlSocket(std::move(fd));
}

Result<RtnlSocket> RtnlSocket::open_in(int netns_fd)
{
    UniqueFd own(::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC));
    if (!own)
        return Error::from_errno("open", "/proc/thread-self/ns/net");
    if (::setns(netns_fd, CLONE_NEWNET) != 0)
        return Error::from_errno("setns", "network namespace");
    auto socket = open();
    if (::setns(own.get(), CLONE_NEWNET) != 0)
        return Error::from_errno("setns", "back to the runtime's network namespace");
    return socket;
}

Result<void> RtnlSocket::send(NlRequest& request, std::string_view what)
{
    std::string& buf = request.bytes();
    nlmsghdr h = header_at(buf);
    h.nlmsg_len = static_cast<uint32_t>(buf.size());
    h.nlmsg_seq = ++m_seq;
    h.nlmsg_pid = 0;
    std::memcpy(buf.data(), &h, sizeof h);
    sockaddr_nl kernel {};
    kernel.nl_family = AF_NETLINK;
    ssize_t n;
    do
        n = ::sendto(
            m_fd.get(), buf.data(), buf.size(), 0, reinterpret_cast<sockaddr*>(&kernel), sizeof kernel);
    while (n < 0 && errno == EINTR);
    if (n < 0)
        return Error::from_errno("netlink send", what);
    if (static_cast<size_t>(n) != buf.size())
        return Error::message(std::string("netlink send ") + std::string(what) + ": short write");
    return ok();
}

Result<std::vector<NlMessage>> RtnlSocket::receive(std::string_view what, bool& interrupted)
{
    std::vector<NlMessage> out;
    std::string buf(receive_buffer_size, '\0');
    interrupted = false;
    while (true) {
        sockaddr_nl from {};
        iovec iov {buf.data(), buf.size()};
        msghdr msg {};
        msg.msg_name = &from;
        msg.msg_namelen = sizeof from;
        msg.msg_iov = &iov;
        msg.msg_iovlen = 1;
        ssize_t n = ::recvmsg(m_fd.get(), &msg, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return Error::from_errno("netlink receive", what);
        if (msg.msg_flags & MSG_TRUNC)
            return Error::message("netlink receive " + std::string(what) + ": message truncated");
        if (from.nl_pid != 0)
            continue; // not from the kernel
        if (TRY(parse_reply(
                std::string_view(buf.data(), static_cast<size_t>(n)), m_seq, what, out, interrupted)))
            return out;
    }
}

Result<std::vector<NlMessage>> RtnlSocket::request(NlRequest& request, std::string_view what)
{
    nlmsghdr h = header_at(request.bytes());
    h.nlmsg_flags |= NLM_F_ACK;
    std::memcpy(request.bytes().data(), &h, sizeof h);
    TRY(send(request, what));
    bool interrupted = false;
    return receive(what, interrupted);
}

Result<std::vector<NlMessage>> RtnlSocket::dump(NlRequest& request, std::string_view what)
{
    nlmsghdr h = header_at(request.bytes());
    h.nlmsg_flags |= NLM_F_DUMP;
    std::memcpy(request.bytes().data(), &h, sizeof h);
    for (int attempt = 1;; ++attempt) {
        TRY(send(request, what));
        bool interrupted = false;
        auto messages = TRY(receive(what, interrupted));
        if (!interrupted)
            return messages;
        if (attempt == dump_attempts)
            return Error::from_code(EAGAIN, what, "(dump interrupted by concurrent changes)");
    }
}

} // namespace hull::net
