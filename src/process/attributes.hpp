// Kernel attributes of the container process that are neither ids, capabilities nor rlimits:
// the scheduler (config.md "Linux Process" `scheduler`), the I/O priority (`ioPriority`), the
// CPU affinity (`execCPUAffinity`), the execution domain (config-linux.md "Personality"), and the
// environment of systemd socket activation (LISTEN_FDS, cli-contract.md §7.3).
//
// The apply_* functions act on the calling process and are run by the container init, after the
// rootfs is ready and before the user change, so that they still run with the container's root
// privileges; the settings survive execve and are inherited by children. Raising a priority needs
// CAP_SYS_NICE: a nice value below the RLIMIT_NICE floor, a real-time policy or priority, and
// SCHED_DEADLINE (IOPRIO_CLASS_RT needs CAP_SYS_ADMIN, or CAP_SYS_NICE on recent kernels). Lowering
// a priority needs no privilege.
//
// Parsing is kept apart from applying: parse_cpu_list, listen_fds_from_env and with_listen_env
// are pure and make no system calls.
#pragma once

#include <cstdint>

#include "hull/error.hpp"
#include "hull/oci/spec.hpp"

#include <sched.h>
#include <string>
#include <string_view>
#include <sys/types.h>
#include <vector>

namespace hull::process {

// The argument of sched_setattr(2), as in the kernel's include/uapi/linux/sched/types.h up to the
// utilization clamps (SCHED_ATTR_SIZE_VER1, 56 bytes). It is spelled out here because glibc only
// gained a declaration in 2.41. Kernels that predate the clamps accept the larger size as long as
// the extra fields are zero.
struct SchedAttr {
    uint32_t size;
    uint32_t sched_policy;
    uint64_t sched_flags;
    int32_t sched_nice;
    uint32_t sched_priority;
    uint64_t sched_runtime;
    uint64_t sched_deadline;
    uint64_t sched_period;
    uint32_t sched_util_min;
    uint32_t sched_util_max;
};

// Parses a Linux cpu list ("0-3,7,9-10"): comma-separated CPUs or inclusive ranges, with optional
// blanks around each item. Empty lists and items, reversed ranges, anything that is not a decimal
// number and CPUs at or above CPU_SETSIZE are errors naming the list.
Result<cpu_set_t> parse_cpu_list(std::string_view list);

// sched_setattr(2) on the calling process with the policy, flags, nice, priority and deadline
// parameters of `scheduler`. Unknown policy or flag names are errors naming the field.
Result<void> apply_scheduler(const oci::Scheduler& scheduler);

// ioprio_set(2) with IOPRIO_WHO_PROCESS on the calling process; its children inherit the value.
// The class is IOPRIO_CLASS_RT, IOPRIO_CLASS_BE or IOPRIO_CLASS_IDLE and the priority 0..7.
Result<void> apply_io_priority(const oci::IoPriority& io_priority);

// personality(2) with PER_LINUX or PER_LINUX32. The spec defines no flags, so any flag is an error.
Result<void> apply_personality(const oci::Personality& personality);

// sched_setaffinity(2) on the calling process to the CPUs of `list` (parse_cpu_list syntax).
Result<void> apply_cpu_affinity(std::string_view list);

// Socket activation: the number of fds from 3 on that systemd handed to this runtime.
struct ListenFds {
    unsigned count = 0;
};

// Reads LISTEN_PID and LISTEN_FDS (either may be null). The fds are ours only when LISTEN_PID is
// `self`; a missing, mismatched or malformed value gives a count of 0, as sd_listen_fds(3) does.
ListenFds listen_fds_from_env(const char* listen_pid, const char* listen_fds, pid_t self);

// The container's env with LISTEN_FDS=<count> and LISTEN_PID=1 when count > 0: the passed fds
// become the container process's fds 3..3+count-1, and LISTEN_PID=1 names it as it sees itself in
// its own pid namespace (runc sets the same).
// Existing LISTEN_FDS and LISTEN_PID entries are replaced. With a count of 0, env is returned as is.
std::vector<std::string> with_listen_env(std::vector<std::string> env, const ListenFds& listen);

} // namespace hull::process
