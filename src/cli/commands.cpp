// The table of hull's commands and their flags (see commands.hpp). Flag names, aliases and kinds
// follow runc v1.5.1 (cli-contract.md §11); flags that clients send although runc lacks them are
// accepted and dropped (§3, §12.8). Pure: no I/O.
#include "cli/commands.hpp"

namespace hull::cli {

using namespace hull::container;

namespace {

// Binds a request of type T into `request` and returns it.
template <typename T> T& emplace(Request& request)
{
    return request.emplace<T>();
}

// The flags create, run and restore share.
void bind_create_flags(FlagSet& f, CreateOptions& o)
{
    f.add_string(
        "bundle,b", o.bundle, "bundle directory holding config.json (default: the current directory)");
    f.add_string(
        "console-socket", o.console_socket, "unix socket to which the pty master of the container is sent");
    f.add_string(
        "pidfd-socket", o.pidfd_socket, "unix socket to which a pidfd of the container process is sent");
    f.add_string("pid-file", o.pid_file, "write the pid of the process to this file");
    f.add_bool("no-pivot", o.no_pivot, "enter the rootfs with MS_MOVE and chroot instead of pivot_root");
    f.add_bool("no-new-keyring", o.no_new_keyring, "keep the caller's session keyring");
    f.add_uint("preserve-fds", o.preserve_fds,
        "number of extra fds, after stdio and $LISTEN_FDS, handed to the container");
}

std::string absolute_or_empty(const std::string& path, const std::string& cwd)
{
    return path.empty() ? path : absolute_path(path, cwd);
}

Result<void> finish_nothing(Request&, const std::vector<std::string>&, const std::string&)
{
    return ok();
}

// For the commands whose only argument is the container ID.
template <typename T>
Result<void> finish_id(Request& request, const std::vector<std::string>& args, const std::string&)
{
    std::get<T>(request).id = args.at(0);
    return ok();
}

void bind_create(Request& request, FlagSet& f)
{
    CreateOptions& o = emplace<CreateOptions>(request);
    bind_create_flags(f, o);
    // go-runc can send --detach for create; runc's create has no such flag.
    f.add_ignored("detach,d", Kind::Bool);
}

Result<void> finish_create(Request& request, const std::vector<std::string>& args, const std::string& cwd)
{
    CreateOptions& o = std::get<CreateOptions>(request);
    o.id = args.at(0);
    o.pid_file = absolute_or_empty(o.pid_file, cwd);
    return ok();
}

void bind_run(Request& request, FlagSet& f)
{
    RunOptions& o = emplace<RunOptions>(request);
    bind_create_flags(f, o.create);
    f.add_bool("detach,d", o.detach, "return once the process has started");
    f.add_bool("keep", o.keep, "keep the container's state after its process exits");
    f.add_bool("no-subreaper", o.no_subreaper, "do not become a child subreaper while waiting");
}

Result<void> finish_run(Request& request, const std::vector<std::string>& args, const std::string& cwd)
{
    RunOptions& o = std::get<RunOptions>(request);
    o.create.id = args.at(0);
    o.create.pid_file = absolute_or_empty(o.create.pid_file, cwd);
    return ok();
}

void bind_start(Request& request, FlagSet&)
{
    emplace<StartOptions>(request);
}
void bind_state(Request& request, FlagSet&)
{
    emplace<StateOptions>(request);
}
void bind_pause(Request& request, FlagSet&)
{
    emplace<PauseOptions>(request);
}
void bind_resume(Request& request, FlagSet&)
{
    emplace<ResumeOptions>(request);
}
void bind_features(Request& request, FlagSet&)
{
    emplace<Features>(request);
}

void bind_list(Request& request, FlagSet& f)
{
    ListOptions& o = emplace<ListOptions>(request);
    f.add_string("format,f", o.format, "output format: table or json (default: \"table\")");
    f.add_bool("quiet,q", o.quiet, "print container IDs only");
}

void bind_kill(Request& request, FlagSet& f)
{
    KillOptions& o = emplace<KillOptions>(request);
    f.add_bool("all,a", o.all, "signal every process of the container, not only its init");
}

Result<void> finish_kill(Request& request, const std::vector<std::string>& args, const std::string&)
{
    KillOptions& o = std::get<KillOptions>(request);
    o.id = args.at(0);
    if (args.size() > 1)
        o.signal = args[1];
    return ok();
}

void bind_delete(Request& request, FlagSet& f)
{
    DeleteOptions& o = emplace<DeleteOptions>(request);
    f.add_bool("force,f", o.force, "kill the container with SIGKILL first if it still runs");
}

void bind_exec(Request& request, FlagSet& f)
{
    ExecOptions& o = emplace<ExecOptions>(request);
    f.add_string(
        "console-socket", o.console_socket, "unix socket to which the pty master of the container is sent");
    f.add_string("pidfd-socket", o.pidfd_socket, "unix socket to which a pidfd of the new process is sent");
    f.add_string("cwd", o.cwd, "working directory of the new process");
    f.add_list("env,e", o.env, "add NAME=VALUE to the environment (repeatable)");
    f.add_bool("tty,t", o.tty, "give the process a terminal");
    f.add_string("user,u", o.user, "user to run as: <uid>[:<gid>]");
    f.add_list("additional-gids,g", o.additional_gids, "supplementary group id (repeatable)");
    f.add_string("process,p", o.process, "JSON file describing the process (config.json's process object)");
    f.add_bool("detach,d", o.detach, "return once the process has started");
    f.add_string("pid-file", o.pid_file, "write the pid of the process to this file");
    f.add_string("process-label", o.process_label, "SELinux label of the new process");
    f.add_string("apparmor", o.apparmor, "AppArmor profile of the new process");
    f.add_bool("no-new-privs", o.no_new_privs, "set no_new_privs for the new process");
    f.add_list("cap,c", o.caps, "add a capability to the new process (repeatable)");
    f.add_uint("preserve-fds", o.preserve_fds, "number of extra fds, after stdio, handed to the new process");
    f.add_list("cgroup", o.cgroups,
        "existing sub-cgroup to start the process in: <path>, or <controller>[,<controller>]:<path> "
        "(repeatable)");
    f.add_bool("ignore-paused", o.ignore_paused, "exec even if the container is paused");
}

Result<void> finish_exec(Request& request, const std::vector<std::string>& args, const std::string& cwd)
{
    ExecOptions& o = std::get<ExecOptions>(request);
    o.id = args.at(0);
    o.args.assign(args.begin() + 1, args.end());
    o.pid_file = absolute_or_empty(o.pid_file, cwd);
    if (o.process.empty() && o.args.empty())
        return Error::message("exec args cannot be empty");
    return ok();
}

void bind_ps(Request& request, FlagSet& f)
{
    PsOptions& o = emplace<PsOptions>(request);
    f.add_string("format,f", o.format, "output format: table or json (default: \"table\")");
}

Result<void> finish_ps(Request& request, const std::vector<std::string>& args, const std::string&)
{
    PsOptions& o = std::get<PsOptions>(request);
    o.id = args.at(0);
    o.ps_args.assign(args.begin() + 1, args.end());
    return ok();
}

void bind_update(Request& request, FlagSet& f)
{
    UpdateOptions& o = emplace<UpdateOptions>(request);
    f.add_string("resources,r", o.resources,
        "path to a file with the resources to update (LinuxResources JSON), or '-' for standard input; "
        "the other options are then ignored");
    f.add_optional("blkio-weight", o.blkio_weight, "block IO weight (10-1000)", Kind::Int);
    f.add_optional("cpu-period", o.cpu_period, "CFS period in microseconds (0: default)");
    f.add_optional("cpu-quota", o.cpu_quota, "CFS quota in microseconds per period");
    f.add_optional("cpu-burst", o.cpu_burst, "CFS burst in microseconds");
    f.add_optional("cpu-share", o.cpu_share, "CPU shares (relative weight)");
    f.add_optional("cpu-rt-period", o.cpu_rt_period, "realtime period in microseconds (0: default)");
    f.add_optional("cpu-rt-runtime", o.cpu_rt_runtime, "realtime runtime in microseconds per period");
    f.add_optional("cpuset-cpus", o.cpuset_cpus, "cpuset.cpus value");
    f.add_optional("cpuset-mems", o.cpuset_mems, "cpuset.mems value");
    f.add_optional("memory", o.memory, "memory limit in bytes (suffixes allowed)");
    f.add_optional("memory-reservation", o.memory_reservation, "memory soft limit in bytes");
    f.add_optional("memory-swap", o.memory_swap, "memory plus swap limit in bytes; -1 for unlimited");
    f.add_optional("pids-limit", o.pids_limit, "pids limit", Kind::Int);
    f.add_optional("cpu-idle", o.cpu_idle, "cpu.idle value: 0 or 1");
    f.add_optional("l3-cache-schema", o.l3_cache_schema, "resctrl L3 cache schema");
    f.add_optional("mem-bw-schema", o.mem_bw_schema, "resctrl memory bandwidth schema");
    // runc keeps these two hidden and ignores them.
    f.add_ignored("kernel-memory", Kind::String);
    f.add_ignored("kernel-memory-tcp", Kind::String);
}

void bind_events(Request& request, FlagSet& f)
{
    EventsOptions& o = emplace<EventsOptions>(request);
    f.add_duration("interval", o.interval, "time between two stats records (default: 5s)");
    f.add_bool("stats", o.stats, "print one stats record and exit");
}

void bind_spec(Request& request, FlagSet& f)
{
    SpecOptions& o = emplace<SpecOptions>(request);
    f.add_string("bundle,b", o.bundle, "bundle directory");
    f.add_bool("rootless", o.rootless, "write a configuration suited to rootless use");
}

void bind_checkpoint(Request& request, FlagSet& f)
{
    CheckpointOptions& o = emplace<CheckpointOptions>(request);
    f.add_string("image-path", o.image_path, "directory for the image files");
    f.add_string("work-path", o.work_path, "directory for CRIU's work files and logs");
    f.add_string(
        "parent-path", o.parent_path, "image directory of a previous pre-dump, relative to --image-path");
    f.add_bool("leave-running", o.leave_running, "keep the container running afterwards");
    f.add_bool("tcp-established", o.tcp_established, "checkpoint established TCP connections");
    f.add_bool("tcp-skip-in-flight", o.tcp_skip_in_flight, "skip TCP connections still being set up");
    f.add_bool("link-remap", o.link_remap, "relink unlinked but open files");
    f.add_bool("ext-unix-sk", o.ext_unix_sk, "allow unix sockets connected outside the container");
    f.add_bool("shell-job", o.shell_job, "allow a process attached to a terminal session");
    f.add_bool("lazy-pages", o.lazy_pages, "restore memory pages on demand (userfaultfd)");
    f.add_int("status-fd", o.status_fd, "fd on which a NUL byte signals that lazy pages are ready");
    f.add_string("page-server", o.page_server, "page server to send pages to, as ADDRESS:PORT");
    f.add_bool("file-locks", o.file_locks, "checkpoint file locks");
    f.add_bool("pre-dump", o.pre_dump, "dump memory only and keep the container running");
    f.add_string("manage-cgroups-mode", o.manage_cgroups_mode,
        "how CRIU handles cgroups: soft, full, strict or ignore");
    f.add_list("empty-ns", o.empty_ns, "namespace created empty rather than restored (repeatable)");
    f.add_bool("auto-dedup", o.auto_dedup, "deduplicate memory images as they are written");
}

void bind_restore(Request& request, FlagSet& f)
{
    RestoreOptions& o = emplace<RestoreOptions>(request);
    f.add_string("console-socket", o.create.console_socket,
        "unix socket to which the pty master of the container is sent");
    f.add_string("image-path", o.image_path, "directory holding the image files");
    f.add_string("work-path", o.work_path, "directory for CRIU's work files and logs");
    f.add_bool("tcp-established", o.tcp_established, "checkpoint established TCP connections");
    f.add_bool("ext-unix-sk", o.ext_unix_sk, "allow unix sockets connected outside the container");
    f.add_bool("shell-job", o.shell_job, "allow a process attached to a terminal session");
    f.add_bool("file-locks", o.file_locks, "checkpoint file locks");
    f.add_string("manage-cgroups-mode", o.manage_cgroups_mode,
        "how CRIU handles cgroups: soft, full, strict or ignore");
    f.add_string("bundle,b", o.create.bundle, "bundle directory");
    f.add_bool("detach,d", o.detach, "return once the process has started");
    f.add_string("pid-file", o.create.pid_file, "write the pid of the process to this file");
    f.add_bool("no-subreaper", o.no_subreaper, "do not become a child subreaper while waiting");
    f.add_bool(
        "no-pivot", o.create.no_pivot, "enter the rootfs with MS_MOVE and chroot instead of pivot_root");
    f.add_list("empty-ns", o.empty_ns, "namespace created empty rather than restored (repeatable)");
    f.add_bool("auto-dedup", o.auto_dedup, "deduplicate memory images as they are written");
    f.add_bool("lazy-pages", o.lazy_pages, "restore memory pages on demand (userfaultfd)");
    f.add_string("lsm-profile", o.lsm_profile, "LSM profile for the restored process, as TYPE:NAME");
    f.add_string("lsm-mount-context", o.lsm_mount_context, "LSM context for the restored mounts");
    // Sent by clients although runc's restore lacks them: go-runc, conmon and podman (for crun).
    f.add_bool(
        "no-new-keyring", o.create.no_new_keyring, "keep the caller's session keyring", Visibility::Hidden);
    f.add_ignored("parent-path", Kind::String);
    f.add_ignored("tcp-close", Kind::Bool);
}

Result<void> finish_restore(Request& request, const std::vector<std::string>& args, const std::string& cwd)
{
    RestoreOptions& o = std::get<RestoreOptions>(request);
    o.create.id = args.at(0);
    o.create.pid_file = absolute_or_empty(o.create.pid_file, cwd);
    return ok();
}

constexpr std::string_view create_args = R"(<container-id>

<container-id> names the new container; no other container under the same --root may use it.)";

constexpr std::string_view bundle_note
    = R"(Reads config.json from the bundle (--bundle, or the current directory); its process
object says what runs in the container.)";

std::vector<Command> make_commands()
{
    const Reorder pass_through = Reorder::No;
    return {
        {"checkpoint", "save a running container to image files", "<container-id>",
            "Uses CRIU to write the container's processes and state to image files.", Reorder::Yes, 1, 1,
            bind_checkpoint, finish_id<CheckpointOptions>},
        {"create", "set up a container and leave it waiting for start", create_args, bundle_note,
            Reorder::Yes, 1, 1, bind_create, finish_create},
        {"delete", "remove a container and everything it holds", "<container-id>", "", Reorder::Yes, 1, 1,
            bind_delete, finish_id<DeleteOptions>},
        {"events", "stream a container's OOM events and resource statistics", "<container-id>",
            "Prints one JSON object per line: OOM events as they happen, and statistics every --interval.",
            Reorder::Yes, 1, 1, bind_events, finish_id<EventsOptions>},
        {"exec", "run an additional process in a container",
            "<container-id> <command> [command options]  || "
            "-p process.json <container-id>",
            "", pass_through, 1, unbounded, bind_exec, finish_exec},
        {"features", "print the features this runtime supports, as JSON", "",
            "Prints the runtime-spec features document.", Reorder::Yes, 0, 0, bind_features, finish_nothing},
        {"kill", "send a signal (default: SIGTERM) to a container", "<container-id> [signal]", "",
            Reorder::Yes, 1, 2, bind_kill, finish_kill},
        {"list", "list the containers under the state root", "", "", Reorder::Yes, 0, 0, bind_list,
            finish_nothing},
        {"pause", "freeze every process of a container", "<container-id>", "", Reorder::Yes, 1, 1, bind_pause,
            finish_id<PauseOptions>},
        {"ps", "show the processes of a container", "<container-id> [ps options]", "", pass_through, 1,
            unbounded, bind_ps, finish_ps},
        {"restore", "recreate a container from checkpoint images", "<container-id>",
            "Starts a container from images written by hull checkpoint.", Reorder::Yes, 1, 1, bind_restore,
            finish_restore},
        {"resume", "thaw a paused container", "<container-id>", "", Reorder::Yes, 1, 1, bind_resume,
            finish_id<ResumeOptions>},
        {"run", "create and start a container in one step", create_args, bundle_note, Reorder::Yes, 1, 1,
            bind_run, finish_run},
        {"spec", "write a default config.json", "",
            "Writes a starting config.json into the bundle directory.", Reorder::Yes, 0, 0, bind_spec,
            finish_nothing},
        {"start", "release the process of a created container", "<container-id>", "", Reorder::Yes, 1, 1,
            bind_start, finish_id<StartOptions>},
        {"state", "print a container's state as JSON", "<container-id>", "", Reorder::Yes, 1, 1, bind_state,
            finish_id<StateOptions>},
        {"update", "change a container's resource limits", "<container-id>", "", Reorder::Yes, 1, 1,
            bind_update, finish_id<UpdateOptions>},
    };
}

} // namespace

const std::vector<Command>& commands()
{
    static const std::vector<Command> table = make_commands();
    return table;
}

const Command* find_command(std::string_view name)
{
    for (const Command& c : commands())
        if (c.name == name)
            return &c;
    return nullptr;
}

void bind_global_flags(FlagSet& f, GlobalFlags& g)
{
    f.add_bool("debug", g.debug, "log at debug level");
    f.add_string("log", g.log, "append log records to this file (default: stderr)");
    f.add_string("log-format", g.log_format, "log record format: text or json (default: text)");
    f.add_optional(
        "root", g.root, "directory for container state (default: /run/hull, or $XDG_RUNTIME_DIR/hull)");
    f.add_bool("systemd-cgroup", g.systemd_cgroup,
        "use the systemd cgroup driver (cgroupsPath is \"slice:prefix:name\")");
    f.add_string(
        "rootless", g.rootless, "tolerate cgroup permission errors: true, false or auto (default: auto)");
    f.add_string("criu", g.criu, "ignored (kept for compatibility)", Visibility::Hidden);
    f.add_optional("cgroup-manager", g.cgroup_manager, "cgroup manager: cgroupfs, systemd or disabled",
        Kind::String, Visibility::Hidden);
    f.add_bool("version,v", g.version, "print the version and exit");
}

} // namespace hull::cli
