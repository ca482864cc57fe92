// Foreground supervision shared by `run` and `exec` (cli-contract.md §6.2, §7): forward every
// signal hull can catch to the container process, relay its terminal, reap, and turn a wait
// status into an exit code.
#pragma once

#include "hull/error.hpp"
#include "terminal/relay.hpp"

#include <csignal>
#include <sys/types.h>

namespace hull::container {

// Every signal hull can catch, minus those that report its own faults. Blocked before the
// child exists so none is lost between clone and the loop; the child restores an empty mask
// before execve.
sigset_t forwarded_signals();

// 128+N when killed by signal N, else the exit status.
int exit_code(int wait_status);

// Forwards signals in `set` (blocked by the caller) to `child` until it exits; SIGCHLD reaps
// and SIGWINCH resizes the terminal when there is a relay. With `reap_all` (run, as subreaper)
// every child that exits is reaped; otherwise only `child` is waited for (exec). With a relay,
// stdin goes to the container's pty and its output to stdout, drained once the child is gone.
// Returns the child's wait status.
Result<int> supervise(pid_t child, const sigset_t& set, bool reap_all, terminal::ConsoleRelay* relay);

// After supervise: drops the signals of `set` still pending, which were for the child and find it
// gone (one sent while the runtime ran poststart hooks, or after the child's exit), then restores
// the mask `old`. Unblocked, they would end hull with their default action instead, before `run`
// deletes the container and with a status that is not the child's.
void end_supervision(const sigset_t& set, const sigset_t& old);

} // namespace hull::container
