// The recorded init and its processes: signal names, signalling through a pidfd checked
// against the recorded start time, probing and waiting for the init, handing out its pidfd.
#pragma once

#include "container/state_store.hpp"
#include "hull/error.hpp"
#include "hull/fd.hpp"

#include <chrono>
#include <string>
#include <string_view>
#include <sys/types.h>

namespace hull::container {

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

// --pidfd-socket: a pidfd of `pid` sent over the connected socket with runc's name for the
// process kind ("standard" for the init, "setns" for exec), one fd in one message.
Result<void> send_pidfd(int socket_fd, pid_t pid, std::string_view kind);

// Waits until the recorded init is gone (exited, even if not yet reaped by its parent).
// Returns false on timeout.
bool wait_for_exit(const ContainerRecord& record, std::chrono::milliseconds timeout);

} // namespace hull::container
