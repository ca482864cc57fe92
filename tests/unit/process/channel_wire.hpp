// The init channel's test fixtures: a socketpair with a Channel on one end and the raw peer on
// the other, and packets written as they are, for what a well-behaved peer never sends.
#pragma once

#include "process/protocol.hpp"

#include <doctest/doctest.h>

#include <cstring>
#include <string>
#include <sys/socket.h>

namespace channel_wire {

using hull::UniqueFd;
using hull::process::Channel;
using hull::process::Msg;

struct Pair {
    Channel receiver;
    UniqueFd peer;
};

inline Pair make_pair()
{
    auto fds = hull::FdPair::socketpair(SOCK_SEQPACKET);
    REQUIRE(fds.ok());
    return {Channel(std::move(fds.value().parent_end())), std::move(fds.value().child_end())};
}

// A header packet: the kind, an announced length, then `body` as it is.
inline std::string header(Msg msg, uint32_t length, const std::string& body = {})
{
    std::string packet(hull::process::kHeaderSize, '\0');
    packet[0] = static_cast<char>(msg);
    std::memcpy(packet.data() + 1, &length, sizeof length);
    return packet + body;
}

// A header packet whose announced length is the body's.
inline std::string message(Msg msg, const std::string& body = {})
{
    return header(msg, static_cast<uint32_t>(body.size()), body);
}

inline void send_raw(int fd, const std::string& packet)
{
    REQUIRE(::send(fd, packet.data(), packet.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(packet.size()));
}

inline std::string receive_error(Channel& channel, Msg want)
{
    auto r = channel.receive(want);
    return r.ok() ? std::string("(received)") : r.error().text();
}

inline bool contains(const std::string& text, const std::string& part)
{
    return text.find(part) != std::string::npos;
}

} // namespace channel_wire
