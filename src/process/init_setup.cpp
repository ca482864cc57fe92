// Step 3 of the create handshake (protocol.hpp), init side.
#include "process/init_setup.hpp"

#include "lsm/lsm.hpp"
#include "process/attributes.hpp"
#include "process/protocol.hpp"
#include "rootfs/rootfs.hpp"
#include "terminal/console.hpp"

#include "hull/log.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace hull::process {

namespace {

Result<void> write_oom_score_adj(int value)
{
    LinuxSys sys;
    return sys.write_file_at(AT_FDCWD, "/proc/self/oom_score_adj", std::to_string(value));
}

} // namespace

Result<void> become_namespace_root(Sys& sys)
{
    TRY(sys.setgroups({}).context("drop supplementary groups in the user namespace"));
    TRY(sys.setresgid(0));
    return sys.setresuid(0);
}

namespace {

// The pty comes from the devpts the init sees; /dev/console becomes its slave where the init
// has a mount namespace of its own to mount it in.
enum class ConsoleMount { Yes, No };
Result<void> set_up_terminal(Sys& sys, InitRequest& req, ConsoleMount console)
{
    const oci::Process& p = *req.spec->process;
    auto pty = TRY(terminal::open_container_pty(p.consoleSize));
    TRY(terminal::give_pty_to(pty.slave.get(), p.user.uid));
    if (console == ConsoleMount::Yes)
        TRY(terminal::mount_console(sys, pty.slave.get()));
    TRY(terminal::send_console_master(req.console_socket.get(), pty.master.get(), pty.master_name));
    req.console_socket.reset();
    pty.master.reset();
    return terminal::make_controlling_terminal(std::move(pty.slave));
}

Result<void> apply_linux_settings(Sys& sys, const oci::Spec& spec)
{
    if (!spec.linux)
        return ok();
    // Before read-only paths: /proc/sys is usually one of them.
    TRY(rootfs::write_sysctls(sys, spec.linux->sysctl));
    if (spec.linux->personality)
        TRY(apply_personality(*spec.linux->personality));
    return ok();
}

// Steps 3a-3b in a mount namespace of the container's own: the rootfs set up, pivoted into and
// finalized.
Result<void> enter_own_rootfs(Sys& sys, InitRequest& req, Channel& channel, std::string& state_json,
    const cgroups::OwnCgroups& own_cgroups)
{
    const oci::Spec& spec = *req.spec;
    const ns::NsPlan& plan = req.plan->ns;
    rootfs::RootfsOptions ropts;
    ropts.rootfs = req.rootfs;
    ropts.no_pivot = req.no_pivot;
    ropts.new_network_ns = plan.creates(oci::NamespaceType::Network);
    ropts.new_ipc_ns = plan.creates(oci::NamespaceType::Ipc);
    ropts.host_cgroups = req.host_cgroups;
    if (spec.linux)
        ropts.mount_label = spec.linux->mountLabel;
    ropts.new_cgroup_ns = plan.creates(oci::NamespaceType::Cgroup);
    ropts.own_cgroups = &own_cgroups;
    ropts.runtime_mount_ns = req.runtime_mount_ns;
    // Step 3m: a source the container's root may not reach comes from the runtime, and so does
    // the id mapping of an idmapped tree.
    if (!req.plan->runtime_sources.empty()) {
        ropts.runtime_sources = &req.plan->runtime_sources;
        ropts.runtime_source = [&channel](size_t index) { return channel.request_mount_source(index); };
    }
    if (req.plan->idmaps())
        ropts.idmap_tree = [&channel](size_t index, int tree) { return channel.request_idmap(index, tree); };
    TRY(rootfs::prepare_rootfs(sys, spec, ropts).context("prepare rootfs"));
    TRY(run_create_hooks(req, channel, state_json));
    // Step 3b.
    TRY(rootfs::pivot_into_rootfs(sys, ropts));
    if (req.plan->terminal)
        TRY(set_up_terminal(sys, req, ConsoleMount::Yes));
    TRY(apply_linux_settings(sys, spec));
    return rootfs::finalize_rootfs(sys, spec).context("finalize rootfs");
}

// Steps 3a-3b in the runtime's mount namespace (no mount entry in the config): nothing is
// mounted, unmounted or made private; the pty and the sysctls come from the runtime's devpts and
// procfs, then the init chroots into the rootfs.
Result<void> enter_shared_rootfs(Sys& sys, InitRequest& req, Channel& channel, std::string& state_json)
{
    TRY(run_create_hooks(req, channel, state_json));
    if (req.plan->terminal)
        TRY(set_up_terminal(sys, req, ConsoleMount::No));
    TRY(apply_linux_settings(sys, *req.spec));
    return rootfs::chroot_into_rootfs(sys, req.rootfs).context("enter the rootfs");
}

// The last of step 3: what takes effect at execve, the process's identity, and the filter.
Result<ExecTarget> prepare_init_process(Sys& sys, const InitRequest& req, Channel& channel)
{
    const oci::Process& process = *req.spec->process;
    // LSM labels take effect at execve; written before the filter, which may block the writes.
    if (!process.apparmorProfile.empty() || !process.selinuxLabel.empty())
        TRY(lsm::set_exec_labels(sys, process));
    // Before the filter, which may block set_mempolicy; a node the kernel refuses fails create.
    if (req.mempolicy)
        TRY(apply_mempolicy(*req.mempolicy));
    auto timing = seccomp_timing(req.seccomp, process.noNewPrivileges);
    auto load_filter = [&]() { return load_seccomp_filter(*req.seccomp, channel); };
    PrepareOptions options;
    if (timing == SeccompTiming::BeforeUserChange)
        options.before_user_change = load_filter;
    auto target = TRY(prepare_process(sys, process, options));
    if (timing == SeccompTiming::EndOfSetup)
        TRY(load_filter());
    if (timing == SeccompTiming::BeforeExec)
        target.seccomp = req.seccomp;
    return target;
}

} // namespace

// Steps 2-3, init side. State: new namespaces of the plan, root in them, the host's root
// filesystem still visible, the runtime's fds inherited (all O_CLOEXEC).
Result<ExecTarget> set_up_container(InitRequest& req, Channel& channel, std::string& state_json)
{
    LinuxSys sys;
    const oci::Spec& spec = *req.spec;
    const CreatePlan& plan = *req.plan;

    // Steps 2a-2b.
    auto own_cgroups = TRY(wait_for_placement(sys, req, channel));
    if (plan.session_keyring) {
        // runc labels the session keyring with the process label (SELinux keycreate).
        const std::string label = spec.process ? spec.process->selinuxLabel : "";
        if (!label.empty())
            TRY(lsm::set_keycreate_label(TRY(lsm::open_proc_root(sys)).get(), label));
        TRY(join_session_keyring(req.id));
        if (!label.empty())
            TRY(lsm::set_keycreate_label(TRY(lsm::open_proc_root(sys)).get(), ""));
    }
    // Exact modes for everything hull creates; the process's umask is set at the end.
    ::umask(0);
    if (!spec.hostname.empty())
        TRY(sys.sethostname(spec.hostname));
    if (!spec.domainname.empty())
        TRY(sys.setdomainname(spec.domainname));
    if (spec.process && spec.process->oomScoreAdj)
        TRY(write_oom_score_adj(*spec.process->oomScoreAdj).context("set oom_score_adj"));

    // Without a mount entry the init is in the runtime's mount namespace, where no rootfs step
    // may run (CreatePlan::rootfs).
    if (plan.rootfs == RootfsSetup::OwnMountNamespace)
        TRY(enter_own_rootfs(sys, req, channel, state_json, own_cgroups));
    else
        TRY(enter_shared_rootfs(sys, req, channel, state_json));
    log::step("init: rootfs ready");
    // State: inside the rootfs, old root detached (or chrooted), still root. Without a process
    // nothing is ever executed: the init only waits, and start refuses.
    if (!plan.process)
        return ExecTarget {};
    return prepare_init_process(sys, req, channel);
}
} // namespace hull::process
