// The create plan (src/process/create_plan.hpp): which optional handshake steps run, in which
// order, over the combinations of config, host and options that decide them.
#include "process/create_plan.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <sched.h>
#include <string>
#include <vector>

using namespace hull;
using namespace hull::process;
using cgroups::Layout;
using oci::NamespaceType;
using Step = CreateStep;

namespace {

// The table's order of the runtime's steps (protocol.hpp).
const std::vector<Step> kTableOrder = {Step::IntermediateAsksMaps, Step::IdMaps, Step::IntermediateHandsOver,
    Step::Placement, Step::MountSources, Step::CreateHooks, Step::SeccompListener, Step::Ready,
    Step::Recorded, Step::Detached};

enum class Ns { Absent, Created, Joined };

void add_namespace(oci::Spec& spec, NamespaceType type, Ns how)
{
    if (how == Ns::Absent)
        return;
    if (!spec.linux)
        spec.linux = oci::Linux {};
    spec.linux->namespaces.push_back({type, how == Ns::Joined ? "/proc/1/ns/x" : ""});
}

CreatePlan plan_of(const oci::Spec& spec, const CreateConditions& conditions = {})
{
    return plan_create(spec, ns::plan_namespaces(spec), conditions);
}

oci::Mount bind_mount(const std::string& destination)
{
    return {destination, "bind", "/src" + destination, {"rbind"}};
}

bool in_table_order(const std::vector<Step>& steps)
{
    auto pos
        = [](Step s) { return std::find(kTableOrder.begin(), kTableOrder.end(), s) - kTableOrder.begin(); };
    for (size_t i = 1; i < steps.size(); ++i)
        if (pos(steps[i - 1]) >= pos(steps[i]))
            return false;
    return true;
}

} // namespace

TEST_CASE("an empty config has only the steps every create has")
{
    auto plan = plan_of(oci::Spec {});
    CHECK(plan.steps == std::vector<Step> {Step::Placement, Step::Ready, Step::Recorded, Step::Detached});
    CHECK_FALSE(plan.intermediate);
    CHECK_FALSE(plan.id_maps);
    CHECK(plan.mount_services.empty());
    CHECK(plan.runtime_sources.empty());
    CHECK_FALSE(plan.create_hooks);
    CHECK_FALSE(plan.seccomp_filter);
    CHECK_FALSE(plan.seccomp_listener);
    CHECK_FALSE(plan.process);
    CHECK(plan.session_keyring);
    CHECK(plan.rootfs == RootfsSetup::RuntimeMountNamespace);
}

TEST_CASE("cgroup placement, network devices and the cgroup namespace over every host")
{
    for (Layout layout : {Layout::None, Layout::V1, Layout::Hybrid, Layout::V2})
        for (bool clone_fd : {false, true})
            for (bool net_devices : {false, true})
                for (Ns cgroup_ns : {Ns::Absent, Ns::Created, Ns::Joined}) {
                    CAPTURE(to_string(layout));
                    CAPTURE(clone_fd);
                    CAPTURE(net_devices);
                    CAPTURE(static_cast<int>(cgroup_ns));
                    oci::Spec spec;
                    spec.linux = oci::Linux {};
                    add_namespace(spec, NamespaceType::Network, Ns::Created);
                    add_namespace(spec, NamespaceType::Cgroup, cgroup_ns);
                    if (net_devices)
                        spec.linux->netDevices["eth1"] = {"ctr1"};
                    CreateConditions conditions;
                    conditions.cgroup_layout = layout;
                    conditions.cgroup_clone_fd = clone_fd;
                    auto plan = plan_of(spec, conditions);

                    // clone3 places the init in an open cgroup2 directory; without one the
                    // runtime writes the pid, and the init waits for it. v1 hierarchies the
                    // child joins itself, without a wait.
                    const bool has_cgroup2 = layout == Layout::V2 || layout == Layout::Hybrid;
                    const bool by_pid = has_cgroup2 && !clone_fd;
                    const bool self_join = layout == Layout::V1 || layout == Layout::Hybrid;
                    CHECK(plan.cgroup == (by_pid ? CgroupPlacement::ByPid : CgroupPlacement::AtClone));
                    CHECK(plan.cgroup_self_join == self_join);
                    CHECK(plan.net_devices == net_devices);
                    CHECK(plan.init_waits_for_placement == (by_pid || net_devices));
                    // A new cgroup namespace is made once the init is in every cgroup; a joined
                    // one is joined by path as any other.
                    const bool deferred = (by_pid || self_join) && cgroup_ns == Ns::Created;
                    CHECK(plan.defer_cgroup_ns == deferred);
                    const int want_flags
                        = CLONE_NEWNET | (cgroup_ns == Ns::Created && !deferred ? CLONE_NEWCGROUP : 0);
                    CHECK(plan.init_clone_flags == want_flags);
                    CHECK(plan.ns.clone_flags
                        == (CLONE_NEWNET | (cgroup_ns == Ns::Created ? CLONE_NEWCGROUP : 0)));
                    // Step 2b runs on every host: with AtClone it catches a clone3 fallback.
                    CHECK(plan.runs(Step::Placement));
                }
}

TEST_CASE("the intermediate and the id maps follow the user namespace and the joins")
{
    for (Ns user : {Ns::Absent, Ns::Created, Ns::Joined})
        for (Ns net : {Ns::Absent, Ns::Created, Ns::Joined})
            for (Ns pid : {Ns::Absent, Ns::Created, Ns::Joined}) {
                CAPTURE(static_cast<int>(user));
                CAPTURE(static_cast<int>(net));
                CAPTURE(static_cast<int>(pid));
                oci::Spec spec;
                add_namespace(spec, NamespaceType::User, user);
                add_namespace(spec, NamespaceType::Network, net);
                add_namespace(spec, NamespaceType::Pid, pid);
                if (user == Ns::Created) {
                    spec.linux->uidMappings = {{0, 1000, 1}};
                    spec.linux->gidMappings = {{0, 1000, 1}};
                }
                auto plan = plan_of(spec);
                // A pid namespace joined by path is the runtime's join, before clone; a network
                // one the init's, which a new user namespace must come after.
                const bool intermediate = user == Ns::Created && net == Ns::Joined;
                CHECK(plan.intermediate == intermediate);
                // The init shares the intermediate's channel: it speaks only after step 2b.
                CHECK(plan.init_waits_for_placement == intermediate);
                CHECK(plan.id_maps == (user == Ns::Created));
                auto expected = [&](Step step) {
                    if (step == Step::IntermediateAsksMaps || step == Step::IntermediateHandsOver)
                        return intermediate;
                    if (step == Step::IdMaps)
                        return user == Ns::Created;
                    return step == Step::Placement || step == Step::Ready || step == Step::Recorded
                        || step == Step::Detached;
                };
                std::vector<Step> want;
                std::copy_if(kTableOrder.begin(), kTableOrder.end(), std::back_inserter(want), expected);
                CHECK(plan.steps == want);
            }
}

TEST_CASE("step 3m: runtime-opened sources with a user namespace and a root runtime, idmaps by index")
{
    oci::Spec spec;
    spec.mounts = {
        {"/proc", "proc", "proc", {}}, // 0: not a bind
        bind_mount("/a"), // 1
        {"/sys/fs/cgroup", "cgroup", "cgroup", {"bind"}}, // 2: a cgroup mount is never opened
        {"/b", "none", "/src/b", {"bind", "ro"}}, // 3: a bind by its options
        bind_mount("/c"), // 4
    };
    for (Ns user : {Ns::Absent, Ns::Created, Ns::Joined})
        for (bool root : {false, true})
            for (bool idmapped : {false, true}) {
                CAPTURE(static_cast<int>(user));
                CAPTURE(root);
                CAPTURE(idmapped);
                oci::Spec s = spec;
                add_namespace(s, NamespaceType::Mount, Ns::Created);
                add_namespace(s, NamespaceType::User, user);
                CreateConditions conditions;
                conditions.runtime_is_root = root;
                if (idmapped)
                    conditions.idmapped_mounts = {0, 4};
                auto plan = plan_of(s, conditions);

                const bool opens = user != Ns::Absent && root;
                CHECK(
                    plan.runtime_sources == (opens ? std::vector<size_t> {1, 3, 4} : std::vector<size_t> {}));
                std::vector<MountService> want;
                if (idmapped)
                    want.push_back({0, false, true});
                if (opens) {
                    want.push_back({1, true, false});
                    want.push_back({3, true, false});
                }
                if (opens || idmapped)
                    want.push_back({4, opens, idmapped});
                CHECK(plan.mount_services == want);
                CHECK(plan.idmaps() == idmapped);
                CHECK(plan.runs(Step::MountSources) == (opens || idmapped));
            }
}

TEST_CASE("step 3a runs for hooks before execve, never for poststart or poststop alone")
{
    using Member = std::vector<oci::Hook> oci::Hooks::*;
    const std::vector<std::pair<Member, bool>> kinds = {{&oci::Hooks::prestart, true},
        {&oci::Hooks::createRuntime, true}, {&oci::Hooks::createContainer, true},
        {&oci::Hooks::startContainer, true}, {&oci::Hooks::poststart, false}, {&oci::Hooks::poststop, false}};
    CHECK_FALSE(plan_of(oci::Spec {}).create_hooks);
    oci::Spec empty;
    empty.hooks = oci::Hooks {};
    CHECK_FALSE(plan_of(empty).create_hooks);
    for (const auto& [member, handshake] : kinds) {
        oci::Spec spec;
        spec.hooks = oci::Hooks {};
        ((*spec.hooks).*member).push_back({"/bin/true"});
        auto plan = plan_of(spec);
        CHECK(plan.create_hooks == handshake);
        CHECK(plan.runs(Step::CreateHooks) == handshake);
    }
}

TEST_CASE("seccomp: the init loads a filter and sends a listener only when it has a process")
{
    for (bool process : {false, true})
        for (bool filter : {false, true})
            for (bool notify : {false, true}) {
                CAPTURE(process);
                CAPTURE(filter);
                CAPTURE(notify);
                oci::Spec spec;
                if (process)
                    spec.process = oci::Process {};
                CreateConditions conditions;
                conditions.seccomp = filter;
                conditions.seccomp_notify = filter && notify;
                auto plan = plan_of(spec, conditions);
                CHECK(plan.process == process);
                CHECK(plan.seccomp_filter == (process && filter));
                CHECK(plan.seccomp_listener == (process && filter && notify));
                CHECK(plan.runs(Step::SeccompListener) == plan.seccomp_listener);
            }
}

TEST_CASE("the rootfs and the keyring")
{
    for (Ns mount : {Ns::Absent, Ns::Created, Ns::Joined}) {
        oci::Spec spec;
        add_namespace(spec, NamespaceType::Mount, mount);
        CHECK(plan_of(spec).rootfs
            == (mount == Ns::Absent ? RootfsSetup::RuntimeMountNamespace : RootfsSetup::OwnMountNamespace));
    }
    CreateConditions conditions;
    conditions.no_new_keyring = true;
    CHECK_FALSE(plan_of(oci::Spec {}, conditions).session_keyring);
}

TEST_CASE("every combination keeps the table's order and ends with steps 4, 5 and 6")
{
    // user (absent, created, joined) x network (created, joined) x layout (v1, v2) x clone fd x
    // netDevices x an idmapped mount x hooks x notify.
    for (unsigned code = 0; code < 3 * 2 * 2 * 2 * 2 * 2 * 2 * 2; ++code) {
        unsigned c = code;
        auto next = [&c](unsigned n) {
            unsigned v = c % n;
            c /= n;
            return v;
        };
        const Ns user = static_cast<Ns>(next(3));
        const Ns net = next(2) ? Ns::Joined : Ns::Created;
        CreateConditions conditions;
        conditions.cgroup_layout = next(2) ? Layout::V2 : Layout::V1;
        conditions.cgroup_clone_fd = next(2);
        const bool devices = next(2);
        if (next(2))
            conditions.idmapped_mounts = {0};
        const bool hooks = next(2);
        conditions.seccomp = conditions.seccomp_notify = next(2);
        CAPTURE(code);

        oci::Spec spec;
        spec.process = oci::Process {};
        spec.mounts = {bind_mount("/a")};
        add_namespace(spec, NamespaceType::User, user);
        add_namespace(spec, NamespaceType::Network, net);
        if (devices)
            spec.linux->netDevices["eth1"] = {};
        if (hooks)
            spec.hooks = oci::Hooks {.prestart = {{"/bin/true"}}};
        auto plan = plan_of(spec, conditions);

        REQUIRE(in_table_order(plan.steps));
        REQUIRE(plan.steps.size() >= 4);
        REQUIRE(std::vector<Step>(plan.steps.end() - 3, plan.steps.end())
            == std::vector<Step> {Step::Ready, Step::Recorded, Step::Detached});
        REQUIRE(plan.runs(Step::IdMaps) == (user == Ns::Created));
        REQUIRE(plan.runs(Step::IntermediateAsksMaps) == (user == Ns::Created && net == Ns::Joined));
        REQUIRE(plan.runs(Step::IntermediateHandsOver) == plan.runs(Step::IntermediateAsksMaps));
        REQUIRE(plan.runs(Step::CreateHooks) == hooks);
        REQUIRE(plan.runs(Step::SeccompListener) == conditions.seccomp_notify);
        REQUIRE(plan.runs(Step::MountSources) == !plan.mount_services.empty());
        // Deciding again from the same inputs gives the same plan: no hidden state.
        auto again = plan_of(spec, conditions);
        REQUIRE(again.steps == plan.steps);
        REQUIRE(again.mount_services == plan.mount_services);
        REQUIRE(again.init_clone_flags == plan.init_clone_flags);
    }
}

TEST_CASE("every step has a name")
{
    for (Step step : kTableOrder)
        CHECK(std::string(to_string(step)).find("unknown") == std::string::npos);
}
