// `create`: a container whose init is set up and blocked on exec.fifo (runtime.md "create").
//
// Everything that can be checked without side effects is checked first: the ID, the bundle,
// the config, the rootfs, the preserved fds. After that, every side effect has a rollback
// that runs unless create completes: the init is killed (its mounts die with its mount
// namespace) and the state directory removed, so a failed create leaves nothing behind.
//
// This file prepares what the handshake needs (the state directory, the cgroup, the exec fifo,
// the sockets) and hands it over as owned objects; the create plan (process/create_plan.hpp)
// decides which steps of the handshake (process/protocol.hpp) run, and the sequence
// (process/create_sequence.cpp) runs them, steps 2b and 5 included.
#include "container/create.hpp"

#include "container/cgroup.hpp"
#include "container/lifecycle.hpp"
#include "container/load.hpp"
#include "container/signal.hpp"
#include "container/verbs.hpp"
#include "hull/fault.hpp"
#include "hull/log.hpp"
#include "hull/oci/id.hpp"
#include "hull/oci/parse.hpp"
#include "lsm/lsm.hpp"
#include "net/netdev.hpp"
#include "process/attributes.hpp"
#include "process/create_plan.hpp"
#include "process/create_sequence.hpp"
#include "process/interrupt.hpp"
#include "process/mempolicy.hpp"
#include "rootfs/idmap.hpp"
#include "terminal/console.hpp"

#include <climits>
#include <cstdlib>
#include <fcntl.h>
#include <map>
#include <optional>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

namespace hull::container {

namespace {

Result<std::string> resolve_rootfs(const std::string& bundle, const oci::Spec& spec)
{
    std::string path = spec.root->path;
    if (path.empty() || path[0] != '/')
        path = bundle + "/" + path;
    char real[PATH_MAX];
    if (!::realpath(path.c_str(), real))
        return Error::from_errno("rootfs", path);
    struct stat st;
    if (::stat(real, &st) < 0 || !S_ISDIR(st.st_mode))
        return Error::message("rootfs " + path + " is not a directory");
    return std::string(real);
}

Result<void> check_preserved_fds(unsigned n)
{
    for (unsigned i = 0; i < n; ++i) {
        if (::fcntl(static_cast<int>(3 + i), F_GETFD) < 0)
            return Error::from_errno(
                "unable to stat preserved-fd " + std::to_string(i) + " (of " + std::to_string(n) + ")");
    }
    return ok();
}

// Without a mount entry the container inherits the caller's mount namespace (config-linux.md),
// where hull never mounts, unmounts or changes propagation: the init only chroots into the
// rootfs (as runc does). What would restrict the container there is refused (runc refuses
// masked and read-only paths too); what would add to it (mounts, device nodes) is left out with
// a warning, where runc would mount into the caller's namespace and leave the mounts there.
Result<void> check_without_mount_namespace(const oci::Spec& spec)
{
    const std::string shares = ": the container has no mount namespace of its own (linux.namespaces has no "
                               "mount entry) and hull never changes the caller's";
    if (spec.root && spec.root->readonly)
        return Error::message(
            "config.json: /root/readonly: a read-only root needs a mount namespace" + shares);
    if (spec.linux) {
        const auto& l = *spec.linux;
        if (!l.maskedPaths.empty() || !l.readonlyPaths.empty())
            return Error::message(std::string("config.json: /linux/")
                + (l.maskedPaths.empty() ? "readonlyPaths" : "maskedPaths")
                + ": unable to restrict sys entries without a private MNT namespace");
        if (!l.rootfsPropagation.empty())
            return Error::message("config.json: /linux/rootfsPropagation: needs a mount namespace" + shares);
        if (!l.devices.empty())
            log::warning("config.json: /linux/devices: not created in the rootfs" + shares);
    }
    if (!spec.mounts.empty())
        log::warning("config.json: /mounts: not mounted" + shares);
    return ok();
}

// The mount namespace decides where the root filesystem is set up: in the container's own, or,
// without a mount entry, nowhere (check_without_mount_namespace).
Result<void> check_mount_namespace(const oci::Spec& spec)
{
    const oci::Namespace* mnt = oci::find_namespace(spec, oci::NamespaceType::Mount);
    if (!mnt)
        return check_without_mount_namespace(spec);
    // A path naming the runtime's own mount namespace would have the rootfs set up, and the
    // pivot replace /, for every process of the caller's namespace.
    if (!mnt->path.empty() && ns::is_own_namespace({mnt->type, mnt->path}))
        return Error::message("config.json: /linux/namespaces/"
            + std::to_string(mnt - spec.linux->namespaces.data()) + "/path: " + mnt->path
            + " is the runtime's own mount namespace: hull sets up the root filesystem in the "
              "container's, never in the caller's");
    return ok();
}

// Checks of the whole config against the verb, the flags and the host, before any side effect:
// a container must never run silently without something its config asks for (an LSM label or
// Intel RDT the host cannot apply is refused). process.execCPUAffinity does not apply to the
// init (config.md); exec applies it.
Result<void> check_supported(const oci::Spec& spec, const CreateOptions& opts, Verb verb, Detach detach)
{
    // runtime.md: process may be left out at create; start then refuses. run starts at once.
    if (!spec.process && verb == Verb::Run)
        return Error::message("config.json: /process: process property must not be empty");
    const bool terminal = spec.process && spec.process->terminal;
    if (terminal && detach == Detach::Yes && opts.console_socket.empty())
        return Error::message("cannot allocate tty if hull will detach without setting console socket");
    if (!opts.console_socket.empty() && !(terminal && detach == Detach::Yes))
        return Error::message("cannot use console socket if hull will not detach or allocate tty");
    // A sysctl written into a namespace joined by path that is the runtime's own would change
    // the host (runc refuses it the same way).
    if (spec.linux) {
        for (const auto& [key, value] : spec.linux->sysctl) {
            auto scope = oci::sysctl_namespace(key);
            const oci::Namespace* ns = scope ? oci::find_namespace(spec, *scope) : nullptr;
            if (ns && !ns->path.empty() && ns::is_own_namespace({ns->type, ns->path}))
                return Error::message("config.json: /linux/sysctl/" + key + ": sysctl \"" + key
                    + "\" not allowed in the host's " + std::string(oci::to_string(ns->type)) + " namespace ("
                    + ns->path + ")");
        }
    }
    const bool has_linux = spec.linux.has_value();
    TRY(check_mount_namespace(spec));
    // Never silently unconfined: a label the host cannot apply is refused here.
    if ((spec.process && (!spec.process->apparmorProfile.empty() || !spec.process->selinuxLabel.empty()))
        || (has_linux && !spec.linux->mountLabel.empty()))
        TRY(lsm::check_labels(spec, lsm::detect_host()));
    // Intel RDT needs the kernel's resctrl filesystem (and the CPU feature); runc refuses it
    // when the host lacks it, and so does hull. hull does not write the schemata, so where the
    // host has it the field is refused too, never silently ignored.
    if (has_linux && spec.linux->intelRdt) {
        auto filesystems = read_file("/proc/filesystems");
        if (filesystems && filesystems.value().find("\tresctrl\n") == std::string::npos)
            return Error::message("config.json: /linux/intelRdt: Intel RDT is not supported on this host "
                                  "(the kernel has no resctrl filesystem)");
        return Error::message("config.json: /linux/intelRdt: not implemented yet");
    }
    return ok();
}

// What create reads, checks and plans before its first side effect.
struct CheckedConfig {
    BundleConfig config;
    std::string bundle;
    std::string rootfs;
    unsigned passed_fds = 0; // LISTEN_FDS and --preserve-fds
    ns::NsPlan ns_plan;
    std::optional<seccomp::CompiledFilter> filter;
    std::optional<process::MemPolicyPlan> mempolicy;
    cgroups::HostCgroups host_cgroups;
    cgroups::CgroupState cgroup_state;
    std::vector<cgroups::DeviceRule> device_rules;
    std::map<size_t, rootfs::IdmapPlan> idmaps;
};

// Checks without side effects, apart from entering the bundle directory (relative paths in the
// config are the bundle's) and the idmapped mounts' user namespaces, which only this process
// holds.
Result<CheckedConfig> check_and_plan(
    Sys& sys, const GlobalOptions& global, const CreateOptions& opts, Verb verb, Detach detach)
{
    CheckedConfig k;
    TRY(oci::validate_container_id(opts.id));
    k.bundle = absolute_path(opts.bundle.empty() ? "." : opts.bundle);
    k.config = TRY(read_bundle_config(k.bundle));
    oci::Spec& spec = k.config.spec;
    TRY(check_supported(spec, opts, verb, detach));
    k.rootfs = TRY(resolve_rootfs(k.bundle, spec));
    // Socket activation: fds 3..3+L-1 go first, then the --preserve-fds ones (cli-contract §7.3).
    auto listen = process::listen_fds_from_env(::getenv("LISTEN_PID"), ::getenv("LISTEN_FDS"), ::getpid());
    k.passed_fds = listen.count + opts.preserve_fds;
    TRY(check_preserved_fds(k.passed_fds));
    if (spec.process)
        spec.process->env = process::with_listen_env(std::move(spec.process->env), listen);
    k.ns_plan = ns::plan_namespaces(spec);
    // Compiled and planned here, in the runtime, before anything exists.
    if (spec.linux) {
        if (spec.linux->seccomp)
            k.filter = TRY(seccomp::compile(*spec.linux->seccomp));
        if (spec.linux->memoryPolicy)
            k.mempolicy = TRY(process::plan_mempolicy(*spec.linux->memoryPolicy));
        if (!spec.linux->netDevices.empty())
            TRY(net::validate_net_devices(*spec.linux, false).context("config.json: /linux/netDevices"));
    }
    // The cgroup: where it goes and the device rules, decided before anything exists.
    const oci::Resources* resources = spec.linux && spec.linux->resources ? &*spec.linux->resources : nullptr;
    // The host's layout, read once: the cgroup placement and the init's cgroupfs mounts use it.
    k.host_cgroups = TRY(cgroups::detect_host());
    k.cgroup_state = TRY(resolve_container_cgroup(spec, opts.id, global, k.host_cgroups));
    k.device_rules
        = TRY(cgroups::device_rules(resources, spec.linux ? spec.linux->devices : std::vector<oci::Device> {})
                  .context("config.json: /linux/resources/devices"));
    log::step("create: config loaded and checked");
    if (::chdir(k.bundle.c_str()) < 0)
        return Error::from_errno("chdir", k.bundle);
    // The user namespaces of idmapped mounts live only in this process; the init's trees get
    // their mappings here (step 3m).
    k.idmaps = TRY(rootfs::plan_idmapped_mounts(sys, spec));
    return k;
}

// The cgroup, limits and device rules in place before the init's first instruction; recorded
// for the rollback once made. Returns the cgroup2 directory for CLONE_INTO_CGROUP, empty where
// there is none.
Result<UniqueFd> prepare_cgroup(
    cgroups::Manager& cgroup, const CheckedConfig& k, StateDir& dir, ContainerRecord& record)
{
    const oci::Spec& spec = k.config.spec;
    const oci::Resources* resources = spec.linux && spec.linux->resources ? &*spec.linux->resources : nullptr;
    // Named in the state directory before it exists: a create killed from here until state.json
    // is written leaves `delete` the cgroup to remove, not only the directory.
    TRY(dir.replace_file(kPendingCgroup, cgroups::state_to_json(k.cgroup_state)));
    TRY(cgroup.create(resources));
    record.cgroup = k.cgroup_state;
    if (resources)
        TRY(cgroup.apply(*resources));
    TRY(cgroup.set_devices(k.device_rules));
    UniqueFd cgroup_fd;
    if (auto fd = cgroup.open_clone_fd(); fd)
        cgroup_fd = std::move(fd.value());
    log::step("create: cgroup ready");
    return cgroup_fd;
}

// Which optional steps the handshake has, from the config and what the runtime prepared.
process::CreatePlan plan_handshake(
    const CheckedConfig& k, const CreateOptions& opts, const UniqueFd& cgroup_fd)
{
    process::CreateConditions conditions;
    conditions.cgroup_layout = k.cgroup_state.layout;
    conditions.cgroup_clone_fd = bool(cgroup_fd);
    // Bind sources the container's root may not reach are opened by the runtime, as host root,
    // when the init asks (step 3m).
    conditions.runtime_is_root = ::geteuid() == 0;
    for (const auto& idmap : k.idmaps)
        conditions.idmapped_mounts.push_back(idmap.first);
    conditions.seccomp = k.filter.has_value();
    conditions.seccomp_notify = k.filter && k.filter->notify;
    conditions.no_new_keyring = opts.no_new_keyring;
    return process::plan_create(k.config.spec, k.ns_plan, conditions);
}

// Step 5 of the handshake, the container's side (RuntimeResources::record_init): the init's
// pidfd to --pidfd-socket, then state.json with its pid, start time and creation time.
Result<void> record_init(CreatedContainer& c, const UniqueFd& pidfd_socket, pid_t pid)
{
    if (pidfd_socket)
        TRY(send_pidfd(pidfd_socket.get(), pid, "standard"));
    auto st = TRY(read_proc_stat(pid));
    c.record.pid = pid;
    c.record.start_time = st.start_time;
    c.record.created = log::rfc3339_now(true);
    return c.dir.write_record(c.record);
}

// The record of the new container, and the files `start` and `delete` read beside it.
Result<void> write_container_files(CreatedContainer& c, const CheckedConfig& k, const CreateOptions& opts)
{
    const oci::Spec& spec = k.config.spec;
    c.record.id = opts.id;
    c.record.bundle = k.bundle;
    c.record.rootfs = k.rootfs;
    c.record.annotations = spec.annotations;
    c.record.own_pid_namespace = k.ns_plan.creates(oci::NamespaceType::Pid);
    c.record.no_new_keyring = opts.no_new_keyring;
    c.record.own_mount_namespace = k.ns_plan.lists(oci::NamespaceType::Mount);
    c.record.has_process = spec.process.has_value();
    TRY(c.dir.write_new_file(kSavedConfig, k.config.text));
    if (k.filter)
        TRY(c.dir.write_new_file(kSavedSeccomp, seccomp::serialize(*k.filter)));
    if (spec.hooks) {
        c.record.poststart = spec.hooks->poststart;
        c.record.poststop = spec.hooks->poststop;
    }
    return ok();
}

// Terminal: the init sends the pty master to --console-socket, or, in the foreground, to our
// end of a socketpair for the relay (cli-contract.md §6). Returns the init's end.
Result<UniqueFd> connect_console(CreatedContainer& c, const oci::Spec& spec, const CreateOptions& opts)
{
    if (!opts.console_socket.empty())
        return terminal::connect_console_socket(opts.console_socket);
    if (spec.process && spec.process->terminal) {
        auto pair = TRY(FdPair::socketpair(SOCK_STREAM));
        c.console_receiver = std::move(pair.parent_end());
        return std::move(pair.child_end());
    }
    return UniqueFd();
}

} // namespace

Result<CreatedContainer> create_container(
    Sys& sys, const GlobalOptions& global, const CreateOptions& opts, Verb verb, Detach detach)
{
    auto k = TRY(check_and_plan(sys, global, opts, verb, detach));
    const oci::Spec& spec = k.config.spec;

    // A `run` interrupted while the filter compiled ends here, before anything exists.
    if (process::interrupted_by() != 0)
        return process::interrupted_error();
    // Side effects, each with its rollback.
    CreatedContainer c;
    c.dir = TRY(StateDir::create(state_root(global), opts.id));
    // runtime.md: a create that fails after its hooks could run ends like a delete, poststop
    // hooks included.
    ScopeExit remove_dir([&] {
        c.init.kill_and_reap();
        (void)destroy_container(c.dir, c.record);
        run_poststop_hooks(c.record);
    });
    TRY(fault::hit(fault::Point::CreateStateDir));
    cgroups::Manager cgroup(k.cgroup_state);
    UniqueFd cgroup_fd = TRY(prepare_cgroup(cgroup, k, c.dir, c.record));
    TRY(fault::hit(fault::Point::CreateCgroup));
    if (::mkfifoat(c.dir.fd(), kExecFifo, 0622) < 0)
        return Error::from_errno("mkfifo", c.dir.path() + "/" + kExecFifo);
    // O_RDWR: the init is a reader (start's non-blocking open succeeds only while it lives)
    // and a writer (its read blocks instead of seeing EOF until start writes).
    UniqueFd fifo(::openat(c.dir.fd(), kExecFifo, O_RDWR | O_CLOEXEC));
    if (!fifo)
        return Error::from_errno("open", c.dir.path() + "/" + kExecFifo);
    TRY(write_container_files(c, k, opts));
    TRY(fault::hit(fault::Point::CreateFiles));
    // --pidfd-socket: connected now, so a bad path fails before the init exists.
    UniqueFd pidfd_socket;
    if (!opts.pidfd_socket.empty())
        pidfd_socket = TRY(terminal::connect_console_socket(opts.pidfd_socket).context("--pidfd-socket"));
    UniqueFd console = TRY(connect_console(c, spec, opts));

    const process::CreatePlan plan = plan_handshake(k, opts, cgroup_fd);
    process::InitRequest req;
    req.spec = &spec;
    req.plan = &plan;
    req.rootfs = k.rootfs;
    req.id = opts.id;
    req.no_pivot = opts.no_pivot;
    req.preserve_fds = k.passed_fds;
    req.exec_fifo = std::move(fifo);
    req.console_socket = std::move(console);
    req.state = state_of(c.record, Status::Created);
    req.seccomp = plan.seccomp_filter ? &*k.filter : nullptr;
    req.mempolicy = k.mempolicy ? &*k.mempolicy : nullptr;
    req.host_cgroups = &k.host_cgroups;
    req.runtime_mount_ns = TRY(ns::own_namespace_id(oci::NamespaceType::Mount));
    if (plan.cgroup_self_join)
        req.cgroup_join = TRY(cgroup.open_self_join().context("join the container's cgroup"));
    process::RuntimeResources runtime {
        .cgroup = cgroup,
        .cgroup_fd = std::move(cgroup_fd),
        .idmaps = std::move(k.idmaps),
        .record_init = [&](pid_t pid) { return record_init(c, pidfd_socket, pid); },
    };
    auto oom_kills = [&]() -> uint64_t {
        auto n = cgroup.oom_kill_count();
        return n ? n.value() : 0;
    };
    const uint64_t ooms_before = oom_kills();
    auto init = process::create_init(sys, std::move(req), std::move(runtime));
    if (!init) {
        // The kernel's OOM killer is the usual reason an init dies during setup.
        if (oom_kills() > ooms_before)
            return Error::message("container init was OOM-killed (memory limit too low?)");
        if (!opts.console_socket.empty())
            return terminal::name_console_socket(std::move(init).error(), opts.console_socket);
        return std::move(init).error();
    }
    c.init = std::move(init.value());
    TRY(fault::hit(fault::Point::CreatePidFile));

    if (!opts.pid_file.empty())
        TRY(write_file_atomic(opts.pid_file, std::to_string(c.record.pid), 0644).context("write pid file"));
    remove_dir.dismiss();
    return c;
}

Result<int> create(Sys& sys, const GlobalOptions& global, const CreateOptions& opts)
{
    auto c = TRY(create_container(sys, global, opts, Verb::Create, Detach::Yes));
    // The init is left to the caller's subreaper: never reaped here (cli-contract.md §7.1).
    (void)c.init.release();
    return 0;
}

} // namespace hull::container
