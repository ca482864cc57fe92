// The process setup shared by the init and exec: the plan over the combinations that change
// it, and the steps that run through Sys.
#include "fake_sys.hpp"
#include "process/process_setup.hpp"

#include <doctest/doctest.h>

using namespace hull;
using namespace hull::process;

namespace {

ProcessSetupInput input_for(ProcessRole role)
{
    ProcessSetupInput input;
    input.role = role;
    return input;
}

constexpr ProcessRole kRoles[] = {ProcessRole::Init, ProcessRole::Exec};

} // namespace

TEST_CASE("a bare process: nothing but the identity is set up")
{
    oci::Process process;
    for (auto role : kRoles) {
        auto plan = plan_process_setup(process, input_for(role));
        CHECK(!plan.oom_score_adj);
        CHECK(plan.keyring.empty());
        CHECK(plan.keyring_label.empty());
        CHECK(!plan.terminal);
        CHECK(!plan.mount_console);
        CHECK(!plan.exec_labels);
        CHECK(plan.mempolicy == nullptr);
        CHECK(plan.seccomp == nullptr);
        CHECK(plan.seccomp_timing == SeccompTiming::None);
        CHECK(!plan.sends_listener);
    }
}

TEST_CASE("a missing cwd is created for the init and fails an exec")
{
    oci::Process process;
    process.cwd = "/missing";
    CHECK(plan_process_setup(process, input_for(ProcessRole::Init)).missing_cwd == MissingCwd::Create);
    CHECK(plan_process_setup(process, input_for(ProcessRole::Exec)).missing_cwd == MissingCwd::Fail);
}

TEST_CASE("seccomp timing over noNewPrivileges, notify and the user change, the same for both roles")
{
    seccomp::CompiledFilter plain, notify;
    notify.notify = true;
    struct Case {
        const seccomp::CompiledFilter* filter;
        bool no_new_privileges;
        uid_t uid;
        SeccompTiming timing;
        bool sends_listener;
    };
    const Case cases[] = {
        {nullptr, false, 0, SeccompTiming::None, false},
        {nullptr, true, 1000, SeccompTiming::None, false},
        // Without no_new_privs the load needs CAP_SYS_ADMIN: before the user change, for root too.
        {&plain, false, 0, SeccompTiming::BeforeUserChange, false},
        {&plain, false, 1000, SeccompTiming::BeforeUserChange, false},
        {&notify, false, 1000, SeccompTiming::BeforeUserChange, true},
        // With it, as late as possible; a listener must reach the runtime during setup.
        {&plain, true, 0, SeccompTiming::BeforeExec, false},
        {&plain, true, 1000, SeccompTiming::BeforeExec, false},
        {&notify, true, 1000, SeccompTiming::EndOfSetup, true},
    };
    for (auto role : kRoles) {
        for (const auto& c : cases) {
            oci::Process process;
            process.noNewPrivileges = c.no_new_privileges;
            process.user.uid = c.uid;
            auto input = input_for(role);
            input.seccomp = c.filter;
            auto plan = plan_process_setup(process, input);
            CAPTURE(static_cast<int>(role));
            CAPTURE(c.no_new_privileges);
            CAPTURE(c.uid);
            CHECK(plan.seccomp == c.filter);
            CHECK(plan.seccomp_timing == c.timing);
            CHECK(plan.sends_listener == c.sends_listener);
        }
    }
}

TEST_CASE("the terminal: /dev/console only for an init with a mount namespace of its own")
{
    for (bool terminal : {false, true}) {
        for (bool own_mount_namespace : {false, true}) {
            oci::Process process;
            process.terminal = terminal;
            auto init = input_for(ProcessRole::Init);
            init.own_mount_namespace = own_mount_namespace;
            auto exec = input_for(ProcessRole::Exec);
            exec.own_mount_namespace = own_mount_namespace;
            auto init_plan = plan_process_setup(process, init);
            auto exec_plan = plan_process_setup(process, exec);
            CHECK(init_plan.terminal == terminal);
            CHECK(exec_plan.terminal == terminal);
            CHECK(init_plan.mount_console == (terminal && own_mount_namespace));
            CHECK(!exec_plan.mount_console);
        }
    }
}

TEST_CASE("oom_score_adj, LSM labels and the memory policy come from the process and the container")
{
    MemPolicyPlan mempolicy;
    oci::Process process;
    process.oomScoreAdj = -500;
    for (auto role : kRoles) {
        auto input = input_for(role);
        input.mempolicy = &mempolicy;
        auto plan = plan_process_setup(process, input);
        CHECK(plan.oom_score_adj == -500);
        CHECK(plan.mempolicy == &mempolicy);
        CHECK(!plan.exec_labels);
    }
    oci::Process apparmor;
    apparmor.apparmorProfile = "hull-test";
    oci::Process selinux;
    selinux.selinuxLabel = "system_u:system_r:container_t:s0";
    for (auto role : kRoles) {
        CHECK(plan_process_setup(apparmor, input_for(role)).exec_labels);
        CHECK(plan_process_setup(selinux, input_for(role)).exec_labels);
    }
}

TEST_CASE("the keyring: joined when named; the init's made with the process's SELinux label")
{
    oci::Process process;
    process.selinuxLabel = "system_u:system_r:container_t:s0";
    auto init = input_for(ProcessRole::Init);
    CHECK(plan_process_setup(process, init).keyring.empty());
    CHECK(plan_process_setup(process, init).keyring_label.empty()); // --no-new-keyring
    init.keyring = "ctr";
    CHECK(plan_process_setup(process, init).keyring == "ctr");
    CHECK(plan_process_setup(process, init).keyring_label == process.selinuxLabel);
    auto exec = input_for(ProcessRole::Exec);
    exec.keyring = "ctr";
    CHECK(plan_process_setup(process, exec).keyring == "ctr");
    CHECK(plan_process_setup(process, exec).keyring_label.empty());
}

TEST_CASE("oom_score_adj is written through /proc/self with the runtime's words on failure")
{
    oci::Process process;
    process.oomScoreAdj = 300;
    {
        test::FakeSys sys;
        ProcessSetup setup(process, plan_process_setup(process, input_for(ProcessRole::Exec)), UniqueFd());
        REQUIRE(setup.write_oom_score_adj(sys));
        CHECK(sys.calls == std::vector<std::string> {"write /proc/self/oom_score_adj 300"});
    }
    {
        test::FakeSys sys;
        sys.fail_at = 0;
        sys.fail_errno = EACCES;
        ProcessSetup setup(process, plan_process_setup(process, input_for(ProcessRole::Init)), UniqueFd());
        auto written = setup.write_oom_score_adj(sys);
        REQUIRE(!written);
        CHECK(written.error().code() == EACCES);
        CHECK(written.error().text().rfind("set oom_score_adj: ", 0) == 0);
    }
    {
        oci::Process none;
        test::FakeSys sys;
        ProcessSetup setup(none, plan_process_setup(none, input_for(ProcessRole::Init)), UniqueFd());
        REQUIRE(setup.write_oom_score_adj(sys));
        CHECK(sys.calls.empty());
    }
}

TEST_CASE("the steps run in their order: an earlier step after a later one is refused")
{
    oci::Process process;
    process.oomScoreAdj = 1;
    test::FakeSys sys;
    ProcessSetup setup(process, plan_process_setup(process, input_for(ProcessRole::Exec)), UniqueFd());
    REQUIRE(setup.join_keyring(sys)); // no keyring named: nothing joined
    REQUIRE(setup.set_up_terminal(sys)); // no terminal: nothing opened
    CHECK(!setup.write_oom_score_adj(sys));
    CHECK(!setup.join_keyring(sys));
    CHECK(sys.calls.empty());
}
