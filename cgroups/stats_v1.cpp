// cgroup v1 statistics (runc fs/*.go GetStats) and Manager::stats.
#include "fscommon.hpp"
#include "hull/cgroups/manager.hpp"
#include "hull/text.hpp"
#include "stats_internal.hpp"

#include <limits>

namespace hull::cgroups {

namespace detail {

namespace {

// "0-3,7" -> 0 1 2 3 7.
Result<std::vector<uint16_t>> cpu_list(std::string_view text, const std::string& what)
{
    std::vector<uint16_t> out;
    text = trim(text);
    if (text.empty())
        return Error::message("parse " + what + ": empty file");
    while (!text.empty()) {
        size_t comma = text.find(',');
        std::string_view item = text.substr(0, comma);
        text = comma == std::string_view::npos ? std::string_view {} : text.substr(comma + 1);
        size_t dash = item.find('-');
        uint64_t from = 0, to = 0;
        if (!parse_uint(item.substr(0, dash), from) || from > 0xffff
            || (dash != std::string_view::npos && (!parse_uint(item.substr(dash + 1), to) || to > 0xffff)))
            return Error::message("parse " + what + ": bad list item " + go_quote(item));
        if (dash == std::string_view::npos)
            to = from;
        if (from > to)
            return Error::message("parse " + what + ": invalid values, from > to");
        for (uint64_t i = from; i <= to; ++i)
            out.push_back(static_cast<uint16_t>(i));
    }
    return out;
}

// A value that may be missing on this kernel.
Result<void> optional_uint(int fd, const std::string& dir, const std::string& file, uint64_t& out)
{
    auto v = read_uint(fd, dir, file);
    if (v)
        out = v.value();
    else if (!missing(v.error()))
        return std::move(v).error();
    return ok();
}

// memory, memory.memsw, memory.kmem, memory.kmem.tcp (runc getMemoryData).
Result<void> memory_data(int fd, const std::string& dir, const std::string& name, MemoryEntry& e)
{
    std::string module = name.empty() ? "memory" : "memory." + name;
    auto usage = read_uint(fd, dir, module + ".usage_in_bytes");
    if (!usage) {
        if (!name.empty() && missing(usage.error()))
            return ok(); // swap and kmem accounting are optional
        return std::move(usage).error();
    }
    e.usage = usage.value();
    e.max = TRY(read_uint(fd, dir, module + ".max_usage_in_bytes"));
    e.failcnt = TRY(read_uint(fd, dir, module + ".failcnt"));
    auto limit = read_uint(fd, dir, module + ".limit_in_bytes");
    if (!limit) {
        if (name == "kmem" && missing(limit.error()))
            return ok(); // gone from newer kernels
        return std::move(limit).error();
    }
    e.limit = limit.value();
    return ok();
}

// blkio.* tables: "8:0 Read 1282048", "8:0 6792"; "Total N" lines skipped. Empty when missing.
Result<std::vector<BlkioEntry>> blkio_table(int fd, const std::string& dir, const std::string& file)
{
    std::vector<BlkioEntry> out;
    auto text = read_file(fd, dir, file);
    if (!text) {
        if (missing(text.error()))
            return out;
        return std::move(text).error();
    }
    std::string_view rest = text.value();
    while (!rest.empty()) {
        size_t nl = rest.find('\n');
        std::string line(trim(rest.substr(0, nl)));
        rest = nl == std::string_view::npos ? std::string_view {} : rest.substr(nl + 1);
        if (line.empty())
            continue;
        std::vector<std::string> f;
        std::string cur;
        for (char c : line + " ") {
            if (c == ' ' || c == ':') {
                if (!cur.empty())
                    f.push_back(cur);
                cur.clear();
            } else {
                cur += c;
            }
        }
        if (f.size() == 2 && f[0] == "Total")
            continue;
        BlkioEntry e;
        if (f.size() < 3 || !parse_uint(f[0], e.major) || !parse_uint(f[1], e.minor))
            return Error::message("parse " + join(dir, file) + ": malformed line " + go_quote(line));
        size_t value = 2;
        if (f.size() == 4) {
            e.op = f[2];
            value = 3;
        }
        if (!parse_uint(f[value], e.value))
            return Error::message("parse " + join(dir, file) + ": malformed line " + go_quote(line));
        out.push_back(std::move(e));
    }
    return out;
}

} // namespace

Result<void> cpuset_v1(int fd, const std::string& dir, Stats& st)
{
    std::string prefix = file_exists(fd, "cpuset.cpus") ? "cpuset." : "";
    auto& c = st.cpuset;
    for (auto [name, list] : {std::pair {"cpus", &c.cpus}, std::pair {"mems", &c.mems}}) {
        auto text = read_file(fd, dir, prefix + name);
        if (!text) {
            if (!missing(text.error()))
                return std::move(text).error();
            continue;
        }
        *list = TRY(cpu_list(text.value(), join(dir, prefix + name)));
    }
    TRY(optional_uint(fd, dir, prefix + "cpu_exclusive", c.cpu_exclusive));
    TRY(optional_uint(fd, dir, prefix + "mem_hardwall", c.mem_hardwall));
    TRY(optional_uint(fd, dir, prefix + "mem_exclusive", c.mem_exclusive));
    TRY(optional_uint(fd, dir, prefix + "memory_migrate", c.memory_migrate));
    TRY(optional_uint(fd, dir, prefix + "memory_spread_page", c.memory_spread_page));
    TRY(optional_uint(fd, dir, prefix + "memory_spread_slab", c.memory_spread_slab));
    TRY(optional_uint(fd, dir, prefix + "memory_pressure", c.memory_pressure));
    TRY(optional_uint(fd, dir, prefix + "sched_load_balance", c.sched_load_balance));
    auto level = read_file(fd, dir, prefix + "sched_relax_domain_level");
    if (level && !parse_int(trim(level.value()), c.sched_relax_domain_level))
        return Error::message("parse " + join(dir, prefix + "sched_relax_domain_level") + ": not a number");
    if (!level && !missing(level.error()))
        return std::move(level).error();
    return ok();
}

Result<void> memory_v1(int fd, const std::string& dir, Stats& st)
{
    auto stat = read_file(fd, dir, "memory.stat");
    if (!stat)
        return missing(stat.error()) ? ok() : Result<void>(std::move(stat).error());
    for (const auto& [k, v] : lines_kv(stat.value())) {
        uint64_t n = 0;
        if (!parse_uint(v, n))
            return Error::message("parse " + join(dir, "memory.stat") + ": bad value for " + k);
        st.memory.raw[k] = n;
    }
    st.memory.cache = st.memory.raw["cache"];
    TRY(memory_data(fd, dir, "", st.memory.usage));
    TRY(memory_data(fd, dir, "memsw", st.memory.swap));
    TRY(memory_data(fd, dir, "kmem", st.memory.kernel));
    TRY(memory_data(fd, dir, "kmem.tcp", st.memory.kernel_tcp));
    return ok();
}

Result<void> cpu_v1(int fd, const std::string& dir, Stats& st)
{
    auto text = read_file(fd, dir, "cpu.stat");
    if (!text)
        return missing(text.error()) ? ok() : Result<void>(std::move(text).error());
    for (const auto& [k, v] : lines_kv(text.value())) {
        uint64_t n = 0;
        if (!parse_uint(v, n))
            return Error::message("parse " + join(dir, "cpu.stat") + ": bad value for " + k);
        if (k == "nr_periods")
            st.cpu.periods = n;
        else if (k == "nr_throttled")
            st.cpu.throttled_periods = n;
        else if (k == "throttled_time")
            st.cpu.throttled_time = n;
    }
    return ok();
}

Result<void> cpuacct_v1(int fd, const std::string& dir, Stats& st)
{
    // cpuacct.stat is in USER_HZ ticks, 100 per second on Linux.
    auto stat = lines_kv(TRY(read_file(fd, dir, "cpuacct.stat")));
    uint64_t user = 0, system = 0;
    if (stat.size() < 2 || stat[0].first != "user" || stat[1].first != "system"
        || !parse_uint(stat[0].second, user) || !parse_uint(stat[1].second, system))
        return Error::message("parse " + join(dir, "cpuacct.stat") + ": malformed");
    st.cpu.user = user * 1000000000ull / 100;
    st.cpu.kernel = system * 1000000000ull / 100;
    st.cpu.total = TRY(read_uint(fd, dir, "cpuacct.usage"));
    std::string percpu_text = TRY(read_file(fd, dir, "cpuacct.usage_percpu"));
    std::string_view percpu = trim(percpu_text);
    while (!percpu.empty()) {
        size_t sp = percpu.find(' ');
        uint64_t n = 0;
        if (!parse_uint(percpu.substr(0, sp), n))
            return Error::message("parse " + join(dir, "cpuacct.usage_percpu") + ": not a number");
        st.cpu.percpu.push_back(n);
        percpu = sp == std::string_view::npos ? std::string_view {} : trim(percpu.substr(sp + 1));
    }
    auto all = read_file(fd, dir, "cpuacct.usage_all");
    if (!all)
        return missing(all.error()) ? ok() : Result<void>(std::move(all).error());
    // "cpu user system" then one line per cpu.
    auto rows = lines_kv(all.value());
    for (size_t i = 1; i < rows.size(); ++i) {
        std::string_view r = rows[i].second;
        size_t sp = r.find(' ');
        uint64_t u = 0, s = 0;
        if (sp == std::string_view::npos || !parse_uint(r.substr(0, sp), u)
            || !parse_uint(trim(r.substr(sp + 1)), s))
            return Error::message("parse " + join(dir, "cpuacct.usage_all") + ": malformed line");
        st.cpu.percpu_user.push_back(u);
        st.cpu.percpu_kernel.push_back(s);
    }
    return ok();
}

Result<void> pids_v1(int fd, const std::string& dir, Stats& st)
{
    st.pids.current = TRY(read_uint(fd, dir, "pids.current"));
    uint64_t max = TRY(read_uint(fd, dir, "pids.max"));
    st.pids.limit = max == std::numeric_limits<uint64_t>::max() ? 0 : max;
    return ok();
}

Result<void> blkio_v1(int fd, const std::string& dir, Stats& st)
{
    auto& b = st.blkio;
    using Table = std::vector<BlkioEntry>;
    using Group = std::vector<std::pair<const char*, Table*>>;
    // runc's order of preference: BFQ with debug stats, BFQ, CFQ, throttling (recursive), throttling.
    const std::vector<Group> groups = {
        {{"blkio.bfq.sectors_recursive", &b.sectors},
            {"blkio.bfq.io_service_time_recursive", &b.service_time},
            {"blkio.bfq.io_wait_time_recursive", &b.wait_time}, {"blkio.bfq.io_merged_recursive", &b.merged},
            {"blkio.bfq.io_queued_recursive", &b.queued}, {"blkio.bfq.time_recursive", &b.time},
            {"blkio.bfq.io_serviced_recursive", &b.serviced},
            {"blkio.bfq.io_service_bytes_recursive", &b.service_bytes}},
        {{"blkio.bfq.io_serviced_recursive", &b.serviced},
            {"blkio.bfq.io_service_bytes_recursive", &b.service_bytes}},
        {{"blkio.sectors_recursive", &b.sectors}, {"blkio.io_service_time_recursive", &b.service_time},
            {"blkio.io_wait_time_recursive", &b.wait_time}, {"blkio.io_merged_recursive", &b.merged},
            {"blkio.io_queued_recursive", &b.queued}, {"blkio.time_recursive", &b.time},
            {"blkio.io_serviced_recursive", &b.serviced},
            {"blkio.io_service_bytes_recursive", &b.service_bytes}},
        {{"blkio.throttle.io_serviced_recursive", &b.serviced},
            {"blkio.throttle.io_service_bytes_recursive", &b.service_bytes}},
        {{"blkio.throttle.io_serviced", &b.serviced}, {"blkio.throttle.io_service_bytes", &b.service_bytes}},
    };
    for (const auto& group : groups) {
        for (size_t i = 0; i < group.size(); ++i) {
            auto entries = blkio_table(fd, dir, group[i].first);
            if (!entries || entries.value().empty()) {
                if (i == 0)
                    break; // this group's files are not there: try the next
                return entries ? ok() : Result<void>(std::move(entries).error());
            }
            *group[i].second = std::move(entries).value();
            if (i + 1 == group.size())
                return ok();
        }
    }
    return ok();
}

Result<void> hugetlb_v1(int fd, const std::string& dir, const std::vector<std::string>& sizes, Stats& st)
{
    std::string rsvd = ".rsvd";
    for (const auto& size : sizes) {
        std::string prefix = "hugetlb." + size + rsvd;
        auto usage = read_uint(fd, dir, prefix + ".usage_in_bytes");
        if (!usage && !rsvd.empty() && missing(usage.error())) {
            rsvd.clear();
            prefix = "hugetlb." + size;
            usage = read_uint(fd, dir, prefix + ".usage_in_bytes");
        }
        if (!usage)
            return std::move(usage).error();
        HugetlbEntry e;
        e.usage = usage.value();
        e.max = TRY(read_uint(fd, dir, prefix + ".max_usage_in_bytes"));
        e.failcnt = TRY(read_uint(fd, dir, prefix + ".failcnt"));
        st.hugetlb[size] = e;
    }
    return ok();
}

} // namespace detail

Result<Stats> Manager::stats() const
{
    Stats st;
    std::vector<std::string> sizes
        = m_options.hugepage_sizes.empty() ? hugepage_sizes() : m_options.hugepage_sizes;
    if (m_state.layout == Layout::V2) {
        const CgroupDir* d = m_state.unified();
        if (!d)
            return Error::message("no cgroup2 directory");
        auto fd = TRY(detail::open_dir(d->path));
        TRY(detail::stats_v2(fd.get(), d->path, sizes, st).context("error while statting cgroup v2"));
        return st;
    }
    auto with = [&](const char* controller, auto reader) -> Result<void> {
        const CgroupDir* d = m_state.find(controller);
        if (!d)
            return ok();
        auto fd = detail::open_dir(d->path);
        if (!fd)
            return detail::missing(fd.error()) ? ok() : Result<void>(std::move(fd).error());
        return reader(fd.value().get(), d->path);
    };
    TRY(with("cpuset", [&](int fd, const std::string& p) { return detail::cpuset_v1(fd, p, st); }));
    TRY(with("memory", [&](int fd, const std::string& p) { return detail::memory_v1(fd, p, st); }));
    TRY(with("cpu", [&](int fd, const std::string& p) { return detail::cpu_v1(fd, p, st); }));
    TRY(with("cpuacct", [&](int fd, const std::string& p) { return detail::cpuacct_v1(fd, p, st); }));
    TRY(with("pids", [&](int fd, const std::string& p) { return detail::pids_v1(fd, p, st); }));
    TRY(with("blkio", [&](int fd, const std::string& p) { return detail::blkio_v1(fd, p, st); }));
    if (m_state.find("hugetlb")) {
        TRY(with(
            "hugetlb", [&](int fd, const std::string& p) { return detail::hugetlb_v1(fd, p, sizes, st); }));
    } else if (const CgroupDir* u = m_state.unified(); u && m_state.layout == Layout::Hybrid) {
        // Hybrid hosts whose hugetlb controller is only on the cgroup2 side.
        if (auto fd = detail::open_dir(u->path))
            (void)detail::hugetlb_v2(fd.value().get(), u->path, sizes, st);
    }
    return st;
}

} // namespace hull::cgroups
