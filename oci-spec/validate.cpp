// validate(): the MUSTs of config.md for a spec hull is about to create, and the process checks
// shared with exec's process.json. Linux-section checks live in validate_linux.cpp.
#include "hull/oci/known.hpp"
#include "hull/oci/parse.hpp"
#include "json_util.hpp"
#include "validate_internal.hpp"

#include <cctype>
#include <charconv>
#include <set>

namespace hull::oci {

namespace detail {

namespace {

Error invalid(const std::string& pointer, std::string reason)
{
    return pointer_error(pointer, reason);
}

struct SemVer {
    unsigned major = 0, minor = 0, patch = 0;
};

bool parse_number(std::string_view& s, unsigned& out)
{
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    if (ec != std::errc() || end == s.data())
        return false;
    // SemVer forbids leading zeros in numeric identifiers.
    if (*s.data() == '0' && end - s.data() > 1)
        return false;
    s.remove_prefix(static_cast<size_t>(end - s.data()));
    return true;
}

// MAJOR.MINOR.PATCH with an optional -prerelease and +build suffix.
std::optional<SemVer> parse_semver(std::string_view s)
{
    SemVer v;
    if (!parse_number(s, v.major) || s.empty() || s.front() != '.')
        return std::nullopt;
    s.remove_prefix(1);
    if (!parse_number(s, v.minor) || s.empty() || s.front() != '.')
        return std::nullopt;
    s.remove_prefix(1);
    if (!parse_number(s, v.patch))
        return std::nullopt;
    if (s.empty())
        return v;
    if (s.front() != '-' && s.front() != '+')
        return std::nullopt;
    s.remove_prefix(1);
    if (s.empty())
        return std::nullopt;
    for (char c : s)
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '+'))
            return std::nullopt;
    return v;
}

Result<void> check_version(const std::string& version)
{
    if (version.empty())
        return invalid("/ociVersion", "required field missing");
    auto v = parse_semver(version);
    // Versions compare on MAJOR.MINOR.PATCH: a pre-release of an accepted version is accepted,
    // and later patch releases of the newest minor version are compatible by SemVer.
    bool in_range = v && v->major == 1 && v->minor <= 3;
    if (!in_range)
        return invalid("/ociVersion",
            "unsupported version " + in_quotes(version) + " (supported " + std::string(oci_version_min)
                + " to " + std::string(oci_version_max) + ")");
    return ok();
}

Result<void> check_capability_set(
    const std::optional<std::vector<std::string>>& set, const std::string& pointer)
{
    if (!set)
        return ok();
    for (size_t i = 0; i < set->size(); ++i)
        if (!is_known(known_capabilities(), (*set)[i]))
            return invalid(child(pointer, i), "unknown capability " + in_quotes((*set)[i]));
    return ok();
}

Result<void> check_scheduler(const Scheduler& s, const std::string& pointer)
{
    static const std::vector<std::string> policies {
        "SCHED_OTHER", "SCHED_FIFO", "SCHED_RR", "SCHED_BATCH", "SCHED_ISO", "SCHED_IDLE", "SCHED_DEADLINE"};
    static const std::vector<std::string> flags {"SCHED_FLAG_RESET_ON_FORK", "SCHED_FLAG_RECLAIM",
        "SCHED_FLAG_DL_OVERRUN", "SCHED_FLAG_KEEP_POLICY", "SCHED_FLAG_KEEP_PARAMS",
        "SCHED_FLAG_UTIL_CLAMP_MIN", "SCHED_FLAG_UTIL_CLAMP_MAX"};
    if (!is_known(policies, s.policy))
        return invalid(child(pointer, "policy"), "unknown scheduler policy " + in_quotes(s.policy));
    for (size_t i = 0; i < s.flags.size(); ++i)
        if (!is_known(flags, s.flags[i]))
            return invalid(
                child(child(pointer, "flags"), i), "unknown scheduler flag " + in_quotes(s.flags[i]));
    if (s.nice < -20 || s.nice > 19)
        return invalid(child(pointer, "nice"), "must be between -20 and 19");
    bool realtime = s.policy == "SCHED_FIFO" || s.policy == "SCHED_RR";
    if (s.priority != 0 && !realtime)
        return invalid(child(pointer, "priority"), "can only be specified for SCHED_FIFO or SCHED_RR policy");
    if (realtime && (s.priority < 1 || s.priority > 99))
        return invalid(child(pointer, "priority"), "must be between 1 and 99 for " + s.policy);
    if ((s.runtime != 0 || s.deadline != 0 || s.period != 0) && s.policy != "SCHED_DEADLINE")
        return invalid(
            pointer, "runtime, deadline and period can only be specified for SCHED_DEADLINE policy");
    return ok();
}

Result<void> check_hook(const Hook& hook, const std::string& pointer)
{
    TRY(check_absolute(hook.path, child(pointer, "path")));
    for (size_t i = 0; i < hook.args.size(); ++i)
        TRY(check_no_nul(hook.args[i], child(child(pointer, "args"), i)));
    for (size_t i = 0; i < hook.env.size(); ++i)
        TRY(check_no_nul(hook.env[i], child(child(pointer, "env"), i)));
    if (hook.timeout && *hook.timeout <= 0)
        return invalid(child(pointer, "timeout"), "must be greater than zero");
    return ok();
}

Result<void> check_hooks(const Hooks& hooks)
{
    const std::pair<const char*, const std::vector<Hook>*> lists[] = {
        {"prestart", &hooks.prestart},
        {"createRuntime", &hooks.createRuntime},
        {"createContainer", &hooks.createContainer},
        {"startContainer", &hooks.startContainer},
        {"poststart", &hooks.poststart},
        {"poststop", &hooks.poststop},
    };
    for (const auto& [name, list] : lists)
        for (size_t i = 0; i < list->size(); ++i)
            TRY(check_hook((*list)[i], child(child("/hooks", name), i)));
    return ok();
}

Result<void> check_mount(const Mount& m, const std::string& pointer)
{
    TRY(check_no_nul(m.destination, child(pointer, "destination")));
    if (!is_absolute(m.destination))
        return invalid(child(pointer, "destination"), "must be an absolute path");
    TRY(check_no_nul(m.source, child(pointer, "source")));
    TRY(check_no_nul(m.type, child(pointer, "type")));
    for (size_t i = 0; i < m.options.size(); ++i)
        TRY(check_no_nul(m.options[i], child(child(pointer, "options"), i)));
    if (m.uidMappings.empty() != m.gidMappings.empty())
        return invalid(pointer, "uidMappings and gidMappings must be specified together");
    for (size_t i = 0; i < m.uidMappings.size(); ++i)
        if (m.uidMappings[i].size == 0)
            return invalid(
                child(child(child(pointer, "uidMappings"), i), "size"), "must be greater than zero");
    for (size_t i = 0; i < m.gidMappings.size(); ++i)
        if (m.gidMappings[i].size == 0)
            return invalid(
                child(child(child(pointer, "gidMappings"), i), "size"), "must be greater than zero");
    return ok();
}

} // namespace

bool is_cpu_list(std::string_view s)
{
    if (s.empty())
        return false;
    size_t start = 0;
    while (start <= s.size()) {
        size_t comma = s.find(',', start);
        std::string_view item
            = s.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
        size_t dash = item.find('-');
        auto number = [](std::string_view n, unsigned& out) {
            auto [end, ec] = std::from_chars(n.data(), n.data() + n.size(), out);
            return !n.empty() && ec == std::errc() && end == n.data() + n.size();
        };
        unsigned a = 0, b = 0;
        if (dash == std::string_view::npos) {
            if (!number(item, a))
                return false;
        } else if (!number(item.substr(0, dash), a) || !number(item.substr(dash + 1), b) || a > b) {
            return false;
        }
        if (comma == std::string_view::npos)
            break;
        start = comma + 1;
    }
    return true;
}

Result<void> check_absolute(std::string_view path, const std::string& pointer)
{
    TRY(check_no_nul(path, pointer));
    if (!is_absolute(path))
        return invalid(pointer, "must be an absolute path");
    return ok();
}

Result<void> check_no_nul(std::string_view value, const std::string& pointer)
{
    if (has_nul(value))
        return invalid(pointer, "contains a NUL byte");
    return ok();
}

Result<void> validate_process_at(const Process& p, const std::string& pointer)
{
    // runc's wording (libcontainer/specconv and utils_linux.go), which clients have seen for years.
    if (p.args.empty())
        return invalid(child(pointer, "args"), "args must not be empty");
    for (size_t i = 0; i < p.args.size(); ++i)
        TRY(check_no_nul(p.args[i], child(child(pointer, "args"), i)));
    if (p.cwd.empty())
        return invalid(child(pointer, "cwd"), "Cwd property must not be empty");
    TRY(check_no_nul(p.cwd, child(pointer, "cwd")));
    if (!is_absolute(p.cwd))
        return invalid(child(pointer, "cwd"), "Cwd must be an absolute path");
    for (size_t i = 0; i < p.env.size(); ++i) {
        const std::string& kv = p.env[i];
        std::string at = child(child(pointer, "env"), i);
        TRY(check_no_nul(kv, at));
        size_t eq = kv.find('=');
        if (eq == std::string::npos)
            return invalid(at, "invalid environment variable " + in_quotes(kv) + ": missing '='");
        if (eq == 0)
            return invalid(at, "invalid environment variable " + in_quotes(kv) + ": name cannot be empty");
    }
    if (p.capabilities) {
        std::string caps = child(pointer, "capabilities");
        TRY(check_capability_set(p.capabilities->bounding, child(caps, "bounding")));
        TRY(check_capability_set(p.capabilities->effective, child(caps, "effective")));
        TRY(check_capability_set(p.capabilities->inheritable, child(caps, "inheritable")));
        TRY(check_capability_set(p.capabilities->permitted, child(caps, "permitted")));
        TRY(check_capability_set(p.capabilities->ambient, child(caps, "ambient")));
    }
    std::set<std::string> seen_rlimits;
    for (size_t i = 0; i < p.rlimits.size(); ++i) {
        const Rlimit& r = p.rlimits[i];
        std::string at = child(child(pointer, "rlimits"), i);
        if (!is_known(known_rlimits(), r.type))
            return invalid(child(at, "type"), "unknown rlimit type " + in_quotes(r.type));
        if (!seen_rlimits.insert(r.type).second)
            return invalid(child(at, "type"), "duplicate rlimit type " + in_quotes(r.type));
        if (r.soft > r.hard)
            return invalid(
                at, "soft limit " + std::to_string(r.soft) + " exceeds hard limit " + std::to_string(r.hard));
    }
    if (p.oomScoreAdj && (*p.oomScoreAdj < -1000 || *p.oomScoreAdj > 1000))
        return invalid(child(pointer, "oomScoreAdj"), "must be between -1000 and 1000");
    if (p.ioPriority) {
        static const std::vector<std::string> classes {
            "IOPRIO_CLASS_RT", "IOPRIO_CLASS_BE", "IOPRIO_CLASS_IDLE"};
        std::string at = child(pointer, "ioPriority");
        if (!is_known(classes, p.ioPriority->class_))
            return invalid(child(at, "class"), "invalid ioPriority class " + in_quotes(p.ioPriority->class_));
        if (p.ioPriority->priority < 0 || p.ioPriority->priority > 7)
            return invalid(child(at, "priority"), "must be between 0 and 7");
    }
    if (p.scheduler)
        TRY(check_scheduler(*p.scheduler, child(pointer, "scheduler")));
    if (p.execCPUAffinity) {
        std::string at = child(pointer, "execCPUAffinity");
        if (!p.execCPUAffinity->initial.empty() && !is_cpu_list(p.execCPUAffinity->initial))
            return invalid(child(at, "initial"), "invalid cpu list " + in_quotes(p.execCPUAffinity->initial));
        if (!p.execCPUAffinity->final.empty() && !is_cpu_list(p.execCPUAffinity->final))
            return invalid(child(at, "final"), "invalid cpu list " + in_quotes(p.execCPUAffinity->final));
    }
    return ok();
}

} // namespace detail

Result<void> validate_process(const Process& process)
{
    return detail::validate_process_at(process, "");
}

Result<void> validate(const Spec& spec)
{
    using namespace detail;
    TRY(check_version(spec.ociVersion));
    if (!spec.root)
        return invalid("/root", "required field missing");
    if (spec.root->path.empty())
        return invalid("/root/path", "must not be empty");
    TRY(check_no_nul(spec.root->path, "/root/path"));
    // runtime.md: process is optional at create and required at start (start refuses then).
    if (spec.process)
        TRY(validate_process_at(*spec.process, "/process"));
    TRY(check_no_nul(spec.hostname, "/hostname"));
    if (spec.hostname.size() > 64)
        return invalid("/hostname", "longer than 64 bytes");
    TRY(check_no_nul(spec.domainname, "/domainname"));
    if (spec.domainname.size() > 64)
        return invalid("/domainname", "longer than 64 bytes");
    // runc refuses to change the host's names (libcontainer/configs/validate).
    bool has_uts = find_namespace(spec, NamespaceType::Uts) != nullptr;
    if (!spec.hostname.empty() && !has_uts)
        return invalid("/hostname", "unable to set hostname without a private UTS namespace");
    if (!spec.domainname.empty() && !has_uts)
        return invalid("/domainname", "unable to set domainname without a private UTS namespace");
    for (size_t i = 0; i < spec.mounts.size(); ++i)
        TRY(check_mount(spec.mounts[i], child("/mounts", i)));
    if (spec.hooks)
        TRY(check_hooks(*spec.hooks));
    if (spec.annotations.count(""))
        return invalid("/annotations", "keys must not be empty");
    if (spec.linux)
        TRY(validate_linux_at(spec, "/linux"));
    return ok();
}

} // namespace hull::oci
