// How a foreground `run` ends on SIGTERM, SIGINT, SIGHUP or SIGQUIT before its program runs.
//
// While `run` creates and starts the container it cannot forward these signals (there is no
// program yet), and it must not sit blocked on them either: an init stuck in a call a seccomp
// agent never answers, or a hook that never ends, would make it unkillable but by SIGKILL. So
// for that span an InterruptScope catches them. The handler records the first one and SIGKILLs
// every child watched at that moment (the init, the intermediate, a running hook); a child
// watched later is killed as it is registered. Every wait of the create sequence then ends on its
// own (the channel reaches EOF, a hook's pidfd polls readable), the error unwinds the usual
// rollback (cgroup, state directory), and the caller reports interrupted_by().
//
// The handler is async-signal-safe: a fixed table of pids, kill(2) and nothing else. Outside an
// InterruptScope watching is harmless bookkeeping.
#pragma once

#include "hull/error.hpp"

#include <csignal>
#include <sys/types.h>

namespace hull::process {

class InterruptScope {
public:
    // Catches the signals the caller does not ignore (without SA_RESTART, so a blocking call
    // returns EINTR) and unblocks them; the previous dispositions come back on destruction.
    InterruptScope();
    ~InterruptScope();
    InterruptScope(const InterruptScope&) = delete;
    InterruptScope& operator=(const InterruptScope&) = delete;

    // The signals this scope catches.
    static sigset_t signals();
    // Whether a scope is installed in this process.
    static bool active();

private:
    struct sigaction m_old[4];
};

// Blocks the scope's signals for its own life, around a clone, so that the child starts with
// them blocked; nothing when no scope is active.
class InterruptBlock {
public:
    InterruptBlock();
    ~InterruptBlock();
    InterruptBlock(const InterruptBlock&) = delete;
    InterruptBlock& operator=(const InterruptBlock&) = delete;

private:
    bool m_blocked = false;
    sigset_t m_old;
};

// The first signal an InterruptScope caught, or 0.
int interrupted_by();

// "interrupted by SIGTERM".
Error interrupted_error();

// Adds `pid` to the children killed on interruption (killed at once if one came already);
// forget_child removes it once it is reaped or handed over.
void watch_child(pid_t pid);
void forget_child(pid_t pid);

// In a freshly cloned child that inherited a scope's handler: the default dispositions back,
// while the signals are still blocked.
void reset_interrupt_handlers();

} // namespace hull::process
