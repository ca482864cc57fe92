#include "hull/cgroups/path.hpp"
#include "fscommon.hpp"
#include "hull/text.hpp"

#include <algorithm>
#include <sys/stat.h>

namespace hull::cgroups {

namespace {

// The v1 subsystems runc's fs manager joins (fs/fs.go `subsystems`).
constexpr std::string_view kKnown[] = {"cpuset", "devices", "memory", "cpu", "cpuacct", "pids", "blkio",
    "hugetlb", "net_cls", "net_prio", "perf_event", "freezer", "rdma", "name=systemd", "misc"};
constexpr std::string_view kOptional[] = {"name=systemd", "misc"};

bool contains(const auto& list, std::string_view s)
{
    return std::find(std::begin(list), std::end(list), s) != std::end(list);
}

// The part of `cgroup` below the mount's root ("/" when they are equal).
std::string below_root(const std::string& root, const std::string& cgroup)
{
    if (root.empty() || root == "/" || cgroup == root)
        return root.empty() || root == "/" ? cgroup : "/";
    if (cgroup.size() > root.size() && cgroup.compare(0, root.size(), root) == 0
        && cgroup[root.size()] == '/')
        return cgroup.substr(root.size());
    return cgroup;
}

std::string parent_of(const std::string& path)
{
    size_t slash = path.rfind('/');
    if (slash == std::string::npos || slash == 0)
        return "/";
    return path.substr(0, slash);
}

struct Inner {
    std::string path; // clean; leading "/" when absolute
    bool absolute = false;
};

Result<Inner> systemd_inner(const PathRequest& r)
{
    std::string slice, prefix = "runc", name = r.id;
    if (!r.cgroups_path.empty()) {
        std::vector<std::string> parts;
        size_t start = 0;
        for (;;) {
            size_t colon = r.cgroups_path.find(':', start);
            parts.push_back(r.cgroups_path.substr(start, colon - start));
            if (colon == std::string::npos)
                break;
            start = colon + 1;
        }
        if (parts.size() != 3)
            return Error::message(
                "expected cgroupsPath to be of format \"slice:prefix:name\" for systemd cgroups, got "
                + go_quote(r.cgroups_path) + " instead");
        slice = parts[0];
        prefix = parts[1];
        name = parts[2];
    }
    if (slice.empty())
        slice = r.rootless ? "user.slice" : "system.slice";
    std::string expanded = TRY(expand_slice(slice));
    std::string unit = name;
    if (!(name.size() >= 6 && name.compare(name.size() - 6, 6, ".slice") == 0))
        unit = prefix + "-" + name + ".scope";
    std::string cleaned;
    if (!clean_path(expanded + "/" + unit, cleaned) || cleaned == "/")
        return Error::message("invalid systemd cgroupsPath " + go_quote(r.cgroups_path) + ": unit "
            + go_quote(unit) + " escapes its slice");
    return Inner {cleaned, true};
}

Result<Inner> cgroupfs_inner(const PathRequest& r)
{
    std::string raw = r.cgroups_path.empty() ? r.id : r.cgroups_path;
    std::string cleaned;
    if (!clean_path(raw, cleaned))
        return Error::message("invalid cgroupsPath " + go_quote(raw) + ": \"..\" climbs above its root");
    if (cleaned.empty() || cleaned == "/")
        return Error::message("invalid cgroupsPath " + go_quote(raw) + ": it names no cgroup of its own");
    return Inner {cleaned, cleaned.front() == '/'};
}

} // namespace

const char* to_string(Driver driver)
{
    return driver == Driver::Systemd ? "systemd" : "cgroupfs";
}

OwnCgroups parse_proc_cgroup(std::string_view text)
{
    OwnCgroups out;
    while (!text.empty()) {
        size_t nl = text.find('\n');
        std::string_view line = text.substr(0, nl);
        text = nl == std::string_view::npos ? std::string_view {} : text.substr(nl + 1);
        size_t c1 = line.find(':');
        size_t c2 = c1 == std::string_view::npos ? c1 : line.find(':', c1 + 1);
        if (c2 == std::string_view::npos)
            continue;
        std::string_view list = line.substr(c1 + 1, c2 - c1 - 1);
        std::string path(line.substr(c2 + 1));
        if (list.empty()) {
            out[""] = path;
            continue;
        }
        while (!list.empty()) {
            size_t comma = list.find(',');
            out[std::string(list.substr(0, comma))] = path;
            list = comma == std::string_view::npos ? std::string_view {} : list.substr(comma + 1);
        }
    }
    return out;
}

Result<OwnCgroups> read_own_cgroups()
{
    auto text = TRY(hull::read_file("/proc/self/cgroup"));
    return parse_proc_cgroup(text);
}

std::string own_directory(const Hierarchy& h, const OwnCgroups& own)
{
    auto it = own.end();
    if (h.v2)
        it = own.find("");
    for (size_t i = 0; i < h.subsystems.size() && it == own.end(); ++i)
        it = own.find(h.subsystems[i]);
    if (it == own.end())
        return {};
    return detail::join(h.mount_point, below_root(h.root, it->second));
}

bool CgroupDir::has(std::string_view controller) const
{
    return contains(controllers, controller);
}

const CgroupDir* CgroupState::find(std::string_view controller) const
{
    for (const auto& d : dirs)
        if (layout == Layout::V2 ? d.v2 : (!d.v2 && d.has(controller)))
            return &d;
    return nullptr;
}

const CgroupDir* CgroupState::unified() const
{
    for (const auto& d : dirs)
        if (d.v2)
            return &d;
    return nullptr;
}

bool clean_path(std::string_view path, std::string& out)
{
    bool absolute = !path.empty() && path.front() == '/';
    std::vector<std::string_view> parts;
    while (!path.empty()) {
        size_t slash = path.find('/');
        std::string_view part = path.substr(0, slash);
        path = slash == std::string_view::npos ? std::string_view {} : path.substr(slash + 1);
        if (part.empty() || part == ".")
            continue;
        if (part == "..") {
            if (parts.empty())
                return false;
            parts.pop_back();
            continue;
        }
        parts.push_back(part);
    }
    out = absolute ? "/" : "";
    for (size_t i = 0; i < parts.size(); ++i) {
        if (i > 0)
            out += '/';
        out += parts[i];
    }
    return true;
}

namespace {

// A sub-cgroup path as given, made relative to the container's cgroup.
Result<std::string> sub_cgroup_path(const std::string& path)
{
    std::string cleaned;
    if (!clean_path(path, cleaned))
        // runc's words, which its users match: "bad sub cgroup path" (runc ≥ 1.4) and
        // "X is not a sub cgroup path" (runc ≤ 1.3).
        return Error::message("bad sub cgroup path: " + path + " is not a sub cgroup path");
    if (!cleaned.empty() && cleaned.front() == '/')
        cleaned.erase(0, 1);
    return cleaned;
}

} // namespace

Result<SubCgroups> parse_sub_cgroups(const std::vector<std::string>& args)
{
    SubCgroups sub;
    for (const auto& arg : args) {
        size_t colon = arg.find(':');
        if (colon == std::string::npos) {
            if (args.size() != 1)
                return Error::message(
                    "invalid --cgroup argument: " + arg + " (missing <controller>: prefix)");
            sub.all = TRY(sub_cgroup_path(arg));
            continue;
        }
        std::string path = TRY(sub_cgroup_path(arg.substr(colon + 1)));
        std::string_view controllers = std::string_view(arg).substr(0, colon);
        for (;;) {
            size_t comma = controllers.find(',');
            std::string controller(controllers.substr(0, comma));
            if (controller.empty())
                return Error::message("invalid --cgroup argument: " + arg + " (empty <controller> prefix)");
            if (!sub.by_controller.emplace(controller, path).second)
                return Error::message(
                    "invalid --cgroup argument(s): controller " + controller + " specified multiple times");
            if (comma == std::string_view::npos)
                break;
            controllers.remove_prefix(comma + 1);
        }
    }
    return sub;
}

Result<std::string> expand_slice(std::string_view slice)
{
    constexpr std::string_view suffix = ".slice";
    auto invalid = [&] { return Error::message("invalid slice name: " + std::string(slice)); };
    if (slice.size() < suffix.size() || slice.substr(slice.size() - suffix.size()) != suffix)
        return invalid();
    if (slice.find('/') != std::string_view::npos)
        return invalid();
    std::string_view name = slice.substr(0, slice.size() - suffix.size());
    if (name == "-")
        return std::string("/");
    std::string path, prefix;
    while (true) {
        size_t dash = name.find('-');
        std::string_view component = name.substr(0, dash);
        if (component.empty())
            return invalid();
        path += "/" + prefix + std::string(component) + std::string(suffix);
        prefix += std::string(component) + "-";
        if (dash == std::string_view::npos)
            break;
        name.remove_prefix(dash + 1);
    }
    return path;
}

bool systemd_running()
{
    struct stat st { };
    return ::lstat("/run/systemd/system", &st) == 0 && S_ISDIR(st.st_mode);
}

Result<CgroupState> resolve_path(const PathRequest& r, const HostCgroups& host, const OwnCgroups& own)
{
    Inner inner = TRY(r.driver == Driver::Systemd ? systemd_inner(r) : cgroupfs_inner(r));
    CgroupState state;
    state.driver = r.driver;
    state.layout = host.layout;
    if (host.layout == Layout::None || host.hierarchies.empty())
        return Error::message("no cgroup mount found in mountinfo");

    if (host.layout == Layout::V2) {
        const Hierarchy& h = host.hierarchies.front();
        std::string base = "/";
        if (!inner.absolute) {
            auto it = own.find("");
            if (it == own.end())
                return Error::message("cgroup path not found: no cgroup2 entry in /proc/self/cgroup");
            base = parent_of(below_root(h.root, it->second));
        }
        state.dirs.push_back(
            {h.mount_point, {}, true, detail::join(detail::join(h.mount_point, base), inner.path), false});
        return state;
    }

    bool devices = false;
    for (const Hierarchy& h : host.hierarchies) {
        if (h.v2) {
            // Hybrid: runc's "" subsystem, at <mount>/<path> for relative paths too.
            state.dirs.push_back({h.mount_point, {}, true, detail::join(h.mount_point, inner.path), true});
            continue;
        }
        bool known = false, optional = true, confined = false;
        std::string own_path;
        bool have_own = false;
        for (const auto& s : h.subsystems) {
            if (!contains(kKnown, s))
                continue;
            known = true;
            optional = optional && contains(kOptional, s);
            confined = confined || contains(r.confine, s);
            devices = devices || s == "devices";
            auto it = own.find(s);
            if (!have_own && it != own.end()) {
                own_path = below_root(h.root, it->second);
                have_own = true;
            }
        }
        if (!known)
            continue;
        std::string base = "/";
        if (!inner.absolute || confined) {
            if (!have_own) {
                if (h.subsystems.end() != std::find(h.subsystems.begin(), h.subsystems.end(), "devices"))
                    return Error::message("mountpoint for devices not found");
                continue; // runc skips a hierarchy it cannot place (NotFoundError)
            }
            base = own_path;
        }
        state.dirs.push_back({h.mount_point, h.subsystems, false,
            detail::join(detail::join(h.mount_point, base), inner.path), optional});
    }
    // The devices hierarchy is a hard requirement for the container's security (runc initPaths).
    if (!devices)
        return Error::message("mountpoint for devices not found");
    return state;
}

} // namespace hull::cgroups
