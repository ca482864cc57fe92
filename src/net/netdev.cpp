// linux.netDevices: validation (pure) and the move into the container's network namespace.
#include "net/netdev.hpp"
#include "hull/oci/pointer.hpp"
#include "hull/text.hpp"

#include "net/netlink.hpp"

#include <arpa/inet.h>
#include <cerrno>
#include <fcntl.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <set>
#include <sys/stat.h>
#include <vector>

namespace hull::net {

namespace {

constexpr size_t max_name_length = IFNAMSIZ - 1;

// Address flags a caller may set with RTM_NEWADDR (the kernel masks the rest away).
constexpr uint32_t settable_address_flags = IFA_F_NODAD | IFA_F_OPTIMISTIC | IFA_F_HOMEADDRESS
    | IFA_F_MANAGETEMPADDR | IFA_F_NOPREFIXROUTE | IFA_F_MCAUTOJOIN;

// Address attributes carried over as they are; the label is rewritten, the rest (lifetimes,
// statistics) belongs to the old namespace.
constexpr uint16_t copied_address_attrs[]
    = {IFA_ADDRESS, IFA_LOCAL, IFA_BROADCAST, IFA_RT_PRIORITY, IFA_PROTO};

Error field_error(const std::string& pointer, const std::string& reason)
{
    return Error::message("config.json: /linux/netDevices" + pointer + ": " + reason);
}

// The kernel's isspace(): the ASCII blanks and, from its Latin-1 table, 0xa0.
bool kernel_isspace(unsigned char c)
{
    return c == ' ' || (c >= '\t' && c <= '\r') || c == 0xa0;
}

bool is_template(std::string_view name)
{
    return name.find('%') != std::string_view::npos;
}

// An address to add again inside: its header and the attributes worth keeping.
struct SavedAddress {
    ifaddrmsg header {};
    uint32_t flags = 0;
    std::vector<std::pair<uint16_t, std::string>> attrs;
    std::string label;
};

uint32_t address_flags(const ifaddrmsg& header, const std::vector<NlAttr>& attrs)
{
    const NlAttr* full = find_attr(attrs, IFA_FLAGS);
    if (full && full->data.size() >= sizeof(uint32_t)) {
        uint32_t flags = 0;
        std::memcpy(&flags, full->data.data(), sizeof flags);
        return flags;
    }
    return header.ifa_flags;
}

// The permanent, global-scope addresses of host interface `index`, in the kernel's order.
Result<std::vector<SavedAddress>> read_addresses(RtnlSocket& host, int index)
{
    NlRequest request(RTM_GETADDR, 0);
    ifaddrmsg filter {};
    filter.ifa_family = AF_UNSPEC;
    request.header(filter);
    auto messages = TRY(host.dump(request, "list addresses"));
    std::vector<SavedAddress> out;
    for (const NlMessage& m : messages) {
        if (m.type != RTM_NEWADDR)
            continue;
        auto header = m.header<ifaddrmsg>();
        if (static_cast<int>(header.ifa_index) != index || header.ifa_scope != RT_SCOPE_UNIVERSE)
            continue;
        auto attrs = parse_attrs(m.payload, sizeof(ifaddrmsg));
        uint32_t flags = address_flags(header, attrs);
        if (!(flags & IFA_F_PERMANENT))
            continue;
        SavedAddress saved;
        saved.header = header;
        saved.flags = flags & settable_address_flags;
        for (uint16_t type : copied_address_attrs)
            if (const NlAttr* a = find_attr(attrs, type))
                saved.attrs.emplace_back(type, std::string(a->data));
        if (const NlAttr* label = find_attr(attrs, IFA_LABEL))
            saved.label = attr_string(*label);
        out.push_back(std::move(saved));
    }
    return out;
}

// An IPv4 label names the device ("eth0") or an alias of it ("eth0:web"); it follows a rename.
// Empty means "the kernel's default, the device name".
std::string relabel(const std::string& label, const std::string& old_name, const std::string& new_name)
{
    if (label.size() <= old_name.size() || label.compare(0, old_name.size(), old_name) != 0
        || label[old_name.size()] != ':')
        return {};
    std::string out = new_name + label.substr(old_name.size());
    return out.size() <= max_name_length ? out : std::string();
}

struct Link {
    int index = 0;
    std::string name;
};

Link link_from(const NlMessage& m)
{
    Link link;
    link.index = m.header<ifinfomsg>().ifi_index;
    auto attrs = parse_attrs(m.payload, sizeof(ifinfomsg));
    if (const NlAttr* name = find_attr(attrs, IFLA_IFNAME))
        link.name = attr_string(*name);
    return link;
}

// RTM_GETLINK by name (index 0) or by index; nullopt-like empty Link when there is none.
Result<Link> find_link(RtnlSocket& socket, int index, const std::string& name)
{
    NlRequest request(RTM_GETLINK, 0);
    ifinfomsg info {};
    info.ifi_family = AF_UNSPEC;
    info.ifi_index = index;
    request.header(info);
    if (index == 0)
        request.attr_string(IFLA_IFNAME, name);
    request.attr_u32(IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
    auto reply = socket.request(request, "get link");
    if (!reply) {
        if (reply.error().code() == ENODEV)
            return Link {};
        return std::move(reply).error();
    }
    for (const NlMessage& m : reply.value())
        if (m.type == RTM_NEWLINK)
            return link_from(m);
    return Link {};
}

// For a template name: an ifindex free in the target, the host's own when possible.
Result<int> free_index(RtnlSocket& target, int host_index)
{
    NlRequest request(RTM_GETLINK, 0);
    ifinfomsg info {};
    info.ifi_family = AF_UNSPEC;
    request.header(info);
    request.attr_u32(IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
    auto messages = TRY(target.dump(request, "list links in the container's network namespace"));
    std::set<int> used;
    for (const NlMessage& m : messages)
        if (m.type == RTM_NEWLINK)
            used.insert(m.header<ifinfomsg>().ifi_index);
    if (!used.count(host_index))
        return host_index;
    return *used.rbegin() + 1;
}

// "10.1.2.3/24", for messages.
std::string address_text(const SavedAddress& saved)
{
    const std::string* raw = nullptr;
    for (const auto& [type, data] : saved.attrs)
        if (type == IFA_LOCAL || (type == IFA_ADDRESS && !raw))
            raw = &data;
    char text[INET6_ADDRSTRLEN] = "?";
    size_t want = saved.header.ifa_family == AF_INET6 ? 16 : 4;
    if (raw && raw->size() == want)
        ::inet_ntop(saved.header.ifa_family, raw->data(), text, sizeof text);
    return std::string(text) + "/" + std::to_string(saved.header.ifa_prefixlen);
}

Result<void> add_address(
    RtnlSocket& target, const SavedAddress& saved, const Link& link, const std::string& label)
{
    NlRequest request(RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL);
    ifaddrmsg header = saved.header;
    header.ifa_index = static_cast<uint32_t>(link.index);
    header.ifa_flags = static_cast<uint8_t>(saved.flags & 0xff);
    request.header(header);
    for (const auto& [type, data] : saved.attrs)
        request.attr(type, data.data(), data.size());
    request.attr_u32(IFA_FLAGS, saved.flags);
    if (!label.empty())
        request.attr_string(IFA_LABEL, label);
    TRY(target.request(request, "add address " + address_text(saved) + " to " + in_quotes(link.name)));
    return ok();
}

Result<void> set_up(RtnlSocket& target, const Link& link)
{
    NlRequest request(RTM_NEWLINK, 0);
    ifinfomsg info {};
    info.ifi_family = AF_UNSPEC;
    info.ifi_index = link.index;
    info.ifi_flags = IFF_UP;
    info.ifi_change = IFF_UP;
    request.header(info);
    TRY(target.request(request, "set " + in_quotes(link.name) + " up"));
    return ok();
}

bool same_namespace(int fd_a, int fd_b)
{
    struct stat a { };
    struct stat b { };
    return ::fstat(fd_a, &a) == 0 && ::fstat(fd_b, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

Result<void> move_one(RtnlSocket& host, RtnlSocket& target, int target_netns_fd, const std::string& host_name,
    const oci::NetDevice& device)
{
    errno = 0;
    int index = static_cast<int>(::if_nametoindex(host_name.c_str()));
    if (index == 0)
        return Error::from_code(errno ? errno : ENODEV, "device", in_quotes(host_name));
    std::string new_name = target_name(host_name, device);
    auto fail = [&](Error e) { return std::move(e.context("device " + in_quotes(host_name))); };

    int new_index = 0;
    if (is_template(new_name)) {
        auto chosen = free_index(target, index);
        if (!chosen)
            return fail(std::move(chosen).error());
        new_index = chosen.value();
    } else {
        auto existing = find_link(target, 0, new_name);
        if (!existing)
            return fail(std::move(existing).error());
        if (existing.value().index != 0)
            return fail(Error::message(
                "the container's network namespace already has a device named " + in_quotes(new_name)));
    }

    auto addresses = read_addresses(host, index);
    if (!addresses)
        return fail(std::move(addresses).error());

    NlRequest move(RTM_NEWLINK, 0);
    ifinfomsg info {};
    info.ifi_family = AF_UNSPEC;
    info.ifi_index = index;
    move.header(info);
    move.attr_string(IFLA_IFNAME, new_name);
    move.attr_u32(IFLA_NET_NS_FD, static_cast<uint32_t>(target_netns_fd));
    if (new_index != 0)
        move.attr_s32(IFLA_NEW_IFINDEX, new_index);
    if (auto moved = host.request(move, "move to the container's network namespace"); !moved)
        return fail(std::move(moved).error());

    auto link = new_index != 0 ? find_link(target, new_index, {}) : find_link(target, 0, new_name);
    if (!link)
        return fail(std::move(link).error());
    if (link.value().index == 0)
        return fail(Error::message("moved, but not found in the container's network namespace"));
    const Link& inside = link.value();

    for (const SavedAddress& saved : addresses.value())
        if (auto added = add_address(target, saved, inside, relabel(saved.label, host_name, inside.name));
            !added)
            return fail(std::move(added).error());
    if (auto up = set_up(target, inside); !up)
        return fail(std::move(up).error());
    return ok();
}

} // namespace

bool is_valid_interface_name(std::string_view name, bool allow_template)
{
    if (name.empty() || name.size() > max_name_length || name == "." || name == "..")
        return false;
    for (unsigned char c : name)
        if (c == '/' || c == ':' || c == '\0' || kernel_isspace(c))
            return false;
    size_t percent = name.find('%');
    if (percent == std::string_view::npos)
        return true;
    return allow_template && percent + 1 < name.size() && name[percent + 1] == 'd'
        && name.find('%', percent + 1) == std::string_view::npos;
}

std::string target_name(const std::string& host_name, const oci::NetDevice& device)
{
    return device.name.empty() ? host_name : device.name;
}

Result<void> validate_net_device_names(const NetDevices& devices)
{
    std::map<std::string, std::string> owners; // name inside -> host name
    for (const auto& [host_name, device] : devices) {
        std::string at = oci::pointer_child("", host_name);
        if (!is_valid_interface_name(host_name, false))
            return field_error(at, "invalid network device name " + in_quotes(host_name));
        if (!device.name.empty() && !is_valid_interface_name(device.name, true))
            return field_error(at + "/name", "invalid network device name " + in_quotes(device.name));
        std::string inside = target_name(host_name, device);
        if (is_template(inside))
            continue;
        auto [it, inserted] = owners.emplace(inside, host_name);
        if (!inserted)
            return field_error(device.name.empty() ? at : at + "/name",
                "duplicate network device name " + in_quotes(inside) + " (also the name of "
                    + in_quotes(it->second) + " inside)");
    }
    return ok();
}

Result<void> validate_net_devices(const oci::Linux& linux, bool rootless)
{
    if (linux.netDevices.empty())
        return ok();
    bool has_netns = false;
    for (const oci::Namespace& ns : linux.namespaces)
        has_netns = has_netns || ns.type == oci::NamespaceType::Network;
    if (!has_netns)
        return field_error("", "unable to move network devices without a NET namespace");
    if (rootless)
        return field_error("", "network devices are not supported for rootless containers");
    return validate_net_device_names(linux.netDevices);
}

Result<UniqueFd> open_netns_of(pid_t pid)
{
    std::string path = "/proc/" + std::to_string(pid) + "/ns/net";
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd)
        return Error::from_errno("open", path);
    return fd;
}

Result<void> move_net_devices(const NetDevices& devices, int target_netns_fd)
{
    if (devices.empty())
        return ok();
    auto in_context = [](Error e) { return std::move(e.context("linux.netDevices")); };
    if (auto names = validate_net_device_names(devices); !names)
        return std::move(names).error();

    UniqueFd own(::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC));
    if (!own)
        return in_context(Error::from_errno("open", "/proc/thread-self/ns/net"));
    if (same_namespace(own.get(), target_netns_fd))
        return in_context(Error::message("the container's network namespace is the runtime's own"));

    auto host = RtnlSocket::open();
    if (!host)
        return in_context(std::move(host).error());
    auto target = RtnlSocket::open_in(target_netns_fd);
    if (!target)
        return in_context(std::move(target).error().context("open the container's network namespace"));
    for (const auto& [host_name, device] : devices)
        if (auto moved = move_one(host.value(), target.value(), target_netns_fd, host_name, device); !moved)
            return in_context(std::move(moved).error());
    return ok();
}

} // namespace hull::net
