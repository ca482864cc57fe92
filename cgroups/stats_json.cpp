// Stats -> runc's types.Stats JSON (encoding/json: struct field order, omitempty/omitzero).
#include "hull/cgroups/stats.hpp"

#include <cmath>
#include <nlohmann/json.hpp>

namespace hull::cgroups {

namespace {

using Json = nlohmann::ordered_json;

// Go prints a float64 that holds an integer without a fraction ("0", not "0.0").
Json number(double v)
{
    if (std::isfinite(v) && v == std::floor(v) && std::fabs(v) < 9.0e15)
        return static_cast<int64_t>(v);
    return v;
}

bool zero(const PsiData& d)
{
    return d.avg10 == 0 && d.avg60 == 0 && d.avg300 == 0 && d.total == 0;
}

void put_psi(Json& j, const std::optional<PsiStats>& psi)
{
    if (!psi)
        return;
    Json p = Json::object();
    for (auto [name, d] : {std::pair {"some", &psi->some}, std::pair {"full", &psi->full}}) {
        if (zero(*d))
            continue;
        p[name] = Json {{"avg10", number(d->avg10)}, {"avg60", number(d->avg60)},
            {"avg300", number(d->avg300)}, {"total", d->total}};
    }
    j["psi"] = std::move(p);
}

template <typename T> void put_nonzero(Json& j, const char* key, T v)
{
    if (v != 0)
        j[key] = v;
}

template <typename T> void put_nonempty(Json& j, const char* key, const std::vector<T>& v)
{
    if (!v.empty())
        j[key] = v;
}

Json cpu(const Stats::Cpu& c)
{
    Json j = Json::object();
    if (c.total || c.kernel || c.user || !c.percpu.empty() || !c.percpu_kernel.empty()
        || !c.percpu_user.empty()) {
        Json u = Json::object();
        put_nonzero(u, "total", c.total);
        put_nonempty(u, "percpu", c.percpu);
        put_nonempty(u, "percpu_kernel", c.percpu_kernel);
        put_nonempty(u, "percpu_user", c.percpu_user);
        u["kernel"] = c.kernel;
        u["user"] = c.user;
        j["usage"] = std::move(u);
    }
    if (c.periods || c.throttled_periods || c.throttled_time) {
        Json t = Json::object();
        put_nonzero(t, "periods", c.periods);
        put_nonzero(t, "throttledPeriods", c.throttled_periods);
        put_nonzero(t, "throttledTime", c.throttled_time);
        j["throttling"] = std::move(t);
    }
    put_psi(j, c.psi);
    return j;
}

Json cpuset(const Stats::Cpuset& c)
{
    Json j = Json::object();
    put_nonempty(j, "cpus", c.cpus);
    j["cpu_exclusive"] = c.cpu_exclusive;
    put_nonempty(j, "mems", c.mems);
    j["mem_hardwall"] = c.mem_hardwall;
    j["mem_exclusive"] = c.mem_exclusive;
    j["memory_migrate"] = c.memory_migrate;
    j["memory_spread_page"] = c.memory_spread_page;
    j["memory_spread_slab"] = c.memory_spread_slab;
    j["memory_pressure"] = c.memory_pressure;
    j["sched_load_balance"] = c.sched_load_balance;
    j["sched_relax_domain_level"] = c.sched_relax_domain_level;
    return j;
}

void put_entry(Json& j, const char* key, const MemoryEntry& e)
{
    if (!e.limit && !e.usage && !e.max && !e.failcnt)
        return;
    Json m = Json::object();
    m["limit"] = e.limit;
    put_nonzero(m, "usage", e.usage);
    put_nonzero(m, "max", e.max);
    m["failcnt"] = e.failcnt;
    j[key] = std::move(m);
}

Json memory(const Stats::Memory& m)
{
    Json j = Json::object();
    put_nonzero(j, "cache", m.cache);
    put_entry(j, "usage", m.usage);
    put_entry(j, "swap", m.swap);
    put_entry(j, "kernel", m.kernel);
    put_entry(j, "kernelTCP", m.kernel_tcp);
    if (!m.raw.empty()) {
        Json raw = Json::object();
        for (const auto& [k, v] : m.raw)
            raw[k] = v;
        j["raw"] = std::move(raw);
    }
    put_psi(j, m.psi);
    return j;
}

Json blkio(const Stats::Blkio& b)
{
    Json j = Json::object();
    auto table = [&](const char* key, const std::vector<BlkioEntry>& list) {
        if (list.empty())
            return;
        Json a = Json::array();
        for (const auto& e : list) {
            Json o = Json::object();
            put_nonzero(o, "major", e.major);
            put_nonzero(o, "minor", e.minor);
            if (!e.op.empty())
                o["op"] = e.op;
            put_nonzero(o, "value", e.value);
            a.push_back(std::move(o));
        }
        j[key] = std::move(a);
    };
    table("ioServiceBytesRecursive", b.service_bytes);
    table("ioServicedRecursive", b.serviced);
    table("ioQueueRecursive", b.queued);
    table("ioServiceTimeRecursive", b.service_time);
    table("ioWaitTimeRecursive", b.wait_time);
    table("ioMergedRecursive", b.merged);
    table("ioTimeRecursive", b.time);
    table("sectorsRecursive", b.sectors);
    put_psi(j, b.psi);
    return j;
}

} // namespace

std::string stats_to_json(const Stats& s)
{
    Json j = Json::object();
    j["cpu"] = cpu(s.cpu);
    j["cpuset"] = cpuset(s.cpuset);
    j["memory"] = memory(s.memory);
    Json pids = Json::object();
    put_nonzero(pids, "current", s.pids.current);
    put_nonzero(pids, "limit", s.pids.limit);
    j["pids"] = std::move(pids);
    j["blkio"] = blkio(s.blkio);
    Json huge = Json::object();
    for (const auto& [size, e] : s.hugetlb) {
        Json h = Json::object();
        put_nonzero(h, "usage", e.usage);
        put_nonzero(h, "max", e.max);
        h["failcnt"] = e.failcnt;
        huge[size] = std::move(h);
    }
    j["hugetlb"] = std::move(huge);
    j["intel_rdt"] = Json::object();
    j["network_interfaces"] = nullptr;
    return j.dump();
}

} // namespace hull::cgroups
