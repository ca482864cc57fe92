// cgroup v2 statistics (runc fs2 Stats: pids, memory, io, cpu, hugetlb, PSI).
#include "fscommon.hpp"
#include "hull/cgroups/stats.hpp"
#include "hull/text.hpp"
#include "stats_internal.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <dirent.h>
#include <limits>

namespace hull::cgroups {

namespace detail {

bool missing(const Error& e)
{
    return e.code() == ENOENT || e.code() == ENODEV;
}

std::vector<std::pair<std::string, std::string>> lines_kv(std::string_view text)
{
    std::vector<std::pair<std::string, std::string>> out;
    while (!text.empty()) {
        size_t nl = text.find('\n');
        std::string_view line = text.substr(0, nl);
        text = nl == std::string_view::npos ? std::string_view {} : text.substr(nl + 1);
        size_t sp = line.find(' ');
        if (sp == std::string_view::npos || sp == 0)
            continue;
        out.emplace_back(std::string(line.substr(0, sp)), std::string(trim(line.substr(sp + 1))));
    }
    return out;
}

Result<std::optional<PsiStats>> read_psi(int fd, const std::string& dir, const char* file)
{
    auto text = read_file(fd, dir, file);
    if (!text) {
        // No PSI in this kernel or for this cgroup; some kernels answer EOPNOTSUPP.
        if (missing(text.error()) || text.error().code() == EOPNOTSUPP)
            return std::optional<PsiStats> {};
        return std::move(text).error();
    }
    PsiStats psi;
    for (const auto& [kind, rest] : lines_kv(text.value())) {
        PsiData* d = kind == "some" ? &psi.some : kind == "full" ? &psi.full : nullptr;
        if (!d)
            continue;
        std::string_view fields = rest;
        while (!fields.empty()) {
            size_t sp = fields.find(' ');
            std::string_view f = fields.substr(0, sp);
            fields = sp == std::string_view::npos ? std::string_view {} : trim(fields.substr(sp + 1));
            size_t eq = f.find('=');
            if (eq == std::string_view::npos)
                return Error::message("parse " + join(dir, file) + ": invalid psi data: " + go_quote(f));
            std::string key(f.substr(0, eq)), value(f.substr(eq + 1));
            if (key == "total") {
                if (!parse_uint(value, d->total))
                    return Error::message("parse " + join(dir, file) + ": invalid total PSI value");
                continue;
            }
            double* target = key == "avg10" ? &d->avg10
                : key == "avg60"            ? &d->avg60
                : key == "avg300"           ? &d->avg300
                                            : nullptr;
            if (!target)
                continue;
            char* end = nullptr;
            *target = std::strtod(value.c_str(), &end);
            if (end == value.c_str() || *end != '\0')
                return Error::message("parse " + join(dir, file) + ": invalid " + key + " PSI value");
        }
    }
    return std::optional<PsiStats> {psi};
}

} // namespace detail

std::string hugepage_size_name(const std::string& name)
{
    constexpr std::string_view prefix = "hugepages-";
    if (name.size() <= prefix.size() + 2 || name.compare(0, prefix.size(), prefix) != 0
        || name.compare(name.size() - 2, 2, "kB") != 0)
        return "";
    uint64_t kb = 0;
    if (!detail::parse_uint(
            std::string_view(name).substr(prefix.size(), name.size() - prefix.size() - 2), kb))
        return "";
    if (kb >= (1u << 20))
        return std::to_string(kb >> 20) + "GB";
    if (kb >= (1u << 10))
        return std::to_string(kb >> 10) + "MB";
    return std::to_string(kb) + "KB";
}

std::vector<std::string> hugepage_sizes()
{
    std::vector<std::string> out;
    DIR* d = ::opendir("/sys/kernel/mm/hugepages");
    if (!d)
        return out;
    while (dirent* e = ::readdir(d))
        if (auto s = hugepage_size_name(e->d_name); !s.empty())
            out.push_back(s);
    ::closedir(d);
    std::sort(out.begin(), out.end());
    return out;
}

namespace detail {

using Entry = MemoryEntry;

Result<bool> memory_entry_v2(
    int fd, const std::string& dir, const std::string& module, bool optional, Entry& e)
{
    auto usage = read_uint(fd, dir, module + ".current");
    if (!usage) {
        if (optional && missing(usage.error()))
            return false; // no swap accounting
        return std::move(usage).error();
    }
    e.usage = usage.value();
    e.limit = TRY(read_uint(fd, dir, module + ".max"));
    auto peak = read_uint(fd, dir, module + ".peak"); // Linux 5.19 (swap: 6.5)
    if (!peak && !missing(peak.error()))
        return std::move(peak).error();
    e.max = peak ? peak.value() : 0;
    return true;
}

Result<void> stats_v2(int fd, const std::string& dir, const std::vector<std::string>& sizes, Stats& st)
{
    // pids: without the controller, count the members.
    if (auto current = read_uint(fd, dir, "pids.current")) {
        st.pids.current = current.value();
        uint64_t max = TRY(read_uint(fd, dir, "pids.max"));
        st.pids.limit = max == std::numeric_limits<uint64_t>::max() ? 0 : max;
    } else if (missing(current.error())) {
        auto procs = read_file(fd, dir, "cgroup.procs");
        if (!procs && procs.error().code() == EOPNOTSUPP)
            procs = read_file(fd, dir, "cgroup.threads");
        if (!procs)
            return std::move(procs).error();
        st.pids.current = static_cast<uint64_t>(std::count(procs.value().begin(), procs.value().end(), '\n'));
    } else {
        return std::move(current).error();
    }

    if (auto stat = read_file(fd, dir, "memory.stat")) {
        for (const auto& [k, v] : lines_kv(stat.value())) {
            uint64_t n = 0;
            if (!parse_uint(v, n))
                return Error::message("parse " + join(dir, "memory.stat") + ": bad value for " + k);
            st.memory.raw[k] = n;
        }
        st.memory.cache = st.memory.raw["file"];
        TRY(memory_entry_v2(fd, dir, "memory", false, st.memory.usage));
        Entry swap;
        TRY(memory_entry_v2(fd, dir, "memory.swap", true, swap));
        // v1 reported memory+swap: add the memory figures for compatibility, as runc does.
        swap.usage += st.memory.usage.usage;
        if (swap.limit != std::numeric_limits<uint64_t>::max())
            swap.limit += st.memory.usage.limit;
        swap.max = 0;
        st.memory.swap = swap;
    } else if (!missing(stat.error())) {
        return std::move(stat).error();
    }
    st.memory.psi = TRY(read_psi(fd, dir, "memory.pressure"));

    if (auto io = read_file(fd, dir, "io.stat")) {
        for (const auto& [device, rest] : lines_kv(io.value())) {
            size_t colon = device.find(':');
            uint64_t major = 0, minor = 0;
            if (colon == std::string::npos)
                continue;
            if (!parse_uint(device.substr(0, colon), major) || !parse_uint(device.substr(colon + 1), minor))
                return Error::message("parse " + join(dir, "io.stat") + ": bad device " + go_quote(device));
            std::string_view items = rest;
            while (!items.empty()) {
                size_t sp = items.find(' ');
                std::string_view item = items.substr(0, sp);
                items = sp == std::string_view::npos ? std::string_view {} : trim(items.substr(sp + 1));
                size_t eq = item.find('=');
                if (eq == std::string_view::npos)
                    continue;
                std::string_view key = item.substr(0, eq);
                std::vector<BlkioEntry>* table = nullptr;
                const char* op = "";
                if (key == "rbytes" || key == "wbytes")
                    table = &st.blkio.service_bytes, op = key == "rbytes" ? "Read" : "Write";
                else if (key == "rios" || key == "wios")
                    table = &st.blkio.serviced, op = key == "rios" ? "Read" : "Write";
                if (!table)
                    continue;
                uint64_t value = 0;
                if (!parse_uint(item.substr(eq + 1), value))
                    return Error::message("parse " + join(dir, "io.stat") + ": bad value " + go_quote(item));
                table->push_back({major, minor, op, value});
            }
        }
    } else if (!missing(io.error())) {
        return std::move(io).error();
    }
    st.blkio.psi = TRY(read_psi(fd, dir, "io.pressure"));

    if (auto cpu = read_file(fd, dir, "cpu.stat")) {
        for (const auto& [k, v] : lines_kv(cpu.value())) {
            uint64_t n = 0;
            if (!parse_uint(v, n))
                return Error::message("parse " + join(dir, "cpu.stat") + ": bad value for " + k);
            if (k == "usage_usec")
                st.cpu.total = n * 1000;
            else if (k == "user_usec")
                st.cpu.user = n * 1000;
            else if (k == "system_usec")
                st.cpu.kernel = n * 1000;
            else if (k == "nr_periods")
                st.cpu.periods = n;
            else if (k == "nr_throttled")
                st.cpu.throttled_periods = n;
            else if (k == "throttled_usec")
                st.cpu.throttled_time = n * 1000;
        }
    } else if (!missing(cpu.error())) {
        return std::move(cpu).error();
    }
    st.cpu.psi = TRY(read_psi(fd, dir, "cpu.pressure"));

    TRY(hugetlb_v2(fd, dir, sizes, st));
    return ok();
}

Result<void> hugetlb_v2(int fd, const std::string& dir, const std::vector<std::string>& sizes, Stats& st)
{
    std::string rsvd = ".rsvd";
    for (const auto& size : sizes) {
        std::string prefix = "hugetlb." + size;
        auto usage = read_uint(fd, dir, prefix + rsvd + ".current");
        if (!usage && !rsvd.empty() && missing(usage.error())) {
            rsvd.clear(); // reservation accounting from Linux 5.7
            usage = read_uint(fd, dir, prefix + ".current");
        }
        if (!usage) {
            if (missing(usage.error()))
                return ok();
            return std::move(usage).error();
        }
        HugetlbEntry e;
        e.usage = usage.value();
        e.failcnt = TRY(value_by_key(fd, dir, prefix + ".events", "max"));
        st.hugetlb[size] = e;
    }
    return ok();
}

} // namespace detail

} // namespace hull::cgroups
