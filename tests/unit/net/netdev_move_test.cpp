// move_net_devices against real network namespaces (root only; see netns_fixture.hpp: every
// device lives in private namespaces of forked processes, never in the machine's own).
#include "net/netdev.hpp"
#include "netns_fixture.hpp"
#include "skip.hpp"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <optional>

using namespace hull;
using namespace hull::net;
using namespace netns_fixture;

namespace {

// In the calling ("host") process: a private namespace with a socket to it.
std::string private_host(std::optional<RtnlSocket>& rtnl)
{
    if (::unshare(CLONE_NEWNET) != 0)
        return errno_text("unshare(CLONE_NEWNET)");
    auto opened = RtnlSocket::open();
    if (!opened)
        return opened.error().text();
    rtnl.emplace(std::move(opened).value());
    return {};
}

std::string move_error(const NetDevices& devices, int netns)
{
    auto moved = move_net_devices(devices, netns);
    return moved ? std::string() : moved.error().text();
}

} // namespace

TEST_CASE("move_net_devices moves and renames a device with its permanent global addresses, up" * HULL_HOST)
{
    if (::geteuid() != 0)
        HULL_SKIP("moving network devices needs root");
    std::string result = run_in_child([]() -> std::string {
        std::optional<RtnlSocket> rtnl;
        if (std::string e = private_host(rtnl); !e.empty())
            return e;
        if (std::string e = create_device(*rtnl, "hd0"); !e.empty())
            return e;
        TestAddress primary = address(AF_INET, "10.1.2.3", 24);
        primary.broadcast = "10.1.2.255";
        TestAddress secondary = primary;
        secondary.address = "10.1.2.4";
        TestAddress alias = address(AF_INET, "10.1.3.3", 24);
        alias.label = "hd0:web";
        TestAddress v6 = address(AF_INET6, "2001:db8::1", 64);
        v6.flags = IFA_F_NODAD;
        TestAddress host_scope = address(AF_INET, "10.9.9.9", 32); // not global: stays behind
        host_scope.scope = RT_SCOPE_HOST;
        TestAddress dynamic = address(AF_INET, "10.8.8.8", 24); // not permanent: stays behind
        dynamic.lifetime = 600;
        const TestAddress addresses[] = {primary, secondary, alias, v6, host_scope, dynamic};
        for (const TestAddress& a : addresses)
            if (std::string e = add_address(*rtnl, "hd0", a); !e.empty())
                return e;

        Container container;
        std::string started = container.start([]() -> std::string {
            if (::if_nametoindex("hd0") != 0)
                return "the old name is visible inside";
            if (::if_nametoindex("ctr0") == 0)
                return "ctr0 not found inside";
            if (!is_up("ctr0"))
                return "ctr0 is not up";
            std::string broadcast;
            if (!has_address("ctr0", AF_INET, "10.1.2.3", &broadcast))
                return "10.1.2.3 missing";
            if (broadcast != "10.1.2.255")
                return "broadcast " + broadcast;
            if (!has_address("ctr0", AF_INET, "10.1.2.4"))
                return "10.1.2.4 missing";
            if (!has_address("ctr0:web", AF_INET, "10.1.3.3"))
                return "10.1.3.3 missing or without its ctr0:web label";
            if (!has_address("ctr0", AF_INET6, "2001:db8::1"))
                return "2001:db8::1 missing";
            if (has_address("ctr0", AF_INET, "10.9.9.9"))
                return "the host-scope address was moved";
            if (has_address("ctr0", AF_INET, "10.8.8.8"))
                return "the address with a lifetime was moved";
            return {};
        });
        if (!started.empty())
            return started;
        if (std::string e = move_error({{"hd0", {"ctr0"}}}, container.netns()); !e.empty())
            return "move: " + e;
        if (::if_nametoindex("hd0") != 0)
            return "hd0 is still on the host";
        return container.finish();
    });
    CHECK(result == "");
}

TEST_CASE("move_net_devices keeps the host name and fills %d templates" * HULL_HOST)
{
    if (::geteuid() != 0)
        HULL_SKIP("moving network devices needs root");
    std::string result = run_in_child([]() -> std::string {
        std::optional<RtnlSocket> rtnl;
        if (std::string e = private_host(rtnl); !e.empty())
            return e;
        for (const char* name : {"hd0", "hd1", "keep0"})
            if (std::string e = create_device(*rtnl, name); !e.empty())
                return e;
        if (std::string e = add_address(*rtnl, "hd1", address(AF_INET, "10.4.0.1", 16)); !e.empty())
            return e;
        int hd0_index = static_cast<int>(::if_nametoindex("hd0"));
        Container container;
        // The container already has a device of its own, holding hd0's ifindex there.
        auto prepare = [hd0_index]() -> std::string {
            auto inside = RtnlSocket::open();
            if (!inside)
                return inside.error().text();
            if (std::string e = create_device(inside.value(), "own0"); !e.empty())
                return e;
            if (static_cast<int>(::if_nametoindex("own0")) != hd0_index)
                return "own0 did not get hd0's ifindex";
            return {};
        };
        std::string started = container.start(
            []() -> std::string {
                for (const char* name : {"keep0", "net0", "net1"})
                    if (::if_nametoindex(name) == 0 || !is_up(name))
                        return std::string(name) + " missing or down inside";
                if (::if_nametoindex("own0") == 0)
                    return "own0 gone";
                // hd0 and hd1 are moved in key order, so hd1 got the second number.
                if (!has_address("net1", AF_INET, "10.4.0.1"))
                    return "10.4.0.1 not on net1";
                return {};
            },
            prepare);
        if (!started.empty())
            return started;
        NetDevices devices {{"hd0", {"net%d"}}, {"hd1", {"net%d"}}, {"keep0", {}}};
        if (std::string e = move_error(devices, container.netns()); !e.empty())
            return "move: " + e;
        return container.finish();
    });
    CHECK(result == "");
}

TEST_CASE("move_net_devices fails clearly and before moving" * HULL_HOST)
{
    if (::geteuid() != 0)
        HULL_SKIP("moving network devices needs root");
    std::string result = run_in_child([]() -> std::string {
        std::optional<RtnlSocket> rtnl;
        if (std::string e = private_host(rtnl); !e.empty())
            return e;
        if (std::string e = create_device(*rtnl, "hd0"); !e.empty())
            return e;
        Container container;
        if (std::string e = container.start([] { return std::string(); }); !e.empty())
            return e;
        std::string out;
        auto expect = [&](const NetDevices& devices, int netns, const std::string& want) {
            std::string got = move_error(devices, netns);
            if (got != want)
                out += "\n  got:  " + got + "\n  want: " + want;
        };
        expect({{"nosuch0", {}}}, container.netns(), "linux.netDevices: device \"nosuch0\": no such device");
        expect({{"hd0", {"lo"}}}, container.netns(),
            "linux.netDevices: device \"hd0\": the container's network namespace already has a device named "
            "\"lo\"");
        if (::if_nametoindex("hd0") == 0)
            out += "\n  hd0 left the host after a refused move";
        expect({{"hd0", {"a b"}}}, container.netns(),
            "config.json: /linux/netDevices/hd0/name: invalid network device name \"a b\"");
        int own = ::open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
        expect(
            {{"hd0", {}}}, own, "linux.netDevices: the container's network namespace is the runtime's own");
        ::close(own);
        // The loopback device is bound to its namespace; the kernel refuses, hull says which device.
        std::string lo = move_error({{"lo", {"lo0"}}}, container.netns());
        if (lo.rfind("linux.netDevices: device \"lo\": move to the container's network namespace: ", 0) != 0)
            out += "\n  moving lo: " + lo;
        container.finish();
        return out;
    });
    CHECK(result == "");
}
