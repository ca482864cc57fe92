// parse_reply: one rtnetlink datagram as RtnlSocket's receive loop reads it.
#include "net/netlink.hpp"

#include <doctest/doctest.h>

#include <climits>
#include <cstring>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

using namespace hull::net;

namespace {

std::string message(uint16_t type, uint16_t flags, uint32_t seq, const std::string& payload)
{
    nlmsghdr h {};
    h.nlmsg_len = static_cast<uint32_t>(sizeof h + payload.size());
    h.nlmsg_type = type;
    h.nlmsg_flags = flags;
    h.nlmsg_seq = seq;
    std::string out(reinterpret_cast<const char*>(&h), sizeof h);
    out += payload;
    out.resize((out.size() + 3) & ~size_t(3), '\0');
    return out;
}

std::string error_payload(int code)
{
    std::string out(reinterpret_cast<const char*>(&code), sizeof code);
    nlmsghdr request {};
    request.nlmsg_len = sizeof request;
    return out + std::string(reinterpret_cast<const char*>(&request), sizeof request);
}

std::string attribute(uint16_t type, const std::string& data)
{
    nlattr a {};
    a.nla_len = static_cast<uint16_t>(sizeof a + data.size());
    a.nla_type = type;
    std::string out(reinterpret_cast<const char*>(&a), sizeof a);
    out += data;
    out.resize((out.size() + 3) & ~size_t(3), '\0');
    return out;
}

} // namespace

TEST_CASE("parse_reply keeps the request's messages and ends at its acknowledgement")
{
    std::string link = std::string(sizeof(ifinfomsg), '\0') + attribute(IFLA_IFNAME, std::string("eth0", 5));
    std::string datagram = message(RTM_NEWLINK, 0, 6, link) + message(RTM_NEWLINK, 0, 7, link)
        + message(NLMSG_NOOP, 0, 7, "") + message(NLMSG_ERROR, 0, 7, error_payload(0));
    std::vector<NlMessage> out;
    bool interrupted = false;
    auto done = parse_reply(datagram, 7, "get link", out, interrupted);
    REQUIRE(done.ok());
    CHECK(done.value());
    CHECK_FALSE(interrupted);
    REQUIRE(out.size() == 1); // the answer to request 6 and the NOOP are dropped
    CHECK(out[0].type == RTM_NEWLINK);
    auto attrs = parse_attrs(out[0].payload, sizeof(ifinfomsg));
    const NlAttr* name = find_attr(attrs, IFLA_IFNAME);
    REQUIRE(name);
    CHECK(attr_string(*name) == "eth0");
}

TEST_CASE("parse_reply: a dump goes on until NLMSG_DONE and reports an interruption")
{
    std::vector<NlMessage> out;
    bool interrupted = false;
    auto more = parse_reply(message(RTM_NEWADDR, NLM_F_MULTI | NLM_F_DUMP_INTR, 1, std::string(8, '\0')), 1,
        "list addresses", out, interrupted);
    REQUIRE(more.ok());
    CHECK_FALSE(more.value());
    CHECK(interrupted);
    int zero = 0;
    auto done = parse_reply(
        message(NLMSG_DONE, NLM_F_MULTI, 1, std::string(reinterpret_cast<const char*>(&zero), 4)), 1,
        "list addresses", out, interrupted);
    REQUIRE(done.ok());
    CHECK(done.value());
    CHECK(out.size() == 1);
}

TEST_CASE("parse_reply: a kernel error carries its errno and extended-ack text")
{
    std::string payload = error_payload(-EINVAL) + attribute(NLMSGERR_ATTR_MSG, std::string("bad name", 9));
    std::vector<NlMessage> out;
    bool interrupted = false;
    auto r = parse_reply(
        message(NLMSG_ERROR, NLM_F_ACK_TLVS, 3, payload), 3, "move device \"lo\"", out, interrupted);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code() == EINVAL);
    CHECK(r.error().text() == "move device \"lo\": bad name: invalid argument");
}

TEST_CASE("parse_reply refuses a message whose length runs past the datagram")
{
    std::string datagram = message(RTM_NEWLINK, 0, 1, std::string(16, '\0'));
    datagram.resize(datagram.size() - 4);
    std::vector<NlMessage> out;
    bool interrupted = false;
    auto r = parse_reply(datagram, 1, "get link", out, interrupted);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().text() == "netlink receive get link: malformed message");
    CHECK(out.empty());
}

TEST_CASE("parse_reply refuses an error code no kernel sends")
{
    // The kernel's codes are -errno, errno up to MAX_ERRNO (4095); INT_MIN has no negation.
    for (int code : {INT_MIN, -4096, 5}) {
        CAPTURE(code);
        for (uint16_t type : {uint16_t(NLMSG_ERROR), uint16_t(NLMSG_DONE)}) {
            if (type == NLMSG_DONE && code > 0)
                continue; // a dump's positive length, not an error
            std::vector<NlMessage> out;
            bool interrupted = false;
            auto r = parse_reply(message(type, 0, 1, error_payload(code)), 1, "get link", out, interrupted);
            REQUIRE_FALSE(r.ok());
            CHECK(
                r.error().text() == "netlink receive get link: malformed error code " + std::to_string(code));
        }
    }
}
