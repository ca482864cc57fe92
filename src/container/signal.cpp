#include "container/signal.hpp"

#include "container/cgroup.hpp"
#include "terminal/console.hpp"

#include <algorithm>
#include <cctype>
#include <csignal>
#include <cstdlib>
#include <dirent.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace hull::container {

namespace {

struct SignalName {
    const char* name;
    int number;
};

constexpr SignalName kSignals[] = {
    {"HUP", SIGHUP},
    {"INT", SIGINT},
    {"QUIT", SIGQUIT},
    {"ILL", SIGILL},
    {"TRAP", SIGTRAP},
    {"ABRT", SIGABRT},
    {"IOT", SIGIOT},
    {"BUS", SIGBUS},
    {"FPE", SIGFPE},
    {"KILL", SIGKILL},
    {"USR1", SIGUSR1},
    {"SEGV", SIGSEGV},
    {"USR2", SIGUSR2},
    {"PIPE", SIGPIPE},
    {"ALRM", SIGALRM},
    {"TERM", SIGTERM},
    {"STKFLT", SIGSTKFLT},
    {"CHLD", SIGCHLD},
    {"CLD", SIGCHLD},
    {"CONT", SIGCONT},
    {"STOP", SIGSTOP},
    {"TSTP", SIGTSTP},
    {"TTIN", SIGTTIN},
    {"TTOU", SIGTTOU},
    {"URG", SIGURG},
    {"XCPU", SIGXCPU},
    {"XFSZ", SIGXFSZ},
    {"VTALRM", SIGVTALRM},
    {"PROF", SIGPROF},
    {"WINCH", SIGWINCH},
    {"IO", SIGIO},
    {"POLL", SIGPOLL},
    {"PWR", SIGPWR},
    {"SYS", SIGSYS},
};

int pidfd_open(pid_t pid)
{
    return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
}

uint64_t ns_inode(const std::string& path)
{
    struct stat st;
    return ::stat(path.c_str(), &st) == 0 ? st.st_ino : 0;
}

void signal_pid_namespace(const ContainerRecord& record, int sig)
{
    uint64_t ns = ns_inode("/proc/" + std::to_string(record.pid) + "/ns/pid");
    DIR* proc = ns ? ::opendir("/proc") : nullptr;
    if (!proc)
        return;
    while (struct dirent* e = ::readdir(proc)) {
        pid_t pid = static_cast<pid_t>(std::atoi(e->d_name));
        if (pid <= 0 || pid == record.pid)
            continue;
        if (ns_inode(std::string("/proc/") + e->d_name + "/ns/pid") == ns)
            ::kill(pid, sig);
    }
    ::closedir(proc);
}

} // namespace

Result<void> send_pidfd(int socket_fd, pid_t pid, std::string_view kind)
{
    UniqueFd fd(pidfd_open(pid));
    if (!fd)
        return Error::from_errno("pidfd_open", std::to_string(pid));
    // The console socket protocol is the same: a name and exactly one fd.
    return terminal::send_console_master(socket_fd, fd.get(), kind).context("send pidfd on --pidfd-socket");
}

Result<UniqueFd> open_init_pidfd(const ContainerRecord& record)
{
    UniqueFd fd = open_running_init(record);
    if (!fd)
        return Error::message("container not running");
    return fd;
}

Result<void> check_init_alive(int pidfd)
{
    // Signal 0 reaches a process that has not been reaped; its pid number cannot have been
    // given to another process before that. EPERM, too, means the kernel found the process.
    if (::syscall(SYS_pidfd_send_signal, pidfd, 0, nullptr, 0) == 0 || errno == EPERM)
        return ok();
    if (errno == ESRCH)
        return Error::from_code(ESRCH, "container not running");
    return Error::from_errno("pidfd_send_signal", "the container's init");
}

Result<int> parse_signal(const std::string& text)
{
    if (!text.empty()
        && std::all_of(text.begin(), text.end(), [](unsigned char c) { return std::isdigit(c); })) {
        long n = std::strtol(text.c_str(), nullptr, 10);
        // 0 is runc's liveness probe: the checks of kill(2) without a signal.
        if (n >= 0 && n <= SIGRTMAX)
            return static_cast<int>(n);
        return Error::message("unknown signal \"" + text + "\"");
    }
    std::string upper;
    for (unsigned char c : text)
        upper += static_cast<char>(std::toupper(c));
    std::string_view name = upper;
    if (name.substr(0, 3) == "SIG")
        name.remove_prefix(3);
    for (const auto& s : kSignals)
        if (name == s.name)
            return s.number;
    return Error::message("unknown signal \"" + text + "\"");
}

Result<void> signal_container(const ContainerRecord& record, int sig, bool all)
{
    UniqueFd init = open_running_init(record);
    if (!init)
        return Error::message("container not running");
    // Signal 0 delivers nothing: probing the init is the whole of it, and the cgroup walk's
    // freeze and thaw would change a paused container.
    std::optional<cgroups::Manager> cg;
    if (sig != 0)
        cg = TRY(container_cgroup(record));
    // Every process of the container is in its cgroup: --all, and SIGKILL to a container
    // without its own pid namespace, reach all of them (a frozen cgroup is thawed for it).
    if (cg && (all || (sig == SIGKILL && !record.own_pid_namespace))) {
        auto killed = cg->kill_all(sig);
        if (killed || killed.error().code() != ENOENT) {
            // The init is among them unless something outside hull moved it out of the cgroup:
            // a SIGKILL goes to it through its pidfd as well, which reads ESRCH once it is
            // reaped and never reaches another process. Other signals are not sent twice.
            if (sig == SIGKILL)
                (void)::syscall(SYS_pidfd_send_signal, init.get(), sig, nullptr, 0);
            return killed;
        }
        // The cgroup was removed from outside: the init, and its pid namespace, remain.
        cg.reset();
        if (sig != SIGKILL && record.own_pid_namespace)
            signal_pid_namespace(record, sig);
    } else if (all && sig != 0 && sig != SIGKILL && record.own_pid_namespace) {
        // Without a cgroup, the container's processes are its pid namespace's.
        signal_pid_namespace(record, sig);
    }
    // SIGKILL to a paused container must take effect (runc thaws it).
    if (cg && sig == SIGKILL) {
        auto state = cg->freezer_state();
        if (state && state.value() == cgroups::FreezerState::Frozen)
            (void)cg->thaw();
    }
    if (::syscall(SYS_pidfd_send_signal, init.get(), sig, nullptr, 0) < 0) {
        if (errno == ESRCH)
            return Error::message("container not running");
        return Error::from_errno("kill", "container init " + std::to_string(record.pid));
    }
    return ok();
}

bool wait_for_exit(const ContainerRecord& record, std::chrono::milliseconds timeout)
{
    UniqueFd init = open_running_init(record);
    if (!init)
        return true;
    // A pidfd polls readable once the process has exited, whoever its parent is.
    struct pollfd p = {init.get(), POLLIN, 0};
    int rc;
    do {
        rc = ::poll(&p, 1, static_cast<int>(timeout.count()));
    } while (rc < 0 && errno == EINTR);
    return rc > 0;
}

} // namespace hull::container
