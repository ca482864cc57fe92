// Reading config.json as a whole (config.md): the top-level fields, root, mounts, hooks and
// annotations, and the namespace-type names shared with the rest of hull.
#include "hull/oci/parse.hpp"
#include "parse_internal.hpp"

#include <array>

namespace hull::oci {

namespace {

constexpr std::array<std::pair<NamespaceType, std::string_view>, 8> namespace_names {{
    {NamespaceType::Pid, "pid"},
    {NamespaceType::Network, "network"},
    {NamespaceType::Mount, "mount"},
    {NamespaceType::Ipc, "ipc"},
    {NamespaceType::Uts, "uts"},
    {NamespaceType::User, "user"},
    {NamespaceType::Cgroup, "cgroup"},
    {NamespaceType::Time, "time"},
}};

} // namespace

std::string_view to_string(NamespaceType type)
{
    for (const auto& [t, name] : namespace_names)
        if (t == type)
            return name;
    return "unknown";
}

std::optional<NamespaceType> namespace_type_from_string(std::string_view name)
{
    for (const auto& [t, n] : namespace_names)
        if (n == name)
            return t;
    return std::nullopt;
}

const Namespace* find_namespace(const Spec& spec, NamespaceType type)
{
    if (!spec.linux)
        return nullptr;
    for (const auto& ns : spec.linux->namespaces)
        if (ns.type == type)
            return &ns;
    return nullptr;
}

namespace detail {

namespace {

Root read_root(const Json& value, const std::string& pointer)
{
    Object o(value, pointer);
    Root out;
    out.path = o.required_string("path");
    o.read("readonly", out.readonly);
    return out;
}

Mount read_mount(const Json& value, const std::string& pointer)
{
    Object o(value, pointer);
    Mount out;
    out.destination = o.required_string("destination");
    o.read("type", out.type);
    o.read("source", out.source);
    o.read("options", out.options);
    o.read_array("uidMappings", out.uidMappings, read_id_mapping);
    o.read_array("gidMappings", out.gidMappings, read_id_mapping);
    return out;
}

Hook read_hook(const Json& value, const std::string& pointer)
{
    Object o(value, pointer);
    Hook out;
    out.path = o.required_string("path");
    o.read("args", out.args);
    o.read("env", out.env);
    o.read("timeout", out.timeout);
    return out;
}

Hooks read_hooks(const Json& value, const std::string& pointer)
{
    Object o(value, pointer);
    Hooks out;
    o.read_array("prestart", out.prestart, read_hook);
    o.read_array("createRuntime", out.createRuntime, read_hook);
    o.read_array("createContainer", out.createContainer, read_hook);
    o.read_array("startContainer", out.startContainer, read_hook);
    o.read_array("poststart", out.poststart, read_hook);
    o.read_array("poststop", out.poststop, read_hook);
    return out;
}

Spec read_spec(const Json& value)
{
    Object o(value, "");
    Spec out;
    out.ociVersion = o.required_string("ociVersion");
    o.read_object("process", out.process, read_process);
    o.read_object("root", out.root, read_root);
    o.read("hostname", out.hostname);
    o.read("domainname", out.domainname);
    o.read_array("mounts", out.mounts, read_mount);
    o.read_object("hooks", out.hooks, read_hooks);
    o.read("annotations", out.annotations);
    o.read_object("linux", out.linux, read_linux);
    return out;
}

} // namespace

} // namespace detail

namespace {

// Keeps the first of namespace entries repeated exactly (validate() refuses a type repeated
// with another path), so every later step sees each namespace once.
void drop_repeated_namespaces(Spec& spec)
{
    if (!spec.linux)
        return;
    std::vector<Namespace> once;
    for (Namespace& ns : spec.linux->namespaces)
        if (std::none_of(once.begin(), once.end(), [&](const Namespace& n) { return n.type == ns.type; }))
            once.push_back(std::move(ns));
    spec.linux->namespaces = std::move(once);
}

} // namespace

Result<Spec> parse_config(std::string_view json)
{
    if (json.size() > kMaxConfigSize)
        return Error::message("config.json: " + std::to_string(json.size()) + " bytes, more than the "
            + std::to_string(kMaxConfigSize) + " hull accepts");
    auto parsed = detail::parse_document<Spec>(json, "config.json", detail::read_spec);
    if (!parsed)
        return std::move(parsed).error();
    if (auto checked = validate(parsed.value()); !checked)
        return std::move(checked).error().context("config.json");
    drop_repeated_namespaces(parsed.value());
    return parsed;
}

} // namespace hull::oci
