// The init channel's receiving side, as the runtime and the init read it: a socketpair carries the
// packets of the input to a Channel, and the step method for the message the input's first byte
// names decodes them (Channel::receive, its packet checks, the ChildError decoding and the
// payload parsers of the steps that carry a number). After the first byte the input is a list of
// packets, each a little-endian 16-bit header (the length in the low 15 bits, the top bit: attach
// an fd) followed by its bytes. Nothing but the socketpair is touched.
#include "fuzz.hpp"
#include "hull/fd.hpp"
#include "process/protocol.hpp"

#include <cstring>
#include <sys/socket.h>
#include <unistd.h>

namespace {

using hull::process::Channel;
using hull::process::Msg;

// Writes the packets without blocking; what does not fit in the socket's buffer is dropped.
void write_packets(int fd, std::string_view input)
{
    hull::UniqueFd attached(::dup(STDERR_FILENO));
    while (input.size() >= 2) {
        unsigned header
            = static_cast<uint8_t>(input[0]) | static_cast<unsigned>(static_cast<uint8_t>(input[1])) << 8;
        input.remove_prefix(2);
        std::string_view packet = input.substr(0, header & 0x7fff);
        input.remove_prefix(packet.size());
        iovec iov {const_cast<char*>(packet.data()), packet.size()};
        union {
            char buf[CMSG_SPACE(sizeof(int))];
            cmsghdr align;
        } control;
        msghdr mh {};
        mh.msg_iov = &iov;
        mh.msg_iovlen = 1;
        if ((header & 0x8000) && attached) {
            int attached_fd = attached.get();
            mh.msg_control = control.buf;
            mh.msg_controllen = sizeof control.buf;
            cmsghdr* c = CMSG_FIRSTHDR(&mh);
            c->cmsg_level = SOL_SOCKET;
            c->cmsg_type = SCM_RIGHTS;
            c->cmsg_len = CMSG_LEN(sizeof(int));
            std::memcpy(CMSG_DATA(c), &attached_fd, sizeof attached_fd);
        }
        if (::sendmsg(fd, &mh, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
            return;
    }
}

void receive_step(Channel& channel, Msg want)
{
    hull::UniqueFd fd;
    switch (want) {
    case Msg::ParentHooksDone:
        (void)channel.wait_hooks_done();
        break;
    case Msg::ChildInitPid:
        (void)channel.wait_init_pid();
        break;
    case Msg::ChildRequestMountSource:
        (void)channel.wait_mount_source_request();
        break;
    case Msg::ChildIdmapTree:
        (void)channel.wait_idmap_request(&fd);
        break;
    default:
        // ChildSeccompListener's parser takes the fd from a live process (pidfd_getfd): only
        // its receive is run here.
        (void)channel.receive(want, &fd);
        break;
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    if (size == 0)
        return 0;
    auto want = static_cast<Msg>(data[0] % 16 + 1);
    auto pair = hull::FdPair::socketpair(SOCK_SEQPACKET);
    fuzz::check(pair.ok());
    Channel channel(std::move(pair.value().parent_end()));
    hull::UniqueFd peer = std::move(pair.value().child_end());
    write_packets(peer.get(), fuzz::text(data + 1, size - 1));
    peer.reset(); // EOF after the packets: a read past them ends rather than waits
    receive_step(channel, want);
    return 0;
}
