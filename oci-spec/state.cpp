// `hull state` and `hull list --format json` output, byte-compatible with runc's.
#include "hull/oci/state.hpp"
#include "json_util.hpp"

namespace hull::oci {

namespace {

using detail::OrderedJson;

OrderedJson encode_state(const State& s)
{
    OrderedJson o = OrderedJson::object();
    o["ociVersion"] = s.ociVersion;
    o["id"] = s.id;
    o["pid"] = s.pid;
    o["status"] = s.status;
    o["bundle"] = s.bundle;
    o["rootfs"] = s.rootfs;
    o["created"] = s.created;
    // runc keeps the bundle path as an annotation-like label named "bundle" and strips it here.
    std::map<std::string, std::string> annotations = s.annotations;
    annotations.erase("bundle");
    if (!annotations.empty())
        o["annotations"] = annotations;
    o["owner"] = s.owner;
    return o;
}

} // namespace

std::string state_to_json(const State& state)
{
    return detail::dump_like_go(encode_state(state), 2, ' ');
}

std::string states_to_json_line(const std::vector<State>& states)
{
    if (states.empty())
        return "null\n";
    OrderedJson list = OrderedJson::array();
    for (const State& s : states)
        list.push_back(encode_state(s));
    return detail::dump_like_go(list, -1, ' ') + "\n";
}

Result<State> parse_state(std::string_view json)
{
    return detail::parse_document<State>(json, "state.json", [](const detail::Json& root) {
        detail::Object o(root, "");
        State s;
        o.read("ociVersion", s.ociVersion);
        o.read("id", s.id);
        o.read("status", s.status);
        o.read("pid", s.pid);
        o.read("bundle", s.bundle);
        o.read("rootfs", s.rootfs);
        o.read("created", s.created);
        o.read("annotations", s.annotations);
        o.read("owner", s.owner);
        return s;
    });
}

} // namespace hull::oci
