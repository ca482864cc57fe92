// Device rules, runc's devices emulator, and the v1 transition writes.
#include "hull/cgroups/devices.hpp"
#include "fscommon.hpp"
#include "hull/text.hpp"
#include "userns.hpp"

namespace hull::cgroups {

namespace {

constexpr unsigned kRead = 1, kWrite = 2, kMknod = 4, kAll = 7;

unsigned perm_bits(std::string_view access)
{
    unsigned bits = 0;
    for (char c : access)
        bits |= c == 'r' ? kRead : c == 'w' ? kWrite : c == 'm' ? kMknod : 0;
    return bits;
}

std::string perm_string(unsigned bits)
{
    std::string s;
    if (bits & kRead)
        s += 'r';
    if (bits & kWrite)
        s += 'w';
    if (bits & kMknod)
        s += 'm';
    return s;
}

std::string num(int64_t n)
{
    return n == -1 ? "*" : std::to_string(n);
}

DeviceRule rule(char type, int64_t major, int64_t minor, const char* access, bool allow = true)
{
    return DeviceRule {type, major, minor, access, allow};
}

} // namespace

std::string DeviceRule::cgroup_string() const
{
    return std::string(1, type) + " " + num(major) + ":" + num(minor) + " " + access;
}

const std::vector<DefaultDevice>& default_allowed_devices()
{
    static const std::vector<DefaultDevice> list = {
        {"", rule('c', -1, -1, "m")}, {"", rule('b', -1, -1, "m")}, {"/dev/null", rule('c', 1, 3, "rwm")},
        {"/dev/random", rule('c', 1, 8, "rwm")}, {"/dev/full", rule('c', 1, 7, "rwm")},
        {"/dev/tty", rule('c', 5, 0, "rwm")}, {"/dev/zero", rule('c', 1, 5, "rwm")},
        {"/dev/urandom", rule('c', 1, 9, "rwm")}, {"", rule('c', 136, -1, "rwm")}, // /dev/pts/*
        {"", rule('c', 5, 2, "rwm")}, // /dev/ptmx
        {"", rule('c', 10, 200, "rwm")}, // /dev/net/tun, kept by runc for compatibility
    };
    return list;
}

Result<std::vector<DeviceRule>> device_rules(const oci::Resources* r, const std::vector<oci::Device>& devices)
{
    std::vector<DeviceRule> out;
    if (r) {
        for (size_t i = 0; i < r->devices.size(); ++i) {
            const oci::DeviceCgroup& d = r->devices[i];
            std::string type = d.type.empty() ? "a" : d.type;
            if (d.access.empty())
                return Error::message("device access at " + std::to_string(i) + " field cannot be empty");
            if (type != "a" && type != "b" && type != "c")
                return Error::message("invalid cgroup device type " + go_quote(type));
            // Only r, w and m mean something (runc ignores other letters). A device rule left
            // with none changes nothing; the kernel reads no access for "a", which resets all.
            std::string access = perm_string(perm_bits(d.access));
            if (type == "a" && access.empty())
                access = perm_string(kAll);
            if (!access.empty())
                out.push_back({type[0], d.major.value_or(-1), d.minor.value_or(-1), access, d.allow});
        }
    }
    for (const auto& def : default_allowed_devices()) {
        bool redefined = false;
        for (const auto& d : devices)
            redefined = redefined || (!def.path.empty() && d.path == def.path);
        if (!redefined)
            out.push_back(def.rule);
    }
    return out;
}

Result<void> DeviceEmulator::add(const Meta& meta, unsigned perms)
{
    m_rules[meta] |= perms;
    return ok();
}

Result<void> DeviceEmulator::remove(const Meta& meta, unsigned perms, const char* what)
{
    auto [major, minor, type] = meta;
    // v1 ignores the removal of part of a wildcard exception; refuse it instead of pretending.
    for (const Meta& partial : {Meta {-1, minor, type}, Meta {major, -1, type}, Meta {-1, -1, type}}) {
        if (partial == meta)
            continue;
        auto it = m_rules.find(partial);
        if (it != m_rules.end() && (it->second & perms) != 0) {
            DeviceRule req {type, major, minor, perm_string(perms)};
            DeviceRule wide {type, std::get<0>(partial), std::get<1>(partial), perm_string(it->second)};
            return Error::message(std::string("unable to remove '") + what + "' exception: requested rule ["
                + req.cgroup_string() + "] not supported by devices cgroupv1 (cannot punch hole in existing "
                + "wildcard rule [" + wide.cgroup_string() + "])");
        }
    }
    auto it = m_rules.find(meta);
    if (it != m_rules.end()) {
        it->second &= ~perms;
        if (it->second == 0)
            m_rules.erase(it);
    }
    return ok();
}

Result<void> DeviceEmulator::apply(const DeviceRule& r)
{
    if (r.type != 'a' && r.type != 'b' && r.type != 'c')
        return Error::message(
            "cannot add device rule " + go_quote(r.cgroup_string()) + " with non-cgroup type");
    if (r.type == 'a') {
        m_default_allow = r.allow;
        m_rules.clear();
        return ok();
    }
    Meta meta {r.major, r.minor, r.type};
    unsigned perms = perm_bits(r.access);
    if (r.allow)
        return m_default_allow ? remove(meta, perms, "deny") : add(meta, perms);
    return m_default_allow ? add(meta, perms) : remove(meta, perms, "allow");
}

Result<DeviceEmulator> DeviceEmulator::from_list(std::string_view list)
{
    DeviceEmulator e; // devices.list shows an allow list; "a *:* rwm" marks allow-all mode
    while (!list.empty()) {
        size_t nl = list.find('\n');
        std::string_view line = trim(list.substr(0, nl));
        list = nl == std::string_view::npos ? std::string_view {} : list.substr(nl + 1);
        if (line.empty())
            continue;
        auto bad = [&] { return Error::message("malformed devices.list rule " + go_quote(line)); };
        size_t sp1 = line.find(' '), colon = line.find(':'), sp2 = line.rfind(' ');
        if (sp1 != 1 || colon == std::string_view::npos || sp2 == sp1 || colon < sp1 || colon > sp2)
            return bad();
        char type = line[0];
        if (type == 'a') {
            e.m_default_allow = true;
            e.m_rules.clear();
            continue;
        }
        if (type != 'b' && type != 'c')
            return bad();
        auto number = [](std::string_view s, int64_t& out) {
            if (s == "*") {
                out = -1;
                return true;
            }
            return detail::parse_int(s, out) && out >= 0 && out <= 0xffffffffLL;
        };
        int64_t major = 0, minor = 0;
        std::string_view access = line.substr(sp2 + 1);
        if (!number(line.substr(sp1 + 1, colon - sp1 - 1), major)
            || !number(line.substr(colon + 1, sp2 - colon - 1), minor) || access.empty()
            || perm_string(perm_bits(access)).size() != access.size())
            return bad();
        TRY(e.apply(DeviceRule {type, major, minor, std::string(access), true}));
    }
    return e;
}

std::vector<DeviceRule> DeviceEmulator::transition_from(const DeviceEmulator& from) const
{
    std::vector<DeviceRule> out;
    std::map<Meta, unsigned> old = from.m_rules;
    // A black-list's deny exceptions cannot be read back from devices.list: start over.
    if (from.m_default_allow || from.m_default_allow != m_default_allow) {
        out.push_back(DeviceRule {'a', -1, -1, "rwm", m_default_allow});
        old.clear();
    }
    for (const auto& [meta, perms] : old) {
        auto it = m_rules.find(meta);
        unsigned dropped = perms & ~(it == m_rules.end() ? 0u : it->second);
        if (dropped)
            out.push_back({std::get<2>(meta), std::get<0>(meta), std::get<1>(meta), perm_string(dropped),
                m_default_allow});
    }
    for (const auto& [meta, perms] : m_rules) {
        auto it = old.find(meta);
        unsigned gained = perms & ~(it == old.end() ? 0u : it->second);
        if (gained)
            out.push_back({std::get<2>(meta), std::get<0>(meta), std::get<1>(meta), perm_string(gained),
                !m_default_allow});
    }
    return out;
}

std::vector<DeviceRule> DeviceEmulator::rules() const
{
    return transition_from(DeviceEmulator {});
}

bool can_skip_device_filter_error(const std::vector<DeviceRule>& rules)
{
    if (detail::in_user_namespace())
        return true;
    for (const auto& r : rules)
        if (!r.allow || perm_bits(r.access) != kAll)
            return false;
    return true;
}

Result<std::vector<Write>> plan_v1_devices(
    std::string_view devices_list, const std::vector<DeviceRule>& rules)
{
    auto current = TRY(DeviceEmulator::from_list(devices_list));
    DeviceEmulator target;
    for (const auto& r : rules)
        TRY(target.apply(r));
    std::vector<Write> w;
    for (const auto& r : target.transition_from(current))
        w.push_back({"devices", r.allow ? "devices.allow" : "devices.deny", r.cgroup_string()});
    return w;
}

} // namespace hull::cgroups
