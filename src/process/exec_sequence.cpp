// Both sides of `exec` (exec_sequence.hpp).
#include "process/exec_sequence.hpp"

#include "hull/log.hpp"
#include "hull/namespaces/plan.hpp"
#include "lsm/lsm.hpp"
#include "process/attributes.hpp"
#include "process/init_process.hpp"
#include "process/protocol.hpp"
#include "terminal/console.hpp"

#include <csignal>
#include <fcntl.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace hull::process {

namespace {

constexpr oci::NamespaceType kAllTypes[] = {oci::NamespaceType::User, oci::NamespaceType::Mount,
    oci::NamespaceType::Network, oci::NamespaceType::Ipc, oci::NamespaceType::Uts, oci::NamespaceType::Cgroup,
    oci::NamespaceType::Time, oci::NamespaceType::Pid};

// setns(2) on the init's pidfd. ESRCH: the init is gone (its pid number may be another
// process's by now).
Result<void> join_through_pidfd(Sys& sys, int init_pidfd, int flags, const std::string& what)
{
    auto joined = sys.setns(init_pidfd, flags);
    if (!joined && joined.error().code() == ESRCH)
        return Error::from_code(ESRCH, "container not running").context("join the container's " + what);
    return std::move(joined).context("join the container's " + what);
}

// Joins every namespace in `flags` but pid (the runtime entered it for us) at once.
Result<void> join_namespaces(Sys& sys, int init_pidfd, int flags)
{
    flags &= ~CLONE_NEWPID;
    if (flags == 0)
        return ok();
    return join_through_pidfd(sys, init_pidfd, flags, "namespaces");
}

// Through the runtime's own /proc: the exec child runs this before it joins the container's
// mount namespace, whose /proc the container controls (security.md P8).
Result<void> write_oom_score_adj(Sys& sys, int value)
{
    return sys.write_file_at(AT_FDCWD, "/proc/self/oom_score_adj", std::to_string(value))
        .context("set oom_score_adj");
}

// The exec child, from fork to execve. State: the runtime's namespaces except pid; root.
Result<ExecTarget> set_up_exec(const ExecRequest& req, Channel& channel)
{
    LinuxSys sys;
    const oci::Process& p = *req.process;
    // config.md: "initial" before the transition to the container's cgroup, "final" after.
    if (p.execCPUAffinity && !p.execCPUAffinity->initial.empty())
        TRY(apply_cpu_affinity(p.execCPUAffinity->initial).context("execCPUAffinity.initial"));
    if (p.oomScoreAdj)
        TRY(write_oom_score_adj(sys, *p.oomScoreAdj));
    if (req.join_cgroup)
        TRY(channel.wait_setup_ready());
    TRY(join_namespaces(sys, req.init_pidfd, req.namespaces));
    if (req.init_root >= 0) {
        TRY(sys.fchdir(req.init_root).context("enter the container's root"));
        TRY(sys.chroot(".").context("enter the container's root"));
        TRY(sys.chdir("/"));
    }
    // P3: nothing of the runtime (its state dir, the namespace files, the caller's leaks) is
    // reachable through /proc/self/fd from here on.
    close_inherited_fds(req.preserve_fds, {channel.fd(), req.console_socket});
    if (p.execCPUAffinity && !p.execCPUAffinity->final.empty())
        TRY(apply_cpu_affinity(p.execCPUAffinity->final).context("execCPUAffinity.final"));
    if (!req.keyring.empty())
        TRY(join_session_keyring(req.keyring));
    if (p.terminal) {
        auto pty = TRY(terminal::open_container_pty(p.consoleSize));
        TRY(terminal::give_pty_to(pty.slave.get(), p.user.uid));
        TRY(terminal::send_console_master(req.console_socket, pty.master.get(), pty.master_name));
        ::close(req.console_socket);
        pty.master.reset();
        TRY(terminal::make_controlling_terminal(std::move(pty.slave)));
    }
    if (!p.apparmorProfile.empty() || !p.selinuxLabel.empty())
        TRY(lsm::set_exec_labels(sys, p));
    if (req.mempolicy)
        TRY(apply_mempolicy(*req.mempolicy));
    // The same order as the init's (init_process.hpp SeccompTiming).
    auto timing = seccomp_timing(req.seccomp, p.noNewPrivileges);
    auto load_filter = [&]() { return load_seccomp_filter(*req.seccomp, channel); };
    PrepareOptions options;
    options.missing_cwd = MissingCwd::Fail;
    if (timing == SeccompTiming::BeforeUserChange)
        options.before_user_change = load_filter;
    auto target = TRY(prepare_process(sys, p, options));
    if (timing == SeccompTiming::EndOfSetup)
        TRY(load_filter());
    if (timing == SeccompTiming::BeforeExec)
        target.seccomp = req.seccomp;
    return target;
}

[[noreturn]] void run_exec_side(const ExecRequest& req, Channel channel)
{
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    ::prctl(PR_SET_NAME, "hull:[EXEC]");
    // P2: no container process may ptrace us or read our fds until execve.
    ::prctl(PR_SET_DUMPABLE, 0);
    if (req.console_socket >= 0 && !req.process->terminal)
        ::close(req.console_socket);
    ExecTarget target;
    try {
        auto prepared = set_up_exec(req, channel);
        if (!prepared) {
            channel.report_error(prepared.error());
            ::_exit(1);
        }
        target = std::move(prepared.value());
    } catch (const std::exception& e) {
        channel.report_error(Error::message(std::string("unexpected exception: ") + e.what()));
        ::_exit(1);
    }
    // `exec -d`: the runtime exits once we run; we must not die with it.
    ::prctl(PR_SET_PDEATHSIG, 0);
    if (auto ready = finish_exec_setup(target, req.preserve_fds); !ready) {
        channel.report_error(ready.error());
        ::_exit(1);
    }
    // runc's order: setup is over once the channel closes, so a program the kernel refuses
    // (a missing interpreter, an unknown format) is the process's own failure, told on its
    // stderr in runc's words with runc's status 255.
    channel.close();
    Error e = execute(target);
    std::string msg = e.text() + "\n";
    (void)!::write(STDERR_FILENO, msg.data(), msg.size());
    ::_exit(255);
}

// Enters the init's pid namespace for the runtime's children; the destructor goes back.
class PidNamespaceForChildren {
public:
    static Result<PidNamespaceForChildren> enter(Sys& sys, int init_pidfd, int flags)
    {
        PidNamespaceForChildren guard;
        if (!(flags & CLONE_NEWPID))
            return guard;
        guard.m_own = UniqueFd(::open("/proc/self/ns/pid_for_children", O_RDONLY | O_CLOEXEC));
        if (!guard.m_own)
            return Error::from_errno("open", "/proc/self/ns/pid_for_children");
        TRY(join_through_pidfd(sys, init_pidfd, CLONE_NEWPID, "pid namespace"));
        return guard;
    }
    ~PidNamespaceForChildren()
    {
        if (m_own)
            (void)::setns(m_own.get(), CLONE_NEWPID);
    }
    PidNamespaceForChildren(PidNamespaceForChildren&&) = default;

private:
    PidNamespaceForChildren() = default;
    UniqueFd m_own;
};

} // namespace

Result<int> differing_namespaces(pid_t init)
{
    int flags = 0;
    std::string dir = "/proc/" + std::to_string(init) + "/ns/";
    for (auto type : kAllTypes) {
        std::string name = ns::proc_name(type);
        struct stat theirs, ours;
        if (::stat((dir + name).c_str(), &theirs) < 0) {
            if (errno == ENOENT && type == oci::NamespaceType::Time)
                continue;
            return Error::from_errno("stat", dir + name);
        }
        // For pid: the namespace the runtime's children would get is its own.
        if (::stat(("/proc/self/ns/" + name).c_str(), &ours) < 0)
            return Error::from_errno("stat", "/proc/self/ns/" + name);
        if (theirs.st_dev != ours.st_dev || theirs.st_ino != ours.st_ino)
            flags |= ns::clone_flag(type);
    }
    return flags;
}

Result<ChildProcess> spawn_exec(const ExecRequest& req)
{
    LinuxSys sys;
    auto pair = TRY(FdPair::socketpair(SOCK_SEQPACKET));
    pid_t pid;
    {
        auto pid_ns = TRY(PidNamespaceForChildren::enter(sys, req.init_pidfd, req.namespaces));
        NonDumpableScope non_dumpable; // P2 from the child's first instruction
        pid = static_cast<pid_t>(::syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0));
        if (pid < 0)
            return Error::from_errno("clone", "exec process");
        if (pid == 0) {
            pair.close_parent_end();
            run_exec_side(req, Channel(std::move(pair.child_end())));
        }
    }
    pair.close_child_end();
    ChildProcess child(pid);
    Channel channel(std::move(pair.parent_end()));
    log::step("exec: child forked");
    if (req.join_cgroup) {
        // runc's words ("error adding pid N to cgroups"), which its users match.
        TRY(req.join_cgroup(pid).context("error adding pid " + std::to_string(pid) + " to cgroups"));
        TRY(channel.confirm_setup_ready());
    }
    if (req.seccomp && req.seccomp->notify) {
        auto listener = channel.wait_seccomp_listener(pid);
        if (!listener) {
            if (listener.error().code() != ECHILD)
                return std::move(listener).error();
            return child; // died before it could send it: its status tells why
        }
        TRY(seccomp::send_listener(req.listener_path, listener.value().get(),
            seccomp::container_process_state_json(req.state, pid, req.listener_metadata)));
        TRY(channel.confirm_seccomp_done());
    }
    // Nothing else but an error is sent: EOF means the channel was closed by execve.
    if (auto report = channel.wait_ready(); !report && report.error().code() != ECHILD)
        return std::move(report).error();
    log::step("exec: program started");
    return child;
}

} // namespace hull::process
