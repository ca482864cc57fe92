// linux.resources turned into the cgroup file writes runc makes (pure: no I/O). The Manager
// reads the few current values a plan depends on into `Current`, then executes the writes in
// order. Devices are not here (devices.hpp): they are a program on v2 and a rule transition on v1.
//
// Zero means "unset" for every numeric field that runc stores as a plain integer (memory
// limit/reservation/swap, cpu shares/quota/period/realtime, blkio weights, net_cls classid):
// Docker sends cpu.shares 0 and blockIO.weight 0 for "not set". Optional fields that runc keeps
// as pointers (pids.limit, cpu.burst, cpu.idle, memory.swappiness) are written when present.
#pragma once

#include "hull/error.hpp"
#include "hull/oci/spec.hpp"

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace hull::cgroups {

struct Write {
    enum Flag : unsigned {
        IgnoreMissing = 1u << 0, // ENOENT is not an error (an optional knob of this kernel)
        RetryOnEinval = 1u << 1, // EINVAL: retry after the rest of the plan (period vs quota order)
        ByLine = 1u << 2, // one write(2) per line (unified values)
        VerifyShares = 1u << 3, // v1 cpu.shares: read back, the kernel clamps silently
        MemoryLimit = 1u << 4, // v1 memory.limit_in_bytes: EBUSY means "below current usage"
    };
    std::string
        controller {}; // v1 subsystem ("memory", "blkio"), v2 controller ("io"), "cgroup" for core files
    std::string file {};
    std::string value {};
    unsigned flags = 0;

    bool operator==(const Write&) const = default;
};

// io.bfq.weight on this cgroup: absent (no BFQ), a single default weight (BFQ before Linux 5.4),
// or "default N" plus per-device lines.
enum class Bfq { Absent, GlobalOnly, PerDevice };

// The present state a plan depends on. Only what the resources touch is read.
struct Current {
    // v2
    std::optional<std::string> cpu_max; // "max 100000": keeps the old quota or period on update
    std::optional<uint64_t> memory_usage; // memory.current, for memory.checkBeforeUpdate
    Bfq bfq = Bfq::Absent;
    std::optional<std::set<std::string>> controllers; // cgroup.controllers; unknown = unchecked
    // v1
    std::optional<uint64_t> memory_limit; // memory.limit_in_bytes: the memory/memsw write order
    bool memsw = true; // memory.memsw.limit_in_bytes exists (swap accounting)
    bool blkio_weight = true; // blkio.weight exists (else the BFQ names blkio.bfq.weight*)
    bool cpuset_prefix = true; // cpuset files carry the "cpuset." prefix (not a noprefix mount)
};

// runc's conversions (cgroups/utils.go).
// cpu.shares [2, 262144] -> cpu.weight [1, 10000], through a quadratic fit in log2 that maps
// 2 -> 1, 1024 -> 100, 262144 -> 10000; 0 stays 0 (unset).
uint64_t cpu_shares_to_weight(uint64_t shares);
// blkio.weight [10, 1000] -> io.weight [1, 10000]: 1 + (w - 10) * 9999 / 990; 0 stays 0.
uint64_t blkio_weight_to_io_weight(uint16_t weight);
// OCI memory.swap is memory+swap; memory.swap.max is swap alone. -1 is "max", 0 "unset".
Result<int64_t> memory_swap_to_v2(int64_t swap, int64_t memory);

// cgroup v2, in fs2's order: pids, memory, io, cpu, cpuset, hugetlb, rdma, unified.
// Ignored on v2 as runc does: memory.swappiness, kernel, kernelTCP, disableOOMKiller,
// useHierarchy, blockIO.leafWeight and network. Refused: cpu realtime values.
Result<std::vector<Write>> plan_v2(const oci::Resources& r, const Current& current);

// cgroup v1, in the fs manager's order: cpuset, memory, cpu, pids, blkio, hugetlb, net_cls,
// net_prio, rdma. Refused: `unified` ("cannot use unified on cgroup v1", as runc).
Result<std::vector<Write>> plan_v1(const oci::Resources& r, const Current& current);

// Whether plan_v2's writes need a domain controller (memory, io, cpu, hugetlb): a cgroup that
// is in threaded mode cannot take them (runc fs2 containsDomainController).
bool needs_domain_controller(const oci::Resources& r);

} // namespace hull::cgroups
