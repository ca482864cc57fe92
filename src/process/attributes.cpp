// Scheduler, I/O priority, CPU affinity and personality of the container process, and the
// LISTEN_FDS environment. Runs in the container init (see attributes.hpp for when and with what
// privilege); the pure helpers also run in the runtime.
#include "process/attributes.hpp"
#include "hull/text.hpp"
#include "process/text_util.hpp"

#include <climits>
#include <cstdint>
#include <sys/personality.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace hull::process {

namespace {

using text::find_named;

static_assert(sizeof(SchedAttr) == 56);

struct NamedValue {
    std::string_view name;
    unsigned long value;
};

// Policy numbers from include/uapi/linux/sched.h. SCHED_ISO is reserved there but not implemented
// by mainline kernels, which then fail with EINVAL; the spec lists it, so it is passed through.
constexpr NamedValue scheduler_policies[] = {
    {"SCHED_OTHER", 0},
    {"SCHED_FIFO", 1},
    {"SCHED_RR", 2},
    {"SCHED_BATCH", 3},
    {"SCHED_ISO", 4},
    {"SCHED_IDLE", 5},
    {"SCHED_DEADLINE", 6},
};

// sched_attr.sched_flags bits, from the same header.
constexpr NamedValue scheduler_flags[] = {
    {"SCHED_FLAG_RESET_ON_FORK", 0x01},
    {"SCHED_FLAG_RECLAIM", 0x02},
    {"SCHED_FLAG_DL_OVERRUN", 0x04},
    {"SCHED_FLAG_KEEP_POLICY", 0x08},
    {"SCHED_FLAG_KEEP_PARAMS", 0x10},
    {"SCHED_FLAG_UTIL_CLAMP_MIN", 0x20},
    {"SCHED_FLAG_UTIL_CLAMP_MAX", 0x40},
};

// I/O scheduling classes and the encoding of ioprio_set(2), from include/uapi/linux/ioprio.h.
constexpr NamedValue io_priority_classes[] = {
    {"IOPRIO_CLASS_RT", 1},
    {"IOPRIO_CLASS_BE", 2},
    {"IOPRIO_CLASS_IDLE", 3},
};
constexpr int ioprio_class_shift = 13;
constexpr int ioprio_who_process = 1;

constexpr NamedValue personality_domains[] = {
    {"LINUX", PER_LINUX},
    {"LINUX32", PER_LINUX32},
};

bool starts_with_any(const std::string& entry, std::string_view a, std::string_view b)
{
    return entry.starts_with(a) || entry.starts_with(b);
}

} // namespace

Result<cpu_set_t> parse_cpu_list(std::string_view list)
{
    auto fail
        = [&](const std::string& why) { return Error::message("cpu list " + in_quotes(list) + ": " + why); };
    cpu_set_t set;
    CPU_ZERO(&set);
    if (trim(list, " \t").empty())
        return fail("no CPUs");

    auto items = text::split_ranges(list);
    if (!items)
        return fail(items.error().text());
    for (const auto& r : items.value()) {
        unsigned long first = 0;
        unsigned long last = 0;
        if (!text::parse_decimal(r.first, first) || !text::parse_decimal(r.last, last))
            return fail(in_quotes(r.item) + " is not a CPU number or range");
        if (first > last)
            return fail("range " + in_quotes(r.item) + " is reversed");
        if (last >= CPU_SETSIZE)
            return fail("CPU " + std::to_string(last) + " is not below CPU_SETSIZE ("
                + std::to_string(CPU_SETSIZE) + ")");
        for (unsigned long cpu = first; cpu <= last; ++cpu)
            CPU_SET(cpu, &set);
    }
    return set;
}

Result<void> apply_scheduler(const oci::Scheduler& scheduler)
{
    const NamedValue* policy = find_named(scheduler_policies, scheduler.policy);
    if (!policy)
        return Error::message("scheduler.policy: unknown policy " + in_quotes(scheduler.policy));

    SchedAttr attr {};
    attr.size = sizeof(attr);
    attr.sched_policy = static_cast<uint32_t>(policy->value);
    for (const std::string& name : scheduler.flags) {
        const NamedValue* flag = find_named(scheduler_flags, name);
        if (!flag)
            return Error::message("scheduler.flags: unknown flag " + in_quotes(name));
        attr.sched_flags |= flag->value;
    }
    attr.sched_nice = scheduler.nice;
    attr.sched_priority = static_cast<uint32_t>(scheduler.priority);
    attr.sched_runtime = scheduler.runtime;
    attr.sched_deadline = scheduler.deadline;
    attr.sched_period = scheduler.period;
    // The spec carries no clamp values, so SCHED_FLAG_UTIL_CLAMP_* apply 0, as runc does.

    if (::syscall(SYS_sched_setattr, 0, &attr, 0) != 0)
        return Error::from_errno("sched_setattr", scheduler.policy);
    return ok();
}

Result<void> apply_io_priority(const oci::IoPriority& io_priority)
{
    const NamedValue* io_class = find_named(io_priority_classes, io_priority.class_);
    if (!io_class)
        return Error::message("ioPriority.class: unknown class " + in_quotes(io_priority.class_));
    if (io_priority.priority < 0 || io_priority.priority > 7)
        return Error::message(
            "ioPriority.priority: " + std::to_string(io_priority.priority) + " is not between 0 and 7");

    long value = static_cast<long>(io_class->value << ioprio_class_shift) | io_priority.priority;
    if (::syscall(SYS_ioprio_set, ioprio_who_process, 0, value) != 0)
        return Error::from_errno(
            "ioprio_set", io_priority.class_ + " " + std::to_string(io_priority.priority));
    return ok();
}

Result<void> apply_personality(const oci::Personality& personality)
{
    const NamedValue* domain = find_named(personality_domains, personality.domain);
    if (!domain)
        return Error::message("personality.domain: unknown domain " + in_quotes(personality.domain));
    if (!personality.flags.empty())
        return Error::message("personality.flags: unsupported flag " + in_quotes(personality.flags.front())
            + " (the runtime spec defines none)");

    if (::personality(domain->value) == -1)
        return Error::from_errno("personality", personality.domain);
    return ok();
}

Result<void> apply_cpu_affinity(std::string_view list)
{
    cpu_set_t set = TRY(parse_cpu_list(list));
    if (::sched_setaffinity(0, sizeof(set), &set) != 0)
        return Error::from_errno("sched_setaffinity", list);
    return ok();
}

ListenFds listen_fds_from_env(const char* listen_pid, const char* listen_fds, pid_t self)
{
    if (!listen_pid || !listen_fds)
        return {};
    long pid = 0;
    if (!text::parse_decimal(std::string_view(listen_pid), pid) || pid != self)
        return {};
    unsigned count = 0;
    // Fds are ints starting at 3, so no valid count comes near INT_MAX.
    if (!text::parse_decimal(std::string_view(listen_fds), count) || count > INT_MAX - 3)
        return {};
    return ListenFds {count};
}

std::vector<std::string> with_listen_env(std::vector<std::string> env, const ListenFds& listen)
{
    if (listen.count == 0)
        return env;
    std::erase_if(
        env, [](const std::string& entry) { return starts_with_any(entry, "LISTEN_FDS=", "LISTEN_PID="); });
    env.push_back("LISTEN_FDS=" + std::to_string(listen.count));
    env.push_back("LISTEN_PID=1");
    return env;
}

} // namespace hull::process
