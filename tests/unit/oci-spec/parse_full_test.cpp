// parse_config against a config.json that sets every field hull models.
#include "hull/oci/parse.hpp"

#include <doctest/doctest.h>

using namespace hull::oci;

namespace {

constexpr const char* full_config = R"json({
  "ociVersion": "1.3.0",
  "process": {
    "terminal": true,
    "consoleSize": {"height": 25, "width": 80},
    "user": {"uid": 1, "gid": 2, "umask": 18, "additionalGids": [5, 6], "username": "u"},
    "args": ["sh", "-c", "true"],
    "commandLine": "cmd.exe",
    "env": ["PATH=/bin", "TERM=xterm"],
    "cwd": "/work",
    "capabilities": {
      "bounding": ["CAP_KILL"],
      "effective": ["CAP_KILL", "CAP_CHOWN"],
      "inheritable": [],
      "permitted": ["CAP_CHECKPOINT_RESTORE"]
    },
    "rlimits": [{"type": "RLIMIT_NOFILE", "hard": 1024, "soft": 512}],
    "noNewPrivileges": true,
    "apparmorProfile": "profile",
    "oomScoreAdj": -17,
    "scheduler": {"policy": "SCHED_FIFO", "nice": 0, "priority": 10, "flags": ["SCHED_FLAG_RESET_ON_FORK"]},
    "selinuxLabel": "system_u:system_r:svirt_lxc_net_t:s0",
    "ioPriority": {"class": "IOPRIO_CLASS_BE", "priority": 4},
    "execCPUAffinity": {"initial": "0", "final": "0-3,7"}
  },
  "root": {"path": "rootfs", "readonly": true},
  "hostname": "box",
  "domainname": "example.org",
  "mounts": [
    {"destination": "/proc", "type": "proc", "source": "proc"},
    {"destination": "/data", "type": "bind", "source": "/srv/data", "options": ["rbind", "idmap"],
     "uidMappings": [{"containerID": 0, "hostID": 100000, "size": 65536}],
     "gidMappings": [{"containerID": 0, "hostID": 200000, "size": 65536}]}
  ],
  "hooks": {
    "prestart": [{"path": "/bin/pre", "args": ["pre", "x"], "env": ["A=1"], "timeout": 5}],
    "createRuntime": [{"path": "/bin/cr"}],
    "createContainer": [{"path": "/bin/cc"}],
    "startContainer": [{"path": "/bin/sc"}],
    "poststart": [{"path": "/bin/ps"}],
    "poststop": [{"path": "/bin/pst"}]
  },
  "annotations": {"com.example.key": "value", "org.opencontainers.image.os": "linux"},
  "linux": {
    "uidMappings": [{"containerID": 0, "hostID": 1000, "size": 32000}],
    "gidMappings": [{"containerID": 0, "hostID": 2000, "size": 16000}],
    "sysctl": {"net.ipv4.ip_forward": "1", "kernel.shmmax": "4096"},
    "resources": {
      "devices": [{"allow": false, "access": "rwm"}, {"allow": true, "type": "c", "major": 10, "minor": 229, "access": "rw"}],
      "memory": {"limit": 536870912, "reservation": 1024, "swap": 1073741824, "kernel": -1, "kernelTCP": 2048,
                 "swappiness": 0, "disableOOMKiller": true, "useHierarchy": false, "checkBeforeUpdate": true},
      "cpu": {"shares": 1024, "quota": 100000, "burst": 5000, "period": 100000, "realtimeRuntime": 950000,
              "realtimePeriod": 1000000, "cpus": "0-1", "mems": "0", "idle": 1},
      "pids": {"limit": 32},
      "blockIO": {"weight": 100, "leafWeight": 50,
                  "weightDevice": [{"major": 8, "minor": 0, "weight": 500, "leafWeight": 300}],
                  "throttleReadBpsDevice": [{"major": 8, "minor": 0, "rate": 600}],
                  "throttleWriteBpsDevice": [{"major": 8, "minor": 1, "rate": 700}],
                  "throttleReadIOPSDevice": [{"major": 8, "minor": 2, "rate": 800}],
                  "throttleWriteIOPSDevice": [{"major": 8, "minor": 3, "rate": 900}]},
      "hugepageLimits": [{"pageSize": "2MB", "limit": 209715200}],
      "network": {"classID": 1048577, "priorities": [{"name": "eth0", "priority": 500}]},
      "rdma": {"mlx5_1": {"hcaHandles": 3, "hcaObjects": 10000}},
      "unified": {"io.weight": "default 100"}
    },
    "cgroupsPath": "/myRuntime/myContainer",
    "namespaces": [
      {"type": "pid"}, {"type": "network", "path": "/var/run/netns/n"}, {"type": "mount"}, {"type": "ipc"},
      {"type": "uts"}, {"type": "user"}, {"type": "cgroup"}, {"type": "time"}
    ],
    "devices": [{"path": "/dev/fuse", "type": "c", "major": 10, "minor": 229, "fileMode": 438, "uid": 0, "gid": 0}],
    "netDevices": {"eth1": {"name": "ctr1"}},
    "seccomp": {
      "defaultAction": "SCMP_ACT_ERRNO",
      "defaultErrnoRet": 1,
      "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86"],
      "flags": ["SECCOMP_FILTER_FLAG_LOG"],
      "listenerPath": "/run/agent.sock",
      "listenerMetadata": "meta",
      "syscalls": [
        {"names": ["getcwd", "chmod"], "action": "SCMP_ACT_ALLOW"},
        {"names": ["personality"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38,
         "args": [{"index": 0, "value": 8, "valueTwo": 3, "op": "SCMP_CMP_MASKED_EQ"}]}
      ]
    },
    "rootfsPropagation": "rslave",
    "maskedPaths": ["/proc/kcore"],
    "readonlyPaths": ["/proc/sys"],
    "mountLabel": "system_u:object_r:svirt_sandbox_file_t:s0",
    "intelRdt": {"closID": "guaranteed", "schemata": ["L2:0=ff"], "l3CacheSchema": "L3:0=7f0",
                 "memBwSchema": "MB:0=20", "enableMonitoring": true},
    "memoryPolicy": {"mode": "MPOL_INTERLEAVE", "nodes": "0-3", "flags": ["MPOL_F_STATIC_NODES"]},
    "personality": {"domain": "LINUX32", "flags": []},
    "timeOffsets": {"monotonic": {"secs": 172800, "nanosecs": 0}, "boottime": {"secs": -10, "nanosecs": 5}}
  }
})json";

} // namespace

TEST_CASE("parse_config reads every field")
{
    auto parsed = parse_config(full_config);
    REQUIRE_MESSAGE(parsed.ok(), (parsed.ok() ? "" : parsed.error().text()));
    const Spec& s = parsed.value();
    CHECK(s.ociVersion == "1.3.0");
    CHECK(s.hostname == "box");
    CHECK(s.domainname == "example.org");
    REQUIRE(s.root);
    CHECK(s.root->path == "rootfs");
    CHECK(s.root->readonly);
    CHECK(s.annotations.size() == 2);
    CHECK(s.annotations.at("com.example.key") == "value");

    REQUIRE(s.process);
    const Process& p = *s.process;
    CHECK(p.terminal);
    REQUIRE(p.consoleSize);
    CHECK(p.consoleSize->height == 25);
    CHECK(p.consoleSize->width == 80);
    CHECK(p.user.uid == 1);
    CHECK(p.user.gid == 2);
    CHECK(p.user.umask == 18u);
    CHECK(p.user.additionalGids == std::vector<uint32_t> {5, 6});
    CHECK(p.user.username == "u");
    CHECK(p.args == std::vector<std::string> {"sh", "-c", "true"});
    CHECK(p.commandLine == "cmd.exe");
    CHECK(p.env == std::vector<std::string> {"PATH=/bin", "TERM=xterm"});
    CHECK(p.cwd == "/work");
    REQUIRE(p.capabilities);
    CHECK(p.capabilities->bounding == std::vector<std::string> {"CAP_KILL"});
    CHECK(p.capabilities->effective == std::vector<std::string> {"CAP_KILL", "CAP_CHOWN"});
    REQUIRE(p.capabilities->inheritable);
    CHECK(p.capabilities->inheritable->empty());
    CHECK(p.capabilities->permitted == std::vector<std::string> {"CAP_CHECKPOINT_RESTORE"});
    CHECK_FALSE(p.capabilities->ambient);
    REQUIRE(p.rlimits.size() == 1);
    CHECK(p.rlimits[0].type == "RLIMIT_NOFILE");
    CHECK(p.rlimits[0].hard == 1024);
    CHECK(p.rlimits[0].soft == 512);
    CHECK(p.noNewPrivileges);
    CHECK(p.apparmorProfile == "profile");
    CHECK(p.oomScoreAdj == -17);
    REQUIRE(p.scheduler);
    CHECK(p.scheduler->policy == "SCHED_FIFO");
    CHECK(p.scheduler->priority == 10);
    CHECK(p.scheduler->flags == std::vector<std::string> {"SCHED_FLAG_RESET_ON_FORK"});
    CHECK(p.selinuxLabel == "system_u:system_r:svirt_lxc_net_t:s0");
    REQUIRE(p.ioPriority);
    CHECK(p.ioPriority->class_ == "IOPRIO_CLASS_BE");
    CHECK(p.ioPriority->priority == 4);
    REQUIRE(p.execCPUAffinity);
    CHECK(p.execCPUAffinity->initial == "0");
    CHECK(p.execCPUAffinity->final == "0-3,7");

    REQUIRE(s.mounts.size() == 2);
    CHECK(s.mounts[0].destination == "/proc");
    CHECK(s.mounts[0].type == "proc");
    CHECK(s.mounts[0].source == "proc");
    CHECK(s.mounts[0].options.empty());
    CHECK(s.mounts[1].options == std::vector<std::string> {"rbind", "idmap"});
    REQUIRE(s.mounts[1].uidMappings.size() == 1);
    CHECK(s.mounts[1].uidMappings[0].hostID == 100000);
    CHECK(s.mounts[1].gidMappings[0].hostID == 200000);
    CHECK(s.mounts[1].gidMappings[0].size == 65536);

    REQUIRE(s.hooks);
    REQUIRE(s.hooks->prestart.size() == 1);
    CHECK(s.hooks->prestart[0].path == "/bin/pre");
    CHECK(s.hooks->prestart[0].args == std::vector<std::string> {"pre", "x"});
    CHECK(s.hooks->prestart[0].env == std::vector<std::string> {"A=1"});
    CHECK(s.hooks->prestart[0].timeout == 5);
    CHECK(s.hooks->createRuntime.at(0).path == "/bin/cr");
    CHECK(s.hooks->createContainer.at(0).path == "/bin/cc");
    CHECK(s.hooks->startContainer.at(0).path == "/bin/sc");
    CHECK(s.hooks->poststart.at(0).path == "/bin/ps");
    CHECK(s.hooks->poststop.at(0).path == "/bin/pst");
    CHECK_FALSE(s.hooks->poststop.at(0).timeout);

    REQUIRE(s.linux);
    const Linux& l = *s.linux;
    REQUIRE(l.uidMappings.size() == 1);
    CHECK(l.uidMappings[0].containerID == 0);
    CHECK(l.uidMappings[0].hostID == 1000);
    CHECK(l.uidMappings[0].size == 32000);
    CHECK(l.gidMappings.at(0).hostID == 2000);
    CHECK(l.sysctl.at("net.ipv4.ip_forward") == "1");
    CHECK(l.cgroupsPath == "/myRuntime/myContainer");
    REQUIRE(l.namespaces.size() == 8);
    CHECK(l.namespaces[0].type == NamespaceType::Pid);
    CHECK(l.namespaces[1].type == NamespaceType::Network);
    CHECK(l.namespaces[1].path == "/var/run/netns/n");
    CHECK(l.namespaces[7].type == NamespaceType::Time);
    REQUIRE(l.devices.size() == 1);
    CHECK(l.devices[0].path == "/dev/fuse");
    CHECK(l.devices[0].type == "c");
    CHECK(l.devices[0].major == 10);
    CHECK(l.devices[0].minor == 229);
    CHECK(l.devices[0].fileMode == 438u);
    CHECK(l.devices[0].uid == 0u);
    CHECK(l.devices[0].gid == 0u);
    CHECK(l.netDevices.at("eth1").name == "ctr1");
    CHECK(l.rootfsPropagation == "rslave");
    CHECK(l.maskedPaths == std::vector<std::string> {"/proc/kcore"});
    CHECK(l.readonlyPaths == std::vector<std::string> {"/proc/sys"});
    CHECK(l.mountLabel == "system_u:object_r:svirt_sandbox_file_t:s0");
    REQUIRE(l.intelRdt);
    CHECK(l.intelRdt->closID == "guaranteed");
    CHECK(l.intelRdt->schemata == std::vector<std::string> {"L2:0=ff"});
    CHECK(l.intelRdt->l3CacheSchema == "L3:0=7f0");
    CHECK(l.intelRdt->memBwSchema == "MB:0=20");
    CHECK(l.intelRdt->enableMonitoring);
    REQUIRE(l.memoryPolicy);
    CHECK(l.memoryPolicy->mode == "MPOL_INTERLEAVE");
    CHECK(l.memoryPolicy->nodes == "0-3");
    CHECK(l.memoryPolicy->flags == std::vector<std::string> {"MPOL_F_STATIC_NODES"});
    REQUIRE(l.personality);
    CHECK(l.personality->domain == "LINUX32");
    CHECK(l.timeOffsets.at("monotonic").secs == 172800);
    CHECK(l.timeOffsets.at("boottime").secs == -10);
    CHECK(l.timeOffsets.at("boottime").nanosecs == 5);

    REQUIRE(l.seccomp);
    const Seccomp& sc = *l.seccomp;
    CHECK(sc.defaultAction == "SCMP_ACT_ERRNO");
    CHECK(sc.defaultErrnoRet == 1u);
    CHECK(sc.architectures == std::vector<std::string> {"SCMP_ARCH_X86_64", "SCMP_ARCH_X86"});
    CHECK(sc.flags == std::vector<std::string> {"SECCOMP_FILTER_FLAG_LOG"});
    CHECK(sc.listenerPath == "/run/agent.sock");
    CHECK(sc.listenerMetadata == "meta");
    REQUIRE(sc.syscalls.size() == 2);
    CHECK(sc.syscalls[0].names == std::vector<std::string> {"getcwd", "chmod"});
    CHECK(sc.syscalls[0].action == "SCMP_ACT_ALLOW");
    CHECK_FALSE(sc.syscalls[0].errnoRet);
    CHECK(sc.syscalls[1].errnoRet == 38u);
    REQUIRE(sc.syscalls[1].args.size() == 1);
    CHECK(sc.syscalls[1].args[0].index == 0);
    CHECK(sc.syscalls[1].args[0].value == 8);
    CHECK(sc.syscalls[1].args[0].valueTwo == 3);
    CHECK(sc.syscalls[1].args[0].op == "SCMP_CMP_MASKED_EQ");

    REQUIRE(l.resources);
    const Resources& r = *l.resources;
    REQUIRE(r.devices.size() == 2);
    CHECK_FALSE(r.devices[0].allow);
    CHECK(r.devices[0].type.empty());
    CHECK_FALSE(r.devices[0].major);
    CHECK(r.devices[0].access == "rwm");
    CHECK(r.devices[1].allow);
    CHECK(r.devices[1].type == "c");
    CHECK(r.devices[1].major == 10);
    CHECK(r.devices[1].minor == 229);
    REQUIRE(r.memory);
    CHECK(r.memory->limit == 536870912);
    CHECK(r.memory->reservation == 1024);
    CHECK(r.memory->swap == 1073741824);
    CHECK(r.memory->kernel == -1);
    CHECK(r.memory->kernelTCP == 2048);
    CHECK(r.memory->swappiness == 0u);
    CHECK(r.memory->disableOOMKiller == true);
    CHECK(r.memory->useHierarchy == false);
    CHECK(r.memory->checkBeforeUpdate == true);
    REQUIRE(r.cpu);
    CHECK(r.cpu->shares == 1024u);
    CHECK(r.cpu->quota == 100000);
    CHECK(r.cpu->burst == 5000u);
    CHECK(r.cpu->period == 100000u);
    CHECK(r.cpu->realtimeRuntime == 950000);
    CHECK(r.cpu->realtimePeriod == 1000000u);
    CHECK(r.cpu->cpus == "0-1");
    CHECK(r.cpu->mems == "0");
    CHECK(r.cpu->idle == 1);
    REQUIRE(r.pids);
    CHECK(r.pids->limit == 32);
    REQUIRE(r.blockIO);
    CHECK(r.blockIO->weight == 100);
    CHECK(r.blockIO->leafWeight == 50);
    REQUIRE(r.blockIO->weightDevice.size() == 1);
    CHECK(r.blockIO->weightDevice[0].major == 8);
    CHECK(r.blockIO->weightDevice[0].weight == 500);
    CHECK(r.blockIO->weightDevice[0].leafWeight == 300);
    CHECK(r.blockIO->throttleReadBpsDevice.at(0).rate == 600);
    CHECK(r.blockIO->throttleWriteBpsDevice.at(0).minor == 1);
    CHECK(r.blockIO->throttleReadIOPSDevice.at(0).rate == 800);
    CHECK(r.blockIO->throttleWriteIOPSDevice.at(0).rate == 900);
    REQUIRE(r.hugepageLimits.size() == 1);
    CHECK(r.hugepageLimits[0].pageSize == "2MB");
    CHECK(r.hugepageLimits[0].limit == 209715200);
    REQUIRE(r.network);
    CHECK(r.network->classID == 1048577u);
    CHECK(r.network->priorities.at(0).name == "eth0");
    CHECK(r.network->priorities.at(0).priority == 500);
    CHECK(r.rdma.at("mlx5_1").hcaHandles == 3u);
    CHECK(r.rdma.at("mlx5_1").hcaObjects == 10000u);
    CHECK(r.unified.at("io.weight") == "default 100");
}

TEST_CASE("the full config survives to_json and parse_config unchanged")
{
    auto parsed = parse_config(full_config);
    REQUIRE(parsed.ok());
    auto again = parse_config(to_json(parsed.value()));
    REQUIRE_MESSAGE(again.ok(), (again.ok() ? "" : again.error().text()));
    CHECK(again.value() == parsed.value());
}

TEST_CASE("unknown fields, unknown annotations and null values are accepted")
{
    auto parsed = parse_config(R"({
        "ociVersion": "1.0.2-dev",
        "x-vendor": {"anything": [1, 2, 3]},
        "process": {"args": ["sh"], "cwd": "/", "user": {"uid": 0, "gid": 0}, "futureField": true,
                    "env": null},
        "root": {"path": "rootfs", "extra": 1},
        "annotations": {"org.example.unknown": "1", "bundle": "/b"},
        "windows": {"layerFolders": []},
        "linux": {"namespaces": [{"type": "mount", "unknown": "x"}], "somethingNew": {}}
    })");
    REQUIRE_MESSAGE(parsed.ok(), (parsed.ok() ? "" : parsed.error().text()));
    CHECK(parsed.value().annotations.at("org.example.unknown") == "1");
    CHECK(parsed.value().process->env.empty());
}

TEST_CASE("accepted ociVersion values")
{
    for (const char* v : {"1.0.0", "1.0.2-dev", "1.1.0-rc.1", "1.2.1", "1.3.0", "1.3.0+dev", "1.3.4"}) {
        CAPTURE(v);
        std::string json = std::string(R"({"ociVersion": ")") + v
            + R"(", "root": {"path": "r"}, "process": {"args": ["sh"], "cwd": "/"}})";
        auto parsed = parse_config(json);
        CHECK_MESSAGE(parsed.ok(), (parsed.ok() ? "" : parsed.error().text()));
    }
}
