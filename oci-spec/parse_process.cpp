// Reading the "process" object of config.json (config.md "Process"), and exec's process.json.
#include "hull/oci/parse.hpp"
#include "parse_internal.hpp"

namespace hull::oci {

namespace detail {

namespace {

ConsoleSize read_console_size(const Json& value, const std::string& pointer)
{
    Object o(value, pointer);
    ConsoleSize out;
    out.height = o.required_integer<uint32_t>("height");
    out.width = o.required_integer<uint32_t>("width");
    return out;
}

User read_user(const Json& value, const std::string& pointer)
{
    Object o(value, pointer);
    User out;
    o.read("uid", out.uid);
    o.read("gid", out.gid);
    o.read("umask", out.umask);
    o.read("additionalGids", out.additionalGids);
    o.read("username", out.username);
    return out;
}

Capabilities read_capabilities(const Json& value, const std::string& pointer)
{
    Object o(value, pointer);
    Capabilities out;
    o.read("bounding", out.bounding);
    o.read("effective", out.effective);
    o.read("inheritable", out.inheritable);
    o.read("permitted", out.permitted);
    o.read("ambient", out.ambient);
    return out;
}

Rlimit read_rlimit(const Json& value, const std::string& pointer)
{
    Object o(value, pointer);
    Rlimit out;
    out.type = o.required_string("type");
    out.hard = o.required_integer<uint64_t>("hard");
    out.soft = o.required_integer<uint64_t>("soft");
    return out;
}

IoPriority read_io_priority(const Json& value, const std::string& pointer)
{
    Object o(value, pointer);
    IoPriority out;
    out.class_ = o.required_string("class");
    o.read("priority", out.priority);
    return out;
}

Scheduler read_scheduler(const Json& value, const std::string& pointer)
{
    Object o(value, pointer);
    Scheduler out;
    out.policy = o.required_string("policy");
    o.read("nice", out.nice);
    o.read("priority", out.priority);
    o.read("flags", out.flags);
    o.read("runtime", out.runtime);
    o.read("deadline", out.deadline);
    o.read("period", out.period);
    return out;
}

ExecCpuAffinity read_exec_cpu_affinity(const Json& value, const std::string& pointer)
{
    Object o(value, pointer);
    ExecCpuAffinity out;
    o.read("initial", out.initial);
    o.read("final", out.final);
    return out;
}

} // namespace

Process read_process(const Json& value, const std::string& pointer)
{
    Object o(value, pointer);
    Process out;
    o.read("terminal", out.terminal);
    o.read_object("consoleSize", out.consoleSize, read_console_size);
    if (const Json* user = o.get("user"))
        out.user = read_user(*user, o.pointer_of("user"));
    o.read("args", out.args);
    o.read("commandLine", out.commandLine);
    o.read("env", out.env);
    o.read("cwd", out.cwd);
    o.read_object("capabilities", out.capabilities, read_capabilities);
    o.read_array("rlimits", out.rlimits, read_rlimit);
    o.read("noNewPrivileges", out.noNewPrivileges);
    o.read("apparmorProfile", out.apparmorProfile);
    o.read("oomScoreAdj", out.oomScoreAdj);
    o.read("selinuxLabel", out.selinuxLabel);
    o.read_object("ioPriority", out.ioPriority, read_io_priority);
    o.read_object("scheduler", out.scheduler, read_scheduler);
    o.read_object("execCPUAffinity", out.execCPUAffinity, read_exec_cpu_affinity);
    return out;
}

} // namespace detail

Result<Process> parse_process(std::string_view json)
{
    auto parsed = detail::parse_document<Process>(
        json, "process.json", [](const detail::Json& root) { return detail::read_process(root, ""); });
    if (!parsed)
        return std::move(parsed).error();
    if (auto checked = validate_process(parsed.value()); !checked)
        return std::move(checked).error().context("process.json");
    return parsed;
}

} // namespace hull::oci
