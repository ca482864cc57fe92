// The `hull features` document (runtime-spec features.md, features-linux.md). Which features
// hull actually has is decided by the CLI; this header only models and prints them.
#pragma once

// GCC predefines `linux` under -std=gnu++20; see spec.hpp.
#ifdef linux
#undef linux
#endif

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace hull::oci {

struct Features {
    struct Cgroup {
        std::optional<bool> v1 {}, v2 {}, systemd {}, systemdUser {}, rdma {};
    };
    struct Seccomp {
        std::optional<bool> enabled {};
        std::vector<std::string> actions {}, operators {}, archs {}, knownFlags {}, supportedFlags {};
    };
    struct Enabled {
        std::optional<bool> enabled {};
    };
    struct IntelRdt {
        std::optional<bool> enabled {}, schemata {}, monitoring {};
    };
    struct MemoryPolicy {
        std::vector<std::string> modes {}, flags {};
    };
    struct MountExtensions {
        std::optional<Enabled> idmap {};
    };
    struct Linux {
        std::vector<std::string> namespaces {};
        std::vector<std::string> capabilities {};
        std::optional<Cgroup> cgroup {};
        std::optional<Seccomp> seccomp {};
        std::optional<Enabled> apparmor {};
        std::optional<Enabled> selinux {};
        std::optional<IntelRdt> intelRdt {};
        std::optional<MemoryPolicy> memoryPolicy {};
        std::optional<MountExtensions> mountExtensions {};
        std::optional<Enabled> netDevices {};
    };

    std::string ociVersionMin {};
    std::string ociVersionMax {};
    std::vector<std::string> hooks {};
    std::vector<std::string> mountOptions {};
    std::optional<Linux> linux {};
    std::map<std::string, std::string> annotations {};
    std::vector<std::string> potentiallyUnsafeConfigAnnotations {};
};

// runc's `features` output: 4-space indent, keys in the Go struct order, unset members left
// out, annotations sorted, followed by a newline (Go's json.Encoder adds one).
std::string features_to_json(const Features& features);

} // namespace hull::oci
