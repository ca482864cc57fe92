// The pure checks of linux.netDevices.
#include "net/netdev.hpp"

#include <doctest/doctest.h>

using namespace hull;
using namespace hull::net;

namespace {

std::string names_error(const NetDevices& devices)
{
    auto checked = validate_net_device_names(devices);
    return checked ? std::string("no error") : checked.error().text();
}

oci::Linux with_netns(NetDevices devices, bool netns = true)
{
    oci::Linux linux;
    linux.namespaces.push_back(oci::Namespace {oci::NamespaceType::Pid, ""});
    if (netns)
        linux.namespaces.push_back(oci::Namespace {oci::NamespaceType::Network, ""});
    linux.netDevices = std::move(devices);
    return linux;
}

} // namespace

TEST_CASE("is_valid_interface_name follows the kernel's dev_valid_name")
{
    for (const char* good :
        {"eth0", "e", "container_eth0", "123456789012345", "a-b.c_d", "..a", "eth0.100"}) {
        CAPTURE(good);
        CHECK(is_valid_interface_name(good, false));
        CHECK(is_valid_interface_name(good, true));
    }
    for (const char* bad :
        {"", ".", "..", "1234567890123456", "a/b", "eth0:1", "a b", "a\tb", "a\nb", "a\vb", "a\rb", "a\fb",
            "a\xa0"
            "b"}) {
        CAPTURE(bad);
        CHECK_FALSE(is_valid_interface_name(bad, false));
        CHECK_FALSE(is_valid_interface_name(bad, true));
    }
    CHECK_FALSE(is_valid_interface_name(std::string_view("a\0b", 3), false));

    // "%d" templates: only as new names, one of them, and nothing but "%d".
    for (const char* name : {"eth%d", "%d", "c%dx", "12345678901%d12"}) {
        CAPTURE(name);
        CHECK(is_valid_interface_name(name, true));
        CHECK_FALSE(is_valid_interface_name(name, false));
    }
    for (const char* name : {"eth%", "eth%s", "%d%d", "a%db%d", "%%d", "123456789012%d12"}) {
        CAPTURE(name);
        CHECK_FALSE(is_valid_interface_name(name, true));
    }
}

TEST_CASE("validate_net_device_names names the offending field")
{
    CHECK(validate_net_device_names({}));
    CHECK(validate_net_device_names({{"eth0", {}}, {"eth1", {"ctr1"}}, {"eth2", {"eth0x"}}}));
    CHECK(names_error({{"eth 0", {}}})
        == "config.json: /linux/netDevices/eth 0: invalid network device name \"eth 0\"");
    CHECK(names_error({{"a/b", {}}})
        == "config.json: /linux/netDevices/a~1b: invalid network device name \"a/b\"");
    CHECK(names_error({{"eth%d", {}}})
        == "config.json: /linux/netDevices/eth%d: invalid network device name \"eth%d\"");
    CHECK(names_error({{"eth0", {"."}}})
        == "config.json: /linux/netDevices/eth0/name: invalid network device name \".\"");
    CHECK(names_error({{"eth0", {"averyveryverylongname"}}})
        == "config.json: /linux/netDevices/eth0/name: invalid network device name \"averyveryverylongname\"");
    CHECK(names_error({{"eth0", {"c:1"}}})
        == "config.json: /linux/netDevices/eth0/name: invalid network device name \"c:1\"");
}

TEST_CASE("validate_net_device_names rejects two devices with one name inside")
{
    CHECK(names_error({{"eth0", {"ctr"}}, {"eth1", {"ctr"}}})
        == "config.json: /linux/netDevices/eth1/name: duplicate network device name \"ctr\" (also the name "
           "of "
           "\"eth0\" inside)");
    // A renamed device taking the name another one keeps.
    CHECK(names_error({{"eth0", {"eth1"}}, {"eth1", {}}})
        == "config.json: /linux/netDevices/eth1: duplicate network device name \"eth1\" (also the name of "
           "\"eth0\" "
           "inside)");
    // Swapping two names is fine; so are templates, whose numbers the kernel picks.
    CHECK(validate_net_device_names({{"eth0", {"eth1"}}, {"eth1", {"eth0"}}}));
    CHECK(validate_net_device_names({{"eth0", {"ctr%d"}}, {"eth1", {"ctr%d"}}}));
}

TEST_CASE("validate_net_devices needs a network namespace and a privileged runtime")
{
    CHECK(validate_net_devices(with_netns({}, false), false));
    CHECK(validate_net_devices(with_netns({{"eth0", {"c0"}}}), false));

    auto joined = with_netns({{"eth0", {}}}, false);
    joined.namespaces.push_back(oci::Namespace {oci::NamespaceType::Network, "/var/run/netns/pod"});
    CHECK(validate_net_devices(joined, false));

    auto no_netns = validate_net_devices(with_netns({{"eth0", {}}}, false), false);
    REQUIRE_FALSE(no_netns);
    CHECK(no_netns.error().text()
        == "config.json: /linux/netDevices: unable to move network devices without a NET namespace");

    auto rootless = validate_net_devices(with_netns({{"eth0", {}}}), true);
    REQUIRE_FALSE(rootless);
    CHECK(rootless.error().text()
        == "config.json: /linux/netDevices: network devices are not supported for rootless containers");

    auto bad_name = validate_net_devices(with_netns({{"eth0", {"a b"}}}), false);
    REQUIRE_FALSE(bad_name);
    CHECK(bad_name.error().text()
        == "config.json: /linux/netDevices/eth0/name: invalid network device name \"a b\"");
}

TEST_CASE("target_name keeps the host name unless renamed")
{
    CHECK(target_name("eth0", {}) == "eth0");
    CHECK(target_name("eth0", {"ctr0"}) == "ctr0");
}
