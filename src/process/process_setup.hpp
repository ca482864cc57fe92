// The setup of a process that runs the container's program, shared by the container's init
// (init_setup.cpp) and an exec'd process (exec_sequence.cpp): a pure plan made from the
// oci::Process and what differs between the two (ProcessSetupInput), and its application.
//
// The application runs in four steps, always in this order, each called by its path at its
// place (a step the plan leaves out does nothing; calling one after a later one is an error):
//   1. oom_score_adj, through the procfs the runtime sees: the init writes it before it sets up
//      its root filesystem, the exec child before it joins the container's mount namespace,
//      whose /proc the container controls (security.md P8);
//   2. the session keyring (keyctl), in the container's user namespace, made with the
//      process's SELinux label for an init (lsm keycreate);
//   3. the terminal: a pty from the devpts the process sees, its slave owned by the process's
//      user, the master sent to the console socket, the slave the controlling terminal and
//      stdio; an init with a mount namespace of its own also binds it to /dev/console;
//   4. what takes effect at execve, the process's identity and the filter: the LSM exec labels
//      and the memory policy before the filter (which may block their calls), then
//      prepare_process (cwd, scheduling, env, rlimits, umask, no_new_privs, groups, user,
//      capabilities) with the seccomp filter loaded where SeccompTiming puts it.
#pragma once

#include "hull/error.hpp"
#include "hull/fd.hpp"
#include "hull/oci/spec.hpp"
#include "hull/seccomp/seccomp.hpp"
#include "hull/sys.hpp"
#include "process/init_process.hpp"
#include "process/mempolicy.hpp"

#include <optional>
#include <string>

namespace hull::process {

class Channel;

enum class ProcessRole { Init, Exec };

// What differs between the init and an exec'd process, besides the oci::Process itself.
struct ProcessSetupInput {
    ProcessRole role = ProcessRole::Init;
    // linux.namespaces lists a mount namespace: the init sets up a root filesystem of its own,
    // with /dev/console in it. Read for the init only.
    bool own_mount_namespace = false;
    std::string keyring; // the session keyring to join (the container ID); empty: keep the caller's
    const seccomp::CompiledFilter* seccomp = nullptr; // the container's filter, compiled at create
    const MemPolicyPlan* mempolicy = nullptr; // the container's linux.memoryPolicy
};

struct ProcessSetupPlan {
    std::optional<int> oom_score_adj; // step 1
    std::string keyring; // step 2; empty: none joined
    std::string keyring_label; // SELinux label of the new keyring; empty: the default
    bool terminal = false; // step 3
    bool mount_console = false; // the pty's slave on /dev/console
    bool exec_labels = false; // step 4: apparmorProfile or selinuxLabel set
    const MemPolicyPlan* mempolicy = nullptr;
    const seccomp::CompiledFilter* seccomp = nullptr;
    SeccompTiming seccomp_timing = SeccompTiming::None;
    // The filter has a notify listener, which the process sends to the runtime right after
    // loading it (protocol.hpp step 3c) and the runtime passes to the agent.
    bool sends_listener = false;
    // The init creates a missing cwd (as runc does); `exec` requires it to exist.
    MissingCwd missing_cwd = MissingCwd::Create;
};

ProcessSetupPlan plan_process_setup(const oci::Process& process, const ProcessSetupInput& input);

class ProcessSetup {
public:
    // `console_socket`: where step 3 sends the pty master; closed once sent, or with the setup.
    // `process` must outlive the setup.
    ProcessSetup(const oci::Process& process, ProcessSetupPlan plan, UniqueFd console_socket);

    const ProcessSetupPlan& plan() const { return m_plan; }

    Result<void> write_oom_score_adj(Sys& sys); // step 1
    Result<void> join_keyring(Sys& sys); // step 2
    Result<void> set_up_terminal(Sys& sys); // step 3
    // Step 4. Returns what execve runs; its `seccomp` is set when the filter is left for the
    // last moment before execve. The notify listener, if any, goes over `channel`.
    Result<ExecTarget> finish(Sys& sys, Channel& channel);

private:
    enum class Step { None, OomScoreAdj, Keyring, Terminal, Finish };
    Result<void> advance(Step step);

    const oci::Process& m_process;
    ProcessSetupPlan m_plan;
    UniqueFd m_console_socket;
    Step m_done = Step::None;
};

// The first thing a child of the runtime (intermediate, init, exec child) does: it dies with
// the runtime until it detaches, names itself `name` for ps, and stays non-dumpable until
// execve (P2), so no container process can ptrace it or read its fds.
void start_child_process(const char* name);

} // namespace hull::process
