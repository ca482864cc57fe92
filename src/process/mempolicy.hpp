// config-linux.md "Memory policy": the NUMA memory policy of the container process, set with
// set_mempolicy(2) in the container init just before execve, so the policy is inherited by the
// container's program and everything it forks (runc does the same in its init).
//
// plan_mempolicy is pure: it turns the spec's strings into the numbers of the system call and
// rejects, with the JSON path of the field, what the kernel would reject in any version:
//   - mode: MPOL_DEFAULT, MPOL_PREFERRED, MPOL_BIND, MPOL_INTERLEAVE, MPOL_LOCAL,
//     MPOL_PREFERRED_MANY, MPOL_WEIGHTED_INTERLEAVE (a kernel too old for the last two fails at
//     apply time with EINVAL);
//   - flags: MPOL_F_NUMA_BALANCING, MPOL_F_RELATIVE_NODES, MPOL_F_STATIC_NODES (repeats are
//     harmless and OR'ed, as runc does);
//   - nodes: "" (no nodes) or a list like "0-3,7": decimal nodes or inclusive ranges, blanks
//     allowed around items, no empty items (the cpu-list syntax of process/attributes.hpp and of
//     the oci-spec validator; runc also skips empty items); an all-blank list is an error, as in
//     runc; node numbers above max_memory_node are rejected before a mask is allocated;
//   - MPOL_DEFAULT and MPOL_LOCAL take no nodes; MPOL_BIND, MPOL_INTERLEAVE, MPOL_PREFERRED_MANY and
//     MPOL_WEIGHTED_INTERLEAVE need at least one; MPOL_PREFERRED takes zero (local allocation) or
//     more (runc's validator has the same three groups);
//   - MPOL_F_STATIC_NODES and MPOL_F_RELATIVE_NODES exclude each other and need a node list;
//     MPOL_F_NUMA_BALANCING is only accepted with MPOL_BIND or MPOL_PREFERRED_MANY (mm/mempolicy.c:
//     sanitize_mpol_flags and mpol_new).
// Whether the nodes exist and have memory is the kernel's to say, at apply time.
#pragma once

#include "hull/error.hpp"
#include "hull/oci/spec.hpp"

#include <string>
#include <vector>

namespace hull::process {

// Mode numbers and flag bits of include/uapi/linux/mempolicy.h, spelled out because the
// distribution's headers predate MPOL_WEIGHTED_INTERLEAVE.
namespace mpol {
constexpr int mode_default = 0;
constexpr int mode_preferred = 1;
constexpr int mode_bind = 2;
constexpr int mode_interleave = 3;
constexpr int mode_local = 4;
constexpr int mode_preferred_many = 5;
constexpr int mode_weighted_interleave = 6;

constexpr int flag_numa_balancing = 1 << 13;
constexpr int flag_relative_nodes = 1 << 14;
constexpr int flag_static_nodes = 1 << 15;
} // namespace mpol

// The highest node number accepted in `nodes`. The kernel's own limit (MAX_NUMNODES) is at most
// 1024 on every architecture; this bound only keeps a bogus value from allocating a large mask.
constexpr unsigned max_memory_node = 4095;

struct MemPolicyPlan {
    int mode = mpol::mode_default; // MPOL_* number
    int flags = 0; // MPOL_F_* bits, OR'ed into the mode argument
    // Bit n of the mask (word n / bits-per-long, bit n % bits-per-long) is node n. Empty when the
    // spec gives no nodes; otherwise as many words as the highest node needs.
    std::vector<unsigned long> nodemask;
    // The maxnode argument: the number of mask bits plus one, because the kernel reads maxnode - 1
    // bits (libnuma passes the same); 0 with an empty mask.
    unsigned long maxnode = 0;
    // The spec's spelling, for error messages.
    std::string mode_name;
    std::string nodes;

    bool operator==(const MemPolicyPlan&) const = default;
};

// Validates and converts linux.memoryPolicy; errors read
// `config.json: /linux/memoryPolicy/mode: unknown mode "X"`.
// The mode and flag names plan_mempolicy accepts (for `hull features`).
std::vector<std::string> known_mempolicy_modes();
std::vector<std::string> known_mempolicy_flags();

Result<MemPolicyPlan> plan_mempolicy(const oci::MemoryPolicy& policy);

// set_mempolicy(2) for the calling thread (the container init, single-threaded, before execve).
Result<void> apply_mempolicy(const MemPolicyPlan& plan);

} // namespace hull::process
