// Seccomp: linux.seccomp compiled to a classic BPF program in the runtime (before clone),
// loaded by the container init right before execve, and the SCMP_ACT_NOTIFY listener hand-off.
//
//   parent (hull)                                   container init
//   compile(spec.linux->seccomp)  --CompiledFilter-->  (user, caps, no_new_privs set up)
//   serialize() into the state dir for `exec`          load() -> listener fd or -1
//   send_listener(listenerPath, fd, json)  <--fd----   (the fd reaches the parent)
//
// The semantics are runc's (libcontainer/seccomp, patchbpf): unknown syscall names are
// skipped, rules whose action equals the default action are skipped, several conditions on
// the same argument become one rule each (OR), and unknown syscalls newer than the profile
// get ENOSYS instead of the default errno (an -ENOSYS stub prefixed to libseccomp's program).
#pragma once

#include "hull/error.hpp"
#include "hull/oci/spec.hpp"
#include "hull/oci/state.hpp"

#include <cstdint>
#include <linux/filter.h>
#include <string>
#include <string_view>
#include <vector>

namespace hull::seccomp {

struct CompiledFilter {
    // The whole program: the ENOSYS stub (when the default action is not permissive) followed
    // by libseccomp's program, which checks seccomp_data.arch first.
    std::vector<sock_filter> program {};
    // SECCOMP_FILTER_FLAG_* for seccomp(SECCOMP_SET_MODE_FILTER): TSYNC, LOG, SPEC_ALLOW,
    // WAIT_KILLABLE_RECV (kept only with a listener), TSYNC_ESRCH (TSYNC with a listener).
    // NEW_LISTENER is not in here: load() adds it when `notify` is set.
    uint32_t flags = 0;
    // Some rule uses SCMP_ACT_NOTIFY: load() asks the kernel for a listener fd.
    bool notify = false;
};

bool same_program(const CompiledFilter& a, const CompiledFilter& b);

// What compile() accepts, for `hull features` (features-linux.md "Seccomp").
struct Supported {
    std::vector<std::string> actions, operators, archs, flags;
};
Supported supported();

// The most rules compile() hands libseccomp (one per syscall name, conditions on one argument
// split into rules of their own, identical rules merged), and the most argument conditions
// among them. libseccomp's time grows faster than linearly with both (2.5.4 on a 2-core
// machine: 3000 one-condition rules over 200 syscalls take 3 s, 1000 two-condition ones 5 s,
// 50000 condition-free ones 3 s, twice the conditions of the limit up to 1.7 s); at the limits
// the slowest shapes measured compile in about 0.1 s. Real profiles are far below: Docker's
// default (which containerd's, Kubernetes' RuntimeDefault, follows) makes about 350 rules with
// 7 conditions on x86-64, Podman's about 440 with 10.
inline constexpr size_t kMaxRules = 4096;
inline constexpr size_t kMaxArgConditions = 256;

// Builds the filter with libseccomp. Bad input fails naming the JSON pointer, e.g.
//   config.json: /linux/seccomp/syscalls/3/action: unknown action "X"
// An empty or unknown defaultAction, arch, flag or operator is an error; a syscall name that
// libseccomp does not know is not (it is skipped, as runc does for newer kernels' syscalls).
// A profile past kMaxRules or kMaxArgConditions is refused before libseccomp sees any of it:
//   config.json: /linux/seccomp/syscalls: 20000 argument conditions (identical rules merged),
//   more than the 512 hull compiles
Result<CompiledFilter> compile(const oci::Seccomp& config);

// seccomp(SECCOMP_SET_MODE_FILTER, flags [| NEW_LISTENER], &prog) in the calling thread.
// Returns the listener fd when filter.notify, else -1. Needs no_new_privs or CAP_SYS_ADMIN
// (the caller's job). Allocates nothing unless it fails.
Result<int> load(const CompiledFilter& filter);

// A checksummed binary form, so `exec` can load the program compiled at create time without
// libseccomp. deserialize() refuses anything truncated, corrupted or out of range.
std::string serialize(const CompiledFilter& filter);
Result<CompiledFilter> deserialize(std::string_view blob);

// runtime-spec "ContainerProcessState" (config-linux.md), compact JSON:
//   {"ociVersion":..,"fds":["seccompFd"],"pid":N,"metadata":..,"state":{runtime.md State}}
// `state` is the container's state as the runtime sees it (status "creating" during create,
// runc sets state.pid to the process pid); `metadata` is linux.seccomp.listenerMetadata and is
// left out when empty. The inner state has runtime.md's keys only: ociVersion, id, status,
// pid (left out when 0), bundle, annotations (left out when empty).
std::string container_process_state_json(const oci::State& state, int pid, const std::string& metadata);

// Connects to the AF_UNIX SOCK_STREAM socket at `listener_path` and sends `process_state_json`
// with `listener_fd` as SCM_RIGHTS on the first sendmsg, then closes the connection.
Result<void> send_listener(
    const std::string& listener_path, int listener_fd, const std::string& process_state_json);

} // namespace hull::seccomp
