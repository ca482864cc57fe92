#include "process/process_setup.hpp"

#include "lsm/lsm.hpp"
#include "process/protocol.hpp"
#include "terminal/console.hpp"

#include <csignal>
#include <fcntl.h>
#include <sys/prctl.h>
#include <unistd.h>

namespace hull::process {

ProcessSetupPlan plan_process_setup(const oci::Process& process, const ProcessSetupInput& input)
{
    const bool init = input.role == ProcessRole::Init;
    ProcessSetupPlan plan;
    plan.oom_score_adj = process.oomScoreAdj;
    plan.keyring = input.keyring;
    // runc labels the init's session keyring with the process label (SELinux keycreate).
    if (init && !plan.keyring.empty())
        plan.keyring_label = process.selinuxLabel;
    plan.terminal = process.terminal;
    // The pty comes from the devpts the init sees; /dev/console becomes its slave where the
    // init has a mount namespace of its own to mount it in.
    plan.mount_console = init && process.terminal && input.own_mount_namespace;
    plan.exec_labels = !process.apparmorProfile.empty() || !process.selinuxLabel.empty();
    plan.mempolicy = input.mempolicy;
    plan.seccomp = input.seccomp;
    plan.seccomp_timing = seccomp_timing(input.seccomp, process.noNewPrivileges);
    plan.sends_listener = input.seccomp && input.seccomp->notify;
    plan.missing_cwd = init ? MissingCwd::Create : MissingCwd::Fail;
    return plan;
}

ProcessSetup::ProcessSetup(const oci::Process& process, ProcessSetupPlan plan, UniqueFd console_socket)
    : m_process(process)
    , m_plan(std::move(plan))
    , m_console_socket(std::move(console_socket))
{
}

Result<void> ProcessSetup::advance(Step step)
{
    if (step <= m_done)
        return Error::message("process setup: step " + std::to_string(static_cast<int>(step)) + " after step "
            + std::to_string(static_cast<int>(m_done)));
    m_done = step;
    return ok();
}

Result<void> ProcessSetup::write_oom_score_adj(Sys& sys)
{
    TRY(advance(Step::OomScoreAdj));
    if (!m_plan.oom_score_adj)
        return ok();
    return sys.write_file_at(AT_FDCWD, "/proc/self/oom_score_adj", std::to_string(*m_plan.oom_score_adj))
        .context("set oom_score_adj");
}

Result<void> ProcessSetup::join_keyring(Sys& sys)
{
    TRY(advance(Step::Keyring));
    if (m_plan.keyring.empty())
        return ok();
    const std::string& label = m_plan.keyring_label;
    if (!label.empty())
        TRY(lsm::set_keycreate_label(TRY(lsm::open_proc_root(sys)).get(), label));
    TRY(join_session_keyring(m_plan.keyring));
    if (!label.empty())
        TRY(lsm::set_keycreate_label(TRY(lsm::open_proc_root(sys)).get(), ""));
    return ok();
}

Result<void> ProcessSetup::set_up_terminal(Sys& sys)
{
    TRY(advance(Step::Terminal));
    if (!m_plan.terminal)
        return ok();
    auto pty = TRY(terminal::open_container_pty(m_process.consoleSize));
    TRY(terminal::give_pty_to(pty.slave.get(), m_process.user.uid));
    if (m_plan.mount_console)
        TRY(terminal::mount_console(sys, pty.slave.get()));
    TRY(terminal::send_console_master(m_console_socket.get(), pty.master.get(), pty.master_name));
    m_console_socket.reset();
    pty.master.reset();
    return terminal::make_controlling_terminal(std::move(pty.slave));
}

Result<ExecTarget> ProcessSetup::finish(Sys& sys, Channel& channel)
{
    TRY(advance(Step::Finish));
    // LSM labels take effect at execve; written before the filter, which may block the writes.
    if (m_plan.exec_labels)
        TRY(lsm::set_exec_labels(sys, m_process));
    // Before the filter, which may block set_mempolicy; a node the kernel refuses fails.
    if (m_plan.mempolicy)
        TRY(apply_mempolicy(*m_plan.mempolicy));
    const SeccompTiming timing = m_plan.seccomp_timing;
    auto load_filter = [&]() { return load_seccomp_filter(*m_plan.seccomp, channel); };
    PrepareOptions options;
    options.missing_cwd = m_plan.missing_cwd;
    if (timing == SeccompTiming::BeforeUserChange)
        options.before_user_change = load_filter;
    auto target = TRY(prepare_process(sys, m_process, options));
    if (timing == SeccompTiming::EndOfSetup)
        TRY(load_filter());
    if (timing == SeccompTiming::BeforeExec)
        target.seccomp = m_plan.seccomp;
    return target;
}

void start_child_process(const char* name)
{
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    ::prctl(PR_SET_NAME, name);
    ::prctl(PR_SET_DUMPABLE, 0);
}

} // namespace hull::process
