// Both sides of the create handshake (protocol.hpp), step by step, side by side, as the create
// plan (create_plan.hpp) orders them. Runs in the runtime (create_init and the runtime's side of
// each step, as root on the host) and in the processes it clones: the intermediate
// (run_intermediate_side) and the init (run_init_side; its step 3 is set_up_container in
// init_setup.cpp, which calls the init's side of steps 2a-2b and 3a from here).
#include "process/create_sequence.hpp"

#include "hooks/hooks.hpp"
#include "net/netdev.hpp"
#include "process/init_process.hpp"
#include "process/init_setup.hpp"
#include "process/interrupt.hpp"
#include "process/process_setup.hpp"
#include "process/protocol.hpp"
#include "rootfs/rootfs.hpp"
#include "rootfs/sources.hpp"

#include "hull/fault.hpp"
#include "hull/log.hpp"

#include <csignal>
#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <sys/epoll.h>
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
// socket. The rest of the runtime's (the state directory and its lock, the cgroup directory,
// the --pidfd-socket...) close_inherited_fds closes.
std::vector<int> init_fds(const InitRequest& req, int channel)
{
    return {channel, req.exec_fifo.get(), req.console_socket.get()};
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

// A fault point of the init or the intermediate (test builds): an injected error is reported
// over the channel as any failure of the child's setup is.
void fail_or_die(Channel& channel, fault::Point point)
{
    if (auto injected = fault::hit(point); !injected) {
        channel.report_error(injected.error());
        ::_exit(1);
    }
}

// The clone child's first step: into the container's v1 cgroups (CreatePlan::cgroup_self_join)
// while it has one thread, before it does anything limits should count.
void join_own_cgroups(const InitRequest& req, Channel& channel)
{
    if (auto joined = cgroups::join_self(req.cgroup_join); !joined) {
        channel.report_error(std::move(joined).error().context("join the container's cgroup"));
        ::_exit(1);
    }
}

[[noreturn]] void run_init_side(Sys& sys, InitRequest& req, Channel channel)
{
    ExecTarget target;
    std::string state_json;
    try {
        // Step 2: let go of the state dir lock, die with the runtime until step 5, and stay
        // non-dumpable until execve (P2) so no container process can ptrace or read our fds.
        start_child_process("hull:[2:INIT]");
        if (!req.plan->intermediate)
            join_own_cgroups(req, channel);
        log::step("init: cloned, in its cgroups");
        // P3: of the runtime's fds (the state dir, the cgroup dir, the caller's leaks...) only
        // what the init uses survives.
        close_inherited_fds(req.preserve_fds, init_fds(req, channel.fd()));
        fail_or_die(channel, fault::Point::CreateInitCloned);

        // Step 3.
        auto prepared = set_up_container(sys, req, channel, state_json);
        if (!prepared) {
            channel.report_error(prepared.error());
            ::_exit(1);
        }
        target = std::move(prepared.value());

        // Steps 4-6: ready; once the runtime has recorded us, outlive it.
        log::step("init: process prepared, ready");
        fail_or_die(channel, fault::Point::CreateInitReady);
        if (!channel.report_ready() || !channel.wait_created())
            ::_exit(1);
        ::prctl(PR_SET_PDEATHSIG, 0);
        fail_or_die(channel, fault::Point::CreateInitDetached);
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
        n = ::read(req.exec_fifo.get(), &byte, 1);
    } while (n < 0 && errno == EINTR);
    if (n != 1)
        ::_exit(1);
    // The fifo stays open (O_CLOEXEC) until execve: its last writer going away is how `start`
    // learns that the program runs, before it runs poststart hooks.
    log::step("init: released, exec");
    if (auto injected = fault::hit(fault::Point::StartInitReleased); !injected) {
        std::string msg = "hull: " + injected.error().text() + "\n";
        (void)!::write(STDERR_FILENO, msg.data(), msg.size());
        ::_exit(1);
    }
    if (!req.plan->process) {
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
[[noreturn]] void run_intermediate_side(Sys& sys, InitRequest& req, Channel channel)
{
    start_child_process("hull:[1:INTER]");
    // The init it forks inherits the cgroups.
    join_own_cgroups(req, channel);
    close_inherited_fds(req.preserve_fds, init_fds(req, channel.fd()));
    fail_or_die(channel, fault::Point::CreateIntermediateCloned);
    const ns::NsPlan& plan = req.plan->ns;
    auto step = [&]() -> Result<pid_t> {
        TRY(ns::apply_joins(sys, plan.init_joins));
        TRY(sys.unshare(CLONE_NEWUSER).context("new user namespace"));
        TRY(channel.request_maps());
        TRY(channel.wait_maps_written());
        TRY(become_namespace_root(sys));
        // Owned by the new user namespace; the pid namespace applies to the init only.
        TRY(sys.unshare(req.plan->init_clone_flags & ~CLONE_NEWUSER).context("new namespaces"));
        long pid = ::syscall(SYS_clone, CLONE_PARENT | SIGCHLD, 0, 0, 0, 0);
        if (pid < 0)
            return Error::from_errno("clone", "container init");
        return static_cast<pid_t>(pid);
    };
    auto pid = step();
    if (pid.ok() && pid.value() == 0)
        run_init_side(sys, req, std::move(channel));
    if (!pid) {
        channel.report_error(pid.error());
        ::_exit(1);
    }
    ::_exit(channel.report_init_pid(pid.value()) ? 0 : 1);
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

// The runtime's end of the handshake while the sequence walks the plan.
struct Handshake {
    const InitRequest& req;
    RuntimeResources& runtime;
    Sys& sys;
    Channel channel;
    ChildProcess init; // the intermediate until step 2i hands the init over
    bool into_cgroup = false; // clone3 placed the child in its cgroup2 directory

    pid_t pid() const { return init.pid(); }

    // The state hooks and the seccomp agent get during create: the init's pid, "creating".
    oci::State creating_state() const
    {
        oci::State state = req.state;
        state.pid = pid();
        state.status = "creating";
        return state;
    }

    // What the init sent, or why it sent nothing (or took nothing): a ChildError is the error it
    // reported; EOF on the channel (ECHILD, also when a send finds it closed) means it died
    // without a report, and its wait status says how.
    template <typename T> Result<T> await(Result<T> received)
    {
        if (!received && received.error().code() == ECHILD)
            return init_died(init);
        return received;
    }
};

// The steps of the table, the runtime's side beside the init's where the init's is a step of
// its own; the init's step 3 as a whole is set_up_container (init_setup.cpp).

// Step 2i, runtime side; the intermediate's is run_intermediate_side. The child asks for its
// id maps from its new user namespace, then (after 2a) reports the init's pid and exits.
Result<void> take_over_init(Handshake& h)
{
    pid_t init_pid = TRY(h.await(h.channel.wait_init_pid()));
    // The intermediate is done; the init (CLONE_PARENT) is our child too.
    watch_child(init_pid);
    pid_t intermediate = h.init.pid();
    TRY(h.init.wait().context("reap the intermediate process"));
    forget_child(intermediate);
    h.init = ChildProcess(init_pid);
    return ok();
}

// Step 2a, runtime side: the maps of the child's new user namespace (the intermediate's when
// there is one).
Result<void> write_id_maps(Handshake& h)
{
    const oci::Linux& linux = *h.req.spec->linux;
    std::string proc = "/proc/" + std::to_string(h.pid());
    TRY(h.sys.write_file_at(AT_FDCWD, proc + "/gid_map", ns::id_map_text(linux.gidMappings))
            .context("write gid map"));
    TRY(h.sys.write_file_at(AT_FDCWD, proc + "/uid_map", ns::id_map_text(linux.uidMappings))
            .context("write uid map"));
    return h.await(h.channel.confirm_maps_written());
}

// Step 2b, runtime side: the init into its cgroup2 directory when clone3 could not place it
// there (the child has joined v1 hierarchies itself), and host network devices into its new
// network namespace, before its setup (sysctls and hooks may refer to the devices).
Result<void> place_init(Handshake& h)
{
    const CreatePlan& plan = *h.req.plan;
    if (plan.cgroup == CgroupPlacement::ByPid || !h.into_cgroup) {
        auto which = plan.cgroup_self_join ? cgroups::Hierarchies::Cgroup2 : cgroups::Hierarchies::All;
        TRY(h.runtime.cgroup.add_pid(h.pid(), {}, which).context("join the container's cgroup"));
    }
    if (plan.net_devices) {
        auto netns = TRY(net::open_netns_of(h.pid()));
        TRY(net::move_net_devices(h.req.spec->linux->netDevices, netns.get()));
    }
    if (!plan.init_waits_for_placement)
        return ok();
    if (auto sent = h.channel.confirm_setup_ready(); !sent) {
        // The init is gone; what it reported says why.
        auto report = h.await(h.channel.wait_ready());
        return report ? init_died(h.init) : report;
    }
    return ok();
}

} // namespace

// Steps 2a-2b, init side. Unmapped until the runtime has written the id maps (the intermediate
// waited for them when there is one), and outside its cgroup until the runtime has placed it.
Result<cgroups::OwnCgroups> wait_for_placement(Sys& sys, const InitRequest& req, Channel& channel)
{
    const CreatePlan& plan = *req.plan;
    if (!plan.intermediate && plan.id_maps)
        TRY(channel.wait_maps_written());
    if (plan.init_waits_for_placement)
        TRY(channel.wait_setup_ready());
    if (!plan.intermediate) {
        TRY(ns::apply_joins(sys, plan.ns.init_joins));
        if (plan.ns.user_namespace())
            TRY(become_namespace_root(sys));
    }
    // Its own cgroups, now that it is placed, for the cgroupfs mounts that bind them: read
    // before a cgroup namespace of its own makes the paths relative.
    auto own_cgroups = TRY(cgroups::read_own_cgroups().context("read the init's cgroups"));
    // Placed in its cgroup by pid only now: a cgroup namespace made at clone would be rooted
    // at the runtime's cgroup instead of the container's.
    if (plan.defer_cgroup_ns)
        TRY(sys.unshare(CLONE_NEWCGROUP).context("new cgroup namespace"));
    return own_cgroups;
}

namespace {

// Step 3m, runtime side, for one mount: its source, opened where the init resolves it but with
// the runtime's credentials; its id mapping. The init's side is in rootfs::prepare_rootfs
// (RootfsOptions::runtime_source, idmap_tree), at the mount's turn.
Result<void> serve_mount(Handshake& h, const MountService& service)
{
    const size_t index = service.index;
    const auto& m = h.req.spec->mounts[index];
    auto due = [&](size_t asked) -> Result<void> {
        if (asked == index)
            return ok();
        return Error::message("protocol error: the init asked about mount " + std::to_string(asked)
            + " where mount " + std::to_string(index) + " was due");
    };
    if (service.open_source) {
        TRY(due(TRY(h.await(h.channel.wait_mount_source_request()))));
        auto source = TRY(
            rootfs::open_source_for_init(h.pid(), h.req.state.bundle, m).context("mount " + m.destination));
        TRY(h.await(h.channel.send_mount_source(source.get())));
    }
    if (service.idmap) {
        auto plan = h.runtime.idmaps.find(index);
        if (plan == h.runtime.idmaps.end())
            return Error::message("idmapped mount " + std::to_string(index) + " has no plan");
        UniqueFd tree;
        TRY(due(TRY(h.await(h.channel.wait_idmap_request(&tree)))));
        TRY(rootfs::apply_idmap(h.sys, tree.get(), plan->second));
        TRY(h.await(h.channel.confirm_idmap_done()));
    }
    return ok();
}

Result<void> serve_mounts(Handshake& h)
{
    for (const MountService& service : h.req.plan->mount_services)
        TRY(serve_mount(h, service));
    return ok();
}

// Step 3a, runtime side: prestart and createRuntime hooks, in the runtime's namespaces.
Result<void> run_runtime_hooks(Handshake& h)
{
    TRY(h.await(h.channel.wait_hooks_request()));
    std::string json = oci::state_to_json(h.creating_state());
    const auto& hks = *h.req.spec->hooks;
    TRY(hooks::run_hooks(hooks::Kind::Prestart, hks.prestart, json));
    TRY(hooks::run_hooks(hooks::Kind::CreateRuntime, hks.createRuntime, json));
    return h.await(h.channel.confirm_hooks_done(json));
}

} // namespace

// Step 3a, init side: hooks before pivot_root; createContainer paths resolve in the runtime's
// view.
Result<void> run_create_hooks(const InitRequest& req, Channel& channel, std::string& state_json)
{
    if (!req.plan->create_hooks)
        return ok();
    TRY(channel.request_hooks());
    state_json = TRY(channel.wait_hooks_done());
    // They start in the rootfs, with the config's mounts in it, as runc's do: hooks that copy or
    // bind files into the container use paths relative to it (./lib/...).
    if (::chdir(req.rootfs.c_str()) != 0)
        return Error::from_errno("chdir", req.rootfs).context("createContainer hooks");
    return hooks::run_hooks(hooks::Kind::CreateContainer, req.spec->hooks->createContainer, state_json);
}

namespace {

// Step 3c, runtime side: the listener and the container process state to listenerPath. The
// init's side is load_seccomp_filter (init_process.cpp), right after the load.
Result<void> pass_seccomp_listener(Handshake& h)
{
    auto listener = TRY(h.await(h.channel.wait_seccomp_listener(h.pid())));
    const auto& sc = *h.req.spec->linux->seccomp;
    TRY(seccomp::send_listener(sc.listenerPath, listener.get(),
        seccomp::container_process_state_json(h.creating_state(), h.pid(), sc.listenerMetadata)));
    return h.await(h.channel.confirm_seccomp_done());
}

// Steps 4-6, runtime side; the init's are at the end of run_init_side.
Result<void> record_init(Handshake& h)
{
    TRY(h.runtime.record_init(h.pid()));
    return h.await(h.channel.confirm_created());
}

// The fault point at the start of each step of the table (test builds).
fault::Point fault_point(CreateStep step)
{
    switch (step) {
    case CreateStep::IntermediateAsksMaps:
        return fault::Point::CreateMapsRequest;
    case CreateStep::IdMaps:
        return fault::Point::CreateIdMaps;
    case CreateStep::IntermediateHandsOver:
        return fault::Point::CreateHandOver;
    case CreateStep::Placement:
        return fault::Point::CreatePlacement;
    case CreateStep::MountSources:
        return fault::Point::CreateMountSources;
    case CreateStep::CreateHooks:
        return fault::Point::CreateHooks;
    case CreateStep::SeccompListener:
        return fault::Point::CreateSeccompListener;
    case CreateStep::Ready:
        return fault::Point::CreateReady;
    case CreateStep::Recorded:
        return fault::Point::CreateRecorded;
    case CreateStep::Detached:
        break;
    }
    return fault::Point::CreateDetached;
}

Result<void> run_step(Handshake& h, CreateStep step)
{
    TRY(fault::hit(fault_point(step)));
    switch (step) {
    case CreateStep::IntermediateAsksMaps:
        return h.await(h.channel.wait_maps_request());
    case CreateStep::IdMaps:
        return write_id_maps(h);
    case CreateStep::IntermediateHandsOver:
        return take_over_init(h);
    case CreateStep::Placement:
        return place_init(h);
    case CreateStep::MountSources:
        return h.await(serve_mounts(h));
    case CreateStep::CreateHooks:
        return run_runtime_hooks(h);
    case CreateStep::SeccompListener:
        return pass_seccomp_listener(h);
    case CreateStep::Ready:
        return h.await(h.channel.wait_ready());
    case CreateStep::Recorded:
        return record_init(h);
    case CreateStep::Detached:
        return h.await(h.channel.wait_detached());
    }
    return Error::message(std::string("unknown create step ") + to_string(step));
}

} // namespace

Result<ChildProcess> create_init(Sys& sys, InitRequest req, RuntimeResources runtime)
{
    const CreatePlan& plan = *req.plan;
    auto pair = TRY(FdPair::socketpair(SOCK_SEQPACKET));
    pid_t pid;
    bool into_cgroup = false;
    {
        // Step 1: pid and time namespaces for our children only, undone once the init exists.
        auto runtime_ns = TRY(ns::RuntimeNamespaces::enter(sys, plan.ns, *req.spec));
        // Step 2.
        NonDumpableScope non_dumpable; // P2 from the child's first instruction
        if (interrupted_by() != 0)
            return interrupted_error();
        // An interrupt in `run` kills the child from its first instruction, and the child
        // starts with the signals blocked so that the runtime's handler never runs in it.
        InterruptBlock block;
        pid = clone_child(
            plan.intermediate ? 0 : plan.init_clone_flags, runtime.cgroup_fd.get(), &into_cgroup);
        if (pid < 0)
            return Error::from_errno("clone3", "container init");
        if (pid == 0) {
            reset_interrupt_handlers();
            pair.close_parent_end();
            if (plan.intermediate)
                run_intermediate_side(sys, req, Channel(std::move(pair.child_end())));
            run_init_side(sys, req, Channel(std::move(pair.child_end())));
        }
        watch_child(pid);
    }
    pair.close_child_end();
    Handshake h {req, runtime, sys, Channel(std::move(pair.parent_end())), ChildProcess(pid), into_cgroup};
    log::step("runtime: init cloned");
    TRY(fault::hit(fault::Point::CreateAfterClone));
    // Steps 2i-6, as the plan orders them.
    for (CreateStep step : plan.steps) {
        TRY(run_step(h, step));
        if (log::debug_enabled())
            log::step(std::string("runtime: step ") + to_string(step) + " done");
    }
    return std::move(h.init);
}

Result<void> release_init(int dirfd, const char* fifo_name)
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
    if (::write(fifo.get(), "0", 1) != 1)
        return Error::from_errno("write", fifo_name);
    fifo.reset();
    // The init holds the fifo open read-write (O_CLOEXEC) until execve, or until it dies: then
    // the fifo has no writer left and our reader hangs up. epoll with no events asked reports
    // only that (EPOLLHUP), not the byte still pending before the init takes it; so this waits,
    // without spinning, until the program runs and poststart hooks may follow (runtime.md).
    UniqueFd ep(::epoll_create1(EPOLL_CLOEXEC));
    if (!ep)
        return Error::from_errno("epoll_create1");
    struct epoll_event ev = {};
    if (::epoll_ctl(ep.get(), EPOLL_CTL_ADD, reader.get(), &ev) < 0)
        return Error::from_errno("epoll_ctl", fifo_name);
    while (::epoll_wait(ep.get(), &ev, 1, -1) < 0) {
        if (errno != EINTR)
            return Error::from_errno("epoll_wait", fifo_name);
    }
    // The byte still there: the init died before it could take it.
    int pending = 0;
    if (::ioctl(reader.get(), FIONREAD, &pending) < 0)
        return Error::from_errno("ioctl FIONREAD", fifo_name);
    if (pending != 0)
        return Error::message("container process is already dead");
    return ok();
}

} // namespace hull::process
