// Resource usage of a container's cgroup, for `events --stats` (cli-contract.md §4.4): runc's
// types.Stats, filled as runc's fs (v1) and fs2 (v2) managers fill it.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace hull::cgroups {

struct PsiData {
    double avg10 = 0, avg60 = 0, avg300 = 0;
    uint64_t total = 0;
};
struct PsiStats {
    PsiData some, full;
};

struct MemoryEntry {
    uint64_t limit = 0, usage = 0, max = 0, failcnt = 0;
};

struct BlkioEntry {
    uint64_t major = 0, minor = 0;
    std::string op;
    uint64_t value = 0;
};

struct HugetlbEntry {
    uint64_t usage = 0, max = 0, failcnt = 0;
};

struct Stats {
    struct Cpu {
        uint64_t total = 0, kernel = 0, user = 0; // nanoseconds
        std::vector<uint64_t> percpu, percpu_kernel, percpu_user;
        uint64_t periods = 0, throttled_periods = 0, throttled_time = 0;
        std::optional<PsiStats> psi;
    } cpu;
    struct Cpuset {
        std::vector<uint16_t> cpus, mems;
        uint64_t cpu_exclusive = 0, mem_hardwall = 0, mem_exclusive = 0, memory_migrate = 0;
        uint64_t memory_spread_page = 0, memory_spread_slab = 0, memory_pressure = 0, sched_load_balance = 0;
        int64_t sched_relax_domain_level = 0;
    } cpuset;
    struct Memory {
        uint64_t cache = 0;
        MemoryEntry usage, swap, kernel, kernel_tcp; // swap is memory+swap, as v1 reports it
        std::map<std::string, uint64_t> raw; // memory.stat
        std::optional<PsiStats> psi;
    } memory;
    struct Pids {
        uint64_t current = 0, limit = 0; // limit 0: none
    } pids;
    struct Blkio {
        std::vector<BlkioEntry> service_bytes, serviced, queued, service_time, wait_time, merged, time,
            sectors;
        std::optional<PsiStats> psi;
    } blkio;
    std::map<std::string, HugetlbEntry> hugetlb; // keyed by page size, "2MB"
};

// The `data` object of a stats event, one line: runc's field names, order and omitempty rules
// ("ioQueueRecursive", capitalised network keys, "intel_rdt":{} and "network_interfaces":null).
std::string stats_to_json(const Stats& stats);

// The kernel's huge page sizes in cgroup file names ("2MB", "1GB"), from /sys/kernel/mm/hugepages.
std::vector<std::string> hugepage_sizes();
// "hugepages-2048kB" -> "2MB"; empty for a name that is not a huge page directory.
std::string hugepage_size_name(const std::string& dir_name);

} // namespace hull::cgroups
