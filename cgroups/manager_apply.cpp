// Manager: writing resources and device rules.
#include "fscommon.hpp"
#include "hull/cgroups/manager.hpp"
#include "hull/text.hpp"
#include "userns.hpp"

#include <cerrno>
#include <map>
#include <set>

namespace hull::cgroups {

using detail::join;

namespace {

std::set<std::string> words(std::string_view text)
{
    std::set<std::string> out;
    text = trim(text);
    while (!text.empty()) {
        size_t sp = text.find(' ');
        out.emplace(text.substr(0, sp));
        text = sp == std::string_view::npos ? std::string_view {} : trim(text.substr(sp + 1));
    }
    return out;
}

// The v2 controller doing a v1 controller's job ("" when there is none).
std::string v2_name(const std::string& v1)
{
    if (v1 == "blkio")
        return "io";
    if (v1 == "memory" || v1 == "cpu" || v1 == "pids" || v1 == "cpuset" || v1 == "hugetlb" || v1 == "rdma")
        return v1;
    return "";
}

// Only the part of `r` that the v2 controller `name` takes.
oci::Resources subset(const oci::Resources& r, const std::string& name)
{
    oci::Resources s;
    if (name == "io")
        s.blockIO = r.blockIO;
    else if (name == "memory")
        s.memory = r.memory;
    else if (name == "pids")
        s.pids = r.pids;
    else if (name == "hugetlb")
        s.hugepageLimits = r.hugepageLimits;
    else if (name == "rdma")
        s.rdma = r.rdma;
    else if (name == "cpu" && r.cpu) {
        s.cpu = r.cpu;
        s.cpu->cpus.clear();
        s.cpu->mems.clear();
    } else if (name == "cpuset" && r.cpu) {
        s.cpu = oci::Cpu {};
        s.cpu->cpus = r.cpu->cpus;
        s.cpu->mems = r.cpu->mems;
    }
    return s;
}

bool given(const auto& opt)
{
    return opt && *opt != 0;
}

} // namespace

Result<void> Manager::execute(const std::vector<Step>& steps)
{
    std::map<std::string, UniqueFd> fds;
    auto dirfd = [&](const CgroupDir& d) -> Result<int> {
        auto it = fds.find(d.path);
        if (it == fds.end())
            it = fds.emplace(d.path, TRY(detail::open_dir(d.path))).first;
        return it->second.get();
    };
    std::vector<Step> deferred;
    auto run = [&](const Write& w, const CgroupDir& d, bool last_try) -> Result<void> {
        int fd = TRY(dirfd(d));
        auto r = write(fd, d.path, w.file, w.value, w.flags & Write::ByLine);
        if (!r) {
            int code = r.error().code();
            if ((w.flags & Write::IgnoreMissing) && code == ENOENT)
                return ok();
            if ((w.flags & Write::RetryOnEinval) && code == EINVAL && !last_try) {
                deferred.emplace_back(w, &d);
                return ok();
            }
            if ((w.flags & Write::MemoryLimit) && code == EBUSY) {
                // The new limit is below the current usage.
                uint64_t usage = TRY(detail::read_uint(fd, d.path, "memory.usage_in_bytes"));
                uint64_t peak = TRY(detail::read_uint(fd, d.path, "memory.max_usage_in_bytes"));
                return Error::message("unable to set memory limit to " + w.value + " (current usage: "
                    + std::to_string(usage) + ", peak usage: " + std::to_string(peak) + ")");
            }
            return r;
        }
        if (w.flags & Write::VerifyShares) {
            // The kernel clamps cpu.shares silently: say so instead.
            uint64_t read = TRY(detail::read_uint(fd, d.path, w.file));
            uint64_t wanted = std::stoull(w.value);
            if (wanted > read)
                return Error::message("the maximum allowed cpu-shares is " + std::to_string(read));
            if (wanted < read)
                return Error::message("the minimum allowed cpu-shares is " + std::to_string(read));
        }
        return ok();
    };
    for (const auto& [w, d] : steps)
        TRY(run(w, *d, false));
    for (const auto& [w, d] : std::vector<Step>(deferred))
        TRY(run(w, *d, true));
    return ok();
}

Result<void> Manager::apply(const oci::Resources& r)
{
    if (m_state.layout == Layout::V2)
        return apply_v2(r).context("set cgroup resources");
    return apply_v1(r).context("set cgroup resources");
}

Result<void> Manager::apply_v2(const oci::Resources& r)
{
    const CgroupDir* d = m_state.unified();
    if (!d)
        return Error::message("no cgroup2 directory");
    auto fd = TRY(detail::open_dir(d->path));
    Current cur;
    if (r.cpu && given(r.cpu->quota) != given(r.cpu->period)) {
        if (auto v = detail::read_file(fd.get(), d->path, "cpu.max"))
            cur.cpu_max = std::string(trim(v.value()));
    }
    if (r.memory && r.memory->checkBeforeUpdate.value_or(false)) {
        if (auto v = detail::read_uint(fd.get(), d->path, "memory.current"))
            cur.memory_usage = v.value();
    }
    if (r.blockIO && (given(r.blockIO->weight) || !r.blockIO->weightDevice.empty())) {
        auto v = detail::read_file(fd.get(), d->path, "io.bfq.weight");
        if (!v && v.error().code() != ENOENT)
            return std::move(v).error();
        if (v) {
            uint64_t n = 0;
            cur.bfq = detail::parse_uint(trim(v.value()), n) ? Bfq::GlobalOnly : Bfq::PerDevice;
        }
    }
    if (!r.unified.empty())
        cur.controllers = words(TRY(detail::read_file(fd.get(), d->path, "cgroup.controllers")));
    auto plan = TRY(plan_v2(r, cur));
    std::vector<Step> steps;
    for (auto& w : plan)
        steps.emplace_back(std::move(w), d);
    return execute(steps);
}

Result<void> Manager::enable_v2_controller(const CgroupDir& dir, const std::string& controller)
{
    std::string current = dir.mount_point;
    std::string_view rest = std::string_view(dir.path).substr(dir.mount_point.size());
    while (true) {
        while (!rest.empty() && rest.front() == '/')
            rest.remove_prefix(1);
        if (rest.empty())
            break; // the leaf itself takes no subtree_control
        auto fd = TRY(detail::open_dir(current));
        auto enabled = detail::read_file(fd.get(), current, "cgroup.subtree_control");
        if (!enabled || !words(enabled.value()).count(controller))
            TRY(write(fd.get(), current, "cgroup.subtree_control", "+" + controller));
        size_t slash = rest.find('/');
        current = join(current, rest.substr(0, slash));
        rest = slash == std::string_view::npos ? std::string_view {} : rest.substr(slash);
    }
    return ok();
}

Result<void> Manager::apply_v1(const oci::Resources& r)
{
    Current cur;
    if (r.memory) {
        int64_t limit = r.memory->limit.value_or(0), swap = r.memory->swap.value_or(0);
        if (const CgroupDir* m = m_state.find("memory"); m && limit != 0) {
            auto fd = TRY(detail::open_dir(m->path));
            cur.memsw = detail::file_exists(fd.get(), "memory.memsw.limit_in_bytes");
            if (swap != 0)
                cur.memory_limit = TRY(detail::read_uint(fd.get(), m->path, "memory.limit_in_bytes"));
        }
    }
    if (r.blockIO) {
        if (const CgroupDir* b = m_state.find("blkio")) {
            auto fd = TRY(detail::open_dir(b->path));
            cur.blkio_weight = detail::file_exists(fd.get(), "blkio.weight");
        }
    }
    if (r.cpu && (!r.cpu->cpus.empty() || !r.cpu->mems.empty())) {
        if (const CgroupDir* c = m_state.find("cpuset")) {
            auto fd = TRY(detail::open_dir(c->path));
            cur.cpuset_prefix = detail::file_exists(fd.get(), "cpuset.cpus");
        }
    }
    auto plan = TRY(plan_v1(r, cur));
    std::vector<Step> steps;
    std::set<std::string> moved; // v2 controllers set through the hybrid cgroup2 hierarchy
    const CgroupDir* u = m_state.unified();
    std::optional<std::set<std::string>> offered;
    for (auto& w : plan) {
        if (const CgroupDir* d = m_state.find(w.controller)) {
            steps.emplace_back(std::move(w), d);
            continue;
        }
        std::string v2 = v2_name(w.controller);
        if (u && !v2.empty() && !offered) {
            auto root = TRY(detail::open_dir(u->mount_point));
            offered = words(TRY(detail::read_file(root.get(), u->mount_point, "cgroup.controllers")));
        }
        if (!u || v2.empty() || !offered->count(v2))
            return Error::message(
                "cannot set " + w.controller + " limit: container could not join or create cgroup");
        if (!moved.insert(v2).second)
            continue;
        TRY(enable_v2_controller(*u, v2));
        for (auto& v : TRY(plan_v2(subset(r, v2), Current {})))
            if (v.controller == v2)
                steps.emplace_back(std::move(v), u);
    }
    return execute(steps);
}

Result<void> Manager::set_devices(const std::vector<DeviceRule>& rules)
{
    if (m_state.layout == Layout::V2) {
        const CgroupDir* d = m_state.unified();
        if (!d)
            return Error::message("no cgroup2 directory");
        auto program = TRY(device_filter(rules));
        // bpf(2) takes a real open directory, not an O_PATH one.
        auto fd = TRY(detail::open_dir(d->path, O_RDONLY));
        auto r = m_options.load_device_filter(fd.get(), d->path, program);
        if (!r && !can_skip_device_filter_error(rules))
            return std::move(r.error()).context("set device rules");
        return ok();
    }
    const CgroupDir* d = m_state.find("devices");
    if (!d)
        return Error::message("mountpoint for devices not found");
    // A user namespace cannot write devices.allow (runc skips it there).
    if (detail::in_user_namespace())
        return ok();
    auto fd = TRY(detail::open_dir(d->path));
    std::string list = TRY(detail::read_file(fd.get(), d->path, "devices.list"));
    auto plan = TRY(plan_v1_devices(list, rules));
    std::vector<Step> steps;
    for (auto& w : plan)
        steps.emplace_back(std::move(w), d);
    TRY(execute(steps).context("set device rules"));
    if (!m_options.verify_v1_devices)
        return ok();
    DeviceEmulator target;
    for (const auto& r : rules)
        TRY(target.apply(r));
    auto after = TRY(DeviceEmulator::from_list(TRY(detail::read_file(fd.get(), d->path, "devices.list"))));
    if (!target.default_allow() && !(after == target))
        return Error::message("resulting devices cgroup doesn't precisely match target");
    if (target.default_allow() != after.default_allow())
        return Error::message("resulting devices cgroup doesn't match target mode");
    return ok();
}

} // namespace hull::cgroups
