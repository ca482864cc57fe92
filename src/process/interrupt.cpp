// The signals that end a foreground run before its program runs (interrupt.hpp).
#include "process/interrupt.hpp"

#include <cerrno>
#include <cstring>
#include <signal.h>
#include <string>

namespace hull::process {

namespace {

constexpr int kSignals[4] = {SIGTERM, SIGINT, SIGHUP, SIGQUIT};
constexpr int kMaxWatched = 8;

volatile sig_atomic_t g_interrupted = 0;
volatile sig_atomic_t g_active = 0;
volatile sig_atomic_t g_watched[kMaxWatched] = {};

extern "C" void on_interrupt(int sig)
{
    int saved = errno;
    if (g_interrupted == 0)
        g_interrupted = sig;
    for (auto& pid : g_watched)
        if (pid > 0)
            ::kill(static_cast<pid_t>(pid), SIGKILL);
    errno = saved;
}

} // namespace

sigset_t InterruptScope::signals()
{
    sigset_t set;
    sigemptyset(&set);
    for (int sig : kSignals)
        sigaddset(&set, sig);
    return set;
}

bool InterruptScope::active()
{
    return g_active != 0;
}

InterruptScope::InterruptScope()
{
    struct sigaction sa = {};
    sa.sa_handler = on_interrupt;
    sigfillset(&sa.sa_mask);
    for (size_t i = 0; i < 4; ++i) {
        ::sigaction(kSignals[i], nullptr, &m_old[i]);
        // One the caller ignores (SIGINT for a shell's background job) stays ignored.
        if (m_old[i].sa_handler != SIG_IGN)
            ::sigaction(kSignals[i], &sa, nullptr);
    }
    g_active = 1;
    sigset_t set = signals();
    ::sigprocmask(SIG_UNBLOCK, &set, nullptr);
}

InterruptScope::~InterruptScope()
{
    g_active = 0;
    for (size_t i = 0; i < 4; ++i)
        ::sigaction(kSignals[i], &m_old[i], nullptr);
}

InterruptBlock::InterruptBlock()
{
    if (!InterruptScope::active())
        return;
    sigset_t set = InterruptScope::signals();
    m_blocked = ::sigprocmask(SIG_BLOCK, &set, &m_old) == 0;
}

InterruptBlock::~InterruptBlock()
{
    if (m_blocked)
        ::sigprocmask(SIG_SETMASK, &m_old, nullptr);
}

int interrupted_by()
{
    return g_interrupted;
}

Error interrupted_error()
{
    const char* abbrev = ::sigabbrev_np(g_interrupted);
    std::string name = abbrev ? std::string("SIG") + abbrev : "signal " + std::to_string(g_interrupted);
    return Error::message("interrupted by " + name);
}

void watch_child(pid_t pid)
{
    for (auto& slot : g_watched) {
        if (slot == 0) {
            slot = pid;
            break;
        }
    }
    // After the slot is taken: a signal handled before this line finds it or the flag is seen.
    if (g_interrupted != 0)
        ::kill(pid, SIGKILL);
}

void forget_child(pid_t pid)
{
    for (auto& slot : g_watched)
        if (slot == pid)
            slot = 0;
}

void reset_interrupt_handlers()
{
    g_active = 0;
    for (auto& slot : g_watched)
        slot = 0;
    struct sigaction sa = {};
    sa.sa_handler = SIG_DFL;
    for (int sig : kSignals)
        ::sigaction(sig, &sa, nullptr);
}

} // namespace hull::process
