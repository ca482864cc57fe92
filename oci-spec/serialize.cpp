// to_json(): config.json as `hull spec` writes it, matching runc's json.MarshalIndent of
// runtime-spec's specs-go structs: keys in Go struct order, omitempty fields left out, tabs.
#include "hull/oci/parse.hpp"
#include "json_util.hpp"

namespace hull::oci {

namespace {

using detail::OrderedJson;

// Go's omitempty: leave out empty strings, false, zero numbers and empty lists/maps.
void put(OrderedJson& o, const char* key, const std::string& v)
{
    if (!v.empty())
        o[key] = v;
}

void put(OrderedJson& o, const char* key, bool v)
{
    if (v)
        o[key] = true;
}

template <typename T>
requires std::is_integral_v<T>
void put(OrderedJson& o, const char* key, T v)
{
    if (v != 0)
        o[key] = v;
}

// Pointer fields in Go: present whenever set, even when zero.
template <typename T> void put(OrderedJson& o, const char* key, const std::optional<T>& v)
{
    if (v)
        o[key] = *v;
}

template <typename T>
requires(!std::is_same_v<T, bool>) void put(OrderedJson& o, const char* key, const std::vector<T>& v)
{
    if (!v.empty())
        o[key] = v;
}

void put(OrderedJson& o, const char* key, const std::map<std::string, std::string>& v)
{
    if (!v.empty())
        o[key] = v;
}

template <typename T, typename F>
void put_list(OrderedJson& o, const char* key, const std::vector<T>& v, F&& encode)
{
    if (v.empty())
        return;
    OrderedJson list = OrderedJson::array();
    for (const T& item : v)
        list.push_back(encode(item));
    o[key] = std::move(list);
}

template <typename T, typename F>
void put_object(OrderedJson& o, const char* key, const std::optional<T>& v, F&& encode)
{
    if (v)
        o[key] = encode(*v);
}

template <typename T, typename F>
void put_map(OrderedJson& o, const char* key, const std::map<std::string, T>& v, F&& encode)
{
    if (v.empty())
        return;
    OrderedJson map = OrderedJson::object();
    for (const auto& [name, item] : v)
        map[name] = encode(item);
    o[key] = std::move(map);
}

OrderedJson encode_id_mapping(const IdMapping& m)
{
    return OrderedJson {{"containerID", m.containerID}, {"hostID", m.hostID}, {"size", m.size}};
}

OrderedJson encode_process(const Process& p)
{
    OrderedJson o = OrderedJson::object();
    put(o, "terminal", p.terminal);
    put_object(o, "consoleSize", p.consoleSize, [](const ConsoleSize& c) {
        return OrderedJson {{"height", c.height}, {"width", c.width}};
    });
    OrderedJson user = OrderedJson::object();
    user["uid"] = p.user.uid;
    user["gid"] = p.user.gid;
    put(user, "umask", p.user.umask);
    put(user, "additionalGids", p.user.additionalGids);
    put(user, "username", p.user.username);
    o["user"] = std::move(user);
    put(o, "args", p.args);
    put(o, "commandLine", p.commandLine);
    put(o, "env", p.env);
    o["cwd"] = p.cwd;
    put_object(o, "capabilities", p.capabilities, [](const Capabilities& c) {
        // A set present but empty is kept as [] so that "unset" and "empty" survive a round trip.
        OrderedJson caps = OrderedJson::object();
        put(caps, "bounding", c.bounding);
        put(caps, "effective", c.effective);
        put(caps, "inheritable", c.inheritable);
        put(caps, "permitted", c.permitted);
        put(caps, "ambient", c.ambient);
        return caps;
    });
    put_list(o, "rlimits", p.rlimits, [](const Rlimit& r) {
        return OrderedJson {{"type", r.type}, {"hard", r.hard}, {"soft", r.soft}};
    });
    put(o, "noNewPrivileges", p.noNewPrivileges);
    put(o, "apparmorProfile", p.apparmorProfile);
    put(o, "oomScoreAdj", p.oomScoreAdj);
    put_object(o, "scheduler", p.scheduler, [](const Scheduler& s) {
        OrderedJson j = OrderedJson::object();
        j["policy"] = s.policy;
        put(j, "nice", s.nice);
        put(j, "priority", s.priority);
        put(j, "flags", s.flags);
        put(j, "runtime", s.runtime);
        put(j, "deadline", s.deadline);
        put(j, "period", s.period);
        return j;
    });
    put(o, "selinuxLabel", p.selinuxLabel);
    put_object(o, "ioPriority", p.ioPriority, [](const IoPriority& io) {
        return OrderedJson {{"class", io.class_}, {"priority", io.priority}};
    });
    put_object(o, "execCPUAffinity", p.execCPUAffinity, [](const ExecCpuAffinity& a) {
        OrderedJson j = OrderedJson::object();
        put(j, "initial", a.initial);
        put(j, "final", a.final);
        return j;
    });
    return o;
}

OrderedJson encode_mount(const Mount& m)
{
    OrderedJson o = OrderedJson::object();
    o["destination"] = m.destination;
    put(o, "type", m.type);
    put(o, "source", m.source);
    put(o, "options", m.options);
    put_list(o, "uidMappings", m.uidMappings, encode_id_mapping);
    put_list(o, "gidMappings", m.gidMappings, encode_id_mapping);
    return o;
}

OrderedJson encode_hooks(const Hooks& h)
{
    auto hook = [](const Hook& k) {
        OrderedJson o = OrderedJson::object();
        o["path"] = k.path;
        put(o, "args", k.args);
        put(o, "env", k.env);
        put(o, "timeout", k.timeout);
        return o;
    };
    OrderedJson o = OrderedJson::object();
    put_list(o, "prestart", h.prestart, hook);
    put_list(o, "createRuntime", h.createRuntime, hook);
    put_list(o, "createContainer", h.createContainer, hook);
    put_list(o, "startContainer", h.startContainer, hook);
    put_list(o, "poststart", h.poststart, hook);
    put_list(o, "poststop", h.poststop, hook);
    return o;
}

OrderedJson encode_resources(const Resources& r)
{
    OrderedJson o = OrderedJson::object();
    put_list(o, "devices", r.devices, [](const DeviceCgroup& d) {
        OrderedJson j = OrderedJson::object();
        j["allow"] = d.allow;
        put(j, "type", d.type);
        put(j, "major", d.major);
        put(j, "minor", d.minor);
        put(j, "access", d.access);
        return j;
    });
    put_object(o, "memory", r.memory, [](const Memory& m) {
        OrderedJson j = OrderedJson::object();
        put(j, "limit", m.limit);
        put(j, "reservation", m.reservation);
        put(j, "swap", m.swap);
        put(j, "kernel", m.kernel);
        put(j, "kernelTCP", m.kernelTCP);
        put(j, "swappiness", m.swappiness);
        put(j, "disableOOMKiller", m.disableOOMKiller);
        put(j, "useHierarchy", m.useHierarchy);
        put(j, "checkBeforeUpdate", m.checkBeforeUpdate);
        return j;
    });
    put_object(o, "cpu", r.cpu, [](const Cpu& c) {
        OrderedJson j = OrderedJson::object();
        put(j, "shares", c.shares);
        put(j, "quota", c.quota);
        put(j, "burst", c.burst);
        put(j, "period", c.period);
        put(j, "realtimeRuntime", c.realtimeRuntime);
        put(j, "realtimePeriod", c.realtimePeriod);
        put(j, "cpus", c.cpus);
        put(j, "mems", c.mems);
        put(j, "idle", c.idle);
        return j;
    });
    put_object(o, "pids", r.pids, [](const Pids& p) {
        OrderedJson j = OrderedJson::object();
        put(j, "limit", p.limit);
        return j;
    });
    put_object(o, "blockIO", r.blockIO, [](const BlockIo& b) {
        auto throttle = [](const ThrottleDevice& d) {
            return OrderedJson {{"major", d.major}, {"minor", d.minor}, {"rate", d.rate}};
        };
        OrderedJson j = OrderedJson::object();
        put(j, "weight", b.weight);
        put(j, "leafWeight", b.leafWeight);
        put_list(j, "weightDevice", b.weightDevice, [](const WeightDevice& d) {
            OrderedJson w {{"major", d.major}, {"minor", d.minor}};
            put(w, "weight", d.weight);
            put(w, "leafWeight", d.leafWeight);
            return w;
        });
        put_list(j, "throttleReadBpsDevice", b.throttleReadBpsDevice, throttle);
        put_list(j, "throttleWriteBpsDevice", b.throttleWriteBpsDevice, throttle);
        put_list(j, "throttleReadIOPSDevice", b.throttleReadIOPSDevice, throttle);
        put_list(j, "throttleWriteIOPSDevice", b.throttleWriteIOPSDevice, throttle);
        return j;
    });
    put_list(o, "hugepageLimits", r.hugepageLimits, [](const HugepageLimit& h) {
        return OrderedJson {{"pageSize", h.pageSize}, {"limit", h.limit}};
    });
    put_object(o, "network", r.network, [](const Network& n) {
        OrderedJson j = OrderedJson::object();
        put(j, "classID", n.classID);
        put_list(j, "priorities", n.priorities, [](const InterfacePriority& p) {
            return OrderedJson {{"name", p.name}, {"priority", p.priority}};
        });
        return j;
    });
    put_map(o, "rdma", r.rdma, [](const Rdma& d) {
        OrderedJson j = OrderedJson::object();
        put(j, "hcaHandles", d.hcaHandles);
        put(j, "hcaObjects", d.hcaObjects);
        return j;
    });
    put(o, "unified", r.unified);
    return o;
}

OrderedJson encode_seccomp(const Seccomp& s)
{
    OrderedJson o = OrderedJson::object();
    o["defaultAction"] = s.defaultAction;
    put(o, "defaultErrnoRet", s.defaultErrnoRet);
    put(o, "architectures", s.architectures);
    put(o, "flags", s.flags);
    put(o, "listenerPath", s.listenerPath);
    put(o, "listenerMetadata", s.listenerMetadata);
    put_list(o, "syscalls", s.syscalls, [](const SyscallRule& r) {
        OrderedJson j = OrderedJson::object();
        j["names"] = r.names;
        j["action"] = r.action;
        put(j, "errnoRet", r.errnoRet);
        put_list(j, "args", r.args, [](const SeccompArg& a) {
            OrderedJson arg {{"index", a.index}, {"value", a.value}};
            put(arg, "valueTwo", a.valueTwo);
            arg["op"] = a.op;
            return arg;
        });
        return j;
    });
    return o;
}

OrderedJson encode_linux(const Linux& l)
{
    OrderedJson o = OrderedJson::object();
    put_list(o, "uidMappings", l.uidMappings, encode_id_mapping);
    put_list(o, "gidMappings", l.gidMappings, encode_id_mapping);
    put(o, "sysctl", l.sysctl);
    put_object(o, "resources", l.resources, encode_resources);
    put(o, "cgroupsPath", l.cgroupsPath);
    put_list(o, "namespaces", l.namespaces, [](const Namespace& ns) {
        OrderedJson j {{"type", std::string(to_string(ns.type))}};
        put(j, "path", ns.path);
        return j;
    });
    put_list(o, "devices", l.devices, [](const Device& d) {
        OrderedJson j {{"path", d.path}, {"type", d.type}, {"major", d.major}, {"minor", d.minor}};
        put(j, "fileMode", d.fileMode);
        put(j, "uid", d.uid);
        put(j, "gid", d.gid);
        return j;
    });
    put_map(o, "netDevices", l.netDevices, [](const NetDevice& d) {
        OrderedJson j = OrderedJson::object();
        put(j, "name", d.name);
        return j;
    });
    put_object(o, "seccomp", l.seccomp, encode_seccomp);
    put(o, "rootfsPropagation", l.rootfsPropagation);
    put(o, "maskedPaths", l.maskedPaths);
    put(o, "readonlyPaths", l.readonlyPaths);
    put(o, "mountLabel", l.mountLabel);
    put_object(o, "intelRdt", l.intelRdt, [](const IntelRdt& r) {
        OrderedJson j = OrderedJson::object();
        put(j, "closID", r.closID);
        put(j, "schemata", r.schemata);
        put(j, "l3CacheSchema", r.l3CacheSchema);
        put(j, "memBwSchema", r.memBwSchema);
        put(j, "enableMonitoring", r.enableMonitoring);
        return j;
    });
    put_object(o, "memoryPolicy", l.memoryPolicy, [](const MemoryPolicy& m) {
        OrderedJson j {{"mode", m.mode}};
        put(j, "nodes", m.nodes);
        put(j, "flags", m.flags);
        return j;
    });
    put_object(o, "personality", l.personality, [](const Personality& p) {
        OrderedJson j {{"domain", p.domain}};
        put(j, "flags", p.flags);
        return j;
    });
    put_map(o, "timeOffsets", l.timeOffsets, [](const TimeOffset& t) {
        OrderedJson j = OrderedJson::object();
        put(j, "secs", t.secs);
        put(j, "nanosecs", t.nanosecs);
        return j;
    });
    return o;
}

} // namespace

std::string resources_to_json(const Resources& resources)
{
    return encode_resources(resources).dump();
}

std::string to_json(const Spec& spec)
{
    OrderedJson o = OrderedJson::object();
    o["ociVersion"] = spec.ociVersion;
    put_object(o, "process", spec.process, encode_process);
    put_object(o, "root", spec.root, [](const Root& r) {
        OrderedJson j {{"path", r.path}};
        put(j, "readonly", r.readonly);
        return j;
    });
    put(o, "hostname", spec.hostname);
    put(o, "domainname", spec.domainname);
    put_list(o, "mounts", spec.mounts, encode_mount);
    put_object(o, "hooks", spec.hooks, encode_hooks);
    put(o, "annotations", spec.annotations);
    put_object(o, "linux", spec.linux, encode_linux);
    return detail::dump_like_go(o, 1, '\t');
}

} // namespace hull::oci
