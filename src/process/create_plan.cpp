// The create plan (create_plan.hpp): pure, no system calls.
#include "process/create_plan.hpp"

#include "rootfs/sources.hpp"

#include <algorithm>
#include <sched.h>

namespace hull::process {

namespace {

// Hooks that need the handshake: prestart and createRuntime run in the runtime,
// createContainer in the init before pivot_root, and startContainer in the init with the state
// it gets at the same step.
bool has_create_hooks(const oci::Spec& spec)
{
    if (!spec.hooks)
        return false;
    const auto& h = *spec.hooks;
    return !h.prestart.empty() || !h.createRuntime.empty() || !h.createContainer.empty()
        || !h.startContainer.empty();
}

// Step 3m: one exchange per mount that has a runtime-opened source or an id mapping.
std::vector<MountService> plan_mount_services(
    const std::vector<size_t>& sources, const std::vector<size_t>& idmapped)
{
    std::vector<size_t> indices;
    std::set_union(
        sources.begin(), sources.end(), idmapped.begin(), idmapped.end(), std::back_inserter(indices));
    std::vector<MountService> out;
    for (size_t i : indices)
        out.push_back({i, std::binary_search(sources.begin(), sources.end(), i),
            std::binary_search(idmapped.begin(), idmapped.end(), i)});
    return out;
}

std::vector<CreateStep> order_steps(const CreatePlan& plan)
{
    std::vector<CreateStep> steps;
    if (plan.intermediate)
        steps.push_back(CreateStep::IntermediateAsksMaps);
    if (plan.id_maps)
        steps.push_back(CreateStep::IdMaps);
    if (plan.intermediate)
        steps.push_back(CreateStep::IntermediateHandsOver);
    // Always: with CgroupPlacement::AtClone it catches a clone3 that could not place the init.
    steps.push_back(CreateStep::Placement);
    if (!plan.mount_services.empty())
        steps.push_back(CreateStep::MountSources);
    if (plan.create_hooks)
        steps.push_back(CreateStep::CreateHooks);
    if (plan.seccomp_listener)
        steps.push_back(CreateStep::SeccompListener);
    steps.insert(steps.end(), {CreateStep::Ready, CreateStep::Recorded, CreateStep::Detached});
    return steps;
}

} // namespace

const char* to_string(CreateStep step)
{
    switch (step) {
    case CreateStep::IntermediateAsksMaps:
        return "2i: the intermediate asks for id maps";
    case CreateStep::IdMaps:
        return "2a: id maps";
    case CreateStep::IntermediateHandsOver:
        return "2i: the intermediate hands the init over";
    case CreateStep::Placement:
        return "2b: cgroup and network devices";
    case CreateStep::MountSources:
        return "3m: mount sources and id-mapped trees";
    case CreateStep::CreateHooks:
        return "3a: create hooks";
    case CreateStep::SeccompListener:
        return "3c: seccomp listener";
    case CreateStep::Ready:
        return "4: ready";
    case CreateStep::Recorded:
        return "5: recorded";
    case CreateStep::Detached:
        return "6: detached";
    }
    return "unknown step";
}

bool CreatePlan::runs(CreateStep step) const
{
    return std::find(steps.begin(), steps.end(), step) != steps.end();
}

bool CreatePlan::idmaps() const
{
    return std::any_of(
        mount_services.begin(), mount_services.end(), [](const MountService& m) { return m.idmap; });
}

CreatePlan plan_create(const oci::Spec& spec, const ns::NsPlan& ns, const CreateConditions& conditions)
{
    CreatePlan plan;
    plan.ns = ns;
    plan.intermediate = ns.needs_intermediate();
    plan.id_maps = ns.creates(oci::NamespaceType::User);
    // clone3 places the init in a cgroup2 directory the runtime holds open; one it could not
    // open needs the pid. v1 hierarchies (and a hybrid host's) the child joins itself.
    const cgroups::Layout layout = conditions.cgroup_layout;
    const bool has_cgroup2 = layout == cgroups::Layout::V2 || layout == cgroups::Layout::Hybrid;
    const bool by_pid = has_cgroup2 && !conditions.cgroup_clone_fd;
    plan.cgroup = by_pid ? CgroupPlacement::ByPid : CgroupPlacement::AtClone;
    plan.cgroup_self_join = layout == cgroups::Layout::V1 || layout == cgroups::Layout::Hybrid;
    plan.net_devices = spec.linux && !spec.linux->netDevices.empty();
    // The intermediate and the init share the channel: the init must not speak before the
    // runtime has read the intermediate's ChildInitPid, and ParentSetupReady (sent after 2i and
    // 2b) orders them.
    plan.init_waits_for_placement = by_pid || plan.net_devices || plan.intermediate;
    plan.defer_cgroup_ns = (by_pid || plan.cgroup_self_join) && ns.creates(oci::NamespaceType::Cgroup);
    plan.init_clone_flags = plan.defer_cgroup_ns ? ns.clone_flags & ~CLONE_NEWCGROUP : ns.clone_flags;
    plan.runtime_sources
        = rootfs::sources_opened_by_runtime(spec, ns.user_namespace() && conditions.runtime_is_root);
    plan.mount_services = plan_mount_services(plan.runtime_sources, conditions.idmapped_mounts);
    plan.create_hooks = has_create_hooks(spec);
    plan.process = spec.process.has_value();
    // Without a process nothing is ever executed: the init loads no filter and sends no listener.
    plan.seccomp_filter = conditions.seccomp && plan.process;
    plan.seccomp_listener = plan.seccomp_filter && conditions.seccomp_notify;
    plan.rootfs = ns.lists(oci::NamespaceType::Mount) ? RootfsSetup::OwnMountNamespace
                                                      : RootfsSetup::RuntimeMountNamespace;
    plan.session_keyring = !conditions.no_new_keyring;
    plan.steps = order_steps(plan);
    return plan;
}

} // namespace hull::process
