// validate(): the MUSTs of config-linux.md (namespaces, id mappings, sysctl, devices, seccomp,
// resources, Intel RDT, memory policy, network devices, time offsets).
#include "hull/oci/known.hpp"
#include "hull/oci/parse.hpp"
#include "json_util.hpp"
#include "validate_internal.hpp"

#include <algorithm>
#include <array>
#include <cctype>

namespace hull::oci::detail {

namespace {

Error invalid(const std::string& pointer, std::string reason)
{
    return pointer_error(pointer, reason);
}

Result<void> check_mappings(const std::vector<IdMapping>& list, const std::string& pointer)
{
    for (size_t i = 0; i < list.size(); ++i)
        if (list[i].size == 0)
            return invalid(child(child(pointer, i), "size"), "must be greater than zero");
    return ok();
}

Result<void> check_namespaces(const Spec& spec, const Linux& linux, const std::string& pointer)
{
    std::string nss = child(pointer, "namespaces");
    for (size_t i = 0; i < linux.namespaces.size(); ++i) {
        const Namespace& ns = linux.namespaces[i];
        // An entry repeated exactly means one namespace (parse_config keeps the first); the same
        // type with another path would leave it open which namespace the container gets.
        for (size_t j = 0; j < i; ++j)
            if (linux.namespaces[j].type == ns.type && linux.namespaces[j].path != ns.path)
                return invalid(child(child(nss, i), "type"),
                    "duplicate namespace type " + in_quotes(to_string(ns.type)) + " with another path");
        if (!ns.path.empty())
            TRY(check_absolute(ns.path, child(child(nss, i), "path")));
    }

    // runc's rules (libcontainer/configs/validate): a new user namespace needs mappings, and
    // mappings need a user namespace.
    const Namespace* user = find_namespace(spec, NamespaceType::User);
    TRY(check_mappings(linux.uidMappings, child(pointer, "uidMappings")));
    TRY(check_mappings(linux.gidMappings, child(pointer, "gidMappings")));
    if (user && user->path.empty()) {
        if (linux.uidMappings.empty())
            return invalid(
                child(pointer, "uidMappings"), "user namespace enabled, but no uid mappings specified");
        if (linux.gidMappings.empty())
            return invalid(
                child(pointer, "gidMappings"), "user namespace enabled, but no gid mappings specified");
    }
    if (!user && (!linux.uidMappings.empty() || !linux.gidMappings.empty()))
        return invalid(child(pointer, linux.uidMappings.empty() ? "gidMappings" : "uidMappings"),
            "user namespace mappings specified, but user namespace isn't enabled in the config");

    const Namespace* time = find_namespace(spec, NamespaceType::Time);
    std::string offsets = child(pointer, "timeOffsets");
    if (!linux.timeOffsets.empty()) {
        if (!time)
            return invalid(
                offsets, "time namespace offsets specified, but time namespace isn't enabled in the config");
        if (!time->path.empty())
            return invalid(offsets,
                "time namespace enabled, but both namespace path and time offsets specified -- you may only "
                "provide "
                "one");
    }
    for (const auto& [clock, offset] : linux.timeOffsets) {
        if (clock != "monotonic" && clock != "boottime")
            return invalid(child(offsets, clock),
                "unknown clock " + in_quotes(clock) + " (expected monotonic or boottime)");
        if (offset.nanosecs >= 1000000000u)
            return invalid(child(child(offsets, clock), "nanosecs"), "must be less than 1000000000");
    }
    return ok();
}

// runc's sysctl rules: a sysctl is allowed only when the namespace that scopes it is private.
Result<void> check_sysctl(const Spec& spec, const Linux& linux, const std::string& pointer)
{
    for (const auto& [key, value] : linux.sysctl) {
        std::string at = child(pointer, key);
        if (key.empty())
            return invalid(pointer, "keys must not be empty");
        TRY(check_no_nul(key, at));
        TRY(check_no_nul(value, at));
        std::string name = key;
        std::replace(name.begin(), name.end(), '/', '.');
        if (name.find("..") != std::string::npos || name.front() == '.')
            return invalid(at, "invalid sysctl name " + in_quotes(key));
        auto scope = oci::sysctl_namespace(name);
        if (scope == NamespaceType::Ipc) {
            if (!find_namespace(spec, NamespaceType::Ipc))
                return invalid(at, "sysctl " + in_quotes(key) + " is not allowed in the hosts ipc namespace");
            continue;
        }
        if (scope == NamespaceType::Network) {
            if (!find_namespace(spec, NamespaceType::Network))
                return invalid(at, "sysctl " + in_quotes(key) + " not allowed in host network namespace");
            continue;
        }
        if (scope == NamespaceType::Uts) {
            if (!find_namespace(spec, NamespaceType::Uts))
                return invalid(at, "sysctl " + in_quotes(key) + " is not allowed in the hosts uts namespace");
            if (name == "kernel.hostname" && !spec.hostname.empty())
                return invalid(at,
                    "sysctl " + in_quotes(key)
                        + " is not allowed as it conflicts with the OCI \"hostname\" field");
            if (name == "kernel.domainname" && !spec.domainname.empty())
                return invalid(at,
                    "sysctl " + in_quotes(key)
                        + " is not allowed as it conflicts with the OCI \"domainname\" field");
            continue;
        }
        if (scope == NamespaceType::User) {
            if (!find_namespace(spec, NamespaceType::User))
                return invalid(at, "setting ucounts without a user namespace not allowed: " + key);
            continue;
        }
        return invalid(at, "sysctl " + in_quotes(key) + " is not in a separate kernel namespace");
    }
    return ok();
}

Result<void> check_devices(const Linux& linux, const std::string& pointer)
{
    for (size_t i = 0; i < linux.devices.size(); ++i) {
        const Device& d = linux.devices[i];
        std::string at = child(pointer, i);
        if (d.type != "c" && d.type != "b" && d.type != "u" && d.type != "p")
            return invalid(
                child(at, "type"), "invalid device type " + in_quotes(d.type) + " (expected c, b, u or p)");
        TRY(check_absolute(d.path, child(at, "path")));
        if (d.fileMode && (*d.fileMode & ~07777u))
            return invalid(child(at, "fileMode"), "must contain permission bits only");
    }
    return ok();
}

Result<void> check_seccomp(const Seccomp& s, const std::string& pointer)
{
    auto errno_action
        = [](const std::string& action) { return action == "SCMP_ACT_ERRNO" || action == "SCMP_ACT_TRACE"; };
    if (!is_known(known_seccomp_actions(), s.defaultAction))
        return invalid(
            child(pointer, "defaultAction"), "unknown seccomp action " + in_quotes(s.defaultAction));
    if (s.defaultAction == "SCMP_ACT_NOTIFY")
        return invalid(
            child(pointer, "defaultAction"), "SCMP_ACT_NOTIFY cannot be used as the default action");
    if (s.defaultErrnoRet && !errno_action(s.defaultAction))
        return invalid(child(pointer, "defaultErrnoRet"), "only valid with SCMP_ACT_ERRNO or SCMP_ACT_TRACE");
    for (size_t i = 0; i < s.architectures.size(); ++i)
        if (!is_known(known_seccomp_archs(), s.architectures[i]))
            return invalid(child(child(pointer, "architectures"), i),
                "unknown seccomp architecture " + in_quotes(s.architectures[i]));
    for (size_t i = 0; i < s.flags.size(); ++i)
        if (!is_known(known_seccomp_flags(), s.flags[i]))
            return invalid(
                child(child(pointer, "flags"), i), "unknown seccomp flag " + in_quotes(s.flags[i]));
    if (!s.listenerMetadata.empty() && s.listenerPath.empty())
        return invalid(child(pointer, "listenerMetadata"), "must not be set without listenerPath");
    if (!s.listenerPath.empty())
        TRY(check_absolute(s.listenerPath, child(pointer, "listenerPath")));
    for (size_t i = 0; i < s.syscalls.size(); ++i) {
        const SyscallRule& rule = s.syscalls[i];
        std::string at = child(child(pointer, "syscalls"), i);
        if (rule.names.empty())
            return invalid(child(at, "names"), "must contain at least one entry");
        for (size_t n = 0; n < rule.names.size(); ++n)
            if (rule.names[n].empty() || has_nul(rule.names[n]))
                return invalid(
                    child(child(at, "names"), n), "invalid syscall name " + in_quotes(rule.names[n]));
        if (!is_known(known_seccomp_actions(), rule.action))
            return invalid(child(at, "action"), "unknown seccomp action " + in_quotes(rule.action));
        if (rule.errnoRet && !errno_action(rule.action))
            return invalid(child(at, "errnoRet"), "only valid with SCMP_ACT_ERRNO or SCMP_ACT_TRACE");
        if (rule.action == "SCMP_ACT_NOTIFY") {
            if (s.listenerPath.empty())
                return invalid(child(at, "action"), "SCMP_ACT_NOTIFY requires listenerPath");
            // A notify rule on write(2) would deadlock the runtime reporting errors (runc).
            if (std::find(rule.names.begin(), rule.names.end(), "write") != rule.names.end())
                return invalid(child(at, "action"), "SCMP_ACT_NOTIFY cannot be used for the write syscall");
        }
        for (size_t a = 0; a < rule.args.size(); ++a) {
            const SeccompArg& arg = rule.args[a];
            std::string ap = child(child(at, "args"), a);
            if (arg.index > 5)
                return invalid(child(ap, "index"), "must be between 0 and 5");
            if (!is_known(known_seccomp_operators(), arg.op))
                return invalid(child(ap, "op"), "unknown seccomp operator " + in_quotes(arg.op));
        }
    }
    return ok();
}

Result<void> check_intel_rdt(const IntelRdt& rdt, const std::string& pointer)
{
    const std::string& clos = rdt.closID;
    if (clos != "/"
        && (clos == "." || clos == ".." || clos.find('/') != std::string::npos
            || clos.find('\n') != std::string::npos || has_nul(clos)))
        return invalid(child(pointer, "closID"), "invalid closID " + in_quotes(clos));
    if (rdt.l3CacheSchema.find('\n') != std::string::npos)
        return invalid(child(pointer, "l3CacheSchema"), "must not contain newlines");
    if (!rdt.memBwSchema.empty()) {
        if (!rdt.memBwSchema.starts_with("MB:"))
            return invalid(child(pointer, "memBwSchema"), "must start with \"MB:\"");
        if (rdt.memBwSchema.find('\n') != std::string::npos)
            return invalid(child(pointer, "memBwSchema"), "must not contain newlines");
    }
    for (size_t i = 0; i < rdt.schemata.size(); ++i)
        if (rdt.schemata[i].find('\n') != std::string::npos)
            return invalid(child(child(pointer, "schemata"), i), "must not contain newlines");
    return ok();
}

Result<void> check_memory_policy(const MemoryPolicy& mp, const std::string& pointer)
{
    if (!is_known(known_memory_policy_modes(), mp.mode))
        return invalid(child(pointer, "mode"), "unknown memory policy mode " + in_quotes(mp.mode));
    for (size_t i = 0; i < mp.flags.size(); ++i)
        if (!is_known(known_memory_policy_flags(), mp.flags[i]))
            return invalid(
                child(child(pointer, "flags"), i), "unknown memory policy flag " + in_quotes(mp.flags[i]));
    bool no_nodes = mp.mode == "MPOL_DEFAULT" || mp.mode == "MPOL_LOCAL";
    bool needs_nodes = !no_nodes && mp.mode != "MPOL_PREFERRED";
    if (no_nodes && !mp.nodes.empty())
        return invalid(child(pointer, "nodes"), "must be empty for " + mp.mode);
    if (needs_nodes && mp.nodes.empty())
        return invalid(child(pointer, "nodes"), "must not be empty for " + mp.mode);
    if (!mp.nodes.empty() && !is_cpu_list(mp.nodes))
        return invalid(child(pointer, "nodes"), "invalid node list " + in_quotes(mp.nodes));
    return ok();
}

// IFNAMSIZ-1 bytes, no '/', ':' or whitespace, not "." or ".." (the kernel's dev_valid_name).
bool is_interface_name(std::string_view name)
{
    if (name.empty() || name.size() > 15 || name == "." || name == "..")
        return false;
    return std::none_of(name.begin(), name.end(), [](char c) {
        return c == '/' || c == ':' || c == '\0' || std::isspace(static_cast<unsigned char>(c));
    });
}

Result<void> check_net_devices(const Spec& spec, const Linux& linux, const std::string& pointer)
{
    if (linux.netDevices.empty())
        return ok();
    if (!find_namespace(spec, NamespaceType::Network))
        return invalid(pointer, "unable to move network devices without a NET namespace");
    for (const auto& [host, dev] : linux.netDevices) {
        if (!is_interface_name(host))
            return invalid(child(pointer, host), "invalid network device name " + in_quotes(host));
        if (!dev.name.empty() && !is_interface_name(dev.name))
            return invalid(
                child(child(pointer, host), "name"), "invalid network device name " + in_quotes(dev.name));
    }
    return ok();
}

} // namespace

Result<void> validate_linux_at(const Spec& spec, const std::string& pointer)
{
    const Linux& linux = *spec.linux;
    TRY(check_namespaces(spec, linux, pointer));
    TRY(check_sysctl(spec, linux, child(pointer, "sysctl")));
    if (linux.resources)
        TRY(validate_resources_at(*linux.resources, child(pointer, "resources")));
    TRY(check_no_nul(linux.cgroupsPath, child(pointer, "cgroupsPath")));
    TRY(check_devices(linux, child(pointer, "devices")));
    if (linux.seccomp)
        TRY(check_seccomp(*linux.seccomp, child(pointer, "seccomp")));
    static const std::array<std::string_view, 9> propagations {
        "", "private", "rprivate", "shared", "rshared", "slave", "rslave", "unbindable", "runbindable"};
    if (std::find(propagations.begin(), propagations.end(), linux.rootfsPropagation) == propagations.end())
        return invalid(child(pointer, "rootfsPropagation"),
            "invalid rootfs propagation " + in_quotes(linux.rootfsPropagation));
    for (size_t i = 0; i < linux.maskedPaths.size(); ++i)
        TRY(check_absolute(linux.maskedPaths[i], child(child(pointer, "maskedPaths"), i)));
    for (size_t i = 0; i < linux.readonlyPaths.size(); ++i)
        TRY(check_absolute(linux.readonlyPaths[i], child(child(pointer, "readonlyPaths"), i)));
    if (linux.intelRdt)
        TRY(check_intel_rdt(*linux.intelRdt, child(pointer, "intelRdt")));
    if (linux.personality && linux.personality->domain != "LINUX" && linux.personality->domain != "LINUX32")
        return invalid(child(child(pointer, "personality"), "domain"),
            "unknown personality domain " + in_quotes(linux.personality->domain));
    if (linux.memoryPolicy)
        TRY(check_memory_policy(*linux.memoryPolicy, child(pointer, "memoryPolicy")));
    TRY(check_net_devices(spec, linux, child(pointer, "netDevices")));
    return ok();
}

} // namespace hull::oci::detail

namespace hull::oci {

std::optional<NamespaceType> sysctl_namespace(std::string_view key)
{
    static const std::array<std::string_view, 8> ipc_sysctls {"kernel.msgmax", "kernel.msgmnb",
        "kernel.msgmni", "kernel.sem", "kernel.shmall", "kernel.shmmax", "kernel.shmmni",
        "kernel.shm_rmid_forced"};
    std::string name(key);
    std::replace(name.begin(), name.end(), '/', '.');
    auto starts = [&](std::string_view p) { return name.compare(0, p.size(), p) == 0; };
    if (std::find(ipc_sysctls.begin(), ipc_sysctls.end(), name) != ipc_sysctls.end() || starts("fs.mqueue."))
        return NamespaceType::Ipc;
    if (starts("net."))
        return NamespaceType::Network;
    if (name == "kernel.hostname" || name == "kernel.domainname")
        return NamespaceType::Uts;
    if (starts("user."))
        return NamespaceType::User;
    return std::nullopt;
}

} // namespace hull::oci
