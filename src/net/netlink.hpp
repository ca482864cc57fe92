// A minimal rtnetlink (NETLINK_ROUTE) client: build a request, send it, read the acknowledgement or
// the dump. Enough for linux.netDevices (netdev.hpp) and its tests; no event subscriptions.
//
// Errors carry the kernel's errno and, when the kernel attached one (NETLINK_EXT_ACK), its
// extended-ack text: `move device "lo": The interface netns is immutable: invalid argument`.
#pragma once

#include "hull/error.hpp"
#include "hull/fd.hpp"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace hull::net {

// One request: the netlink header, the family header (ifinfomsg, ifaddrmsg, ...) and attributes.
class NlRequest {
public:
    NlRequest(uint16_t type, uint16_t flags);

    // The fixed family header; call once, before any attribute.
    template <typename T> void header(const T& value) { append(&value, sizeof value); }

    void attr(uint16_t type, const void* data, size_t size);
    void attr_u32(uint16_t type, uint32_t value) { attr(type, &value, sizeof value); }
    void attr_s32(uint16_t type, int32_t value) { attr(type, &value, sizeof value); }
    // NUL-terminated, as IFLA_IFNAME and IFA_LABEL are.
    void attr_string(uint16_t type, std::string_view value);
    // A nested attribute: begin_nested returns a token for end_nested.
    size_t begin_nested(uint16_t type);
    void end_nested(size_t token);

    // The message so far; RtnlSocket fills in nlmsg_len and nlmsg_seq when it sends it.
    std::string& bytes() { return m_buf; }

private:
    void append(const void* data, size_t size);
    std::string m_buf;
};

// One received message: its type and flags, and the payload after the netlink header.
struct NlMessage {
    uint16_t type = 0;
    uint16_t flags = 0;
    std::string payload;

    // The family header at the start of the payload (zeroed when the payload is shorter).
    template <typename T> T header() const
    {
        T out {};
        std::memcpy(&out, payload.data(), std::min(sizeof out, payload.size()));
        return out;
    }
};

// The attributes after a family header of `header_size` bytes, in order. Bounds-checked: a
// malformed attribute ends the list.
struct NlAttr {
    uint16_t type = 0; // without NLA_F_NESTED / NLA_F_NET_BYTEORDER
    std::string_view data;
};
std::vector<NlAttr> parse_attrs(std::string_view payload, size_t header_size);
// The first attribute of `type`, or nullptr.
const NlAttr* find_attr(const std::vector<NlAttr>& attrs, uint16_t type);
// A NUL-terminated string attribute without its terminator.
std::string attr_string(const NlAttr& attr);

// One datagram from the kernel, read for request `seq`: its messages go to `out` (answers to other
// requests, NOOP and OVERRUN are dropped), `interrupted` is set when one carries NLM_F_DUMP_INTR.
// True once the request's end came (the acknowledgement, or NLMSG_DONE of a dump); a kernel error
// in it becomes the Error, with the extended-ack text; a message whose length runs past the
// datagram is refused. Pure: RtnlSocket's receive loop feeds it each datagram.
Result<bool> parse_reply(std::string_view datagram, uint32_t seq, std::string_view what,
    std::vector<NlMessage>& out, bool& interrupted);

class RtnlSocket {
public:
    // A socket in the caller's network namespace.
    static Result<RtnlSocket> open();
    // A socket in the network namespace of `netns_fd`: the calling thread enters it with setns(2)
    // just long enough to create the socket, then returns to its own (a socket stays in the
    // namespace it was created in). Needs CAP_SYS_ADMIN over both namespaces.
    static Result<RtnlSocket> open_in(int netns_fd);

    // Sends `request` with NLM_F_ACK and waits for the acknowledgement; `what` names the operation
    // in errors. Replies before the ack (NLM_F_ECHO, a GET) are returned.
    Result<std::vector<NlMessage>> request(NlRequest& request, std::string_view what);
    // Sends a NLM_F_DUMP request and collects every message up to NLMSG_DONE, restarting the dump
    // (a few times) when the kernel flags it as interrupted by a concurrent change.
    Result<std::vector<NlMessage>> dump(NlRequest& request, std::string_view what);

    int fd() const { return m_fd.get(); }

private:
    explicit RtnlSocket(UniqueFd fd)
        : m_fd(std::move(fd))
    {
    }
    Result<void> send(NlRequest& request, std::string_view what);
    Result<std::vector<NlMessage>> receive(std::string_view what, bool& interrupted);

    UniqueFd m_fd;
    uint32_t m_seq = 0;
};

} // namespace hull::net
