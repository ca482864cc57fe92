// The verbs that work on a container's cgroup (runc's pause.go, ps.go, update.go, events.go):
// pause, resume, ps, update, events. Each uses the cgroup recorded at create, never flags.
#include "container/cgroup.hpp"
#include "container/load.hpp"
#include "container/update_merge.hpp"
#include "container/verbs.hpp"
#include "hull/fault.hpp"
#include "hull/log.hpp"
#include "hull/oci/parse.hpp"

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <fcntl.h>
#include <nlohmann/json.hpp>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

namespace hull::container {

namespace {

// The text up to the next newline, taken off the front of `rest` with the newline.
std::string_view next_line(std::string_view& rest)
{
    size_t nl = rest.find('\n');
    std::string_view line = rest.substr(0, nl);
    rest.remove_prefix(nl == std::string_view::npos ? rest.size() : nl + 1);
    return line;
}

// The n-th (from 0) blank-separated field of a line of ps output, empty past the last.
std::string_view field(std::string_view line, size_t n)
{
    constexpr std::string_view blanks = " \t\r\v\f";
    for (size_t start = line.find_first_not_of(blanks); start != std::string_view::npos;
         start = line.find_first_not_of(blanks, start)) {
        size_t end = std::min(line.find_first_of(blanks, start), line.size());
        if (n-- == 0)
            return line.substr(start, end - start);
        start = end;
    }
    return {};
}

// The manager of a container whose status allows the verb.
Result<cgroups::Manager> manager_of(const Loaded& c)
{
    auto cg = TRY(container_cgroup(c.record));
    if (!cg)
        return Error::message("container " + c.record.id + " has no cgroup");
    return std::move(*cg);
}

// Whether the memory controller is in a cgroup2 hierarchy (v2, or the cgroup2 side of a hybrid
// host whose v1 hierarchies lack it), where memory.swap.max is the swap alone.
bool memory_in_v2(const cgroups::CgroupState& state)
{
    return state.layout == cgroups::Layout::V2 || (!state.find("memory") && state.unified());
}

// A size with runc's units (docker/go-units RAMInBytes): 512, 512k, 64m, 1g (binary).
Result<int64_t> parse_bytes(const std::string& flag, const std::string& text)
{
    if (text == "-1")
        return int64_t {-1};
    char* end = nullptr;
    errno = 0;
    double v = std::strtod(text.c_str(), &end);
    if (end == text.c_str() || errno != 0 || v < 0)
        return Error::message("invalid value for " + flag + ": " + text);
    std::string unit(end);
    for (auto& ch : unit)
        ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    if (!unit.empty() && unit.back() == 'b')
        unit.pop_back();
    if (!unit.empty() && unit.back() == 'i')
        unit.pop_back();
    double mult = 1;
    if (unit == "k")
        mult = 1024.0;
    else if (unit == "m")
        mult = 1024.0 * 1024;
    else if (unit == "g")
        mult = 1024.0 * 1024 * 1024;
    else if (unit == "t")
        mult = 1024.0 * 1024 * 1024 * 1024;
    else if (!unit.empty())
        return Error::message("invalid value for " + flag + ": " + text);
    return static_cast<int64_t>(v * mult);
}

Result<int64_t> parse_int(const std::string& flag, const std::string& text)
{
    char* end = nullptr;
    errno = 0;
    long long v = std::strtoll(text.c_str(), &end, 10);
    if (text.empty() || *end != '\0' || errno != 0)
        return Error::message("invalid value for " + flag + ": " + text);
    return static_cast<int64_t>(v);
}

// runc's update flags, applied onto an empty Resources (only what is given is written).
Result<oci::Resources> resources_from_flags(const UpdateOptions& o)
{
    oci::Resources r;
    auto cpu = [&]() -> oci::Cpu& {
        if (!r.cpu)
            r.cpu.emplace();
        return *r.cpu;
    };
    auto mem = [&]() -> oci::Memory& {
        if (!r.memory)
            r.memory.emplace();
        return *r.memory;
    };
    if (o.blkio_weight) {
        auto w = TRY(parse_int("--blkio-weight", *o.blkio_weight));
        r.blockIO.emplace();
        r.blockIO->weight = static_cast<uint16_t>(w);
    }
    if (o.cpu_period)
        cpu().period = static_cast<uint64_t>(TRY(parse_int("--cpu-period", *o.cpu_period)));
    if (o.cpu_quota)
        cpu().quota = TRY(parse_int("--cpu-quota", *o.cpu_quota));
    if (o.cpu_burst)
        cpu().burst = static_cast<uint64_t>(TRY(parse_int("--cpu-burst", *o.cpu_burst)));
    if (o.cpu_share)
        cpu().shares = static_cast<uint64_t>(TRY(parse_int("--cpu-share", *o.cpu_share)));
    if (o.cpu_rt_period)
        cpu().realtimePeriod = static_cast<uint64_t>(TRY(parse_int("--cpu-rt-period", *o.cpu_rt_period)));
    if (o.cpu_rt_runtime)
        cpu().realtimeRuntime = TRY(parse_int("--cpu-rt-runtime", *o.cpu_rt_runtime));
    if (o.cpu_idle)
        cpu().idle = TRY(parse_int("--cpu-idle", *o.cpu_idle));
    if (o.cpuset_cpus)
        cpu().cpus = *o.cpuset_cpus;
    if (o.cpuset_mems)
        cpu().mems = *o.cpuset_mems;
    if (o.memory)
        mem().limit = TRY(parse_bytes("--memory", *o.memory));
    if (o.memory_reservation)
        mem().reservation = TRY(parse_bytes("--memory-reservation", *o.memory_reservation));
    if (o.memory_swap)
        mem().swap = TRY(parse_bytes("--memory-swap", *o.memory_swap));
    if (o.pids_limit) {
        r.pids.emplace();
        r.pids->limit = TRY(parse_int("--pids-limit", *o.pids_limit));
    }
    if (o.l3_cache_schema || o.mem_bw_schema)
        return Error::message("Intel RDT is not supported on this host");
    return r;
}

// A Go duration: "5s", "100ms", "1m30s", "1h" (no sign).
Result<std::chrono::milliseconds> parse_duration(const std::string& text)
{
    double total_ms = 0;
    size_t i = 0;
    if (text.empty())
        return Error::message("invalid duration \"" + text + "\"");
    while (i < text.size()) {
        size_t start = i;
        while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.'))
            ++i;
        if (start == i)
            return Error::message("invalid duration \"" + text + "\"");
        double v = std::strtod(text.substr(start, i - start).c_str(), nullptr);
        size_t ustart = i;
        while (i < text.size() && std::isalpha(static_cast<unsigned char>(text[i])))
            ++i;
        std::string unit = text.substr(ustart, i - ustart);
        double ms;
        if (unit == "ns")
            ms = v / 1e6;
        else if (unit == "us" || unit == "µs")
            ms = v / 1e3;
        else if (unit == "ms")
            ms = v;
        else if (unit == "s")
            ms = v * 1e3;
        else if (unit == "m")
            ms = v * 60e3;
        else if (unit == "h")
            ms = v * 3600e3;
        else
            return Error::message("invalid duration \"" + text + "\"");
        total_ms += ms;
    }
    return std::chrono::milliseconds(static_cast<long long>(total_ms));
}

std::string event_json(const std::string& type, const std::string& id, const std::string& data)
{
    std::string out = "{\"type\":" + nlohmann::json(type).dump() + ",\"id\":" + nlohmann::json(id).dump();
    if (!data.empty())
        out += ",\"data\":" + data;
    return out + "}\n";
}

} // namespace

Result<int> pause(const GlobalOptions& global, const PauseOptions& opts)
{
    auto c = TRY(load_container(global, opts.id, Lock::Exclusive));
    TRY(fault::hit(fault::Point::PauseLoaded));
    if (c.status == Status::Stopped)
        return Error::message("container not running");
    if (c.status == Status::Paused)
        return 0;
    auto cg = TRY(manager_of(c));
    TRY(cg.freeze());
    TRY(fault::hit(fault::Point::PauseFrozen));
    return 0;
}

Result<int> resume(const GlobalOptions& global, const ResumeOptions& opts)
{
    auto c = TRY(load_container(global, opts.id, Lock::Exclusive));
    TRY(fault::hit(fault::Point::ResumeLoaded));
    if (c.status != Status::Paused)
        return Error::message("container not paused");
    auto cg = TRY(manager_of(c));
    TRY(cg.thaw());
    TRY(fault::hit(fault::Point::ResumeThawed));
    return 0;
}

Result<int> ps(const GlobalOptions& global, const PsOptions& opts)
{
    auto c = TRY(load_container(global, opts.id, Lock::None));
    if (opts.format != "table" && opts.format != "json")
        return Error::message("invalid format option");
    std::vector<pid_t> pids;
    if (c.status != Status::Stopped) {
        auto cg = TRY(manager_of(c));
        pids = TRY(cg.pids());
    }
    if (opts.format == "json") {
        TRY(print(nlohmann::json(pids).dump() + "\n"));
        return 0;
    }
    // runc: `ps ARGS` (default -ef), its header, and the lines whose PID column is ours.
    std::string cmd = "ps";
    std::vector<std::string> args = opts.ps_args.empty() ? std::vector<std::string> {"-ef"} : opts.ps_args;
    int out[2];
    if (::pipe2(out, O_CLOEXEC) < 0)
        return Error::from_errno("pipe");
    pid_t child = ::fork();
    if (child < 0)
        return Error::from_errno("fork", "ps");
    if (child == 0) {
        ::dup2(out[1], STDOUT_FILENO);
        std::vector<char*> argv {const_cast<char*>(cmd.c_str())};
        for (auto& a : args)
            argv.push_back(const_cast<char*>(a.c_str()));
        argv.push_back(nullptr);
        ::execvp("ps", argv.data());
        ::_exit(127);
    }
    ::close(out[1]);
    UniqueFd reader(out[0]);
    auto text = read_all(reader.get(), "ps output");
    int status = 0;
    ::waitpid(child, &status, 0);
    if (!text)
        return std::move(text).error();
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return Error::message("ps: exit status " + std::to_string(WEXITSTATUS(status)));
    std::string_view rest = text.value();
    std::string_view header = next_line(rest);
    size_t pid_col = std::string::npos;
    for (size_t i = 0; !field(header, i).empty(); ++i)
        if (field(header, i) == "PID") {
            pid_col = i;
            break;
        }
    if (pid_col == std::string::npos)
        return Error::message("couldn't find PID field in ps output");
    std::string result = std::string(header) + "\n";
    while (!rest.empty()) {
        std::string_view line = next_line(rest);
        pid_t pid = static_cast<pid_t>(std::atoi(std::string(field(line, pid_col)).c_str()));
        for (pid_t p : pids)
            if (p == pid) {
                result += std::string(line) + "\n";
                break;
            }
    }
    TRY(print(result));
    return 0;
}

Result<int> update(const GlobalOptions& global, const UpdateOptions& opts)
{
    auto c = TRY(load_container(global, opts.id, Lock::Exclusive));
    TRY(fault::hit(fault::Point::UpdateLoaded));
    if (c.status == Status::Stopped)
        return Error::message("container not running");
    oci::Resources r;
    if (!opts.resources.empty()) {
        std::string text;
        if (opts.resources == "-")
            text = TRY(read_all(STDIN_FILENO, "standard input"));
        else
            text = TRY(read_file(opts.resources));
        r = TRY(oci::parse_resources(text));
    } else {
        r = TRY(resources_from_flags(opts));
    }
    // The saved config holds the limits in force: it completes what the kernel needs, and takes
    // the merge once the cgroup has it (runc update.go keeps its config the same way).
    std::string config = TRY(read_file_at(c.dir.fd(), kSavedConfig).context("read the container's config"));
    auto saved = TRY(saved_resources(config));
    std::string merged = TRY(merge_into_config(config, r));
    auto cg = TRY(manager_of(c));
    auto for_kernel = TRY(resources_for_kernel(r, saved, memory_in_v2(cg.state())));
    // Staged before the cgroup changes: a state root that cannot take the record stops the
    // update before anything is applied.
    StagedFile staged;
    if (merged != config)
        staged = TRY(c.dir.stage_file(kSavedConfig, merged).context("save the updated resources"));
    TRY(cg.apply(for_kernel));
    TRY(fault::hit(fault::Point::UpdateApplied));
    if (merged != config)
        TRY(staged.commit().context("save the updated resources"));
    return 0;
}

Result<int> events(const GlobalOptions& global, const EventsOptions& opts)
{
    auto interval = TRY(parse_duration(opts.interval));
    if (interval.count() <= 0)
        return Error::message("duration interval must be greater than 0");
    auto c = TRY(load_container(global, opts.id, Lock::None));
    if (c.status == Status::Stopped)
        return Error::message("container with id " + opts.id + " is not running");
    auto cg = TRY(manager_of(c));
    if (opts.stats) {
        // Without its cgroup every counter would read as zero: no stats rather than false ones.
        if (!cg.exists())
            return Error::message("container " + opts.id + ": its cgroup does not exist");
        TRY(print(event_json("stats", opts.id, cgroups::stats_to_json(TRY(cg.stats())))));
        return 0;
    }
    auto oom = cg.watch_oom();
    auto next = std::chrono::steady_clock::now();
    for (;;) {
        auto now = std::chrono::steady_clock::now();
        if (now >= next) {
            if (!cg.exists())
                return 0;
            auto stats = cg.stats();
            if (!stats)
                return 0; // the cgroup went away with the container
            TRY(print(event_json("stats", opts.id, cgroups::stats_to_json(stats.value()))));
            next = now + interval;
        }
        int wait_ms = static_cast<int>(
            std::chrono::duration_cast<std::chrono::milliseconds>(next - std::chrono::steady_clock::now())
                .count());
        struct pollfd p = {oom ? oom.value().fd() : -1, POLLIN, 0};
        int rc = ::poll(&p, 1, wait_ms < 0 ? 0 : wait_ms);
        if (rc > 0 && oom) {
            auto ev = TRY(oom.value().read());
            for (uint64_t i = 0; i < ev.ooms; ++i)
                TRY(print(event_json("oom", opts.id, "")));
            if (ev.gone)
                return 0;
        }
    }
}

} // namespace hull::container
