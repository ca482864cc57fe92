// Private to seccomp/: the -ENOSYS stub prefixed to libseccomp's program (runc's patchbpf).
//
// libseccomp gives every syscall the profile does not name the default action, so with
// defaultAction SCMP_ACT_ERRNO a syscall newer than the profile fails with EPERM, and glibc,
// which falls back to an older syscall on ENOSYS only, breaks. The stub returns ENOSYS for
// syscall numbers above the highest one the profile names, per architecture, and jumps into
// libseccomp's program otherwise (that program reloads seccomp_data itself).
#pragma once

#include "hull/error.hpp"

#include <cstdint>
#include <linux/filter.h>
#include <optional>
#include <vector>

namespace hull::seccomp::detail {

struct EnosysArch {
    uint32_t audit_arch = 0; // AUDIT_ARCH_*, as the kernel fills seccomp_data.arch
    // Highest syscall number the profile names for the architecture's main ABI, if any.
    std::optional<uint32_t> max {};
    // AUDIT_ARCH_X86_64 only: the highest x32 number (bit 30 set), if SCMP_ARCH_X32 is used.
    std::optional<uint32_t> x32_max {};
    // s390/s390x: syscall 0 is how unknown large syscall numbers arrive; it gets ENOSYS too.
    bool s390_multiplex = false;
};

// The stub for these architectures (those without max nor x32_max are left out). An
// architecture not listed falls through to the filter (which applies its bad-arch action).
Result<std::vector<sock_filter>> enosys_stub(const std::vector<EnosysArch>& archs);

} // namespace hull::seccomp::detail
