// The cgroup manager: one container's cgroup in every hierarchy of the host (CgroupState), and
// the operations the verbs need. The expected create sequence is
//     resolve_path -> Manager::create -> apply -> set_devices -> clone3 with CLONE_INTO_CGROUP
//     (open_clone_fd) and/or add_pid -> store state()
// so limits are in place before the first instruction of the container runs.
//
// Layouts:
//   - v2: one directory; controllers enabled down the path; devices through an eBPF program;
//     freeze with cgroup.freeze; SIGKILL to all with cgroup.kill.
//   - v1: one directory per hierarchy (runc's fs manager); devices.allow/deny; freezer.state.
//   - hybrid (this project's development machines): the v1 manager, plus the same path in the
//     cgroup2 hierarchy joined best-effort as runc does. That cgroup2 directory is the one
//     open_clone_fd() returns (the child starts in it; add_pid() still has to place it in the
//     v1 hierarchies), and cgroup.kill there kills the whole container. Controllers that only
//     the cgroup2 side offers (hugetlb on the development machines) are set there with v2
//     files, enabled down the path on demand; runc would fail such a limit instead.
//
// Every file is opened under a directory fd without following symlinks. Tests run a Manager on
// a temporary directory tree laid out like cgroupfs (ManagerOptions hooks record the writes).
#pragma once

#include "hull/cgroups/devices.hpp"
#include "hull/cgroups/path.hpp"
#include "hull/cgroups/plan.hpp"
#include "hull/cgroups/stats.hpp"
#include "hull/error.hpp"
#include "hull/fd.hpp"
#include "hull/oci/spec.hpp"

#include <functional>
#include <string>
#include <string_view>
#include <sys/types.h>
#include <utility>
#include <vector>

namespace hull::cgroups {

enum class FreezerState { Undefined, Thawed, Frozen };

struct ManagerOptions {
    // Called after each successful write with the file's full path and the data.
    std::function<void(const std::string& path, std::string_view data)> on_write;
    // Loads the v2 device program; the default is attach_device_filter.
    std::function<Result<void>(int dirfd, const std::string& dir, const std::vector<bpf_insn>& program)>
        load_device_filter;
    // v1: re-read devices.list after the writes and check the result (runc's final check).
    bool verify_v1_devices = true;
    // Huge page sizes for stats; empty: hugepage_sizes().
    std::vector<std::string> hugepage_sizes;
    // How long freeze() waits for the kernel (runc: 1000 x 10 ms on v2).
    unsigned freeze_timeout_ms = 10000;
};

// Reports OOM kills of a container as a pollable fd (runc `events`): inotify on memory.events
// and cgroup.events (v2), or an eventfd registered on memory.oom_control (v1).
class OomWatcher {
public:
    struct Events {
        uint64_t ooms = 0; // OOM kills (v2) or OOM notifications (v1) since the last read
        bool gone = false; // the cgroup is empty or removed: stop watching
    };

    int fd() const { return m_fd.get(); }
    // Once poll() reports fd() readable (the fd is non-blocking).
    Result<Events> read();

private:
    friend class Manager;
    UniqueFd m_fd; // inotify (v2) or eventfd (v1)
    UniqueFd m_target; // v1: memory.oom_control, kept open while registered
    UniqueFd m_dirfd;
    std::string m_dir;
    bool m_v2 = false;
    int m_events_wd = -1, m_populated_wd = -1;
    uint64_t m_oom_kills = 0;
};

// A process's own way into the container's v1 hierarchies: their `tasks` files, opened by the
// runtime, to which the process writes "0" (join_self). A thread moving itself does not take the
// cgroup_threadgroup_rwsem write lock (Linux 6.0 and later), whose RCU grace period makes every
// pid written to cgroup.procs cost milliseconds. cgroup2 directories are not included: a thread
// cannot move itself into another domain there (CLONE_INTO_CGROUP or add_pid place it).
struct SelfJoin {
    struct Target {
        UniqueFd tasks; // O_WRONLY|O_CLOEXEC
        std::string path; // for errors
        bool optional = false; // CgroupDir::optional: a failure is ignored
    };
    std::vector<Target> targets;
};

// Writes "0" to every target: the calling thread joins each cgroup. The caller has one thread,
// so the whole process moves.
Result<void> join_self(const SelfJoin& join);

// Which hierarchies add_pid writes.
enum class Hierarchies { All, Cgroup2 };

class Manager {
public:
    explicit Manager(CgroupState state, ManagerOptions options = {});

    const CgroupState& state() const { return m_state; }

    // Makes the directories: v2 enables every controller the hierarchy offers in each
    // ancestor's cgroup.subtree_control (runc CreateCgroupPath; a threaded ancestor refuses
    // domain controllers); v1 cpuset copies cpus/mems down from the parents. Refuses a cgroup
    // that already holds processes ("container's cgroup is not empty: N process(es) found") or
    // is frozen ("container's cgroup unexpectedly frozen"). Undoes its mkdirs on failure.
    // `resources` may be null.
    Result<void> create(const oci::Resources* resources);

    // Writes linux.resources (not devices): plan_v2/plan_v1 from the current values they need.
    // The same call serves update: only what `r` holds is written, and a lone cpu quota or
    // period keeps the other's present value.
    Result<void> apply(const oci::Resources& r);
    // The device rules (device_rules()): the eBPF program on v2, devices.allow/deny on v1.
    // Not part of update (runc leaves devices alone there).
    Result<void> set_devices(const std::vector<DeviceRule>& rules);

    // O_PATH fd of the cgroup2 directory for clone3's CLONE_INTO_CGROUP.
    Result<UniqueFd> open_clone_fd() const;
    // Writes `pid` to cgroup.procs in every hierarchy, or in the sub-cgroups `sub` names
    // (exec --cgroup; see check_sub_cgroups). With one path for all, a hierarchy joined
    // best-effort that lacks the sub-cgroup gets the container's own cgroup instead.
    Result<void> add_pid(pid_t pid, const SubCgroups& sub = {}, Hierarchies which = Hierarchies::All);
    // The `tasks` files of the v1 hierarchies, for join_self. An optional hierarchy whose file
    // cannot be opened is left out.
    Result<SelfJoin> open_self_join() const;
    // Whether every controller `sub` names is one of a v1 hierarchy of the container ("unknown
    // controller C"; cgroup v2 takes a path without a controller), and controllers sharing a
    // hierarchy ("cpu,cpuacct") are given one path.
    Result<void> check_sub_cgroups(const SubCgroups& sub) const;

    Result<void> freeze();
    Result<void> thaw();
    Result<FreezerState> freezer_state() const;

    // Every process of the container's cgroup and its sub-cgroups.
    Result<std::vector<pid_t>> pids() const;
    bool exists() const;

    // Signals every process: cgroup.kill for SIGKILL where there is one, otherwise freeze,
    // signal each pid, thaw (runc signalAllProcesses). Refuses a cgroup holding this process.
    Result<void> kill_all(int sig);
    // Kills what is left and removes the directories, sub-cgroups first, retrying while the
    // kernel still reports them busy.
    Result<void> destroy();

    Result<Stats> stats() const;
    // OOM kills so far (memory.events oom_kill on v2, memory.oom_control oom_kill on v1).
    Result<uint64_t> oom_kill_count() const;
    Result<OomWatcher> watch_oom() const;

private:
    using Step = std::pair<Write, const CgroupDir*>;
    Result<void> write(int dirfd, const std::string& dir, const std::string& file, std::string_view data,
        bool by_line = false) const;
    Result<void> execute(const std::vector<Step>& steps);
    Result<void> check_reusable() const;
    Result<void> create_v2(
        const CgroupDir& dir, const oci::Resources* resources, std::vector<std::string>& made);
    Result<void> create_v1(const CgroupDir& dir, std::vector<std::string>& made);
    Result<void> enable_v2_controller(const CgroupDir& dir, const std::string& controller);
    Result<void> apply_v2(const oci::Resources& r);
    Result<void> apply_v1(const oci::Resources& r);
    Result<void> freeze_v1(const CgroupDir& dir);
    Result<void> refuse_own(const char* what) const;
    const CgroupDir* pid_dir() const;
    // The sub-cgroup of each of m_state.dirs (same order) that `sub` names; "" for its own.
    Result<std::vector<std::string>> sub_paths(const SubCgroups& sub) const;

    CgroupState m_state;
    ManagerOptions m_options;
};

} // namespace hull::cgroups
