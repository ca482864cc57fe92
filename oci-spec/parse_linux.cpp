// Reading the "linux" object of config.json (config-linux.md), except "resources".
#include "parse_internal.hpp"

namespace hull::oci::detail {

namespace {

Namespace read_namespace(const Json& value, const std::string& pointer)
{
    Object o(value, pointer);
    Namespace out;
    std::string type = o.required_string("type");
    auto parsed = namespace_type_from_string(type);
    if (!parsed)
        fail(o.pointer_of("type"), "unknown namespace type \"" + type + "\"");
    out.type = *parsed;
    o.read("path", out.path);
    return out;
}

Device read_device(const Json& value, const std::string& pointer)
{
    Object o(value, pointer);
    Device out;
    out.type = o.required_string("type");
    out.path = o.required_string("path");
    o.read("major", out.major);
    o.read("minor", out.minor);
    o.read("fileMode", out.fileMode);
    o.read("uid", out.uid);
    o.read("gid", out.gid);
    return out;
}

SeccompArg read_seccomp_arg(const Json& value, const std::string& pointer)
{
    Object o(value, pointer);
    SeccompArg out;
    out.index = o.required_integer<uint32_t>("index");
    out.value = o.required_integer<uint64_t>("value");
    o.read("valueTwo", out.valueTwo);
    out.op = o.required_string("op");
    return out;
}

SyscallRule read_syscall_rule(const Json& value, const std::string& pointer)
{
    Object o(value, pointer);
    SyscallRule out;
    o.require("names");
    o.read("names", out.names);
    out.action = o.required_string("action");
    o.read("errnoRet", out.errnoRet);
    o.read_array("args", out.args, read_seccomp_arg);
    return out;
}

Seccomp read_seccomp(const Json& value, const std::string& pointer)
{
    Object o(value, pointer);
    Seccomp out;
    out.defaultAction = o.required_string("defaultAction");
    o.read("defaultErrnoRet", out.defaultErrnoRet);
    o.read("architectures", out.architectures);
    o.read("flags", out.flags);
    o.read("listenerPath", out.listenerPath);
    o.read("listenerMetadata", out.listenerMetadata);
    o.read_array("syscalls", out.syscalls, read_syscall_rule);
    return out;
}

IntelRdt read_intel_rdt(const Json& value, const std::string& pointer)
{
    Object o(value, pointer);
    IntelRdt out;
    o.read("closID", out.closID);
    o.read("schemata", out.schemata);
    o.read("l3CacheSchema", out.l3CacheSchema);
    o.read("memBwSchema", out.memBwSchema);
    o.read("enableMonitoring", out.enableMonitoring);
    return out;
}

Personality read_personality(const Json& value, const std::string& pointer)
{
    Object o(value, pointer);
    Personality out;
    out.domain = o.required_string("domain");
    o.read("flags", out.flags);
    return out;
}

TimeOffset read_time_offset(const Json& value, const std::string& pointer)
{
    Object o(value, pointer);
    TimeOffset out;
    o.read("secs", out.secs);
    o.read("nanosecs", out.nanosecs);
    return out;
}

MemoryPolicy read_memory_policy(const Json& value, const std::string& pointer)
{
    Object o(value, pointer);
    MemoryPolicy out;
    out.mode = o.required_string("mode");
    o.read("nodes", out.nodes);
    o.read("flags", out.flags);
    return out;
}

NetDevice read_net_device(const Json& value, const std::string& pointer)
{
    Object o(value, pointer);
    NetDevice out;
    o.read("name", out.name);
    return out;
}

} // namespace

IdMapping read_id_mapping(const Json& value, const std::string& pointer)
{
    Object o(value, pointer);
    IdMapping out;
    out.containerID = o.required_integer<uint32_t>("containerID");
    out.hostID = o.required_integer<uint32_t>("hostID");
    out.size = o.required_integer<uint32_t>("size");
    return out;
}

Linux read_linux(const Json& value, const std::string& pointer)
{
    Object o(value, pointer);
    Linux out;
    o.read_array("uidMappings", out.uidMappings, read_id_mapping);
    o.read_array("gidMappings", out.gidMappings, read_id_mapping);
    o.read("sysctl", out.sysctl);
    o.read_object("resources", out.resources, read_resources);
    o.read("cgroupsPath", out.cgroupsPath);
    o.read_array("namespaces", out.namespaces, read_namespace);
    o.read_array("devices", out.devices, read_device);
    o.read_object("seccomp", out.seccomp, read_seccomp);
    o.read("rootfsPropagation", out.rootfsPropagation);
    o.read("maskedPaths", out.maskedPaths);
    o.read("readonlyPaths", out.readonlyPaths);
    o.read("mountLabel", out.mountLabel);
    o.read_object("intelRdt", out.intelRdt, read_intel_rdt);
    o.read_object("personality", out.personality, read_personality);
    o.read_map("timeOffsets", out.timeOffsets, read_time_offset);
    o.read_object("memoryPolicy", out.memoryPolicy, read_memory_policy);
    o.read_map("netDevices", out.netDevices, read_net_device);
    return out;
}

} // namespace hull::oci::detail
