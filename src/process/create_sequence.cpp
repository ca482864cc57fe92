// Both sides of the create handshake (protocol.hpp), step by step, side by side; the init's steps
// 2a-3 are in init_setup.cpp.
#include "process/create_sequence.hpp"

#include "hooks/hooks.hpp"
#include "net/netdev.hpp"
#include "process/init_process.hpp"
#include "process/init_setup.hpp"
#include "process/interrupt.hpp"
#include "process/protocol.hpp"
#include "rootfs/rootfs.hpp"
#include "rootfs/sources.hpp"

#include "hull/log.hpp"

#include <algorithm>
#include <csignal>
#include <fcntl.h>
#include <linux/sched.h>
#include <poll.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

namespace hull::process {

namespace {

// The fds the init (and the intermediate) keep: the channel, the exec fifo and the console
// socket.
std::vector<int> init_fds(const InitRequest& req, int channel)
{
    return {channel, req.exec_fifo, req.console_socket};
}

// The namespaces the init is born in: the plan's, minus a cgroup namespace it makes itself once
// it is in its cgroup (InitRequest::defer_cgroup_ns).
int init_clone_flags(const InitRequest& req)
{
    return req.defer_cgroup_ns ? req.plan->clone_flags & ~CLONE_NEWCGROUP : req.plan->clone_flags;
}

// Step 2: clone3 puts the child in every new namespace, and in its cgroup (CLONE_INTO_CGROUP,
// when `cgroup_fd` is a cgroup2 directory), at once. Without that (a kernel before 5.7, or a
// cgroup2 directory the kernel refuses) the runtime places the child by pid (step 2b); clone(2)
// is the fallback for kernels before 5.3. Neither shares memory: the child runs on a copy of
// this stack. `*into_cgroup` tells whether the child was born in its cgroup.
pid_t clone_init(int flags, int cgroup_fd, bool* into_cgroup)
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

// While the init waits for `start` it must stay killable by the usual signals (CRI stop and
// containerd kill a created container with SIGTERM). As the init of a pid namespace, the
// kernel drops signals it has no handler for, so it gets one that exits as the signal would
// have. execve resets caught signals to their defaults.
extern "C" void exit_on_signal(int sig)
{
    ::_exit(128 + sig);
}

void die_on_terminating_signals()
{
    struct sigaction sa = {};
    sa.sa_handler = exit_on_signal;
    for (int sig : {SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2, SIGALRM, SIGPWR})
        ::sigaction(sig, &sa, nullptr);
    // `run` blocks these in the runtime before clone; the waiting init must receive them.
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
}

// Step 8, before execve: startContainer hooks run under the container's seccomp filter in
// either order (runc's standard init), so a filter left for execve is loaded first; and they
// get the process's environment unless they name their own.
Result<void> run_start_container_hooks(
    const InitRequest& req, ExecTarget& target, const std::string& state_json)
{
    if (!req.spec->hooks || req.spec->hooks->startContainer.empty())
        return ok();
    if (target.seccomp) {
        auto loaded = seccomp::load(*target.seccomp);
        if (!loaded)
            return std::move(loaded).error().context("load the seccomp filter");
        target.seccomp = nullptr;
    }
    auto list = hooks::with_default_env(req.spec->hooks->startContainer, target.env);
    return hooks::run_hooks(hooks::Kind::StartContainer, list, state_json);
}

[[noreturn]] void run_init_side(const InitRequest& req, Channel channel)
{
    ExecTarget target;
    std::string state_json;
    try {
        // Step 2: let go of the state dir lock, die with the runtime until step 5, and stay
        // non-dumpable until execve (P2) so no container process can ptrace or read our fds.
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        ::prctl(PR_SET_NAME, "hull:[2:INIT]");
        ::prctl(PR_SET_DUMPABLE, 0);
        // P3: of the runtime's fds (the state dir, the cgroup dir, the caller's leaks...) only
        // what the init uses survives.
        close_inherited_fds(req.preserve_fds, init_fds(req, channel.fd()));

        // Step 3.
        log::step("init: cloned");
        auto prepared = set_up_container(req, channel, state_json);
        if (!prepared) {
            channel.report_error(prepared.error());
            ::_exit(1);
        }
        target = std::move(prepared.value());

        // Steps 4-6: ready; once the runtime has recorded us, outlive it.
        if (!channel.report_ready() || !channel.wait_created())
            ::_exit(1);
        ::prctl(PR_SET_PDEATHSIG, 0);
        if (!channel.report_detached())
            ::_exit(1);
        channel.close();
    } catch (const std::exception& e) {
        channel.report_error(Error::message(std::string("unexpected exception: ") + e.what()));
        ::_exit(1);
    }

    // Step 7: blocked until `start` writes its byte (or a signal or `delete` ends us).
    die_on_terminating_signals();
    char byte;
    ssize_t n;
    do {
        n = ::read(req.exec_fifo, &byte, 1);
    } while (n < 0 && errno == EINTR);
    if (n != 1)
        ::_exit(1);
    // The fifo stays open (O_CLOEXEC) until execve: its last writer going away is how `start`
    // learns that the program runs, before it runs poststart hooks.
    log::step("init: released, exec");
    if (!req.spec->process) {
        // start refuses first; this is a byte written to the fifo by someone else.
        static constexpr char msg[] = "hull: config.json: /process: process property must not be empty\n";
        (void)!::write(STDERR_FILENO, msg, sizeof msg - 1);
        ::_exit(1);
    }
    if (auto started = run_start_container_hooks(req, target, state_json); !started) {
        std::string msg = "hull: " + started.error().text() + "\n";
        (void)!::write(STDERR_FILENO, msg.data(), msg.size());
        ::_exit(1);
    }

    // Step 8: nobody is left to report to; the error goes to the container's stderr, in
    // runc's words ("exec PATH: ERROR") and with runc's status 255.
    Error e = exec_process(target, req.preserve_fds);
    std::string msg = e.text() + "\n";
    (void)!::write(STDERR_FILENO, msg.data(), msg.size());
    ::_exit(255);
}

// Step 2i, intermediate side. State: the runtime's namespaces and privilege.
[[noreturn]] void run_intermediate_side(const InitRequest& req, Channel channel)
{
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    ::prctl(PR_SET_NAME, "hull:[1:INTER]");
    ::prctl(PR_SET_DUMPABLE, 0);
    close_inherited_fds(req.preserve_fds, init_fds(req, channel.fd()));
    LinuxSys sys;
    const ns::NsPlan& plan = *req.plan;
    auto step = [&]() -> Result<pid_t> {
        TRY(ns::apply_joins(sys, plan.init_joins));
        TRY(sys.unshare(CLONE_NEWUSER).context("new user namespace"));
        TRY(channel.request_maps());
        TRY(channel.wait_maps_written());
        TRY(become_namespace_root(sys));
        // Owned by the new user namespace; the pid namespace applies to the init only.
        TRY(sys.unshare(init_clone_flags(req) & ~CLONE_NEWUSER).context("new namespaces"));
        long pid = ::syscall(SYS_clone, CLONE_PARENT | SIGCHLD, 0, 0, 0, 0);
        if (pid < 0)
            return Error::from_errno("clone", "container init");
        return static_cast<pid_t>(pid);
    };
    auto pid = step();
    if (pid.ok() && pid.value() == 0)
        run_init_side(req, std::move(channel));
    if (!pid) {
        channel.report_error(pid.error());
        ::_exit(1);
    }
    ::_exit(channel.report_init_pid(pid.value()) ? 0 : 1);
}

// Step 3m, runtime side, for mount `index`: its source, opened where the init resolves it but
// with the runtime's credentials, when `open_source`; its id mapping, when `idmap`.
Result<void> serve_mount(Sys& sys, const InitRequest& req, Channel& channel, pid_t init, size_t index,
    bool open_source, const rootfs::IdmapPlan* idmap)
{
    const auto& m = req.spec->mounts[index];
    auto due = [&](size_t asked) -> Result<void> {
        if (asked == index)
            return ok();
        return Error::message("protocol error: the init asked about mount " + std::to_string(asked)
            + " where mount " + std::to_string(index) + " was due");
    };
    if (open_source) {
        TRY(due(TRY(channel.wait_mount_source_request())));
        auto source
            = TRY(rootfs::open_source_for_init(init, req.state.bundle, m).context("mount " + m.destination));
        TRY(channel.send_mount_source(source.get()));
    }
    if (idmap) {
        UniqueFd tree;
        TRY(due(TRY(channel.wait_idmap_request(&tree))));
        TRY(rootfs::apply_idmap(sys, tree.get(), *idmap));
        TRY(channel.confirm_idmap_done());
    }
    return ok();
}

Result<void> serve_mounts(Sys& sys, const InitRequest& req, Channel& channel, pid_t init)
{
    for (size_t i = 0; i < req.spec->mounts.size(); ++i) {
        const bool open_source = req.runtime_sources
            && std::binary_search(req.runtime_sources->begin(), req.runtime_sources->end(), i);
        const rootfs::IdmapPlan* idmap = nullptr;
        if (req.idmaps)
            if (auto it = req.idmaps->find(i); it != req.idmaps->end())
                idmap = &it->second;
        if (open_source || idmap)
            TRY(serve_mount(sys, req, channel, init, i, open_source, idmap));
    }
    return ok();
}

// What happened to an init that closed the channel without reporting an error.
Error init_died(ChildProcess& init)
{
    auto status = init.wait();
    if (!status)
        return std::move(status).error();
    int s = status.value();
    if (WIFSIGNALED(s))
        return Error::message("container init was killed by signal " + std::to_string(WTERMSIG(s)));
    return Error::message("container init exited with status " + std::to_string(WEXITSTATUS(s)));
}

// Step 3c, runtime side: the listener and the container process state to listenerPath.
Result<void> hand_listener_to_agent(const InitRequest& req, pid_t pid, int listener)
{
    oci::State state = req.state;
    state.pid = pid;
    state.status = "creating";
    const auto& sc = *req.spec->linux->seccomp;
    return seccomp::send_listener(
        sc.listenerPath, listener, seccomp::container_process_state_json(state, pid, sc.listenerMetadata));
}

} // namespace

bool has_net_devices(const oci::Spec& spec)
{
    return spec.linux && !spec.linux->netDevices.empty();
}

bool has_create_hooks(const oci::Spec& spec)
{
    if (!spec.hooks)
        return false;
    const auto& h = *spec.hooks;
    return !h.prestart.empty() || !h.createRuntime.empty() || !h.createContainer.empty()
        || !h.startContainer.empty();
}

Result<ChildProcess> create_init(const InitRequest& req, const std::function<Result<void>(pid_t)>& on_ready)
{
    LinuxSys sys;
    auto pair = TRY(FdPair::socketpair(SOCK_SEQPACKET));
    pid_t pid;
    bool into_cgroup = false;
    {
        // Step 1: pid and time namespaces for our children only, undone once the init exists.
        auto runtime_ns = TRY(ns::RuntimeNamespaces::enter(sys, *req.plan, *req.spec));
        // Step 2.
        bool intermediate = req.plan->needs_intermediate();
        NonDumpableScope non_dumpable; // P2 from the child's first instruction
        if (interrupted_by() != 0)
            return interrupted_error();
        // An interrupt in `run` kills the child from its first instruction, and the child
        // starts with the signals blocked so that the runtime's handler never runs in it.
        InterruptBlock block;
        pid = clone_init(intermediate ? 0 : init_clone_flags(req), req.cgroup_fd, &into_cgroup);
        if (pid < 0)
            return Error::from_errno("clone3", "container init");
        if (pid == 0) {
            reset_interrupt_handlers();
            pair.close_parent_end();
            if (intermediate)
                run_intermediate_side(req, Channel(std::move(pair.child_end())));
            run_init_side(req, Channel(std::move(pair.child_end())));
        }
        watch_child(pid);
    }
    pair.close_child_end();
    ChildProcess init(pid);
    Channel channel(std::move(pair.parent_end()));

    // Step 2i.
    if (req.plan->needs_intermediate()) {
        if (auto asked = channel.wait_maps_request(); !asked) {
            if (asked.error().code() == ECHILD)
                return init_died(init);
            return std::move(asked).error();
        }
    }
    // Step 2a.
    if (req.plan->creates(oci::NamespaceType::User)) {
        std::string proc = "/proc/" + std::to_string(pid);
        TRY(sys.write_file_at(AT_FDCWD, proc + "/gid_map", ns::id_map_text(req.spec->linux->gidMappings))
                .context("write gid map"));
        TRY(sys.write_file_at(AT_FDCWD, proc + "/uid_map", ns::id_map_text(req.spec->linux->uidMappings))
                .context("write uid map"));
        TRY(channel.confirm_maps_written());
    }
    if (req.plan->needs_intermediate()) {
        auto init_pid = channel.wait_init_pid();
        if (!init_pid) {
            if (init_pid.error().code() == ECHILD)
                return init_died(init);
            return std::move(init_pid).error();
        }
        // The intermediate is done; the init (CLONE_PARENT) is our child too.
        watch_child(init_pid.value());
        TRY(init.wait().context("reap the intermediate process"));
        forget_child(pid);
        pid = init_pid.value();
        init = ChildProcess(pid);
    }

    // Step 2b: the init into its cgroup in every hierarchy clone3 could not place it in (v1),
    // and host network devices into its new network namespace, before its setup (its mknods
    // meet the device rules, sysctls and hooks may refer to the devices).
    if (req.join_cgroup)
        TRY(req.join_cgroup(pid, into_cgroup).context("join the container's cgroup"));
    if (has_net_devices(*req.spec)) {
        auto netns = TRY(net::open_netns_of(pid));
        TRY(net::move_net_devices(req.spec->linux->netDevices, netns.get()));
    }
    if (req.parent_setup) {
        if (auto sent = channel.confirm_setup_ready(); !sent) {
            // The init is gone; what it reported says why.
            if (auto report = channel.wait_ready(); !report && report.error().code() != ECHILD)
                return std::move(report).error();
            return init_died(init);
        }
    }

    // Step 3m.
    if (req.runtime_sources || req.idmaps) {
        if (auto served = serve_mounts(sys, req, channel, pid); !served) {
            if (served.error().code() == ECHILD)
                return init_died(init);
            return std::move(served).error();
        }
    }

    // Step 3a.
    if (has_create_hooks(*req.spec)) {
        if (auto asked = channel.wait_hooks_request(); !asked) {
            if (asked.error().code() == ECHILD)
                return init_died(init);
            return std::move(asked).error();
        }
        oci::State state = req.state;
        state.pid = pid;
        state.status = "creating";
        std::string json = oci::state_to_json(state);
        const auto& h = *req.spec->hooks;
        TRY(hooks::run_hooks(hooks::Kind::Prestart, h.prestart, json));
        TRY(hooks::run_hooks(hooks::Kind::CreateRuntime, h.createRuntime, json));
        TRY(channel.confirm_hooks_done(json));
    }

    // Step 3c.
    if (req.seccomp && req.seccomp->notify) {
        auto listener = channel.wait_seccomp_listener(pid);
        if (!listener) {
            if (listener.error().code() == ECHILD)
                return init_died(init);
            return std::move(listener).error();
        }
        TRY(hand_listener_to_agent(req, pid, listener.value().get()));
        TRY(channel.confirm_seccomp_done());
    }

    // Step 4.
    log::step("runtime: init cloned");
    if (auto ready = channel.wait_ready(); !ready) {
        if (ready.error().code() == ECHILD)
            return init_died(init);
        return std::move(ready).error();
    }
    // Step 5.
    log::step("runtime: init ready");
    TRY(on_ready(pid));
    TRY(channel.confirm_created());
    // Step 6.
    if (auto detached = channel.wait_detached(); !detached) {
        if (detached.error().code() == ECHILD)
            return init_died(init);
        return std::move(detached).error();
    }
    log::step("runtime: init recorded and detached");
    return init;
}

Result<void> release_init(int dirfd, const char* fifo_name, pid_t init)
{
    UniqueFd fifo(::openat(dirfd, fifo_name, O_WRONLY | O_NONBLOCK | O_CLOEXEC));
    if (!fifo) {
        if (errno == ENXIO)
            return Error::message("container process is already dead");
        if (errno == ENOENT)
            return Error::message("cannot start an already running container");
        return Error::from_errno("open", fifo_name);
    }
    UniqueFd reader(::openat(dirfd, fifo_name, O_RDONLY | O_NONBLOCK | O_CLOEXEC));
    if (!reader)
        return Error::from_errno("open", fifo_name);
    UniqueFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, init, 0)));
    if (!pidfd)
        return Error::message("container process is already dead");
    if (::write(fifo.get(), "0", 1) != 1)
        return Error::from_errno("write", fifo_name);
    // Wait for the init to take the byte, then for its end of the fifo to close: at execve (or
    // at its death). Then the program runs and poststart hooks may follow (runtime.md).
    for (int round = 0;; ++round) {
        int pending = 0;
        if (::ioctl(reader.get(), FIONREAD, &pending) < 0)
            return Error::from_errno("ioctl FIONREAD", fifo_name);
        if (pending == 0)
            break;
        // The init is runnable and takes the byte within microseconds: yield first, and only
        // then sleep in 1 ms steps. A pidfd polls readable once the process is gone.
        struct pollfd p = {pidfd.get(), POLLIN, 0};
        if (::poll(&p, 1, round < 200 ? 0 : 1) > 0) {
            // Gone: before taking the byte (dead before start), or after it took the byte, ran
            // and exited between our two looks (a short program on a busy machine).
            if (::ioctl(reader.get(), FIONREAD, &pending) == 0 && pending == 0)
                break;
            return Error::message("container process is already dead");
        }
        if (round < 200)
            ::sched_yield();
    }
    fifo.reset();
    struct pollfd p = {reader.get(), POLLIN, 0};
    while (::poll(&p, 1, -1) < 0 && errno == EINTR) { }
    return ok();
}

} // namespace hull::process
