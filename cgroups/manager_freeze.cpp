// Manager: freezer and signalling every process.
#include "fscommon.hpp"
#include "hull/cgroups/manager.hpp"
#include "hull/log.hpp"
#include "hull/text.hpp"
#include "sleep.hpp"

#include <cerrno>
#include <csignal>

namespace hull::cgroups {

namespace {

bool gone(int code)
{
    return code == ENOENT || code == ENODEV;
}

Result<std::string> read_state(int fd, const std::string& dir, const char* file)
{
    auto text = TRY(detail::read_file(fd, dir, file));
    return std::string(trim(text));
}

} // namespace

Result<void> Manager::freeze_v1(const CgroupDir& d)
{
    auto fd = TRY(detail::open_dir(d.path));
    // v1 may stay FREEZING while tasks keep forking: retry, thawing now and then (runc's
    // empirically tuned loop), and never leave the cgroup half frozen on failure.
    ScopeExit thaw_back([&] { (void)write(fd.get(), d.path, "freezer.state", "THAWED"); });
    for (int i = 0; i < 1000; ++i) {
        if (i % 50 == 49) {
            (void)write(fd.get(), d.path, "freezer.state", "THAWED");
            detail::sleep_ms(10);
        }
        TRY(write(fd.get(), d.path, "freezer.state", "FROZEN"));
        if (i % 25 == 24)
            detail::sleep_us(10);
        std::string state = TRY(read_state(fd.get(), d.path, "freezer.state"));
        if (state == "FROZEN") {
            thaw_back.dismiss();
            return ok();
        }
        if (state != "FREEZING")
            return Error::message("unexpected state " + state + " while freezing");
    }
    return Error::message("unable to freeze");
}

Result<void> Manager::freeze()
{
    if (m_state.layout != Layout::V2) {
        const CgroupDir* d = m_state.find("freezer");
        if (!d)
            return Error::message("cannot toggle freezer: cgroups not configured for container");
        return freeze_v1(*d);
    }
    const CgroupDir* d = m_state.unified();
    if (!d)
        return Error::message("cannot toggle freezer: cgroups not configured for container");
    auto fd = TRY(detail::open_dir(d->path));
    if (!detail::file_exists(fd.get(), "cgroup.freeze"))
        return Error::from_code(
            ENOENT, "freezer not supported: open", detail::join(d->path, "cgroup.freeze"));
    TRY(write(fd.get(), d->path, "cgroup.freeze", "1"));
    std::string state = TRY(read_state(fd.get(), d->path, "cgroup.freeze"));
    if (state != "1")
        return Error::message(
            "expected \"cgroup.freeze\" to be in state \"FROZEN\" but was in " + go_quote(state));
    // The kernel freezes asynchronously: cgroup.events says when it is done.
    for (unsigned waited = 0;; waited += 10) {
        uint64_t frozen = TRY(detail::value_by_key(fd.get(), d->path, "cgroup.events", "frozen"));
        if (frozen == 1)
            return ok();
        if (waited >= m_options.freeze_timeout_ms)
            return Error::message("timeout of " + std::to_string(m_options.freeze_timeout_ms / 1000)
                + "s reached waiting for the cgroup to freeze");
        detail::sleep_ms(10);
    }
}

Result<void> Manager::thaw()
{
    if (m_state.layout != Layout::V2) {
        const CgroupDir* d = m_state.find("freezer");
        if (!d)
            return Error::message("cannot toggle freezer: cgroups not configured for container");
        auto fd = TRY(detail::open_dir(d->path));
        return write(fd.get(), d->path, "freezer.state", "THAWED");
    }
    const CgroupDir* d = m_state.unified();
    if (!d)
        return Error::message("cannot toggle freezer: cgroups not configured for container");
    auto fd = TRY(detail::open_dir(d->path));
    // Without a freezer there is nothing to thaw.
    if (!detail::file_exists(fd.get(), "cgroup.freeze"))
        return ok();
    TRY(write(fd.get(), d->path, "cgroup.freeze", "0"));
    std::string state = TRY(read_state(fd.get(), d->path, "cgroup.freeze"));
    if (state != "0")
        return Error::message(
            "expected \"cgroup.freeze\" to be in state \"THAWED\" but was in " + go_quote(state));
    return ok();
}

Result<FreezerState> Manager::freezer_state() const
{
    const CgroupDir* d = m_state.layout == Layout::V2 ? m_state.unified() : m_state.find("freezer");
    if (!d)
        return FreezerState::Undefined;
    auto fd = detail::open_dir(d->path);
    if (!fd) {
        if (gone(fd.error().code()))
            return FreezerState::Undefined;
        return std::move(fd).error();
    }
    if (m_state.layout == Layout::V2) {
        auto state = read_state(fd.value().get(), d->path, "cgroup.freeze");
        if (!state)
            return gone(state.error().code()) ? Result<FreezerState>(FreezerState::Undefined)
                                              : Result<FreezerState>(std::move(state).error());
        if (state.value() == "0")
            return FreezerState::Thawed;
        if (state.value() == "1")
            return FreezerState::Frozen;
        return Error::message("unknown \"cgroup.freeze\" state: " + go_quote(state.value()));
    }
    for (int tries = 0;; ++tries) {
        auto state = read_state(fd.value().get(), d->path, "freezer.state");
        if (!state)
            return gone(state.error().code()) ? Result<FreezerState>(FreezerState::Undefined)
                                              : Result<FreezerState>(std::move(state).error());
        if (state.value() == "THAWED")
            return FreezerState::Thawed;
        if (state.value() == "FROZEN") {
            // Frozen itself, or only through a frozen ancestor?
            auto self = read_state(fd.value().get(), d->path, "freezer.self_freezing");
            if (!self)
                return gone(self.error().code()) ? Result<FreezerState>(FreezerState::Frozen)
                                                 : Result<FreezerState>(std::move(self).error());
            return self.value() == "1" ? FreezerState::Frozen : FreezerState::Thawed;
        }
        if (state.value() != "FREEZING")
            return Error::message("unknown freezer.state " + go_quote(state.value()));
        if (tries >= 1000)
            return FreezerState::Frozen;
        detail::sleep_ms(1);
    }
}

Result<void> Manager::kill_all(int sig)
{
    TRY(refuse_own("signal the processes of"));
    if (!exists())
        return Error::from_code(ENOENT, "signal the processes of cgroup", pid_dir() ? pid_dir()->path : "");
    if (sig == SIGKILL) {
        if (const CgroupDir* u = m_state.unified()) {
            auto fd = detail::open_dir(u->path);
            if (fd) {
                auto r = write(fd.value().get(), u->path, "cgroup.kill", "1");
                // On hybrid hosts the cgroup2 directory is a companion: a process the v1
                // hierarchies hold can be outside it, so they are read as well.
                if (m_state.layout == Layout::V2 && (r || r.error().code() != ENOENT))
                    return r;
            } else if (m_state.layout == Layout::V2) {
                return std::move(fd).error();
            }
        }
    }
    // Freeze so nothing forks between reading the list and the signals.
    if (auto r = freeze(); !r)
        log::warning(r.error().text());
    auto pids = this->pids();
    if (pids) {
        for (pid_t pid : pids.value())
            if (::kill(pid, sig) < 0 && errno != ESRCH)
                log::warning(Error::from_errno("kill", std::to_string(pid)).text());
    }
    if (auto r = thaw(); !r)
        log::warning(r.error().text());
    if (!pids)
        return std::move(pids).error();
    return ok();
}

} // namespace hull::cgroups
