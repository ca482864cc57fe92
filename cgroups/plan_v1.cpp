// plan_v1: runc's cgroup v1 writes (opencontainers/cgroups fs/*.go).
#include "hull/cgroups/plan.hpp"

#include <limits>
#include <string>

namespace hull::cgroups {

namespace {

std::string dev(int64_t major, int64_t minor)
{
    return std::to_string(major) + ":" + std::to_string(minor);
}

Result<void> plan_memory(const oci::Memory& m, const Current& cur, std::vector<Write>& w)
{
    int64_t limit = m.limit.value_or(0), swap = m.swap.value_or(0);
    // An unlimited memory with no swap given makes swap unlimited too, when it is accounted.
    if (limit == -1 && swap == 0 && cur.memsw)
        swap = -1;
    Write lim {"memory", "memory.limit_in_bytes", std::to_string(limit), Write::MemoryLimit};
    Write sw {"memory", "memory.memsw.limit_in_bytes", std::to_string(swap)};
    // The kernel wants memory <= memory+swap at every step: raise memsw first when it grows.
    bool swap_first = limit != 0 && swap != 0
        && (swap == -1 || cur.memory_limit.value_or(0) < static_cast<uint64_t>(swap));
    if (swap_first) {
        w.push_back(sw);
        w.push_back(lim);
    } else {
        if (limit != 0)
            w.push_back(lim);
        if (swap != 0)
            w.push_back(sw);
    }
    // kernel and kernelTCP are ignored, as runc ignores them ("will be removed").
    if (int64_t r = m.reservation.value_or(0); r != 0)
        w.push_back({"memory", "memory.soft_limit_in_bytes", std::to_string(r)});
    if (m.disableOOMKiller.value_or(false))
        w.push_back({"memory", "memory.oom_control", "1"});
    if (m.swappiness && *m.swappiness != std::numeric_limits<uint64_t>::max()) {
        if (*m.swappiness > 100)
            return Error::message("invalid memory swappiness value: " + std::to_string(*m.swappiness)
                + " (valid range is 0-100)");
        w.push_back({"memory", "memory.swappiness", std::to_string(*m.swappiness)});
    }
    return ok();
}

void plan_cpu(const oci::Cpu& c, std::vector<Write>& w)
{
    int64_t quota = c.quota.value_or(0);
    if (uint64_t shares = c.shares.value_or(0); shares != 0)
        w.push_back({"cpu", "cpu.shares", std::to_string(shares), Write::VerifyShares});
    // A period or burst the kernel refuses before the new quota is in place is retried after it.
    if (uint64_t period = c.period.value_or(0); period != 0)
        w.push_back(
            {"cpu", "cpu.cfs_period_us", std::to_string(period), quota != 0 ? Write::RetryOnEinval : 0u});
    if (c.burst)
        w.push_back({"cpu", "cpu.cfs_burst_us", std::to_string(*c.burst),
            Write::IgnoreMissing | (quota != 0 ? Write::RetryOnEinval : 0u)});
    if (quota != 0)
        w.push_back({"cpu", "cpu.cfs_quota_us", std::to_string(quota)});
    if (c.idle)
        w.push_back({"cpu", "cpu.idle", std::to_string(*c.idle)});
    int64_t rt_runtime = c.realtimeRuntime.value_or(0);
    if (uint64_t rt_period = c.realtimePeriod.value_or(0); rt_period != 0)
        w.push_back({"cpu", "cpu.rt_period_us", std::to_string(rt_period),
            rt_runtime != 0 ? Write::RetryOnEinval : 0u});
    if (rt_runtime != 0)
        w.push_back({"cpu", "cpu.rt_runtime_us", std::to_string(rt_runtime)});
}

void plan_blkio(const oci::BlockIo& b, const Current& cur, std::vector<Write>& w)
{
    std::string weight_file = cur.blkio_weight ? "blkio.weight" : "blkio.bfq.weight";
    std::string weight_device_file = cur.blkio_weight ? "blkio.weight_device" : "blkio.bfq.weight_device";
    if (uint16_t weight = b.weight.value_or(0); weight != 0)
        w.push_back({"blkio", weight_file, std::to_string(weight)});
    if (uint16_t leaf = b.leafWeight.value_or(0); leaf != 0)
        w.push_back({"blkio", "blkio.leaf_weight", std::to_string(leaf)});
    for (const auto& d : b.weightDevice) {
        if (d.weight.value_or(0) != 0)
            w.push_back(
                {"blkio", weight_device_file, dev(d.major, d.minor) + " " + std::to_string(*d.weight)});
        if (d.leafWeight.value_or(0) != 0)
            w.push_back({"blkio", "blkio.leaf_weight_device",
                dev(d.major, d.minor) + " " + std::to_string(*d.leafWeight)});
    }
    auto throttle = [&](const std::vector<oci::ThrottleDevice>& list, const char* file) {
        for (const auto& t : list)
            w.push_back({"blkio", file, dev(t.major, t.minor) + " " + std::to_string(t.rate)});
    };
    throttle(b.throttleReadBpsDevice, "blkio.throttle.read_bps_device");
    throttle(b.throttleWriteBpsDevice, "blkio.throttle.write_bps_device");
    throttle(b.throttleReadIOPSDevice, "blkio.throttle.read_iops_device");
    throttle(b.throttleWriteIOPSDevice, "blkio.throttle.write_iops_device");
}

} // namespace

Result<std::vector<Write>> plan_v1(const oci::Resources& r, const Current& cur)
{
    if (!r.unified.empty())
        return Error::message("invalid configuration: cannot use unified on cgroup v1");
    std::vector<Write> w;
    std::string prefix = cur.cpuset_prefix ? "cpuset." : "";
    if (r.cpu && !r.cpu->cpus.empty())
        w.push_back({"cpuset", prefix + "cpus", r.cpu->cpus});
    if (r.cpu && !r.cpu->mems.empty())
        w.push_back({"cpuset", prefix + "mems", r.cpu->mems});
    if (r.memory)
        TRY(plan_memory(*r.memory, cur, w));
    if (r.cpu)
        plan_cpu(*r.cpu, w);
    if (r.pids && r.pids->limit) {
        int64_t limit = *r.pids->limit;
        w.push_back({"pids", "pids.max", limit > 0 ? std::to_string(limit) : limit == 0 ? "1" : "max"});
    }
    if (r.blockIO)
        plan_blkio(*r.blockIO, cur, w);
    for (const auto& h : r.hugepageLimits) {
        std::string file = "hugetlb." + h.pageSize;
        w.push_back({"hugetlb", file + ".limit_in_bytes", std::to_string(h.limit)});
        w.push_back(
            {"hugetlb", file + ".rsvd.limit_in_bytes", std::to_string(h.limit), Write::IgnoreMissing});
    }
    if (r.network && r.network->classID.value_or(0) != 0)
        w.push_back({"net_cls", "net_cls.classid", std::to_string(*r.network->classID)});
    if (r.network)
        for (const auto& p : r.network->priorities)
            w.push_back({"net_prio", "net_prio.ifpriomap", p.name + " " + std::to_string(p.priority)});
    for (const auto& [device, limits] : r.rdma) {
        std::string line = device;
        if (limits.hcaHandles)
            line += " hca_handle=" + std::to_string(*limits.hcaHandles);
        if (limits.hcaObjects)
            line += " hca_object=" + std::to_string(*limits.hcaObjects);
        w.push_back({"rdma", "rdma.max", line});
    }
    return w;
}

} // namespace hull::cgroups
