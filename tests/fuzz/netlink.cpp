// rtnetlink replies: one datagram of the input through parse_reply as RtnlSocket's receive loop
// feeds it (for request number 1), then the attributes of every message it kept, read as
// linux.netDevices reads links (ifinfomsg) and addresses (ifaddrmsg).
#include "net/netlink.hpp"
#include "fuzz.hpp"

#include <linux/if_addr.h>
#include <linux/rtnetlink.h>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    std::vector<hull::net::NlMessage> messages;
    bool interrupted = false;
    (void)hull::net::parse_reply(fuzz::text(data, size), 1, "fuzz", messages, interrupted);
    for (const auto& m : messages) {
        (void)m.header<ifinfomsg>();
        for (size_t header : {sizeof(ifinfomsg), sizeof(ifaddrmsg)}) {
            auto attrs = hull::net::parse_attrs(m.payload, header);
            for (uint16_t type : {uint16_t(IFLA_IFNAME), uint16_t(IFA_LABEL), uint16_t(IFA_FLAGS)})
                if (const auto* attr = hull::net::find_attr(attrs, type))
                    (void)hull::net::attr_string(*attr);
        }
    }
    return 0;
}
