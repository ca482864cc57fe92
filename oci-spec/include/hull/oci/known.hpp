// The enumerations of runtime-spec 1.3 that hull recognises, shared by validation, `features`
// and the modules that map names to kernel values.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace hull::oci {

// CAP_CHOWN .. CAP_CHECKPOINT_RESTORE, in kernel number order (the index is the cap number).
const std::vector<std::string>& known_capabilities();
// RLIMIT_AS .. RLIMIT_STACK, sorted.
const std::vector<std::string>& known_rlimits();
// Hook names in lifecycle order: prestart, createRuntime, createContainer, startContainer,
// poststart, poststop.
const std::vector<std::string>& known_hooks();
// "pid", "network", "mount", "ipc", "uts", "user", "cgroup", "time".
const std::vector<std::string>& known_namespaces();
// SCMP_ACT_*, SCMP_CMP_*, SCMP_ARCH_* and SECCOMP_FILTER_FLAG_* names of the spec.
const std::vector<std::string>& known_seccomp_actions();
const std::vector<std::string>& known_seccomp_operators();
const std::vector<std::string>& known_seccomp_archs();
const std::vector<std::string>& known_seccomp_flags();
// MPOL_* modes and MPOL_F_* flags of config-linux.md "Memory policy", sorted.
const std::vector<std::string>& known_memory_policy_modes();
const std::vector<std::string>& known_memory_policy_flags();

bool is_known(const std::vector<std::string>& list, std::string_view name);

} // namespace hull::oci
