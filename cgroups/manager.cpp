// Manager: directory lifecycle (create, add_pid, pids, destroy).
#include "hull/cgroups/manager.hpp"
#include "fscommon.hpp"
#include "hull/text.hpp"
#include "procs.hpp"
#include "sleep.hpp"

#include <cerrno>
#include <csignal>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace hull::cgroups {

using detail::join;

namespace {

// The components of `path` below `mount` ("/sys/fs/cgroup/a/b" under "/sys/fs/cgroup": a, b).
std::vector<std::string> below(const std::string& mount, const std::string& path)
{
    std::vector<std::string> parts;
    std::string_view rest = std::string_view(path).substr(mount.size());
    while (!rest.empty()) {
        size_t slash = rest.find('/');
        std::string_view part = rest.substr(0, slash);
        rest = slash == std::string_view::npos ? std::string_view {} : rest.substr(slash + 1);
        if (!part.empty())
            parts.emplace_back(part);
    }
    return parts;
}

bool is_dir(const std::string& path)
{
    struct stat st { };
    return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

// mkdir that reports whether it made the directory.
Result<bool> make_dir(const std::string& path)
{
    if (::mkdir(path.c_str(), 0755) == 0)
        return true;
    if (errno == EEXIST)
        return false;
    return Error::from_errno("mkdir", path);
}

Result<void> rmdir_retry(const std::string& path, bool retry)
{
    unsigned delay = 1, tries = 10;
    for (;;) {
        if (::rmdir(path.c_str()) == 0 || errno == ENOENT)
            return ok();
        if (errno == EINTR)
            continue;
        if (errno == EBUSY && retry && tries-- > 0) {
            detail::sleep_ms(delay);
            delay *= 2;
            continue;
        }
        return Error::from_errno("rmdir", path);
    }
}

// runc's RemovePath: fast rmdir, else the sub-cgroups first, then rmdir with retries.
Result<void> remove_path(const std::string& path)
{
    if (rmdir_retry(path, false))
        return ok();
    auto children = detail::child_dirs(path);
    if (!children) {
        if (children.error().code() == ENOENT)
            return ok();
        return std::move(children).error();
    }
    for (const auto& c : children.value())
        TRY(remove_path(join(path, c)));
    return rmdir_retry(path, true);
}

} // namespace

Manager::Manager(CgroupState state, ManagerOptions options)
    : m_state(std::move(state))
    , m_options(std::move(options))
{
    if (!m_options.load_device_filter)
        m_options.load_device_filter = attach_device_filter;
}

Result<void> Manager::write(
    int dirfd, const std::string& dir, const std::string& file, std::string_view data, bool by_line) const
{
    if (by_line)
        TRY(detail::write_file_by_line(dirfd, dir, file, data));
    else
        TRY(detail::write_file(dirfd, dir, file, data));
    if (m_options.on_write)
        m_options.on_write(join(dir, file), data);
    return ok();
}

const CgroupDir* Manager::pid_dir() const
{
    if (m_state.layout == Layout::V2)
        return m_state.unified();
    for (const char* c : {"devices", "freezer", "pids", "memory"})
        if (const CgroupDir* d = m_state.find(c))
            return d;
    for (const auto& d : m_state.dirs)
        if (!d.optional)
            return &d;
    return nullptr;
}

bool Manager::exists() const
{
    const CgroupDir* d = pid_dir();
    return d && is_dir(d->path);
}

Result<std::vector<pid_t>> Manager::pids() const
{
    const CgroupDir* d = pid_dir();
    if (!d)
        return Error::message("no cgroup directory to read processes from");
    return detail::all_pids(d->path);
}

Result<void> Manager::refuse_own(const char* what) const
{
    auto own = read_own_cgroups();
    if (!own)
        return ok();
    for (const auto& d : m_state.dirs) {
        std::string mine;
        if (d.v2) {
            auto it = own.value().find("");
            if (it != own.value().end())
                mine = join(d.mount_point, it->second);
        } else {
            for (const auto& c : d.controllers) {
                auto it = own.value().find(c);
                if (it != own.value().end())
                    mine = join(d.mount_point, it->second);
            }
        }
        if (!mine.empty() && (mine == d.path || mine.compare(0, d.path.size() + 1, d.path + "/") == 0))
            return Error::message(
                std::string("refusing to ") + what + " cgroup " + d.path + ": it holds the runtime itself");
    }
    return ok();
}

Result<void> Manager::check_reusable() const
{
    for (const auto& d : m_state.dirs) {
        if (d.optional || !is_dir(d.path))
            continue;
        auto pids = detail::all_pids(d.path);
        if (!pids && pids.error().code() != ENOENT && pids.error().code() != ENODEV)
            return std::move(pids.error()).context("unable to get cgroup PIDs");
        if (pids && !pids.value().empty())
            return Error::message("container's cgroup is not empty: " + std::to_string(pids.value().size())
                + " process(es) found");
    }
    auto frozen = TRY(freezer_state().context("unable to get cgroup freezer state"));
    if (frozen == FreezerState::Frozen)
        return Error::message("container's cgroup unexpectedly frozen");
    return ok();
}

Result<void> Manager::create_v2(
    const CgroupDir& dir, const oci::Resources* resources, std::vector<std::string>& made)
{
    auto root = TRY(detail::open_dir(dir.mount_point));
    std::string available = TRY(detail::read_file(root.get(), dir.mount_point, "cgroup.controllers"));
    std::string enable;
    std::vector<std::string> each;
    std::string_view rest = trim(available);
    while (!rest.empty()) {
        size_t sp = rest.find(' ');
        each.push_back("+" + std::string(rest.substr(0, sp)));
        enable += (enable.empty() ? "" : " ") + each.back();
        rest = sp == std::string_view::npos ? std::string_view {} : trim(rest.substr(sp + 1));
    }
    bool domain = resources && needs_domain_controller(*resources);
    auto parts = below(dir.mount_point, dir.path);
    std::string current = dir.mount_point;
    for (size_t i = 0; i <= parts.size(); ++i) {
        if (i > 0) {
            current = join(current, parts[i - 1]);
            if (TRY(make_dir(current)))
                made.push_back(current);
            auto fd = TRY(detail::open_dir(current));
            auto type = detail::read_file(fd.get(), current, "cgroup.type");
            std::string t = type ? std::string(trim(type.value())) : "";
            // An ancestor holding processes of its own is "domain invalid"; threaded subtrees
            // only take thread-aware controllers.
            if (t == "domain invalid") {
                if (domain)
                    return Error::message("cannot enter cgroupv2 " + go_quote(current)
                        + " with domain controllers -- it is in an invalid state");
                (void)write(fd.get(), current, "cgroup.type", "threaded");
            } else if (t == "domain threaded" || t == "threaded") {
                if (domain)
                    return Error::message("cannot enter cgroupv2 " + go_quote(current)
                        + " with domain controllers -- it is in " + t + " mode");
            }
        }
        if (i == parts.size() || enable.empty())
            continue;
        auto fd = TRY(detail::open_dir(current));
        // All at once, else one by one; a controller that cannot be enabled shows up later as
        // a missing file when a limit needs it.
        if (!write(fd.get(), current, "cgroup.subtree_control", enable))
            for (const auto& c : each)
                (void)write(fd.get(), current, "cgroup.subtree_control", c);
    }
    return ok();
}

Result<void> Manager::create_v1(const CgroupDir& dir, std::vector<std::string>& made)
{
    bool cpuset = dir.has("cpuset");
    auto parts = below(dir.mount_point, dir.path);
    std::string current = dir.mount_point;
    for (const auto& part : parts) {
        std::string parent = current;
        current = join(current, part);
        if (TRY(make_dir(current)))
            made.push_back(current);
        if (!cpuset)
            continue;
        // A task cannot join a cpuset without cpus and mems: inherit the parent's where empty
        // (runc cpusetEnsureParent / cpusetCopyIfNeeded).
        auto pfd = TRY(detail::open_dir(parent));
        auto fd = TRY(detail::open_dir(current));
        std::string prefix = detail::file_exists(fd.get(), "cpuset.cpus") ? "cpuset." : "";
        for (const char* name : {"cpus", "mems"}) {
            std::string file = prefix + name;
            std::string mine = TRY(detail::read_file(fd.get(), current, file));
            if (!trim(mine).empty())
                continue;
            std::string theirs = TRY(detail::read_file(pfd.get(), parent, file));
            TRY(write(fd.get(), current, file, theirs));
        }
    }
    return ok();
}

Result<void> Manager::create(const oci::Resources* resources)
{
    TRY(check_reusable());
    std::vector<std::string> made;
    ScopeExit undo([&] {
        for (auto it = made.rbegin(); it != made.rend(); ++it)
            ::rmdir(it->c_str());
    });
    for (const auto& d : m_state.dirs) {
        auto r = m_state.layout == Layout::V2 ? create_v2(d, resources, made) : create_v1(d, made);
        if (!r && !d.optional)
            return std::move(r.error()).context("create cgroup " + d.path);
    }
    undo.dismiss();
    return ok();
}

Result<UniqueFd> Manager::open_clone_fd() const
{
    const CgroupDir* d = m_state.unified();
    if (!d)
        return Error::message("no cgroup2 hierarchy to start the container in");
    return detail::open_dir(d->path, O_PATH);
}

Result<std::vector<std::string>> Manager::sub_paths(const SubCgroups& sub) const
{
    std::vector<std::string> rel(m_state.dirs.size(), sub.all.value_or(""));
    if (sub.all)
        return rel;
    for (const auto& [controller, path] : sub.by_controller) {
        bool found = false;
        for (size_t i = 0; i < m_state.dirs.size(); ++i) {
            const CgroupDir& d = m_state.dirs[i];
            if (d.v2 || !d.has(controller))
                continue;
            found = true;
            // A co-mounted hierarchy is one directory: its controllers cannot go apart.
            for (const auto& other : d.controllers) {
                auto it = sub.by_controller.find(other);
                if (other != controller && it != sub.by_controller.end() && it->second != path)
                    return Error::message("controllers " + controller + " and " + other
                        + " share one cgroup hierarchy: give them the same sub-cgroup path");
            }
            rel[i] = path;
        }
        if (!found && m_state.layout == Layout::V2)
            return Error::message("unknown controller " + controller
                + ": on cgroup v2 the sub-cgroup path has no controller prefix");
        if (!found)
            return Error::message("unknown controller " + controller);
    }
    return rel;
}

Result<void> Manager::check_sub_cgroups(const SubCgroups& sub) const
{
    TRY(sub_paths(sub));
    return ok();
}

namespace {

// EINVAL: the task may still be in TASK_NEW; try again shortly (runc WriteCgroupProc).
template <typename WriteProcs> Result<void> write_procs(const std::string& path, WriteProcs&& write_one)
{
    Result<void> r = ok();
    for (int tries = 0; tries < 5; ++tries) {
        auto fd = detail::open_dir(path);
        if (!fd)
            return Error::from_code(fd.error().code(), "open", join(path, "cgroup.procs"));
        r = write_one(fd.value().get(), path);
        if (r || r.error().code() != EINVAL)
            break;
        detail::sleep_ms(30);
    }
    return r;
}

} // namespace

Result<void> Manager::add_pid(pid_t pid, const SubCgroups& sub, Hierarchies which)
{
    auto rel = TRY(sub_paths(sub));
    std::string value = std::to_string(pid);
    auto to = [&](int fd, const std::string& dir) { return write(fd, dir, "cgroup.procs", value); };
    for (size_t i = 0; i < m_state.dirs.size(); ++i) {
        const CgroupDir& d = m_state.dirs[i];
        if (which == Hierarchies::Cgroup2 && !d.v2)
            continue;
        auto r = write_procs(join(d.path, rel[i]), to);
        // No such sub-cgroup in a hierarchy the container may lack: its own cgroup there.
        if (!r && d.optional && !rel[i].empty() && r.error().code() == ENOENT)
            r = write_procs(d.path, to);
        if (!r && !d.optional)
            return r;
    }
    return ok();
}

Result<SelfJoin> Manager::open_self_join() const
{
    SelfJoin self;
    for (const CgroupDir& d : m_state.dirs) {
        if (d.v2)
            continue;
        const std::string path = join(d.path, "tasks");
        auto dir = detail::open_dir(d.path);
        if (!dir) {
            if (d.optional)
                continue;
            return Error::from_code(dir.error().code(), "open", path);
        }
        UniqueFd tasks(::openat(dir.value().get(), "tasks", O_WRONLY | O_NOFOLLOW | O_CLOEXEC));
        if (!tasks) {
            if (d.optional)
                continue;
            return Error::from_errno("open", path);
        }
        self.targets.push_back({std::move(tasks), path, d.optional});
    }
    return self;
}

Result<void> join_self(const SelfJoin& self)
{
    for (const auto& t : self.targets) {
        if (::write(t.tasks.get(), "0", 1) != 1 && !t.optional)
            return Error::from_errno("write", t.path);
    }
    return ok();
}

Result<void> Manager::destroy()
{
    TRY(refuse_own("remove"));
    if (exists()) {
        auto left = pids();
        if (left && !left.value().empty())
            (void)kill_all(SIGKILL);
    }
    Result<void> first = ok();
    for (const auto& d : m_state.dirs) {
        auto r = remove_path(d.path);
        if (!r && first)
            first = std::move(r.error()).context("unable to remove container's cgroup");
    }
    return first;
}

} // namespace hull::cgroups
