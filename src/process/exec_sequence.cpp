// Both sides of `exec` (exec_sequence.hpp).
#include "process/exec_sequence.hpp"

#include "hull/fault.hpp"
#include "hull/log.hpp"
#include "hull/namespaces/container_joins.hpp"
#include "process/attributes.hpp"
#include "process/init_process.hpp"
#include "process/process_setup.hpp"
#include "process/protocol.hpp"

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

// The exec child's process setup (process_setup.hpp); the runtime reads the same plan.
ProcessSetupPlan exec_setup_plan(const ExecRequest& req)
{
    ProcessSetupInput input;
    input.role = ProcessRole::Exec;
    input.keyring = req.keyring;
    input.seccomp = req.seccomp;
    input.mempolicy = req.mempolicy;
    return plan_process_setup(*req.process, input);
}

// The exec child, from fork to execve. State: the runtime's namespaces except pid; root.
// `placed_by_pid`: the runtime writes its pid to the cgroup it was not born in.
Result<ExecTarget> set_up_exec(Sys& sys, const ExecRequest& req, Channel& channel, bool placed_by_pid)
{
    const oci::Process& p = *req.process;
    // The console socket is the setup's with a terminal; run_exec_side closed it without one.
    ProcessSetup setup(p, exec_setup_plan(req), UniqueFd(p.terminal ? req.console_socket : -1));
    // config.md: "initial" before the transition to the container's cgroup, "final" after.
    if (p.execCPUAffinity && !p.execCPUAffinity->initial.empty())
        TRY(apply_cpu_affinity(p.execCPUAffinity->initial).context("execCPUAffinity.initial"));
    TRY(cgroups::join_self(req.cgroup_self).context("error adding the exec process to cgroups"));
    log::step("exec child: in its cgroups");
    // Process setup step 1 through the runtime's own /proc, before the container's mount
    // namespace, whose /proc the container controls, is joined (security.md P8).
    TRY(setup.write_oom_score_adj(sys));
    if (placed_by_pid)
        TRY(channel.wait_setup_ready());
    TRY(ns::join_container_namespaces(sys, req.init_pidfd, req.namespaces));
    log::step("exec child: namespaces joined");
    TRY(fault::hit(fault::Point::ExecChildJoined));
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
    TRY(setup.join_keyring(sys));
    TRY(setup.set_up_terminal(sys));
    return setup.finish(sys, channel);
}

[[noreturn]] void run_exec_side(Sys& sys, const ExecRequest& req, Channel channel, bool placed_by_pid)
{
    start_child_process("hull:[EXEC]");
    if (auto injected = fault::hit(fault::Point::ExecChildCloned); !injected) {
        channel.report_error(injected.error());
        ::_exit(1);
    }
    if (req.console_socket >= 0 && !req.process->terminal)
        ::close(req.console_socket);
    ExecTarget target;
    try {
        auto prepared = set_up_exec(sys, req, channel, placed_by_pid);
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
    log::step("exec child: process prepared");
    if (auto injected = fault::hit(fault::Point::ExecChildReady); !injected) {
        channel.report_error(injected.error());
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

} // namespace

Result<ChildProcess> spawn_exec(Sys& sys, const ExecRequest& req)
{
    auto pair = TRY(FdPair::socketpair(SOCK_SEQPACKET));
    pid_t pid;
    bool into_cgroup = false, placed_by_pid = false;
    {
        auto pid_ns = TRY(ns::enter_pid_namespace_for_children(sys, req.init_pidfd, req.namespaces));
        NonDumpableScope non_dumpable; // P2 from the child's first instruction
        pid = clone_child(0, req.cgroup_clone_fd, &into_cgroup);
        if (pid < 0)
            return Error::from_errno("clone3", "exec process");
        placed_by_pid = req.join_cgroup && !into_cgroup;
        if (pid == 0) {
            pair.close_parent_end();
            run_exec_side(sys, req, Channel(std::move(pair.child_end())), placed_by_pid);
        }
    }
    pair.close_child_end();
    ChildProcess child(pid);
    Channel channel(std::move(pair.parent_end()));
    log::step("exec: child forked");
    TRY(fault::hit(fault::Point::ExecAfterClone));
    if (placed_by_pid) {
        // runc's words ("error adding pid N to cgroups"), which its users match.
        TRY(req.join_cgroup(pid).context("error adding pid " + std::to_string(pid) + " to cgroups"));
        if (auto sent = channel.confirm_setup_ready(); !sent) {
            if (sent.error().code() != ECHILD)
                return std::move(sent).error();
            return child; // died before its setup: its status tells why
        }
    }
    TRY(fault::hit(fault::Point::ExecPlaced));
    if (exec_setup_plan(req).sends_listener) {
        auto listener = channel.wait_seccomp_listener(pid);
        if (!listener) {
            if (listener.error().code() != ECHILD)
                return std::move(listener).error();
            return child; // died before it could send it: its status tells why
        }
        TRY(seccomp::send_listener(req.listener_path, listener.value().get(),
            seccomp::container_process_state_json(req.state, pid, req.listener_metadata)));
        if (auto sent = channel.confirm_seccomp_done(); !sent && sent.error().code() != ECHILD)
            return std::move(sent).error();
    }
    // Nothing else but an error is sent: EOF means the channel was closed by execve.
    if (auto report = channel.wait_ready(); !report && report.error().code() != ECHILD)
        return std::move(report).error();
    log::step("exec: program started");
    return child;
}

} // namespace hull::process
