// plan_v2 and runc's value conversions (opencontainers/cgroups fs2/*.go, utils.go).
#include "fscommon.hpp"
#include "hull/cgroups/plan.hpp"
#include "hull/text.hpp"

#include <cmath>
#include <string>

namespace hull::cgroups {

namespace {

// fs2 numToStr: 0 is "unset" (nothing written), -1 is "max".
std::string num_to_str(int64_t v)
{
    if (v == 0)
        return "";
    if (v == -1)
        return "max";
    return std::to_string(v);
}

std::string dev(int64_t major, int64_t minor)
{
    return std::to_string(major) + ":" + std::to_string(minor);
}

// Go's math.Log2: exact for powers of two.
double go_log2(double x)
{
    int exp = 0;
    double frac = std::frexp(x, &exp);
    if (frac == 0.5)
        return exp - 1;
    return std::log(frac) * (1 / M_LN2) + exp;
}

Result<void> plan_memory(const oci::Memory& m, const Current& cur, std::vector<Write>& w)
{
    int64_t limit = m.limit.value_or(0), reservation = m.reservation.value_or(0), swap = m.swap.value_or(0);
    if (limit == 0 && reservation == 0 && swap == 0)
        return ok();
    // checkBeforeUpdate: v2 OOM-kills instead of refusing a limit below usage (fs2 CheckMemoryUsage).
    if (m.checkBeforeUpdate.value_or(false) && cur.memory_usage && (limit > 0 || swap > 0)) {
        uint64_t usage = *cur.memory_usage;
        if (swap > 0 && static_cast<uint64_t>(swap) <= usage)
            return Error::message(
                "rejecting memory+swap limit " + std::to_string(swap) + " <= usage " + std::to_string(usage));
        if (limit > 0 && static_cast<uint64_t>(limit) <= usage)
            return Error::message(
                "rejecting memory limit " + std::to_string(limit) + " <= usage " + std::to_string(usage));
    }
    int64_t v2swap = TRY(memory_swap_to_v2(swap, limit));
    std::string s = num_to_str(v2swap);
    if (s.empty() && v2swap == 0 && swap > 0)
        s = "0"; // memory+swap equal to memory: no swap at all
    // Without swap accounting the file is missing: "max" and "0" are then what we have anyway.
    if (!s.empty())
        w.push_back({"memory", "memory.swap.max", s, (s == "max" || s == "0") ? Write::IgnoreMissing : 0u});
    if (auto v = num_to_str(limit); !v.empty())
        w.push_back({"memory", "memory.max", v});
    if (auto v = num_to_str(reservation); !v.empty())
        w.push_back({"memory", "memory.low", v});
    return ok();
}

void plan_io(const oci::BlockIo& b, const Current& cur, std::vector<Write>& w)
{
    uint16_t weight = b.weight.value_or(0);
    if (weight != 0) {
        if (cur.bfq != Bfq::Absent)
            w.push_back({"io", "io.bfq.weight", std::to_string(weight)});
        else
            w.push_back({"io", "io.weight", std::to_string(blkio_weight_to_io_weight(weight))});
    }
    // Per-device weights exist only with BFQ from Linux 5.4; runc drops them otherwise.
    if (cur.bfq == Bfq::PerDevice)
        for (const auto& d : b.weightDevice)
            w.push_back({"io", "io.bfq.weight",
                dev(d.major, d.minor) + " " + std::to_string(d.weight.value_or(0)) + "\n"});
    auto throttle = [&](const std::vector<oci::ThrottleDevice>& list, const char* key) {
        for (const auto& t : list)
            w.push_back({"io", "io.max", dev(t.major, t.minor) + " " + key + "=" + std::to_string(t.rate)});
    };
    throttle(b.throttleReadBpsDevice, "rbps");
    throttle(b.throttleWriteBpsDevice, "wbps");
    throttle(b.throttleReadIOPSDevice, "riops");
    throttle(b.throttleWriteIOPSDevice, "wiops");
}

Result<void> plan_cpu(const oci::Cpu& c, const Current& cur, std::vector<Write>& w)
{
    if (c.realtimeRuntime.value_or(0) != 0 || c.realtimePeriod.value_or(0) != 0)
        return Error::message("cpu.realtimeRuntime and cpu.realtimePeriod are not supported on cgroup v2 "
                              "(no real-time group scheduling there)");
    uint64_t weight = cpu_shares_to_weight(c.shares.value_or(0));
    int64_t quota = c.quota.value_or(0);
    uint64_t period = c.period.value_or(0);
    if (c.idle)
        w.push_back({"cpu", "cpu.idle", std::to_string(*c.idle)});
    if (weight != 0)
        w.push_back({"cpu", "cpu.weight", std::to_string(weight)});
    if (c.burst)
        w.push_back(
            {"cpu", "cpu.max.burst", std::to_string(*c.burst), quota != 0 ? Write::RetryOnEinval : 0u});
    if (quota == 0 && period == 0)
        return ok();
    std::string q = quota > 0 ? std::to_string(quota) : "max";
    // One of quota and period given: the other keeps its present value (runc update.go; on
    // create that is the kernel default "max 100000", fs2's own default).
    if (cur.cpu_max && (quota == 0 || period == 0)) {
        std::string_view text = trim(*cur.cpu_max);
        size_t space = text.find(' ');
        uint64_t old_period = 0;
        if (space != std::string_view::npos && detail::parse_uint(text.substr(space + 1), old_period)) {
            if (quota == 0)
                q = std::string(text.substr(0, space));
            if (period == 0)
                period = old_period;
        }
    }
    if (period == 0)
        period = 100000;
    w.push_back({"cpu", "cpu.max", q + " " + std::to_string(period)});
    return ok();
}

Result<void> plan_unified(
    const std::map<std::string, std::string>& unified, const Current& cur, std::vector<Write>& w)
{
    for (const auto& [key, value] : unified) {
        if (key.find('/') != std::string::npos)
            return Error::message("unified resource " + go_quote(key) + " must be a file name (no slashes)");
        size_t dot = key.find('.');
        if (dot == std::string::npos || dot == 0 || key == "..")
            return Error::message(
                "unified resource " + go_quote(key) + " must be in the form CONTROLLER.PARAMETER");
        std::string controller = key.substr(0, dot);
        if (controller != "cgroup" && cur.controllers && !cur.controllers->count(controller))
            return Error::message("unified resource " + go_quote(key) + " can't be set: controller "
                + go_quote(controller) + " not available");
        w.push_back({controller, key, value, Write::ByLine});
    }
    return ok();
}

} // namespace

uint64_t cpu_shares_to_weight(uint64_t shares)
{
    if (shares == 0)
        return 0;
    if (shares <= 2)
        return 1;
    if (shares >= 262144)
        return 10000;
    double l = go_log2(static_cast<double>(shares));
    double exponent = (l * l + 125 * l) / 612.0 - 7.0 / 34.0;
    return static_cast<uint64_t>(std::ceil(std::pow(10, exponent)));
}

uint64_t blkio_weight_to_io_weight(uint16_t weight)
{
    if (weight == 0)
        return 0;
    return 1 + (static_cast<uint64_t>(weight) - 10) * 9999 / 990;
}

Result<int64_t> memory_swap_to_v2(int64_t swap, int64_t memory)
{
    if (memory == -1 && swap == 0)
        return int64_t {-1}; // both unlimited, as v1 did
    if (swap == -1 || swap == 0)
        return swap;
    if (memory == -1)
        return swap;
    if (memory == 0)
        return Error::message("unable to set swap limit without memory limit");
    if (memory < 0)
        return Error::message("invalid memory value: " + std::to_string(memory));
    if (swap < memory)
        return Error::message("memory+swap limit should be >= memory limit");
    return swap - memory;
}

bool needs_domain_controller(const oci::Resources& r)
{
    bool memory = r.memory
        && (r.memory->limit.value_or(0) != 0 || r.memory->reservation.value_or(0) != 0
            || r.memory->swap.value_or(0) != 0);
    bool io = r.blockIO
        && (r.blockIO->weight.value_or(0) != 0 || !r.blockIO->weightDevice.empty()
            || !r.blockIO->throttleReadBpsDevice.empty() || !r.blockIO->throttleWriteBpsDevice.empty()
            || !r.blockIO->throttleReadIOPSDevice.empty() || !r.blockIO->throttleWriteIOPSDevice.empty());
    bool cpu = r.cpu
        && (r.cpu->shares.value_or(0) != 0 || r.cpu->quota.value_or(0) != 0 || r.cpu->period.value_or(0) != 0
            || r.cpu->idle || r.cpu->burst);
    return memory || io || cpu || !r.hugepageLimits.empty();
}

Result<std::vector<Write>> plan_v2(const oci::Resources& r, const Current& cur)
{
    std::vector<Write> w;
    if (r.pids && r.pids->limit) {
        int64_t limit = *r.pids->limit;
        // 0 is a real limit; systemd cannot express it, so runc writes 1 on both drivers.
        w.push_back({"pids", "pids.max", limit > 0 ? std::to_string(limit) : limit == 0 ? "1" : "max"});
    }
    if (r.memory)
        TRY(plan_memory(*r.memory, cur, w));
    if (r.blockIO)
        plan_io(*r.blockIO, cur, w);
    if (r.cpu)
        TRY(plan_cpu(*r.cpu, cur, w));
    if (r.cpu && !r.cpu->cpus.empty())
        w.push_back({"cpuset", "cpuset.cpus", r.cpu->cpus});
    if (r.cpu && !r.cpu->mems.empty())
        w.push_back({"cpuset", "cpuset.mems", r.cpu->mems});
    for (const auto& h : r.hugepageLimits) {
        std::string prefix = "hugetlb." + h.pageSize;
        w.push_back({"hugetlb", prefix + ".max", std::to_string(h.limit)});
        // Reservation accounting exists from Linux 5.7.
        w.push_back({"hugetlb", prefix + ".rsvd.max", std::to_string(h.limit), Write::IgnoreMissing});
    }
    for (const auto& [device, limits] : r.rdma) {
        std::string line = device;
        if (limits.hcaHandles)
            line += " hca_handle=" + std::to_string(*limits.hcaHandles);
        if (limits.hcaObjects)
            line += " hca_object=" + std::to_string(*limits.hcaObjects);
        w.push_back({"rdma", "rdma.max", line});
    }
    TRY(plan_unified(r.unified, cur, w));
    return w;
}

} // namespace hull::cgroups
