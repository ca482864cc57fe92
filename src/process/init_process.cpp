#include "process/init_process.hpp"

#include "caps/caps.hpp"
#include "hull/log.hpp"
#include "process/attributes.hpp"
#include "process/user_spec.hpp"
#include "rootfs/resolve.hpp"

#include <algorithm>
#include <climits>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <linux/close_range.h>
#include <linux/sched.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <unordered_set>

namespace hull::process {

namespace {

struct RlimitName {
    const char* name;
    int resource;
};

constexpr RlimitName kRlimits[] = {
    {"RLIMIT_AS", RLIMIT_AS},
    {"RLIMIT_CORE", RLIMIT_CORE},
    {"RLIMIT_CPU", RLIMIT_CPU},
    {"RLIMIT_DATA", RLIMIT_DATA},
    {"RLIMIT_FSIZE", RLIMIT_FSIZE},
    {"RLIMIT_LOCKS", RLIMIT_LOCKS},
    {"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK},
    {"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE},
    {"RLIMIT_NICE", RLIMIT_NICE},
    {"RLIMIT_NOFILE", RLIMIT_NOFILE},
    {"RLIMIT_NPROC", RLIMIT_NPROC},
    {"RLIMIT_RSS", RLIMIT_RSS},
    {"RLIMIT_RTPRIO", RLIMIT_RTPRIO},
    {"RLIMIT_RTTIME", RLIMIT_RTTIME},
    {"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING},
    {"RLIMIT_STACK", RLIMIT_STACK},
};

std::string env_value(const std::vector<std::string>& env, std::string_view key)
{
    for (auto it = env.rbegin(); it != env.rend(); ++it) {
        if (it->size() > key.size() && it->compare(0, key.size(), key) == 0 && (*it)[key.size()] == '=')
            return it->substr(key.size() + 1);
    }
    return {};
}

// Go's findExecutable: a regular file with any execute bit; a directory is EACCES.
int find_executable(const std::string& path)
{
    struct stat st;
    if (::stat(path.c_str(), &st) < 0)
        return errno;
    if (S_ISDIR(st.st_mode))
        return EACCES;
    if ((st.st_mode & 0111) == 0)
        return EACCES;
    return 0;
}

// HOME from the container's /etc/passwd (read beneath the root; a device node or fifo there is
// never opened), or "/".
std::string home_of(uid_t uid)
{
    UniqueFd root(::open("/", O_PATH | O_DIRECTORY | O_CLOEXEC));
    return root ? home_in_root(root.get(), uid) : "/";
}

// P4: a cwd outside the container's root (a leaked host fd, CVE-2024-21626) reads as
// "(unreachable)/..." or ENOENT from getcwd; either is fatal.
Result<void> verify_cwd()
{
    char buf[4096];
    if (!::getcwd(buf, sizeof buf))
        return Error::from_errno("getcwd", "(verifying the working directory)");
    if (buf[0] != '/')
        return Error::message(
            std::string("current working directory is outside of container mount namespace root: ") + buf);
    return ok();
}

} // namespace

bool env_has(const std::vector<std::string>& env, std::string_view key)
{
    for (const auto& e : env)
        if (e.size() > key.size() && e.compare(0, key.size(), key) == 0 && e[key.size()] == '=')
            return true;
    return false;
}

int rlimit_resource(const std::string& name)
{
    for (const auto& r : kRlimits)
        if (name == r.name)
            return r.resource;
    return -1;
}

Result<std::string> look_path(const std::string& file, const std::vector<std::string>& env)
{
    std::string quoted = "exec: \"" + file + "\": ";
    if (file.find('/') != std::string::npos) {
        int err = find_executable(file);
        if (err == 0)
            return file;
        // Go's wording (lower case), which podman and Docker match to pick exit codes 126/127.
        if (err == ENOENT)
            return Error::message(quoted + "stat " + file + ": no such file or directory");
        if (err == ENOTDIR)
            return Error::message(quoted + "stat " + file + ": not a directory");
        return Error::message(quoted + "permission denied");
    }
    std::string path = env_value(env, "PATH");
    size_t start = 0;
    while (start <= path.size()) {
        size_t end = path.find(':', start);
        if (end == std::string::npos)
            end = path.size();
        std::string dir = end > start ? path.substr(start, end - start) : std::string(1, '.');
        // Appended rather than concatenated: GCC 12 reports a false -Wrestrict here (bug 105651).
        std::string candidate = std::move(dir);
        candidate += '/';
        candidate += file;
        if (find_executable(candidate) == 0)
            return candidate;
        start = end + 1;
    }
    return Error::message(quoted + "executable file not found in $PATH");
}

SeccompTiming seccomp_timing(const seccomp::CompiledFilter* filter, bool no_new_privileges)
{
    if (!filter)
        return SeccompTiming::None;
    if (!no_new_privileges)
        return SeccompTiming::BeforeUserChange;
    return filter->notify ? SeccompTiming::EndOfSetup : SeccompTiming::BeforeExec;
}

std::vector<std::string> dedupe_env(const std::vector<std::string>& env)
{
    // Walked from the end, so the last occurrence of each name is the one kept, in its place.
    std::vector<std::string> out;
    out.reserve(env.size());
    std::unordered_set<std::string_view> seen;
    for (auto it = env.rbegin(); it != env.rend(); ++it) {
        std::string_view kv = *it;
        std::string_view name = kv.substr(0, kv.find('='));
        if (!seen.insert(name).second)
            continue;
        if (name == "HOME" && kv.size() == name.size() + 1)
            continue;
        out.push_back(*it);
    }
    std::reverse(out.begin(), out.end());
    return out;
}

namespace {

// The first chdir is made as root in the container, so a cwd only root can enter (/root for a
// uid 1000 process) still starts, as under runc. A refusal (EACCES, EPERM: an owner root does
// not map to, a root-squashing filesystem) is retried as the container user after the user
// change; returns whether that retry is needed.
Result<bool> enter_cwd_as_root(Sys& sys, const std::string& cwd)
{
    auto entered = sys.chdir(cwd);
    if (!entered) {
        int code = entered.error().code();
        if (code == EACCES || code == EPERM)
            return true;
        return std::move(entered).error().context("change to the working directory");
    }
    TRY(verify_cwd());
    return false;
}

} // namespace

Result<ExecTarget> prepare_process(Sys& sys, const oci::Process& process, const PrepareOptions& options)
{
    std::string cwd = process.cwd.empty() ? "/" : process.cwd;
    // A missing cwd is created inside the rootfs as container root, as runc does.
    if (options.missing_cwd == MissingCwd::Create) {
        UniqueFd root(::open("/", O_PATH | O_DIRECTORY | O_CLOEXEC));
        if (!root)
            return Error::from_errno("open", "/");
        TRY(rootfs::make_in_root(root.get(), cwd, rootfs::Kind::Directory).context("create cwd " + cwd));
    }
    const bool retry_cwd = TRY(enter_cwd_as_root(sys, cwd));
    // Scheduling attributes before the user change: raising priorities needs CAP_SYS_NICE.
    if (process.scheduler)
        TRY(apply_scheduler(*process.scheduler));
    if (process.ioPriority)
        TRY(apply_io_priority(*process.ioPriority));
    const auto& user = process.user;
    ExecTarget target;
    target.args = process.args;
    target.env = dedupe_env(process.env);
    // HOME is looked up while files can still be opened: RLIMIT_NOFILE may be tiny.
    if (!env_has(target.env, "HOME"))
        target.env.push_back("HOME=" + home_of(user.uid));
    // Resolved in the cwd as container root, before any filter could block the stat calls;
    // execve then checks the user's search and execute permissions. A cwd refused to root is
    // entered later, and a relative name resolves only from there.
    if (!retry_cwd)
        target.path = TRY(look_path(process.args.at(0), target.env));

    // rlimits as late as they can be: after the last file hull opens (a soft RLIMIT_NOFILE of
    // 4 must still start), before the user change (raising a hard limit needs privilege).
    for (const auto& rl : process.rlimits) {
        struct rlimit lim = {static_cast<rlim_t>(rl.soft), static_cast<rlim_t>(rl.hard)};
        TRY(sys.setrlimit(rlimit_resource(rl.type), lim).context("set " + rl.type));
    }
    ::umask(user.umask ? static_cast<mode_t>(*user.umask) : 0022);
    if (process.noNewPrivileges)
        TRY(sys.prctl(PR_SET_NO_NEW_PRIVS, 1));

    // A process without a capabilities object gets none: every set empty, the bounding set
    // dropped whole (as runc), never the runtime's own.
    const oci::Capabilities capabilities = process.capabilities.value_or(oci::Capabilities {});
    TRY(caps::drop_bounding(capabilities));
    TRY(sys.prctl(PR_SET_KEEPCAPS, 1));
    std::vector<gid_t> groups(process.user.additionalGids.begin(), process.user.additionalGids.end());
    TRY(sys.setgroups(groups).context("set additional gids"));
    TRY(sys.setresgid(user.gid));
    // Still uid 0 with every effective capability: the last point a filter can be loaded
    // without no_new_privs. From here only the uid and capability calls follow, and, when root
    // was refused the cwd, its chdir, getcwd and the executable lookup as the user.
    if (options.before_user_change)
        TRY(options.before_user_change());
    TRY(sys.setresuid(user.uid));
    if (retry_cwd) {
        TRY(sys.chdir(cwd).context("change to the working directory"));
        TRY(verify_cwd());
        target.path = TRY(look_path(process.args.at(0), target.env));
    }
    TRY(sys.prctl(PR_SET_KEEPCAPS, 0));
    TRY(caps::apply_sets(capabilities));
    return target;
}

void close_inherited_fds(unsigned preserve_fds, std::vector<int> keep)
{
    const int first = 3 + static_cast<int>(preserve_fds);
    keep.push_back(log::sink_fd());
    std::sort(keep.begin(), keep.end());
    int from = first;
    auto close_span = [](int lo, int hi) { // [lo, hi]
        if (lo > hi)
            return;
        if (::syscall(SYS_close_range, static_cast<unsigned>(lo), static_cast<unsigned>(hi), 0) < 0)
            for (int fd = lo; fd <= hi && fd < 65536; ++fd)
                ::close(fd);
    };
    for (int fd : keep) {
        if (fd < from)
            continue;
        close_span(from, fd - 1);
        from = fd + 1;
    }
    close_span(from, INT_MAX);
}

NonDumpableScope::NonDumpableScope()
    : m_previous(::prctl(PR_GET_DUMPABLE, 0, 0, 0, 0))
{
    ::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

NonDumpableScope::~NonDumpableScope()
{
    // PR_SET_DUMPABLE takes 0 or 1; a runtime that was not dumpable stays so.
    if (m_previous == 1)
        ::prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
}

Result<void> finish_exec_setup(const ExecTarget& target, unsigned preserve_fds)
{
    // P3: nothing of the runtime survives execve except stdio and the preserved fds.
    unsigned first = 3 + preserve_fds;
    if (::syscall(SYS_close_range, first, ~0U, CLOSE_RANGE_CLOEXEC) < 0) {
        for (int fd = static_cast<int>(first); fd < 65536; ++fd)
            ::fcntl(fd, F_SETFD, FD_CLOEXEC);
    }
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    if (target.seccomp) {
        if (auto loaded = seccomp::load(*target.seccomp); !loaded)
            return std::move(loaded).error().context("load the seccomp filter");
    }
    return ok();
}

Error execute(const ExecTarget& target)
{
    std::vector<char*> argv, envp;
    for (const auto& a : target.args)
        argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    for (const auto& e : target.env)
        envp.push_back(const_cast<char*>(e.c_str()));
    envp.push_back(nullptr);
    ::execve(target.path.c_str(), argv.data(), envp.data());
    return Error::from_errno("exec", target.path);
}

Error exec_process(const ExecTarget& target, unsigned preserve_fds)
{
    if (auto ready = finish_exec_setup(target, preserve_fds); !ready)
        return std::move(ready).error();
    return execute(target);
}

pid_t clone_child(int flags, int cgroup_fd, bool* into_cgroup)
{
    struct clone_args args = {};
    args.flags = static_cast<uint64_t>(flags);
    args.exit_signal = SIGCHLD;
    *into_cgroup = false;
    long pid = -1;
    if (cgroup_fd >= 0) {
        args.flags |= CLONE_INTO_CGROUP;
        args.cgroup = static_cast<uint64_t>(cgroup_fd);
        pid = ::syscall(SYS_clone3, &args, sizeof args);
        if (pid >= 0) {
            *into_cgroup = true;
            return static_cast<pid_t>(pid);
        }
        args.flags &= ~static_cast<uint64_t>(CLONE_INTO_CGROUP);
        args.cgroup = 0;
    }
    pid = ::syscall(SYS_clone3, &args, sizeof args);
    if (pid < 0 && errno == ENOSYS)
        pid = ::syscall(SYS_clone, static_cast<unsigned long>(flags) | SIGCHLD, 0, 0, 0, 0);
    return static_cast<pid_t>(pid);
}

} // namespace hull::process
