// `exec`: an additional process in a created or running container (runc's exec.go).
//
// The process comes from --process (a whole process.json; the other process flags are then
// ignored) or from the container's own config.json process with the flags applied on top:
// args, --cwd, --env (appended), --tty, --user, --additional-gids, --cap (bounding, effective
// and permitted; ambient too when the config has an inheritable set; never inheritable,
// security.md P11), --no-new-privs, --apparmor, --process-label. The config is the copy create
// saved in the state directory, so an edited or removed bundle changes nothing.
#include "container/cgroup.hpp"
#include "container/lifecycle.hpp"
#include "container/load.hpp"
#include "container/signal.hpp"
#include "container/supervise.hpp"
#include "container/verbs.hpp"
#include "hull/fault.hpp"
#include "hull/fd.hpp"
#include "hull/log.hpp"
#include "hull/namespaces/container_joins.hpp"
#include "hull/oci/known.hpp"
#include "hull/oci/parse.hpp"
#include "lsm/lsm.hpp"
#include "process/exec_sequence.hpp"
#include "process/init_process.hpp"
#include "process/mempolicy.hpp"
#include "process/user_spec.hpp"
#include "terminal/console.hpp"
#include "terminal/relay.hpp"

#include <cstdlib>
#include <fcntl.h>
#include <optional>
#include <sys/socket.h>
#include <unistd.h>

namespace hull::container {

namespace {

Result<uint32_t> parse_gid(const std::string& text)
{
    char* end = nullptr;
    errno = 0;
    unsigned long v = std::strtoul(text.c_str(), &end, 10);
    if (text.empty() || *end != '\0' || errno != 0 || v > 0xffffffffUL || text[0] == '-')
        return Error::message("invalid additional-gids value \"" + text + "\"");
    return static_cast<uint32_t>(v);
}

void add_cap(std::optional<std::vector<std::string>>& set, const std::string& cap)
{
    if (!set)
        set.emplace();
    if (!oci::is_known(*set, cap))
        set->push_back(cap);
}

// The process of `exec` without --process: config.json's, with the flags on top. A container
// created without a process gets the one `hull spec` writes (cwd /, PATH, runc's default
// capabilities, noNewPrivileges) under the flags instead.
Result<oci::Process> process_from_flags(const oci::Spec& spec, const ExecOptions& o, int container_root)
{
    oci::Process p = spec.process ? *spec.process : *oci::default_spec().process;
    p.args = o.args;
    if (!o.cwd.empty())
        p.cwd = o.cwd;
    if (!o.apparmor.empty())
        p.apparmorProfile = o.apparmor;
    if (!o.process_label.empty())
        p.selinuxLabel = o.process_label;
    for (const auto& raw : o.caps) {
        std::string cap = raw;
        for (auto& c : cap)
            c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        if (cap.rfind("CAP_", 0) != 0)
            cap = "CAP_" + cap;
        if (!oci::is_known(oci::known_capabilities(), cap))
            return Error::message("unknown capability \"" + raw + "\"");
        if (!p.capabilities)
            p.capabilities.emplace();
        add_cap(p.capabilities->bounding, cap);
        add_cap(p.capabilities->effective, cap);
        add_cap(p.capabilities->permitted, cap);
        // Ambient only beside a configured inheritable set (even an empty one), where the
        // kernel can raise it: runc's rule, and inheritable itself is never widened (P11).
        if (p.capabilities->inheritable)
            add_cap(p.capabilities->ambient, cap);
    }
    p.env.insert(p.env.end(), o.env.begin(), o.env.end());
    p.terminal = o.tty;
    p.consoleSize.reset();
    if (o.no_new_privs)
        p.noNewPrivileges = true;
    if (!o.user.empty()) {
        auto user = TRY(process::resolve_user_in_root(container_root, o.user).context("--user " + o.user));
        p.user.uid = user.uid;
        p.user.gid = user.gid;
        p.user.additionalGids = user.additional_gids;
    }
    for (const auto& g : o.additional_gids)
        p.user.additionalGids.push_back(TRY(parse_gid(g)));
    TRY(oci::validate_process(p).context("exec process"));
    return p;
}

Result<oci::Process> exec_process_spec(const oci::Spec& spec, const ExecOptions& o, int container_root)
{
    if (!o.process.empty())
        return oci::parse_process(TRY(read_file(o.process)));
    return process_from_flags(spec, o, container_root);
}

// The filter create compiled, when the container has one.
Result<std::optional<seccomp::CompiledFilter>> saved_filter(const Loaded& c)
{
    auto blob = read_file_at(c.dir.fd(), kSavedSeccomp);
    if (!blob) {
        if (blob.error().code() == ENOENT)
            return std::optional<seccomp::CompiledFilter>();
        return std::move(blob).error();
    }
    return std::optional<seccomp::CompiledFilter>(
        TRY(seccomp::deserialize(blob.value()).context("the container's seccomp filter")));
}

Result<void> check_status(const Loaded& c, const ExecOptions& o)
{
    switch (c.status) {
    case Status::Created:
    case Status::Running:
        return ok();
    case Status::Paused:
        if (o.ignore_paused)
            return ok();
        return Error::message("cannot exec in a paused container (use --ignore-paused to override)");
    case Status::Stopped:
        break;
    }
    return Error::message("cannot exec in a stopped container");
}

} // namespace

Result<int> exec(Sys& sys, const GlobalOptions& global, const ExecOptions& o)
{
    auto sub_cgroups = TRY(cgroups::parse_sub_cgroups(o.cgroups));
    auto c = TRY(load_container(global, o.id, Lock::None));
    TRY(fault::hit(fault::Point::ExecLoaded));
    TRY(check_status(c, o));
    auto cgroup = TRY(container_cgroup(c.record));
    if (cgroup)
        TRY(cgroup->check_sub_cgroups(sub_cgroups).context("--cgroup"));
    else if (!sub_cgroups.empty())
        return Error::message("--cgroup: the container has no cgroup");
    // Checked before anything changes. The pidfd names the init whatever later holds its pid
    // number: what is opened by number is trusted only once the pidfd shows that the init
    // outlived the open, and the namespaces are joined through the pidfd itself.
    auto pidfd = TRY(open_init_pidfd(c.record));
    std::string proc = "/proc/" + std::to_string(c.record.pid);
    // The init may exit past the status check: gone, or a zombie that its pidfd still names
    // while its /proc/PID/root and /proc/PID/ns are already gone (ENOENT). Told as what it is.
    auto not_running_or = [&](Error e) -> Error {
        if (!check_init_alive(pidfd.get()) || e.code() == ENOENT)
            return Error::from_code(ESRCH, "container not running");
        return e;
    };
    UniqueFd root(::open((proc + "/root").c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!root)
        return not_running_or(Error::from_errno("open", proc + "/root"));
    auto namespaces = ns::differing_namespaces(c.record.pid);
    if (!namespaces)
        return not_running_or(std::move(namespaces).error());
    TRY(check_init_alive(pidfd.get()));
    std::string text = TRY(read_file_at(c.dir.fd(), kSavedConfig).context("read the container's config"));
    auto spec = TRY(oci::parse_config(text));
    auto process = TRY(exec_process_spec(spec, o, root.get()));
    // --env on top of the config's env: each variable once, the last value winning.
    process.env = process::dedupe_env(process.env);
    // HOME from the container's /etc/passwd, read here through the verified root and the
    // runtime's /proc rather than by the exec child in the container's mount namespace.
    if (!process::env_has(process.env, "HOME"))
        process.env.push_back("HOME=" + process::home_in_root(root.get(), process.user.uid));
    if (!process.apparmorProfile.empty() || !process.selinuxLabel.empty())
        TRY(lsm::check_process_labels(process, lsm::detect_host(), "exec process"));
    auto filter = TRY(saved_filter(c));
    std::optional<process::MemPolicyPlan> mempolicy;
    if (spec.linux && spec.linux->memoryPolicy)
        mempolicy = TRY(process::plan_mempolicy(*spec.linux->memoryPolicy));
    const bool detach = o.detach;
    if (process.terminal && detach && o.console_socket.empty())
        return Error::message("cannot allocate tty if hull will detach without setting console socket");
    if (!o.console_socket.empty() && !(process.terminal && detach))
        return Error::message("cannot use console socket if hull will not detach or allocate tty");
    // Terminal: the pty master goes to --console-socket, or, in the foreground, to our end of
    // a socketpair for the relay (cli-contract.md §6.2).
    UniqueFd console, receiver;
    std::optional<terminal::HostConsole> host;
    if (!o.console_socket.empty()) {
        console = TRY(terminal::connect_console_socket(o.console_socket));
    } else if (process.terminal) {
        host = TRY(terminal::HostConsole::find());
        auto pair = TRY(FdPair::socketpair(SOCK_STREAM));
        receiver = std::move(pair.parent_end());
        console = std::move(pair.child_end());
    }
    UniqueFd pidfd_socket;
    if (!o.pidfd_socket.empty())
        pidfd_socket = TRY(terminal::connect_console_socket(o.pidfd_socket).context("--pidfd-socket"));
    log::step("exec: process and namespaces ready");

    sigset_t set = forwarded_signals(), old;
    if (!detach)
        ::sigprocmask(SIG_BLOCK, &set, &old);
    process::ExecRequest req;
    req.process = &process;
    req.init_pidfd = pidfd.get();
    req.namespaces = namespaces.value();
    req.keyring = c.record.no_new_keyring ? std::string() : c.record.id;
    // The init's root is a chroot in the runtime's mount namespace: the exec child enters it too.
    req.init_root = c.record.own_mount_namespace ? -1 : root.get();
    req.preserve_fds = o.preserve_fds;
    req.console_socket = console.get();
    UniqueFd cgroup_clone_fd;
    if (cgroup && sub_cgroups.empty()) {
        // The child joins the v1 hierarchies itself and is born in the cgroup2 directory: no pid
        // written to cgroup.procs, no RCU grace period (cgroups::SelfJoin).
        req.cgroup_self = TRY(cgroup->open_self_join().context("error adding the exec process to cgroups"));
        if (auto fd = cgroup->open_clone_fd(); fd)
            cgroup_clone_fd = std::move(fd.value());
        req.cgroup_clone_fd = cgroup_clone_fd.get();
        if (cgroup->state().unified())
            req.join_cgroup
                = [&](pid_t pid) { return cgroup->add_pid(pid, {}, cgroups::Hierarchies::Cgroup2); };
    } else if (cgroup) {
        req.join_cgroup = [&](pid_t pid) -> Result<void> { return cgroup->add_pid(pid, sub_cgroups); };
    }
    req.seccomp = filter ? &*filter : nullptr;
    req.mempolicy = mempolicy ? &*mempolicy : nullptr;
    if (filter && filter->notify) {
        req.state = state_of(c.record, c.status);
        req.listener_path = spec.linux->seccomp->listenerPath;
        req.listener_metadata = spec.linux->seccomp->listenerMetadata;
    }
    auto child = process::spawn_exec(sys, req);
    if (!child) {
        if (!detach)
            ::sigprocmask(SIG_SETMASK, &old, nullptr);
        if (!o.console_socket.empty())
            return terminal::name_console_socket(std::move(child).error(), o.console_socket);
        return std::move(child).error();
    }
    console.reset();
    if (pidfd_socket)
        TRY(send_pidfd(pidfd_socket.get(), child.value().pid(), "setns"));
    if (detach) {
        if (!o.pid_file.empty())
            TRY(write_file_atomic(o.pid_file, std::to_string(child.value().pid()), 0644)
                    .context("write pid file"));
        // Left to the caller's subreaper (cli-contract.md §7.1).
        (void)child.value().release();
        return 0;
    }
    std::optional<terminal::ConsoleRelay> relay;
    if (receiver) {
        auto master = TRY(terminal::receive_console_master(receiver.get()));
        relay.emplace(TRY(terminal::ConsoleRelay::start(std::move(master), std::move(*host))));
    }
    if (!o.pid_file.empty())
        TRY(write_file_atomic(o.pid_file, std::to_string(child.value().pid()), 0644)
                .context("write pid file"));
    pid_t pid = child.value().release();
    auto status = supervise(pid, set, false, relay ? &*relay : nullptr);
    relay.reset(); // the host console back to its own mode
    end_supervision(set, old);
    if (!status)
        return std::move(status).error();
    return exit_code(status.value());
}

} // namespace hull::container
