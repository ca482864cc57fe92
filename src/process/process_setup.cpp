#include "process/process_setup.hpp"

#include "lsm/lsm.hpp"
#include "process/protocol.hpp"
#include "terminal/console.hpp"

#include "hull/fd.hpp"

#include <csignal>
#include <cstdlib>
#include <fcntl.h>
#include <string_view>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace hull::process {

namespace {

// runc's default (unless --no-new-keyring): a new session keyring named after the container,
// so the container does not share the caller's session keys, made searchable by its owner.
// ENOSYS (no keyring support) is not an error.
Result<void> join_session_keyring(const std::string& name)
{
    constexpr long kJoinSessionKeyring = 1; // KEYCTL_JOIN_SESSION_KEYRING
    constexpr long kSetPerm = 5; // KEYCTL_SETPERM
    constexpr long kDescribe = 6; // KEYCTL_DESCRIBE
    constexpr unsigned long kUserSearch = 0x00080000; // KEY_USR_SEARCH
    long id = ::syscall(SYS_keyctl, kJoinSessionKeyring, name.c_str());
    if (id < 0)
        return errno == ENOSYS ? ok() : Error::from_errno("join session keyring", name);
    // "type;uid;gid;perm;description": keep the permissions, add search for the owner.
    char desc[512];
    long n = ::syscall(SYS_keyctl, kDescribe, id, desc, sizeof desc);
    if (n < 0 || static_cast<size_t>(n) > sizeof desc)
        return Error::from_errno("describe session keyring", name);
    std::string_view d(desc, static_cast<size_t>(n));
    size_t field = 0, pos = 0;
    while (field < 3 && pos != std::string_view::npos) {
        pos = d.find(';', pos);
        if (pos != std::string_view::npos)
            ++pos;
        ++field;
    }
    if (pos == std::string_view::npos)
        return Error::message("malformed session keyring description");
    unsigned long perm = std::strtoul(desc + pos, nullptr, 16);
    if (::syscall(SYS_keyctl, kSetPerm, id, perm | kUserSearch) < 0)
        return Error::from_errno("set session keyring permissions", name);
    return ok();
}

// Loads `filter`; with a notify listener, hands it to the runtime at once (protocol.hpp step
// 3c) and waits until the runtime has passed it to the agent, so that every later call the
// profile sends to the agent finds one that answers.
Result<void> load_seccomp_filter(const seccomp::CompiledFilter& filter, Channel& channel)
{
    UniqueFd listener(TRY(seccomp::load(filter)));
    if (!listener)
        return ok();
    TRY(channel.report_seccomp_listener(listener.get()));
    return channel.wait_seccomp_done();
}

} // namespace

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
