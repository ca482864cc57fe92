// The spec `hull spec` writes: runc's example spec (libcontainer/specconv/example.go) with
// hull's name, and its rootless variant (runc's ToRootless).
#include "hull/oci/parse.hpp"

#include <unistd.h>

namespace hull::oci {

Spec default_spec()
{
    const std::vector<std::string> caps {"CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"};
    Spec spec;
    spec.ociVersion = std::string(oci_version);

    Process process;
    process.terminal = true;
    process.args = {"sh"};
    process.env = {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm"};
    process.cwd = "/";
    process.capabilities = Capabilities {.bounding = caps, .effective = caps, .permitted = caps};
    process.rlimits = {Rlimit {.type = "RLIMIT_NOFILE", .hard = 1024, .soft = 1024}};
    process.noNewPrivileges = true;
    spec.process = std::move(process);

    spec.root = Root {.path = "rootfs", .readonly = true};
    spec.hostname = "hull";
    spec.mounts = {
        Mount {.destination = "/proc", .type = "proc", .source = "proc"},
        Mount {.destination = "/dev",
            .type = "tmpfs",
            .source = "tmpfs",
            .options = {"nosuid", "strictatime", "mode=755", "size=65536k"}},
        Mount {.destination = "/dev/pts",
            .type = "devpts",
            .source = "devpts",
            .options = {"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"}},
        Mount {.destination = "/dev/shm",
            .type = "tmpfs",
            .source = "shm",
            .options = {"nosuid", "noexec", "nodev", "mode=1777", "size=65536k"}},
        Mount {.destination = "/dev/mqueue",
            .type = "mqueue",
            .source = "mqueue",
            .options = {"nosuid", "noexec", "nodev"}},
        Mount {.destination = "/sys",
            .type = "sysfs",
            .source = "sysfs",
            .options = {"nosuid", "noexec", "nodev", "ro"}},
        Mount {.destination = "/sys/fs/cgroup",
            .type = "cgroup",
            .source = "cgroup",
            .options = {"nosuid", "noexec", "nodev", "relatime", "ro"}},
    };

    Linux linux;
    linux.maskedPaths = {"/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
        "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware", "/proc/scsi"};
    linux.readonlyPaths = {"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"};
    linux.resources = Resources {.devices = {DeviceCgroup {.allow = false, .access = "rwm"}}};
    // `hull spec` drops the cgroup namespace on hosts that are not pure cgroup v2, as runc does.
    linux.namespaces = {
        Namespace {.type = NamespaceType::Pid},
        Namespace {.type = NamespaceType::Network},
        Namespace {.type = NamespaceType::Ipc},
        Namespace {.type = NamespaceType::Uts},
        Namespace {.type = NamespaceType::Mount},
        Namespace {.type = NamespaceType::Cgroup},
    };
    spec.linux = std::move(linux);
    return spec;
}

Spec rootless_spec(uint32_t host_uid, uint32_t host_gid)
{
    Spec spec = default_spec();
    Linux& linux = *spec.linux;

    std::vector<Namespace> namespaces;
    for (const Namespace& ns : linux.namespaces)
        if (ns.type != NamespaceType::Network && ns.type != NamespaceType::User)
            namespaces.push_back(ns);
    namespaces.push_back(Namespace {.type = NamespaceType::User});
    linux.namespaces = std::move(namespaces);
    linux.uidMappings = {IdMapping {.containerID = 0, .hostID = host_uid, .size = 1}};
    linux.gidMappings = {IdMapping {.containerID = 0, .hostID = host_gid, .size = 1}};

    // A new sysfs cannot be mounted without a network namespace owned by the user namespace,
    // so /sys becomes a read-only recursive bind; uid=/gid= options would name unmapped ids.
    for (Mount& m : spec.mounts) {
        if (m.destination == "/sys") {
            m = Mount {.destination = "/sys",
                .type = "none",
                .source = "/sys",
                .options = {"rbind", "nosuid", "noexec", "nodev", "ro"}};
            continue;
        }
        std::vector<std::string> options;
        for (const std::string& o : m.options)
            if (o.rfind("uid=", 0) != 0 && o.rfind("gid=", 0) != 0)
                options.push_back(o);
        m.options = std::move(options);
    }
    linux.resources.reset();
    return spec;
}

Spec rootless_spec()
{
    return rootless_spec(geteuid(), getegid());
}

} // namespace hull::oci
