// Step 3 of the create handshake (protocol.hpp), init side.
#include "process/init_setup.hpp"

#include "process/attributes.hpp"
#include "process/process_setup.hpp"
#include "process/protocol.hpp"
#include "rootfs/rootfs.hpp"

#include "hull/fault.hpp"
#include "hull/log.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace hull::process {

Result<void> become_namespace_root(Sys& sys)
{
    TRY(sys.setgroups({}).context("drop supplementary groups in the user namespace"));
    TRY(sys.setresgid(0));
    return sys.setresuid(0);
}

namespace {

// The init's process setup (process_setup.hpp), which takes the console socket. Without a
// process nothing is ever executed, and only the keyring is joined.
ProcessSetup init_process_setup(InitRequest& req)
{
    static const oci::Process kNoProcess {};
    const oci::Process& process = req.spec->process ? *req.spec->process : kNoProcess;
    ProcessSetupInput input;
    input.role = ProcessRole::Init;
    input.own_mount_namespace = req.plan->rootfs == RootfsSetup::OwnMountNamespace;
    input.keyring = req.plan->session_keyring ? req.id : std::string();
    input.seccomp = req.seccomp;
    input.mempolicy = req.mempolicy;
    return ProcessSetup(process, plan_process_setup(process, input), std::move(req.console_socket));
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
Result<void> enter_own_rootfs(Sys& sys, const InitRequest& req, Channel& channel, std::string& state_json,
    const cgroups::OwnCgroups& own_cgroups, ProcessSetup& setup)
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
    log::step("init: mounts and devices made");
    TRY(run_create_hooks(req, channel, state_json));
    // Step 3b.
    TRY(rootfs::pivot_into_rootfs(sys, ropts));
    log::step("init: pivoted");
    TRY(setup.set_up_terminal(sys));
    TRY(apply_linux_settings(sys, spec));
    return rootfs::finalize_rootfs(sys, spec).context("finalize rootfs");
}

// Steps 3a-3b in the runtime's mount namespace (no mount entry in the config): nothing is
// mounted, unmounted or made private; the pty and the sysctls come from the runtime's devpts and
// procfs, then the init chroots into the rootfs.
Result<void> enter_shared_rootfs(
    Sys& sys, const InitRequest& req, Channel& channel, std::string& state_json, ProcessSetup& setup)
{
    TRY(run_create_hooks(req, channel, state_json));
    TRY(setup.set_up_terminal(sys));
    TRY(apply_linux_settings(sys, *req.spec));
    return rootfs::chroot_into_rootfs(sys, req.rootfs).context("enter the rootfs");
}

} // namespace

// Steps 2-3, init side. State: new namespaces of the plan, root in them, the host's root
// filesystem still visible, the runtime's fds inherited (all O_CLOEXEC).
Result<ExecTarget> set_up_container(Sys& sys, InitRequest& req, Channel& channel, std::string& state_json)
{
    const oci::Spec& spec = *req.spec;
    const CreatePlan& plan = *req.plan;

    // Steps 2a-2b.
    auto own_cgroups = TRY(wait_for_placement(sys, req, channel));
    log::step("init: placed, namespaces joined");
    TRY(fault::hit(fault::Point::CreateInitPlaced));
    // Process setup steps 1-2 (process_setup.hpp), through the procfs the runtime sees.
    ProcessSetup setup = init_process_setup(req);
    TRY(setup.write_oom_score_adj(sys));
    TRY(setup.join_keyring(sys));
    // Exact modes for everything hull creates; the process's umask is set at the end.
    ::umask(0);
    if (!spec.hostname.empty())
        TRY(sys.sethostname(spec.hostname));
    if (!spec.domainname.empty())
        TRY(sys.setdomainname(spec.domainname));

    // Without a mount entry the init is in the runtime's mount namespace, where no rootfs step
    // may run (CreatePlan::rootfs).
    if (plan.rootfs == RootfsSetup::OwnMountNamespace)
        TRY(enter_own_rootfs(sys, req, channel, state_json, own_cgroups, setup));
    else
        TRY(enter_shared_rootfs(sys, req, channel, state_json, setup));
    log::step("init: rootfs ready");
    TRY(fault::hit(fault::Point::CreateInitRootfs));
    // State: inside the rootfs, old root detached (or chrooted), still root. Without a process
    // nothing is ever executed: the init only waits, and start refuses.
    if (!plan.process)
        return ExecTarget {};
    // The last of step 3: what takes effect at execve, the process's identity, and the filter.
    return setup.finish(sys, channel);
}
} // namespace hull::process
