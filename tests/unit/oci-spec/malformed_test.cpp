// parse_config rejects bad configs with the JSON pointer of the offending value.
#include "hull/oci/parse.hpp"

#include <doctest/doctest.h>

#include <string>

using namespace hull::oci;

namespace {

// A minimal valid config with `extra` spliced into the top-level object, and `linux` as the
// linux object (with a UTS namespace so hostname checks can be reached separately).
std::string config(std::string extra, std::string process = R"({"args": ["sh"], "cwd": "/"})",
    std::string linux = R"({"namespaces": [{"type": "mount"}, {"type": "uts"}]})")
{
    std::string out = R"({"ociVersion": "1.3.0", "root": {"path": "rootfs"}, "process": )" + process
        + R"(, "linux": )" + linux;
    if (!extra.empty())
        out += ", " + extra;
    return out + "}";
}

std::string with_linux(std::string linux)
{
    return config("", R"({"args": ["sh"], "cwd": "/"})", std::move(linux));
}
std::string with_process(std::string process)
{
    return config("", std::move(process));
}

struct Case {
    std::string json;
    std::string error;
};

} // namespace

TEST_CASE("malformed configs are rejected with a JSON pointer")
{
    const Case cases[] = {
        // Syntax and top-level shape.
        {"{",
            "config.json: parse error at byte 2: syntax error while parsing object key - unexpected end of "
            "input; expected string literal"},
        {"[]", "config.json: expected object, got array"},
        {R"({"root": {"path": "r"}})", "config.json: /ociVersion: required field missing"},
        {R"({"ociVersion": 1})", "config.json: /ociVersion: expected string, got number"},
        {R"({"ociVersion": "2.0.0", "root": {"path": "r"}, "process": {"args": ["sh"], "cwd": "/"}})",
            "config.json: /ociVersion: unsupported version \"2.0.0\" (supported 1.0.0 to 1.3.0)"},
        {R"({"ociVersion": "0.9.0", "root": {"path": "r"}, "process": {"args": ["sh"], "cwd": "/"}})",
            "config.json: /ociVersion: unsupported version \"0.9.0\" (supported 1.0.0 to 1.3.0)"},
        {R"({"ociVersion": "1.4.0", "root": {"path": "r"}, "process": {"args": ["sh"], "cwd": "/"}})",
            "config.json: /ociVersion: unsupported version \"1.4.0\" (supported 1.0.0 to 1.3.0)"},
        {R"({"ociVersion": "latest", "root": {"path": "r"}, "process": {"args": ["sh"], "cwd": "/"}})",
            "config.json: /ociVersion: unsupported version \"latest\" (supported 1.0.0 to 1.3.0)"},
        {R"({"ociVersion": "1.3.0", "process": {"args": ["sh"], "cwd": "/"}})",
            "config.json: /root: required field missing"},
        {R"({"ociVersion": "1.3.0", "root": {}, "process": {"args": ["sh"], "cwd": "/"}})",
            "config.json: /root/path: required field missing"},
        {R"({"ociVersion": "1.3.0", "root": {"path": ""}, "process": {"args": ["sh"], "cwd": "/"}})",
            "config.json: /root/path: must not be empty"},
        {R"({"ociVersion": "1.3.0", "root": {"path": "r", "readonly": "yes"}})",
            "config.json: /root/readonly: expected boolean, got string"},
        // Process.
        {with_process(R"({"args": [1], "cwd": "/"})"),
            "config.json: /process/args/0: expected string, got number"},
        {with_process(R"({"args": "sh", "cwd": "/"})"),
            "config.json: /process/args: expected array, got string"},
        {with_process(R"({"args": [], "cwd": "/"})"), "config.json: /process/args: args must not be empty"},
        {with_process(R"({"args": ["sh"]})"), "config.json: /process/cwd: Cwd property must not be empty"},
        {with_process(R"({"args": ["sh"], "cwd": "tmp"})"),
            "config.json: /process/cwd: Cwd must be an absolute path"},
        {with_process(R"({"args": ["sh"], "cwd": "/", "user": {"uid": -1}})"),
            "config.json: /process/user/uid: value -1 out of range (0 to 4294967295)"},
        {with_process(R"({"args": ["sh"], "cwd": "/", "user": {"uid": 4294967296}})"),
            "config.json: /process/user/uid: value 4294967296 out of range (0 to 4294967295)"},
        {with_process(R"({"args": ["sh"], "cwd": "/", "user": {"gid": 1.5}})"),
            "config.json: /process/user/gid: expected integer, got number"},
        {with_process(R"({"args": ["sh"], "cwd": "/", "env": ["NOEQUALS"]})"),
            "config.json: /process/env/0: invalid environment variable \"NOEQUALS\": missing '='"},
        {with_process(
             R"({"args": ["sh"], "cwd": "/", "capabilities": {"bounding": ["CAP_KILL", "CAP_FLY"]}})"),
            "config.json: /process/capabilities/bounding/1: unknown capability \"CAP_FLY\""},
        {with_process(R"({"args": ["sh"], "cwd": "/", "capabilities": {"ambient": "CAP_KILL"}})"),
            "config.json: /process/capabilities/ambient: expected array, got string"},
        {with_process(
             R"({"args": ["sh"], "cwd": "/", "rlimits": [{"type": "RLIMIT_FOO", "hard": 1, "soft": 1}]})"),
            "config.json: /process/rlimits/0/type: unknown rlimit type \"RLIMIT_FOO\""},
        {with_process(
             R"({"args": ["sh"], "cwd": "/", "rlimits": [{"type": "RLIMIT_NOFILE", "hard": 1, "soft": 1}, {"type": "RLIMIT_NOFILE", "hard": 2, "soft": 2}]})"),
            "config.json: /process/rlimits/1/type: duplicate rlimit type \"RLIMIT_NOFILE\""},
        {with_process(
             R"({"args": ["sh"], "cwd": "/", "rlimits": [{"type": "RLIMIT_NOFILE", "hard": 1024, "soft": 2048}]})"),
            "config.json: /process/rlimits/0: soft limit 2048 exceeds hard limit 1024"},
        {with_process(R"({"args": ["sh"], "cwd": "/", "rlimits": [{"type": "RLIMIT_NOFILE", "hard": 1}]})"),
            "config.json: /process/rlimits/0/soft: required field missing"},
        {with_process(R"({"args": ["sh"], "cwd": "/", "oomScoreAdj": 1001})"),
            "config.json: /process/oomScoreAdj: must be between -1000 and 1000"},
        {with_process(R"({"args": ["sh"], "cwd": "/", "ioPriority": {"class": "IOPRIO_CLASS_FAST"}})"),
            "config.json: /process/ioPriority/class: invalid ioPriority class \"IOPRIO_CLASS_FAST\""},
        {with_process(
             R"({"args": ["sh"], "cwd": "/", "scheduler": {"policy": "SCHED_OTHER", "priority": 5}})"),
            "config.json: /process/scheduler/priority: can only be specified for SCHED_FIFO or SCHED_RR "
            "policy"},
        {with_process(R"({"args": ["sh"], "cwd": "/", "execCPUAffinity": {"initial": "3-1"}})"),
            "config.json: /process/execCPUAffinity/initial: invalid cpu list \"3-1\""},
        // Mounts and hooks.
        {config(R"("mounts": [{"destination": "/proc"}, {"destination": "tmp"}])"),
            "config.json: /mounts/1/destination: must be an absolute path"},
        {config(R"("mounts": [{"type": "tmpfs"}])"),
            "config.json: /mounts/0/destination: required field missing"},
        {config(R"("mounts": [{"destination": "/x", "options": ["ro", 7]}])"),
            "config.json: /mounts/0/options/1: expected string, got number"},
        {config(R"("mounts": [{"destination": "/x", "source": "a\u0000b"}])"),
            "config.json: /mounts/0/source: contains a NUL byte"},
        {config(
             R"("mounts": [{"destination": "/x", "uidMappings": [{"containerID": 0, "hostID": 1, "size": 1}]}])"),
            "config.json: /mounts/0: uidMappings and gidMappings must be specified together"},
        {config(R"("mounts": {"destination": "/x"})"), "config.json: /mounts: expected array, got object"},
        {config(R"("hooks": {"prestart": [{"path": "bin/hook"}]})"),
            "config.json: /hooks/prestart/0/path: must be an absolute path"},
        {config(R"("hooks": {"poststop": [{"path": "/bin/hook", "timeout": 0}]})"),
            "config.json: /hooks/poststop/0/timeout: must be greater than zero"},
        {config(R"("annotations": {"a": 1})"), "config.json: /annotations/a: expected string, got number"},
        {config(R"("annotations": {"": "x"})"), "config.json: /annotations: keys must not be empty"},
        {config(R"("hostname": "h")", R"({"args": ["sh"], "cwd": "/"})",
             R"({"namespaces": [{"type": "mount"}]})"),
            "config.json: /hostname: unable to set hostname without a private UTS namespace"},
        // Linux.
        {with_linux(R"({"namespaces": [{"type": "pid"}, {"type": "mount"}, {"type": "pidd"}]})"),
            "config.json: /linux/namespaces/2/type: unknown namespace type \"pidd\""},
        {with_linux(R"({"namespaces": [{"type": "pid"}, {"type": "pid", "path": "/proc/1/ns/pid"}]})"),
            "config.json: /linux/namespaces/1/type: duplicate namespace type \"pid\" with another path"},
        {with_linux(R"({"namespaces": [{"type": "network", "path": "/run/netns/a"}, {"type": "mount"},)"
                    R"( {"type": "network", "path": "/run/netns/b"}]})"),
            "config.json: /linux/namespaces/2/type: duplicate namespace type \"network\" with another path"},
        {with_linux(R"({"namespaces": [{"type": "network", "path": "run/netns/x"}]})"),
            "config.json: /linux/namespaces/0/path: must be an absolute path"},
        {with_linux(R"({"namespaces": [{"type": "user"}]})"),
            "config.json: /linux/uidMappings: user namespace enabled, but no uid mappings specified"},
        {with_linux(
             R"({"namespaces": [{"type": "user"}], "uidMappings": [{"containerID": 0, "hostID": 1000, "size": 1}]})"),
            "config.json: /linux/gidMappings: user namespace enabled, but no gid mappings specified"},
        {with_linux(
             R"({"uidMappings": [{"containerID": 0, "hostID": 1000, "size": 1}], "gidMappings": [{"containerID": 0, "hostID": 1000, "size": 1}]})"),
            "config.json: /linux/uidMappings: user namespace mappings specified, but user namespace isn't "
            "enabled in the config"},
        {with_linux(R"({"uidMappings": [{"containerID": 0, "hostID": 1000}]})"),
            "config.json: /linux/uidMappings/0/size: required field missing"},
        {with_linux(R"({"timeOffsets": {"monotonic": {"secs": 1}}})"),
            "config.json: /linux/timeOffsets: time namespace offsets specified, but time namespace isn't "
            "enabled in the config"},
        {with_linux(R"({"namespaces": [{"type": "time"}], "timeOffsets": {"realtime": {"secs": 1}}})"),
            "config.json: /linux/timeOffsets/realtime: unknown clock \"realtime\" (expected monotonic or "
            "boottime)"},
        {with_linux(R"({"sysctl": {"net.ipv4.ip_forward": "1"}})"),
            "config.json: /linux/sysctl/net.ipv4.ip_forward: sysctl \"net.ipv4.ip_forward\" not allowed in "
            "host network namespace"},
        {with_linux(R"({"sysctl": {"vm.swappiness": "1"}})"),
            "config.json: /linux/sysctl/vm.swappiness: sysctl \"vm.swappiness\" is not in a separate kernel "
            "namespace"},
        {with_linux(R"({"sysctl": {"kernel.msgmax": 1}})"),
            "config.json: /linux/sysctl/kernel.msgmax: expected string, got number"},
        {with_linux(R"({"devices": [{"path": "/dev/x", "type": "z"}]})"),
            "config.json: /linux/devices/0/type: invalid device type \"z\" (expected c, b, u or p)"},
        {with_linux(R"({"devices": [{"path": "dev/x", "type": "c", "major": 1, "minor": 3}]})"),
            "config.json: /linux/devices/0/path: must be an absolute path"},
        {with_linux(R"({"rootfsPropagation": "sideways"})"),
            "config.json: /linux/rootfsPropagation: invalid rootfs propagation \"sideways\""},
        {with_linux(R"({"maskedPaths": ["proc/kcore"]})"),
            "config.json: /linux/maskedPaths/0: must be an absolute path"},
        {with_linux(R"({"readonlyPaths": [true]})"),
            "config.json: /linux/readonlyPaths/0: expected string, got boolean"},
        {with_linux(R"({"seccomp": {"defaultAction": "SCMP_ACT_PANIC"}})"),
            "config.json: /linux/seccomp/defaultAction: unknown seccomp action \"SCMP_ACT_PANIC\""},
        {with_linux(
             R"({"seccomp": {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_KILL", "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_XOR"}]}]}})"),
            "config.json: /linux/seccomp/syscalls/0/args/0/op: unknown seccomp operator \"SCMP_CMP_XOR\""},
        {with_linux(
             R"({"seccomp": {"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_Z80"]}})"),
            "config.json: /linux/seccomp/architectures/0: unknown seccomp architecture \"SCMP_ARCH_Z80\""},
        {with_linux(
             R"({"seccomp": {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": [], "action": "SCMP_ACT_KILL"}]}})"),
            "config.json: /linux/seccomp/syscalls/0/names: must contain at least one entry"},
        {with_linux(R"({"seccomp": {"defaultAction": "SCMP_ACT_KILL", "defaultErrnoRet": 1}})"),
            "config.json: /linux/seccomp/defaultErrnoRet: only valid with SCMP_ACT_ERRNO or SCMP_ACT_TRACE"},
        {with_linux(
             R"({"seccomp": {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mount"], "action": "SCMP_ACT_NOTIFY"}]}})"),
            "config.json: /linux/seccomp/syscalls/0/action: SCMP_ACT_NOTIFY requires listenerPath"},
        {with_linux(R"({"resources": {"devices": [{"access": "rwm"}]}})"),
            "config.json: /linux/resources/devices/0/allow: required field missing"},
        {with_linux(R"({"resources": {"memory": {"limit": "1G"}}})"),
            "config.json: /linux/resources/memory/limit: expected integer, got string"},
        {with_linux(R"({"resources": {"blockIO": {"weight": 5}}})"),
            "config.json: /linux/resources/blockIO/weight: must be between 10 and 1000 (or 0 for unset)"},
        {with_linux(R"({"resources": {"blockIO": {"weight": 70000}}})"),
            "config.json: /linux/resources/blockIO/weight: value 70000 out of range (0 to 65535)"},
        {with_linux(R"({"resources": {"rdma": {"mlx": {}}}})"),
            "config.json: /linux/resources/rdma/mlx: at least one of hcaHandles or hcaObjects must be "
            "specified"},
        {with_linux(R"({"intelRdt": {"closID": "../x"}})"),
            "config.json: /linux/intelRdt/closID: invalid closID \"../x\""},
        {with_linux(R"({"intelRdt": {"memBwSchema": "L3:0=1"}})"),
            "config.json: /linux/intelRdt/memBwSchema: must start with \"MB:\""},
        {with_linux(R"({"personality": {"domain": "BSD"}})"),
            "config.json: /linux/personality/domain: unknown personality domain \"BSD\""},
        {with_linux(R"({"memoryPolicy": {"mode": "MPOL_BIND"}})"),
            "config.json: /linux/memoryPolicy/nodes: must not be empty for MPOL_BIND"},
        {with_linux(R"({"netDevices": {"eth0": {}}})"),
            "config.json: /linux/netDevices: unable to move network devices without a NET namespace"},
        {with_linux(R"({"namespaces": [{"type": "network"}], "netDevices": {"eth0": {"name": "a/b"}}})"),
            "config.json: /linux/netDevices/eth0/name: invalid network device name \"a/b\""},
        {with_linux(R"([])"), "config.json: /linux: expected object, got array"},
    };
    for (const Case& c : cases) {
        CAPTURE(c.json);
        auto parsed = parse_config(c.json);
        REQUIRE_FALSE(parsed.ok());
        CHECK(parsed.error().text() == c.error);
    }
    CHECK(std::size(cases) >= 40);
}

TEST_CASE("JSON pointers escape '~' and '/' in keys")
{
    auto parsed = parse_config(config(R"("annotations": {"a/b~c": false})"));
    REQUIRE_FALSE(parsed.ok());
    CHECK(parsed.error().text() == "config.json: /annotations/a~1b~0c: expected string, got boolean");
}

TEST_CASE("parse_process applies runc's exec checks")
{
    auto good = parse_process(
        R"({"args": ["ls"], "cwd": "/tmp", "env": ["A=b"], "user": {"uid": 1000, "gid": 1000}})");
    REQUIRE(good.ok());
    CHECK(good.value().args == std::vector<std::string> {"ls"});
    CHECK(good.value().user.uid == 1000);

    const Case cases[] = {
        {R"({"args": [], "cwd": "/"})", "process.json: /args: args must not be empty"},
        {R"({"cwd": "/"})", "process.json: /args: args must not be empty"},
        {R"({"args": ["ls"], "cwd": ""})", "process.json: /cwd: Cwd property must not be empty"},
        {R"({"args": ["ls"], "cwd": "rel"})", "process.json: /cwd: Cwd must be an absolute path"},
        {R"({"args": ["ls"], "cwd": "/", "terminal": 1})",
            "process.json: /terminal: expected boolean, got number"},
        {R"({"args": ["ls"], "cwd": "/", "capabilities": {"effective": ["CAP_NOPE"]}})",
            "process.json: /capabilities/effective/0: unknown capability \"CAP_NOPE\""},
        {"nope",
            "process.json: parse error at byte 2: syntax error while parsing value - invalid literal; last "
            "read: 'no'"},
    };
    for (const Case& c : cases) {
        CAPTURE(c.json);
        auto parsed = parse_process(c.json);
        REQUIRE_FALSE(parsed.ok());
        CHECK(parsed.error().text() == c.error);
    }
}

TEST_CASE("parse_resources reads update input")
{
    auto good
        = parse_resources(R"({"memory": {"limit": 1048576}, "pids": {"limit": -1}, "cpu": {"cpus": "0-1"}})");
    REQUIRE(good.ok());
    CHECK(good.value().memory->limit == 1048576);
    CHECK(good.value().pids->limit == -1);
    auto bad = parse_resources(R"({"cpu": {"shares": -5}})");
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.error().text() == "resources: /cpu/shares: value -5 out of range (0 to 18446744073709551615)");
    auto invalid = parse_resources(R"({"memory": {"swappiness": 200}})");
    REQUIRE_FALSE(invalid.ok());
    CHECK(invalid.error().text() == "resources: /memory/swappiness: must be between 0 and 100");
}

TEST_CASE("hugepage sizes are digits and a unit, never a path")
{
    for (const char* size : {"2MB", "1GB", "64KB", "16GB"})
        CHECK(parse_resources(
            std::string(R"({"hugepageLimits": [{"pageSize": ")") + size + R"(", "limit": 0}]})")
                  .ok());
    for (const char* size : {"", "2", "MB", "2mb", "2MiB", "2MB/", "../2MB", "2MB/../x", "1.5MB", "2 MB"}) {
        auto bad = parse_resources(
            std::string(R"({"hugepageLimits": [{"pageSize": ")") + size + R"(", "limit": 0}]})");
        REQUIRE_FALSE(bad.ok());
        CHECK(bad.error().text()
            == std::string("resources: /hugepageLimits/0/pageSize: invalid hugepage size \"") + size
                + "\" (expected a number and KB, MB or GB, as 2MB)");
    }
}

TEST_CASE("a namespace entry repeated exactly is one namespace (runc's suite adds a second cgroup one)")
{
    auto spec
        = parse_config(with_linux(R"({"namespaces": [{"type": "mount"}, {"type": "cgroup"}, {"type": "uts"},)"
                                  R"( {"type": "cgroup"}, {"type": "ipc", "path": "/proc/1/ns/ipc"},)"
                                  R"( {"type": "ipc", "path": "/proc/1/ns/ipc"}]})"));
    REQUIRE(spec.ok());
    const auto& nss = spec.value().linux->namespaces;
    REQUIRE(nss.size() == 4);
    CHECK(nss[0].type == NamespaceType::Mount);
    CHECK(nss[1].type == NamespaceType::Cgroup);
    CHECK(nss[2].type == NamespaceType::Uts);
    CHECK(nss[3].type == NamespaceType::Ipc);
    CHECK(nss[3].path == "/proc/1/ns/ipc");
}

TEST_CASE("process is optional in config.json (runtime.md: required only when start is called)")
{
    auto spec = parse_config(R"({"ociVersion": "1.3.0", "root": {"path": "r"}})");
    REQUIRE(spec.ok());
    CHECK(!spec.value().process);
}

TEST_CASE("device access letters beyond r, w and m are accepted, as runc accepts them")
{
    for (const char* access : {"rwa", "rwx", "rrw", "a"}) {
        auto spec = parse_config(
            with_linux(std::string(R"({"resources": {"devices": [{"allow": false, "type": "c",)")
                + R"( "major": 1, "minor": 11, "access": ")" + access + R"("}]}})"));
        CHECK_MESSAGE(spec.ok(), access);
    }
    CHECK(parse_resources(R"({"devices": [{"allow": true, "access": "rwa"}]})").ok());
}

TEST_CASE("blockIO.weight 0 and cpu.shares 0 mean unset, as Docker sends them")
{
    auto spec
        = parse_config(with_linux(R"({"resources": {"blockIO": {"weight": 0}, "cpu": {"shares": 0}}})"));
    REQUIRE(spec.ok());
    CHECK(*spec.value().linux->resources->blockIO->weight == 0);
}

TEST_CASE("a config.json over kMaxConfigSize is refused by its size; one just under it is read")
{
    // Whitespace pads the document to the exact size: the check is on the text, not its content.
    std::string base = config(R"("annotations": {"a": "b"})");
    std::string at_limit = base + std::string(kMaxConfigSize - base.size(), ' ');
    CHECK(parse_config(at_limit).ok());
    auto over = parse_config(at_limit + " ");
    REQUIRE_FALSE(over.ok());
    CHECK(over.error().text()
        == "config.json: " + std::to_string(kMaxConfigSize + 1)
            + " bytes, more than the 16777216 hull accepts");
}
