// The create plan: which optional steps of the create handshake (protocol.hpp) run, and in which
// order, decided once from the config, the namespace plan, the host and the command's options.
//
// Computed by the runtime (create.cpp) after the container's cgroup exists and before clone; the
// sequence (create_sequence.cpp) walks plan.steps on the runtime side, and the init, which gets a
// copy of the plan with the rest of its memory at clone, reads the same fields to know which
// messages to expect. Both sides therefore agree on the exchange by construction. plan_create is
// pure and unit-tested over the combinations (tests/unit/process/create_plan_test.cpp); what each
// step does is in create_sequence.cpp.
#pragma once

#include "hull/cgroups/host.hpp"
#include "hull/namespaces/plan.hpp"
#include "hull/oci/spec.hpp"

#include <cstddef>
#include <cstdint>
#include <vector>

namespace hull::process {

// What the plan depends on besides the config and the namespace plan.
struct CreateConditions {
    // The container's cgroup layout (CgroupState::layout) and whether the runtime holds its
    // cgroup2 directory open for clone3's CLONE_INTO_CGROUP (Manager::open_clone_fd).
    cgroups::Layout cgroup_layout = cgroups::Layout::None;
    bool cgroup_clone_fd = false;
    // The runtime runs as host root: with a user namespace it opens bind sources the
    // container's root may not reach (rootfs/sources.hpp).
    bool runtime_is_root = false;
    // The mounts that get an id mapping (the keys of rootfs::plan_idmapped_mounts), ascending.
    std::vector<size_t> idmapped_mounts;
    // linux.seccomp compiled, and whether a rule is SCMP_ACT_NOTIFY (CompiledFilter::notify).
    bool seccomp = false;
    bool seccomp_notify = false;
    bool no_new_keyring = false; // --no-new-keyring
};

// The runtime's side of the handshake, in the order the runtime meets it; the step numbers are
// the table's in protocol.hpp.
enum class CreateStep : uint8_t {
    IntermediateAsksMaps, // 2i: the intermediate, in its new user namespace, asks for id maps
    IdMaps, // 2a: uid_map and gid_map of the new user namespace
    IntermediateHandsOver, // 2i: the intermediate reports the init's pid and exits
    Placement, // 2b: the init into its cgroup by pid, host network devices into its netns
    MountSources, // 3m: bind sources opened and trees id-mapped for the init
    CreateHooks, // 3a: prestart and createRuntime hooks
    SeccompListener, // 3c: the notify listener to linux.seccomp.listenerPath
    Ready, // 4
    Recorded, // 5: the init recorded as the container (state.json), ParentCreated
    Detached, // 6
};
const char* to_string(CreateStep step);

// How the init gets into its cgroup2 directory. AtClone: clone3 places it (CLONE_INTO_CGROUP)
// and the runtime writes its pid only if clone3 could not. ByPid: the runtime writes its pid to
// cgroup.procs at step 2b (no cgroup2 directory to clone into). v1 hierarchies are joined by
// the child itself (CreatePlan::cgroup_self_join).
enum class CgroupPlacement { AtClone, ByPid };

// Where the root filesystem is set up: in the container's own mount namespace (mounts,
// pivot_root), or, without a mount entry in linux.namespaces, in the runtime's, where the init
// only chroots.
enum class RootfsSetup { OwnMountNamespace, RuntimeMountNamespace };

// Step 3m for one mount: its source opened by the runtime, its detached tree id-mapped, or both.
struct MountService {
    size_t index = 0; // in config.json's mounts
    bool open_source = false;
    bool idmap = false;
    bool operator==(const MountService&) const = default;
};

struct CreatePlan {
    ns::NsPlan ns;
    // The namespaces the init is born in (or the intermediate unshares for it): the namespace
    // plan's, minus a cgroup namespace the init makes itself once it is in its cgroup.
    int init_clone_flags = 0;
    bool intermediate = false; // 2i
    bool id_maps = false; // 2a
    CgroupPlacement cgroup = CgroupPlacement::AtClone; // 2b
    // The clone child writes "0" to the `tasks` file of each v1 hierarchy (cgroups::join_self)
    // first thing, before its setup: a thread moving itself costs microseconds where the
    // runtime writing its pid costs an RCU grace period (milliseconds).
    bool cgroup_self_join = false;
    bool net_devices = false; // 2b: linux.netDevices
    // The init waits for ParentSetupReady (2b) before its setup: placed by pid, its mknods
    // must meet the device rules; sysctls and hooks may name the moved devices; after an
    // intermediate, its first message must follow the intermediate's last.
    bool init_waits_for_placement = false;
    // A new cgroup namespace made by the init once it is in its cgroups: one made at clone
    // would be rooted at the runtime's cgroups wherever the init is placed after clone.
    bool defer_cgroup_ns = false;
    std::vector<size_t> runtime_sources; // 3m: mounts whose source the runtime opens, ascending
    std::vector<MountService> mount_services; // 3m: every exchange, in config order
    bool create_hooks = false; // 3a
    bool seccomp_filter = false; // the init loads linux.seccomp (when: seccomp_timing)
    bool seccomp_listener = false; // 3c
    RootfsSetup rootfs = RootfsSetup::OwnMountNamespace;
    bool session_keyring = true; // a new session keyring named after the container
    // config.json has a process: the init prepares it for execve. Without one the init only
    // waits; start refuses.
    bool process = false;
    std::vector<CreateStep> steps; // the runtime's side, in order

    bool runs(CreateStep step) const;
    bool idmaps() const;
};

CreatePlan plan_create(const oci::Spec& spec, const ns::NsPlan& ns, const CreateConditions& conditions);

} // namespace hull::process
