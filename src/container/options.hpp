// What each verb is asked to do: plain request structs filled by the CLI (src/cli/) from argv.
// Field names follow runc's flag names. Flags that clients send but runc ignores are parsed
// and dropped by the CLI; they have no field here.
#pragma once

#include "hull/log.hpp"

#include <optional>
#include <string>
#include <vector>

namespace hull::container {

struct GlobalOptions {
    std::string root; // --root; empty: the default (/run/hull, or $XDG_RUNTIME_DIR/hull)
    bool root_given = false; // an explicit --root must exist for `list`
    std::string log; // --log FILE; empty: stderr
    log::Format log_format = log::Format::Text;
    bool systemd_cgroup = false; // --systemd-cgroup
    bool debug = false; // --debug
    std::string rootless = "auto"; // --rootless true|false|auto
};

struct CreateOptions {
    std::string id;
    std::string bundle; // --bundle/-b; empty: the current directory
    std::string pid_file; // --pid-file (made absolute by the CLI against the caller's cwd)
    std::string console_socket; // --console-socket
    std::string pidfd_socket; // --pidfd-socket
    bool no_pivot = false; // --no-pivot
    bool no_new_keyring = false; // --no-new-keyring
    unsigned preserve_fds = 0; // --preserve-fds N
};

struct RunOptions {
    CreateOptions create;
    bool detach = false; // --detach/-d
    bool keep = false; // --keep
    bool no_subreaper = false; // --no-subreaper
};

struct StartOptions {
    std::string id;
};

struct StateOptions {
    std::string id;
};

struct ListOptions {
    std::string format = "table"; // --format/-f table|json
    bool quiet = false; // --quiet/-q
};

struct KillOptions {
    std::string id;
    std::string signal = "SIGTERM"; // positional, number or name with or without SIG
    bool all = false; // --all/-a
};

struct DeleteOptions {
    std::string id;
    bool force = false; // --force/-f
};

struct ExecOptions {
    std::string id;
    std::vector<std::string> args; // everything after the ID, untouched
    std::string process; // --process/-p FILE
    std::string console_socket; // --console-socket
    std::string pidfd_socket; // --pidfd-socket
    std::string cwd; // --cwd
    std::vector<std::string> env; // --env/-e (repeatable)
    bool tty = false; // --tty/-t
    std::string user; // --user/-u uid[:gid]
    std::vector<std::string> additional_gids; // --additional-gids/-g (repeatable)
    bool detach = false; // --detach/-d
    std::string pid_file; // --pid-file
    std::string process_label; // --process-label
    std::string apparmor; // --apparmor
    bool no_new_privs = false; // --no-new-privs
    std::vector<std::string> caps; // --cap/-c (repeatable)
    unsigned preserve_fds = 0; // --preserve-fds
    std::vector<std::string> cgroups; // --cgroup [ctrl[,ctrl]:]path, repeatable
    bool ignore_paused = false; // --ignore-paused
};

struct PsOptions {
    std::string id;
    std::string format = "table"; // --format/-f table|json (before the ID)
    std::vector<std::string> ps_args; // after the ID, untouched
};

struct PauseOptions {
    std::string id;
};

struct ResumeOptions {
    std::string id;
};

struct UpdateOptions {
    std::string id;
    std::string resources; // --resources/-r FILE or "-" (stdin)
    std::optional<std::string> blkio_weight, cpu_period, cpu_quota, cpu_burst, cpu_share, cpu_rt_period,
        cpu_rt_runtime, cpuset_cpus, cpuset_mems, memory, memory_reservation, memory_swap, pids_limit,
        cpu_idle, l3_cache_schema, mem_bw_schema;
};

struct EventsOptions {
    std::string id;
    std::string interval = "5s"; // --interval (Go duration)
    bool stats = false; // --stats
};

struct SpecOptions {
    std::string bundle; // --bundle/-b
    bool rootless = false; // --rootless
};

struct CheckpointOptions {
    std::string id;
    std::string image_path = "./checkpoint"; // --image-path
    std::string work_path; // --work-path
    std::string parent_path; // --parent-path
    bool leave_running = false, tcp_established = false, tcp_skip_in_flight = false, link_remap = false,
         ext_unix_sk = false, shell_job = false, lazy_pages = false, file_locks = false, pre_dump = false,
         auto_dedup = false;
    std::optional<int> status_fd; // --status-fd
    std::string page_server; // --page-server ADDR:PORT
    std::string manage_cgroups_mode; // --manage-cgroups-mode
    std::vector<std::string> empty_ns; // --empty-ns (repeatable)
};

struct RestoreOptions {
    CreateOptions create; // --bundle, --pid-file, --console-socket, --no-pivot, ...
    std::string image_path = "./checkpoint";
    std::string work_path;
    bool tcp_established = false, ext_unix_sk = false, shell_job = false, file_locks = false, detach = false,
         no_subreaper = false, auto_dedup = false, lazy_pages = false;
    std::string manage_cgroups_mode;
    std::vector<std::string> empty_ns;
    std::string lsm_profile; // --lsm-profile TYPE:NAME
    std::string lsm_mount_context; // --lsm-mount-context CTX
};

} // namespace hull::container
