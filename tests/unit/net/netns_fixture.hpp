// Helpers for the root-only move tests. Every network object lives in private network
// namespaces: a forked "host" process unshares one, creates its test devices there, and forks a
// "container" process that unshares another; both namespaces vanish with the processes. Nothing
// here touches the machine's own network. Inside the forked processes failures are strings
// ("" = success), passed back to the test through pipes.
#pragma once

#include "net/netlink.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <functional>
#include <ifaddrs.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <net/if.h>
#include <sched.h>
#include <string>
#include <sys/wait.h>
#include <unistd.h>

namespace netns_fixture {

inline std::string read_all_from(int fd)
{
    std::string out;
    char buf[512];
    ssize_t n;
    while ((n = ::read(fd, buf, sizeof buf)) > 0)
        out.append(buf, static_cast<size_t>(n));
    return out;
}

inline void write_all_to(int fd, const std::string& text)
{
    (void)!::write(fd, text.data(), text.size());
}

// Forks; the child runs `body` and reports its string; the caller gets it (or how the child died).
inline std::string run_in_child(const std::function<std::string()>& body)
{
    int fds[2];
    if (::pipe(fds) != 0)
        return "pipe failed";
    pid_t pid = ::fork();
    if (pid < 0)
        return "fork failed";
    if (pid == 0) {
        ::close(fds[0]);
        write_all_to(fds[1], body());
        ::_exit(0);
    }
    ::close(fds[1]);
    std::string out = read_all_from(fds[0]);
    ::close(fds[0]);
    int status = 0;
    ::waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return out + " (child died with status " + std::to_string(status) + ")";
    return out;
}

inline std::string errno_text(const std::string& what)
{
    return what + ": errno " + std::to_string(errno);
}

// A process in a new network namespace, waiting to run `check` there when told to.
class Container {
public:
    // Returns "" or why it could not start. `prepare` runs in the new namespace before the
    // process reports it is ready.
    std::string start(std::function<std::string()> check, std::function<std::string()> prepare = {})
    {
        int ready[2], go[2], result[2];
        if (::pipe(ready) != 0 || ::pipe(go) != 0 || ::pipe(result) != 0)
            return errno_text("pipe");
        m_pid = ::fork();
        if (m_pid < 0)
            return errno_text("fork");
        if (m_pid == 0) {
            ::close(ready[0]);
            ::close(go[1]);
            ::close(result[0]);
            std::string out = ::unshare(CLONE_NEWNET) == 0 ? "" : errno_text("unshare(CLONE_NEWNET)");
            if (out.empty() && prepare)
                out = prepare();
            write_all_to(ready[1], out.empty() ? "r" : "x");
            ::close(ready[1]);
            char c = 0;
            if (out.empty() && ::read(go[0], &c, 1) == 1)
                out = check();
            write_all_to(result[1], out);
            ::_exit(0);
        }
        ::close(ready[1]);
        ::close(go[0]);
        ::close(result[1]);
        m_go = go[1];
        m_result = result[0];
        std::string state = read_all_from(ready[0]);
        ::close(ready[0]);
        if (state != "r")
            return "container process failed to set up its network namespace";
        std::string path = "/proc/" + std::to_string(m_pid) + "/ns/net";
        m_netns = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
        return m_netns >= 0 ? "" : errno_text("open " + path);
    }

    int netns() const { return m_netns; }

    // Lets the check run and returns its result.
    std::string finish()
    {
        write_all_to(m_go, "g");
        ::close(m_go);
        std::string out = read_all_from(m_result);
        ::close(m_result);
        ::close(m_netns);
        int status = 0;
        ::waitpid(m_pid, &status, 0);
        return out;
    }

private:
    pid_t m_pid = -1;
    int m_go = -1, m_result = -1, m_netns = -1;
};

// Creates a test device named `name` in the caller's namespace: a dummy, or when the kernel has no
// dummy driver, one end of a veth pair (the peer is `name` + "p").
inline std::string create_device(hull::net::RtnlSocket& rtnl, const std::string& name)
{
    using hull::net::NlRequest;
    for (const char* kind : {"dummy", "veth"}) {
        NlRequest request(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
        ifinfomsg info {};
        info.ifi_family = AF_UNSPEC;
        request.header(info);
        request.attr_string(IFLA_IFNAME, name);
        size_t linkinfo = request.begin_nested(IFLA_LINKINFO);
        request.attr_string(IFLA_INFO_KIND, kind);
        if (std::string(kind) == "veth") {
            size_t data = request.begin_nested(IFLA_INFO_DATA);
            size_t peer = request.begin_nested(VETH_INFO_PEER);
            request.header(info);
            request.attr_string(IFLA_IFNAME, name + "p");
            request.end_nested(peer);
            request.end_nested(data);
        }
        request.end_nested(linkinfo);
        auto created = rtnl.request(request, std::string("create ") + kind + " " + name);
        if (created)
            return {};
        if (std::string(kind) == "veth")
            return created.error().text();
    }
    return "unreachable";
}

struct TestAddress {
    int family = AF_INET;
    std::string address;
    int prefix = 24;
    std::string broadcast; // IPv4 only
    unsigned char scope = RT_SCOPE_UNIVERSE;
    uint32_t flags = 0;
    uint32_t lifetime = 0; // 0: permanent
    std::string label;
};

inline TestAddress address(int family, std::string text, int prefix)
{
    TestAddress a;
    a.family = family;
    a.address = std::move(text);
    a.prefix = prefix;
    return a;
}

inline std::string add_address(hull::net::RtnlSocket& rtnl, const std::string& device, const TestAddress& a)
{
    using hull::net::NlRequest;
    NlRequest request(RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL);
    ifaddrmsg header {};
    header.ifa_family = static_cast<uint8_t>(a.family);
    header.ifa_prefixlen = static_cast<uint8_t>(a.prefix);
    header.ifa_scope = a.scope;
    header.ifa_index = ::if_nametoindex(device.c_str());
    request.header(header);
    unsigned char raw[16];
    if (::inet_pton(a.family, a.address.c_str(), raw) != 1)
        return "bad test address " + a.address;
    size_t size = a.family == AF_INET ? 4 : 16;
    request.attr(IFA_LOCAL, raw, size);
    request.attr(IFA_ADDRESS, raw, size);
    if (!a.broadcast.empty() && ::inet_pton(AF_INET, a.broadcast.c_str(), raw) == 1)
        request.attr(IFA_BROADCAST, raw, 4);
    if (a.flags)
        request.attr_u32(IFA_FLAGS, a.flags);
    if (!a.label.empty())
        request.attr_string(IFA_LABEL, a.label);
    if (a.lifetime) {
        ifa_cacheinfo cache {};
        cache.ifa_prefered = a.lifetime;
        cache.ifa_valid = a.lifetime;
        request.attr(IFA_CACHEINFO, &cache, sizeof cache);
    }
    auto added = rtnl.request(request, "add " + a.address + " to " + device);
    return added ? "" : added.error().text();
}

// One address or interface as getifaddrs(3) reports it inside a namespace.
inline bool has_address(
    const std::string& name, int family, const std::string& address, std::string* broadcast = nullptr)
{
    ifaddrs* list = nullptr;
    if (::getifaddrs(&list) != 0)
        return false;
    bool found = false;
    for (ifaddrs* i = list; i && !found; i = i->ifa_next) {
        if (!i->ifa_addr || i->ifa_addr->sa_family != family || name != i->ifa_name)
            continue;
        char text[INET6_ADDRSTRLEN] = {};
        const void* raw = family == AF_INET
            ? static_cast<const void*>(&reinterpret_cast<sockaddr_in*>(i->ifa_addr)->sin_addr)
            : static_cast<const void*>(&reinterpret_cast<sockaddr_in6*>(i->ifa_addr)->sin6_addr);
        ::inet_ntop(family, raw, text, sizeof text);
        if (address != text)
            continue;
        found = true;
        if (broadcast && family == AF_INET && i->ifa_broadaddr) {
            ::inet_ntop(
                AF_INET, &reinterpret_cast<sockaddr_in*>(i->ifa_broadaddr)->sin_addr, text, sizeof text);
            *broadcast = text;
        }
    }
    ::freeifaddrs(list);
    return found;
}

inline bool is_up(const std::string& name)
{
    ifaddrs* list = nullptr;
    if (::getifaddrs(&list) != 0)
        return false;
    bool up = false;
    for (ifaddrs* i = list; i; i = i->ifa_next)
        if (name == i->ifa_name && (i->ifa_flags & IFF_UP))
            up = true;
    ::freeifaddrs(list);
    return up;
}

} // namespace netns_fixture
