// Helpers shared by the verbs: where the state lives, loading a bundle, signals, waiting.
#pragma once

#include "container/options.hpp"
#include "container/state_store.hpp"
#include "hull/error.hpp"
#include "hull/oci/spec.hpp"
#include "hull/oci/state.hpp"

#include <chrono>
#include <string>

namespace hull::container {

std::string state_root(const GlobalOptions& global);

// An existing container: its locked (or not) directory, record and live status.
struct Loaded {
    StateDir dir;
    ContainerRecord record;
    Status status;
};
enum class Lock { Exclusive, None };
Result<Loaded> load_container(const GlobalOptions& global, const std::string& id, Lock lock);
// The record and live status of an opened directory ("container does not exist" without
// state.json).
Result<Loaded> load_record(StateDir dir);

// A signal given as a number (0 probes without sending), a name, or a name with "SIG" (any
// case): unknown signal "X".
Result<int> parse_signal(const std::string& text);

// Sends `sig` to the init through a pidfd checked against the recorded start time, so a
// reused pid is never signalled. With `all`, every process of the container's pid namespace.
Result<void> signal_container(const ContainerRecord& record, int sig, bool all);

// A pidfd of the recorded init (checked against its start time): "container not running"
// when it is gone.
Result<UniqueFd> open_init_pidfd(const ContainerRecord& record);
// Whether the process behind a pidfd from open_init_pidfd still exists: after it, whatever was
// opened by its pid number before the call belonged to it ("container not running" if not).
Result<void> check_init_alive(int pidfd);

// Reads <bundle>/config.json: the text and the validated spec.
struct BundleConfig {
    std::string text;
    oci::Spec spec;
};
Result<BundleConfig> read_bundle_config(const std::string& bundle);

// --pidfd-socket: a pidfd of `pid` sent over the connected socket with runc's name for the
// process kind ("standard" for the init, "setns" for exec), one fd in one message.
Result<void> send_pidfd(int socket_fd, pid_t pid, std::string_view kind);

// Removes what a dead (or killed) container leaves: its cgroup (killing stragglers), then its
// state directory. Run poststop hooks after this.
Result<void> destroy_container(StateDir& dir, const ContainerRecord& record);

// Waits until the recorded init is gone (exited, even if not yet reaped by its parent).
// Returns false on timeout.
bool wait_for_exit(const ContainerRecord& record, std::chrono::milliseconds timeout);

// The OCI state of a recorded container with the given status, as hooks and `state` see it.
oci::State state_of(const ContainerRecord& record, Status status);

// Runs poststart hooks from the bundle directory. A failure kills the container's processes
// and is returned as the verb's error, as runc does (runtime.md asks only for a warning).
Result<void> run_poststart_hooks(const ContainerRecord& record);
// Runs poststop hooks from the bundle directory; failures only warn.
void run_poststop_hooks(const ContainerRecord& record);

// Makes `path` absolute against the current directory.
std::string absolute_path(const std::string& path);

} // namespace hull::container
