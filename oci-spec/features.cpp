// `hull features` output, shaped like runc's (features.md, features-linux.md).
#include "hull/oci/features.hpp"
#include "json_util.hpp"

namespace hull::oci {

namespace {

using detail::OrderedJson;

void put(OrderedJson& o, const char* key, const std::optional<bool>& v)
{
    if (v)
        o[key] = *v;
}

void put(OrderedJson& o, const char* key, const std::vector<std::string>& v)
{
    if (!v.empty())
        o[key] = v;
}

OrderedJson encode_enabled(const Features::Enabled& e)
{
    OrderedJson o = OrderedJson::object();
    put(o, "enabled", e.enabled);
    return o;
}

OrderedJson encode_linux(const Features::Linux& l)
{
    OrderedJson o = OrderedJson::object();
    put(o, "namespaces", l.namespaces);
    put(o, "capabilities", l.capabilities);
    if (l.cgroup) {
        OrderedJson c = OrderedJson::object();
        put(c, "v1", l.cgroup->v1);
        put(c, "v2", l.cgroup->v2);
        put(c, "systemd", l.cgroup->systemd);
        put(c, "systemdUser", l.cgroup->systemdUser);
        put(c, "rdma", l.cgroup->rdma);
        o["cgroup"] = std::move(c);
    }
    if (l.seccomp) {
        OrderedJson s = OrderedJson::object();
        put(s, "enabled", l.seccomp->enabled);
        put(s, "actions", l.seccomp->actions);
        put(s, "operators", l.seccomp->operators);
        put(s, "archs", l.seccomp->archs);
        put(s, "knownFlags", l.seccomp->knownFlags);
        put(s, "supportedFlags", l.seccomp->supportedFlags);
        o["seccomp"] = std::move(s);
    }
    if (l.apparmor)
        o["apparmor"] = encode_enabled(*l.apparmor);
    if (l.selinux)
        o["selinux"] = encode_enabled(*l.selinux);
    if (l.intelRdt) {
        OrderedJson r = OrderedJson::object();
        put(r, "enabled", l.intelRdt->enabled);
        put(r, "schemata", l.intelRdt->schemata);
        put(r, "monitoring", l.intelRdt->monitoring);
        o["intelRdt"] = std::move(r);
    }
    if (l.memoryPolicy) {
        OrderedJson m = OrderedJson::object();
        put(m, "modes", l.memoryPolicy->modes);
        put(m, "flags", l.memoryPolicy->flags);
        o["memoryPolicy"] = std::move(m);
    }
    if (l.mountExtensions) {
        OrderedJson m = OrderedJson::object();
        if (l.mountExtensions->idmap)
            m["idmap"] = encode_enabled(*l.mountExtensions->idmap);
        o["mountExtensions"] = std::move(m);
    }
    if (l.netDevices)
        o["netDevices"] = encode_enabled(*l.netDevices);
    return o;
}

} // namespace

std::string features_to_json(const Features& f)
{
    OrderedJson o = OrderedJson::object();
    if (!f.ociVersionMin.empty())
        o["ociVersionMin"] = f.ociVersionMin;
    if (!f.ociVersionMax.empty())
        o["ociVersionMax"] = f.ociVersionMax;
    put(o, "hooks", f.hooks);
    put(o, "mountOptions", f.mountOptions);
    if (f.linux)
        o["linux"] = encode_linux(*f.linux);
    if (!f.annotations.empty())
        o["annotations"] = f.annotations;
    put(o, "potentiallyUnsafeConfigAnnotations", f.potentiallyUnsafeConfigAnnotations);
    return detail::dump_like_go(o, 4, ' ') + "\n";
}

} // namespace hull::oci
