// `features`: what this build of hull implements (runtime-spec features.md). It lists only
// what works: a field a config may use only when create honours it. Nothing goes to stderr,
// and it works as non-root without --root (CRI-O reads stdout and stderr together).
#include "hull/oci/features.hpp"
#include "container/verbs.hpp"
#include "hull/cgroups/host.hpp"
#include "hull/oci/known.hpp"
#include "hull/oci/mount_options.hpp"
#include "hull/oci/parse.hpp"
#include "hull/seccomp/seccomp.hpp"
#include "hull/seccomp/version.hpp"
#include "process/mempolicy.hpp"

#include <cstdio>

namespace hull::container {

oci::Features implemented_features()
{
    oci::Features f;
    f.ociVersionMin = std::string(oci::oci_version_min);
    f.ociVersionMax = std::string(oci::oci_version_max);
    f.mountOptions = oci::known_mount_options();
    oci::Features::Linux l;
    l.namespaces = {"cgroup", "ipc", "mount", "network", "pid", "time", "user", "uts"};
    l.capabilities = oci::known_capabilities();
    // cgroupfs on v1, hybrid and v2; the systemd driver's paths are mapped onto cgroupfs, with
    // no D-Bus unit, so systemd support is not claimed.
    l.cgroup = oci::Features::Cgroup {true, true, false, false, true};
    auto sc = seccomp::supported();
    l.seccomp = oci::Features::Seccomp {};
    l.seccomp->enabled = true;
    l.seccomp->actions = sc.actions;
    l.seccomp->operators = sc.operators;
    l.seccomp->archs = sc.archs;
    l.seccomp->knownFlags = sc.flags;
    l.seccomp->supportedFlags = sc.flags;
    l.memoryPolicy
        = oci::Features::MemoryPolicy {process::known_mempolicy_modes(), process::known_mempolicy_flags()};
    // What this runtime implements (features-linux.md), not what the host has: a profile the
    // host cannot apply is refused at create.
    l.apparmor = oci::Features::Enabled {true};
    l.selinux = oci::Features::Enabled {true};
    l.intelRdt = oci::Features::IntelRdt {false, {}, {}};
    l.mountExtensions = oci::Features::MountExtensions {oci::Features::Enabled {true}};
    l.netDevices = oci::Features::Enabled {true};
    f.linux = std::move(l);
    f.annotations["io.github.seccomp.libseccomp.version"] = seccomp::library_version();
    f.annotations["org.hull.version"] = HULL_VERSION;
    if (auto host = cgroups::detect_host(); host)
        f.annotations["org.hull.cgroup.layout"] = cgroups::to_string(host.value().layout);
    return f;
}

Result<int> features(const GlobalOptions&)
{
    TRY(print(oci::features_to_json(implemented_features())));
    return 0;
}

} // namespace hull::container
