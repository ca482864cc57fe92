// CgroupState <-> JSON, for the container's state file.
#include "hull/cgroups/path.hpp"
#include "hull/fd.hpp"
#include "hull/text.hpp"

#include <nlohmann/json.hpp>

namespace hull::cgroups {

namespace {

using Json = nlohmann::ordered_json;

Error bad(const std::string& what)
{
    return Error::message("cgroup state: " + what);
}

// An absolute, clean path equal to or beneath `mount`.
bool beneath(const std::string& path, const std::string& mount)
{
    std::string cleaned;
    if (path.empty() || path.front() != '/' || !clean_path(path, cleaned) || cleaned != path)
        return false;
    if (mount.empty() || mount.front() != '/' || !clean_path(mount, cleaned) || cleaned != mount)
        return false;
    return path == mount
        || (path.size() > mount.size() && path.compare(0, mount.size(), mount) == 0
            && (mount == "/" || path[mount.size()] == '/'));
}

} // namespace

std::string state_to_json(const CgroupState& state)
{
    Json j;
    j["driver"] = to_string(state.driver);
    j["layout"] = to_string(state.layout);
    Json dirs = Json::array();
    for (const auto& d : state.dirs) {
        Json e;
        e["mount"] = d.mount_point;
        e["controllers"] = d.controllers;
        e["v2"] = d.v2;
        e["path"] = d.path;
        e["optional"] = d.optional;
        dirs.push_back(std::move(e));
    }
    j["dirs"] = std::move(dirs);
    return j.dump();
}

Result<CgroupState> state_from_json(std::string_view text)
{
    Json j = Json::parse(text, nullptr, false);
    if (j.is_discarded() || !j.is_object())
        return bad("not a JSON object");
    CgroupState s;
    auto driver = j.find("driver");
    auto layout = j.find("layout");
    auto dirs = j.find("dirs");
    if (driver == j.end() || !driver->is_string() || layout == j.end() || !layout->is_string()
        || dirs == j.end() || !dirs->is_array())
        return bad("missing driver, layout or dirs");
    std::string d = driver->get<std::string>(), l = layout->get<std::string>();
    if (d == "cgroupfs")
        s.driver = Driver::Cgroupfs;
    else if (d == "systemd")
        s.driver = Driver::Systemd;
    else
        return bad("unknown driver " + go_quote(d));
    if (l == "v1")
        s.layout = Layout::V1;
    else if (l == "hybrid")
        s.layout = Layout::Hybrid;
    else if (l == "v2")
        s.layout = Layout::V2;
    else
        return bad("unknown layout " + go_quote(l));
    for (const auto& e : *dirs) {
        if (!e.is_object())
            return bad("a dirs entry is not an object");
        CgroupDir dir;
        auto mount = e.find("mount"), path = e.find("path"), v2 = e.find("v2"), opt = e.find("optional"),
             ctl = e.find("controllers");
        if (mount == e.end() || !mount->is_string() || path == e.end() || !path->is_string() || v2 == e.end()
            || !v2->is_boolean() || opt == e.end() || !opt->is_boolean() || ctl == e.end()
            || !ctl->is_array())
            return bad("a dirs entry lacks mount, path, v2, optional or controllers");
        dir.mount_point = mount->get<std::string>();
        dir.path = path->get<std::string>();
        dir.v2 = v2->get<bool>();
        dir.optional = opt->get<bool>();
        for (const auto& c : *ctl) {
            if (!c.is_string())
                return bad("a controller name is not a string");
            dir.controllers.push_back(c.get<std::string>());
        }
        // The container's cgroup is strictly beneath its mount point: never the root itself.
        if (!beneath(dir.path, dir.mount_point) || dir.path == dir.mount_point)
            return bad(
                "path " + go_quote(dir.path) + " is not a clean path beneath " + go_quote(dir.mount_point));
        s.dirs.push_back(std::move(dir));
    }
    if (s.dirs.empty())
        return bad("no cgroup directories");
    return s;
}

} // namespace hull::cgroups
