// The short waits of the manager's retry loops (freezing, emptying a cgroup), restarted after
// a signal so a wait is never cut short.
#pragma once

#include <cerrno>
#include <time.h>

namespace hull::cgroups::detail {

inline void sleep_us(unsigned us)
{
    timespec ts {static_cast<time_t>(us / 1000000u), static_cast<long>(us % 1000000u) * 1000L};
    while (::nanosleep(&ts, &ts) < 0 && errno == EINTR) { }
}

inline void sleep_ms(unsigned ms)
{
    sleep_us(ms * 1000u);
}

} // namespace hull::cgroups::detail
