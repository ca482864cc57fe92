// Every command and flag of cli-contract.md §11 parses into its request struct, and defaults are
// left alone when a flag is absent.
#include "cli_test.hpp"

using namespace hull;
using namespace hull::cli;
using namespace hull::cli::test;
using namespace hull::container;

TEST_CASE("create: defaults")
{
    auto o = request<CreateOptions>({"create", "abc"});
    CHECK(o.id == "abc");
    CHECK(o.bundle.empty());
    CHECK(o.pid_file.empty());
    CHECK(o.console_socket.empty());
    CHECK(o.pidfd_socket.empty());
    CHECK_FALSE(o.no_pivot);
    CHECK_FALSE(o.no_new_keyring);
    CHECK(o.preserve_fds == 0);
}

TEST_CASE("create: -d is accepted as a no-op")
{
    CHECK(request<CreateOptions>({"create", "-d", "abc"}).id == "abc");
}

TEST_CASE("run: the create flags plus --detach, --keep, --no-subreaper")
{
    auto o = request<RunOptions>({"run", "--bundle", "/b", "--console-socket", "/s", "--pidfd-socket", "/f",
        "--pid-file", "/p", "--no-pivot", "--no-new-keyring", "--preserve-fds", "3", "--detach", "--keep",
        "--no-subreaper", "abc"});
    CHECK(o.create.id == "abc");
    CHECK(o.create.bundle == "/b");
    CHECK(o.create.console_socket == "/s");
    CHECK(o.create.pidfd_socket == "/f");
    CHECK(o.create.pid_file == "/p");
    CHECK(o.create.no_pivot);
    CHECK(o.create.no_new_keyring);
    CHECK(o.create.preserve_fds == 3);
    CHECK(o.detach);
    CHECK(o.keep);
    CHECK(o.no_subreaper);
    auto d = request<RunOptions>({"run", "abc"});
    CHECK_FALSE(d.detach);
    CHECK_FALSE(d.keep);
    CHECK_FALSE(d.no_subreaper);
}

TEST_CASE("exec: every flag")
{
    auto o = request<ExecOptions>({"exec", "--console-socket", "/s", "--pidfd-socket", "/f", "--cwd", "/tmp",
        "--env", "A=1", "-e", "B=2", "--tty", "--user", "1:2", "--additional-gids", "5", "-g", "6",
        "--detach", "--pid-file", "/p", "--process-label", "system_u:system_r:container_t:s0", "--apparmor",
        "prof", "--no-new-privs", "--cap", "CAP_SYS_ADMIN", "-c", "CAP_NET_RAW", "--preserve-fds", "4",
        "--cgroup", "cpu,cpuacct:sub", "--cgroup", "memory:/m", "--ignore-paused", "abc", "cmd", "arg"});
    CHECK(o.id == "abc");
    CHECK(o.args == std::vector<std::string> {"cmd", "arg"});
    CHECK(o.console_socket == "/s");
    CHECK(o.pidfd_socket == "/f");
    CHECK(o.cwd == "/tmp");
    CHECK(o.env == std::vector<std::string> {"A=1", "B=2"});
    CHECK(o.tty);
    CHECK(o.user == "1:2");
    CHECK(o.additional_gids == std::vector<std::string> {"5", "6"});
    CHECK(o.detach);
    CHECK(o.pid_file == "/p");
    CHECK(o.process_label == "system_u:system_r:container_t:s0");
    CHECK(o.apparmor == "prof");
    CHECK(o.no_new_privs);
    CHECK(o.caps == std::vector<std::string> {"CAP_SYS_ADMIN", "CAP_NET_RAW"});
    CHECK(o.preserve_fds == 4);
    // Repeatable, and never split at commas (they list co-mounted controllers).
    CHECK(o.cgroups == std::vector<std::string> {"cpu,cpuacct:sub", "memory:/m"});
    CHECK(o.ignore_paused);
}

TEST_CASE("exec: defaults")
{
    auto o = request<ExecOptions>({"exec", "abc", "true"});
    CHECK(o.process.empty());
    CHECK(o.env.empty());
    CHECK_FALSE(o.tty);
    CHECK_FALSE(o.detach);
    CHECK_FALSE(o.no_new_privs);
    CHECK_FALSE(o.ignore_paused);
    CHECK(o.preserve_fds == 0);
}

TEST_CASE("kill: --all and the default signal")
{
    auto o = request<KillOptions>({"kill", "abc"});
    CHECK(o.signal == "SIGTERM");
    CHECK_FALSE(o.all);
    CHECK(request<KillOptions>({"kill", "--all=true", "abc", "SIGKILL"}).signal == "SIGKILL");
}

TEST_CASE("delete: --force and -f")
{
    CHECK_FALSE(request<DeleteOptions>({"delete", "abc"}).force);
    CHECK(request<DeleteOptions>({"delete", "-f", "abc"}).force);
}

TEST_CASE("list: defaults, --format=json, --quiet")
{
    auto d = request<ListOptions>({"list"});
    CHECK(d.format == "table");
    CHECK_FALSE(d.quiet);
    auto o = request<ListOptions>({"list", "--format=json", "--quiet"});
    CHECK(o.format == "json");
    CHECK(o.quiet);
}

TEST_CASE("ps: default format is table and ps args are empty")
{
    auto o = request<PsOptions>({"ps", "abc"});
    CHECK(o.format == "table");
    CHECK(o.ps_args.empty());
}

TEST_CASE("events: defaults, --interval and --stats")
{
    auto d = request<EventsOptions>({"events", "abc"});
    CHECK(d.interval == "5s");
    CHECK_FALSE(d.stats);
    auto o = request<EventsOptions>({"events", "--stats", "--interval", "250ms", "abc"});
    CHECK(o.stats);
    CHECK(o.interval == "250ms");
}

TEST_CASE("update: every legacy resource flag is kept as text, absent ones stay unset")
{
    auto o = request<UpdateOptions>({"update", "--blkio-weight", "500", "--cpu-period", "100000",
        "--cpu-quota", "50000", "--cpu-burst", "10", "--cpu-share", "512", "--cpu-rt-period", "1000",
        "--cpu-rt-runtime", "900", "--cpuset-cpus", "0-1", "--cpuset-mems", "0", "--memory", "512M",
        "--memory-reservation", "256M", "--memory-swap", "1G", "--pids-limit", "100", "--cpu-idle", "1",
        "--l3-cache-schema", "L3:0=ff", "--mem-bw-schema", "MB:0=70", "abc"});
    CHECK(o.id == "abc");
    CHECK(o.resources.empty());
    CHECK(o.blkio_weight == "500");
    CHECK(o.cpu_period == "100000");
    CHECK(o.cpu_quota == "50000");
    CHECK(o.cpu_burst == "10");
    CHECK(o.cpu_share == "512");
    CHECK(o.cpu_rt_period == "1000");
    CHECK(o.cpu_rt_runtime == "900");
    CHECK(o.cpuset_cpus == "0-1");
    CHECK(o.cpuset_mems == "0");
    CHECK(o.memory == "512M");
    CHECK(o.memory_reservation == "256M");
    CHECK(o.memory_swap == "1G");
    CHECK(o.pids_limit == "100");
    CHECK(o.cpu_idle == "1");
    CHECK(o.l3_cache_schema == "L3:0=ff");
    CHECK(o.mem_bw_schema == "MB:0=70");
    auto d = request<UpdateOptions>({"update", "-r", "/res.json", "abc"});
    CHECK(d.resources == "/res.json");
    CHECK_FALSE(d.blkio_weight.has_value());
    CHECK_FALSE(d.pids_limit.has_value());
    CHECK_FALSE(d.cpuset_cpus.has_value());
}

TEST_CASE("update: an empty legacy value is still given")
{
    CHECK(request<UpdateOptions>({"update", "--cpuset-cpus=", "abc"}).cpuset_cpus == "");
}

TEST_CASE("checkpoint: defaults")
{
    auto o = request<CheckpointOptions>({"checkpoint", "abc"});
    CHECK(o.image_path == "./checkpoint");
    CHECK(o.work_path.empty());
    CHECK_FALSE(o.status_fd.has_value());
    CHECK_FALSE(o.leave_running);
    CHECK(o.empty_ns.empty());
}

TEST_CASE("checkpoint: the remaining flags")
{
    auto o = request<CheckpointOptions>({"checkpoint", "--tcp-skip-in-flight", "--link-remap", "--lazy-pages",
        "--status-fd", "3", "--page-server", "10.0.0.1:27", "--pre-dump", "--manage-cgroups-mode", "full",
        "--auto-dedup", "abc"});
    CHECK(o.tcp_skip_in_flight);
    CHECK(o.link_remap);
    CHECK(o.lazy_pages);
    CHECK(o.status_fd == 3);
    CHECK(o.page_server == "10.0.0.1:27");
    CHECK(o.pre_dump);
    CHECK(o.manage_cgroups_mode == "full");
    CHECK(o.auto_dedup);
}

TEST_CASE("restore: every flag")
{
    auto o = request<RestoreOptions>(
        {"restore", "--console-socket", "/s", "--image-path", "/i", "--work-path", "/w", "--tcp-established",
            "--ext-unix-sk", "--shell-job", "--file-locks", "--manage-cgroups-mode", "soft", "-b", "/b", "-d",
            "--pid-file", "/p", "--no-subreaper", "--no-pivot", "--empty-ns", "network", "--auto-dedup",
            "--lazy-pages", "--lsm-profile", "apparmor:prof", "--lsm-mount-context", "ctx", "abc"});
    CHECK(o.create.id == "abc");
    CHECK(o.create.console_socket == "/s");
    CHECK(o.image_path == "/i");
    CHECK(o.work_path == "/w");
    CHECK(o.tcp_established);
    CHECK(o.ext_unix_sk);
    CHECK(o.shell_job);
    CHECK(o.file_locks);
    CHECK(o.manage_cgroups_mode == "soft");
    CHECK(o.create.bundle == "/b");
    CHECK(o.detach);
    CHECK(o.create.pid_file == "/p");
    CHECK(o.no_subreaper);
    CHECK(o.create.no_pivot);
    CHECK(o.empty_ns == std::vector<std::string> {"network"});
    CHECK(o.auto_dedup);
    CHECK(o.lazy_pages);
    CHECK(o.lsm_profile == "apparmor:prof");
    CHECK(o.lsm_mount_context == "ctx");
}

TEST_CASE("restore: defaults")
{
    auto o = request<RestoreOptions>({"restore", "abc"});
    CHECK(o.image_path == "./checkpoint");
    CHECK_FALSE(o.detach);
    CHECK(o.create.bundle.empty());
}

TEST_CASE("spec: --bundle/-b and --rootless, no arguments")
{
    auto d = request<SpecOptions>({"spec"});
    CHECK(d.bundle.empty());
    CHECK_FALSE(d.rootless);
    auto o = request<SpecOptions>({"spec", "-b", "/b", "--rootless"});
    CHECK(o.bundle == "/b");
    CHECK(o.rootless);
}

TEST_CASE("features takes no flags")
{
    CHECK(std::holds_alternative<Features>(parse_args({"features"}).request));
    CHECK(exit_of({"features", "--json"}).error == "flag provided but not defined: -json");
}

TEST_CASE("start, state, pause and resume take no flags")
{
    for (std::string cmd : {"start", "state", "pause", "resume"}) {
        CAPTURE(cmd);
        CHECK(exit_of({cmd, "--force", "abc"}).error == "flag provided but not defined: -force");
    }
}

TEST_CASE("the command name is recorded, and the request matches it")
{
    CHECK(parse_args({"start", "abc"}).command == "start");
    CHECK(parse_args({"delete", "abc"}).command == "delete");
    CHECK(parse_args({"features"}).command == "features");
    CHECK(parse_args({"--help"}).command.empty());
}

TEST_CASE("a repeated string flag keeps the last value, as Go does")
{
    CHECK(request<CreateOptions>({"create", "-b", "/one", "--bundle=/two", "abc"}).bundle == "/two");
    CHECK(parse_args({"--root", "/a", "--root", "/b", "list"}).global.root == "/b");
}

TEST_CASE("container IDs are not validated by the parser")
{
    // The ID check (invalid container ID format) belongs to the verbs, so it reaches the log.
    CHECK(request<StateOptions>({"state", "../x"}).id == "../x");
}
