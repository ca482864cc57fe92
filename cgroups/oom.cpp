// OOM notifications (runc notify_linux.go, notify_v2_linux.go) and the OOM kill counter.
#include "fscommon.hpp"
#include "hull/cgroups/manager.hpp"

#include <cerrno>
#include <fcntl.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <unistd.h>

namespace hull::cgroups {

namespace {

const CgroupDir* memory_dir(const CgroupState& s)
{
    return s.layout == Layout::V2 ? s.unified() : s.find("memory");
}

} // namespace

Result<uint64_t> Manager::oom_kill_count() const
{
    const CgroupDir* d = memory_dir(m_state);
    if (!d)
        return Error::message("memory controller missing");
    auto fd = TRY(detail::open_dir(d->path));
    return detail::value_by_key(
        fd.get(), d->path, d->v2 ? "memory.events" : "memory.oom_control", "oom_kill");
}

Result<OomWatcher> Manager::watch_oom() const
{
    const CgroupDir* d = memory_dir(m_state);
    if (!d)
        return Error::message("memory controller missing");
    OomWatcher w;
    w.m_dir = d->path;
    w.m_v2 = d->v2;
    w.m_dirfd = TRY(detail::open_dir(d->path));
    if (d->v2) {
        w.m_oom_kills = TRY(detail::value_by_key(w.m_dirfd.get(), d->path, "memory.events", "oom_kill"));
        w.m_fd.reset(::inotify_init1(IN_CLOEXEC | IN_NONBLOCK));
        if (!w.m_fd)
            return Error::from_errno("inotify_init1");
        // There is no delete event on cgroupfs: "populated 0" in cgroup.events says it is over.
        std::string events = detail::join(d->path, "memory.events"),
                    cg = detail::join(d->path, "cgroup.events");
        w.m_events_wd = ::inotify_add_watch(w.m_fd.get(), events.c_str(), IN_MODIFY);
        if (w.m_events_wd < 0)
            return Error::from_errno("inotify_add_watch", events);
        w.m_populated_wd = ::inotify_add_watch(w.m_fd.get(), cg.c_str(), IN_MODIFY);
        if (w.m_populated_wd < 0)
            return Error::from_errno("inotify_add_watch", cg);
        return w;
    }
    w.m_target.reset(::openat(w.m_dirfd.get(), "memory.oom_control", O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
    if (!w.m_target)
        return Error::from_errno("open", detail::join(d->path, "memory.oom_control"));
    w.m_fd.reset(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
    if (!w.m_fd)
        return Error::from_errno("eventfd");
    std::string line = std::to_string(w.m_fd.get()) + " " + std::to_string(w.m_target.get());
    TRY(detail::write_file(w.m_dirfd.get(), d->path, "cgroup.event_control", line));
    return w;
}

Result<OomWatcher::Events> OomWatcher::read()
{
    Events out;
    if (!m_v2) {
        uint64_t count = 0;
        ssize_t n = ::read(m_fd.get(), &count, sizeof count);
        if (n < 0 && errno != EAGAIN && errno != EINTR)
            return Error::from_errno("read oom eventfd", m_dir);
        // Removing the cgroup also signals the eventfd.
        if (!detail::file_exists(m_dirfd.get(), "cgroup.event_control"))
            out.gone = true;
        else if (n == sizeof count)
            out.ooms = count;
        return out;
    }
    alignas(inotify_event) char buf[4096];
    bool events = false, populated = false;
    for (;;) {
        ssize_t n = ::read(m_fd.get(), buf, sizeof buf);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN)
                break;
            return Error::from_errno("read inotify", m_dir);
        }
        for (ssize_t off = 0; off + static_cast<ssize_t>(sizeof(inotify_event)) <= n;) {
            auto* e = reinterpret_cast<inotify_event*>(buf + off);
            events = events || e->wd == m_events_wd;
            populated = populated || e->wd == m_populated_wd;
            off += static_cast<ssize_t>(sizeof(inotify_event) + e->len);
        }
    }
    if (events) {
        auto kills = detail::value_by_key(m_dirfd.get(), m_dir, "memory.events", "oom_kill");
        if (!kills)
            out.gone = true;
        else if (kills.value() > m_oom_kills) {
            out.ooms = kills.value() - m_oom_kills;
            m_oom_kills = kills.value();
        }
    }
    if (populated) {
        auto p = detail::value_by_key(m_dirfd.get(), m_dir, "cgroup.events", "populated");
        out.gone = out.gone || !p || p.value() == 0;
    }
    return out;
}

} // namespace hull::cgroups
