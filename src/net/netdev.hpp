// config-linux.md "Network Devices" (linux.netDevices): host interfaces moved into the
// container's network namespace, renamed, with their addresses, and brought up.
//
// What the spec asks, and what hull does for it:
//   - The map key is the host interface; `name` renames it inside (else the host name is kept).
//     Move and rename are one RTM_NEWLINK request (IFLA_NET_NS_FD + IFLA_IFNAME), as runc does.
//   - "If a network device with the specified name already exists in the container namespace,
//     the runtime MUST generate an error, unless ... `%d`": without a template the target
//     namespace is checked first, so a clash fails before anything moved (the kernel would
//     otherwise move the device and only then refuse the rename). With a template the kernel
//     picks the number; hull asks for a known ifindex in the target (IFLA_NEW_IFINDEX: the host
//     index when free there) so it can find the device whatever name it got.
//   - "MUST preserve ... all permanent IP addresses (IFA_F_PERMANENT) of any family with global
//     scope (RT_SCOPE_UNIVERSE)": the kernel drops every address when a device changes namespace,
//     so they are read before the move and added again inside, in the same order (IPv4 primaries
//     stay primary), with their prefix length, peer, broadcast, metric, protocol, the settable
//     flags (nodad, noprefixroute, ...) and alias label (relabelled for a renamed device).
//     Unlike runc, the device is not set down on the host first: that would make the kernel
//     delete its IPv6 addresses (net.ipv6.conf.*.keep_addr_on_down=0, the default) before they
//     are read, and a failed move would leave a host device down. The move itself closes it.
//   - "MUST set the network device state to up after moving it".
//   - Nothing is moved back on failure or at delete: the spec leaves devices to the namespace's
//     lifecycle (the kernel returns physical devices to the initial namespace when it dies and
//     destroys virtual ones). A failed create kills the init, so its namespace goes with it.
#pragma once

#include "hull/error.hpp"
#include "hull/fd.hpp"
#include "hull/oci/spec.hpp"

#include <map>
#include <string>
#include <string_view>
#include <sys/types.h>

namespace hull::net {

using NetDevices = std::map<std::string, oci::NetDevice>;

// The kernel's dev_valid_name: 1 to 15 bytes (IFNAMSIZ - 1), not "." or "..", no '/', ':', NUL
// or whitespace. `allow_template` also admits one "%d" (and no other '%'), which the kernel
// replaces with the lowest free number; existing (host) names never contain '%'.
bool is_valid_interface_name(std::string_view name, bool allow_template);

// The name the device gets inside: `name`, or the host name when empty.
std::string target_name(const std::string& host_name, const oci::NetDevice& device);

// Pure checks of linux.netDevices, naming the field (`config.json: /linux/netDevices/eth0/name:
// invalid network device name "a b"`):
//   - host names and new names are valid interface names (new names may be "%d" templates);
//   - no two devices end up with the same name inside (templates aside);
//   - the container has a network namespace of its own in linux.namespaces, created or joined by
//     path ("unable to move network devices without a NET namespace", runc's words); that a
//     joined path is not the runtime's own namespace is checked by move_net_devices;
//   - not rootless (runc: "network devices are not supported for rootless containers"): moving
//     host devices needs CAP_NET_ADMIN over the host's namespace.
Result<void> validate_net_device_names(const NetDevices& devices);
Result<void> validate_net_devices(const oci::Linux& linux, bool rootless);

// /proc/<pid>/ns/net, for move_net_devices.
Result<UniqueFd> open_netns_of(pid_t pid);

// Runs in the runtime, in the host's network namespace, once the container init exists in its
// network namespace and before it goes on (runc does it right after its init process is created,
// before the init prepares the rootfs, and so before any hook). Devices are handled in key order; the first
// failure stops and is returned as `linux.netDevices: device "eth5": no such device`. Devices moved before it
// stay in the container's namespace (see above). The calling thread briefly enters the target namespace to
// open a netlink socket there (RtnlSocket::open_in).
Result<void> move_net_devices(const NetDevices& devices, int target_netns_fd);

} // namespace hull::net
