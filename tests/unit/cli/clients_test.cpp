// The argv forms real clients send (cli-contract.md §3): containerd's shim through go-runc, conmon
// for Podman and CRI-O, Podman's and CRI-O's direct calls, and runtime-tools' validation suite.
#include "cli_test.hpp"

using namespace hull;
using namespace hull::cli;
using namespace hull::cli::test;
using namespace hull::container;

namespace {

// containerd's G: `--root R --log <bundle>/log.json --log-format json [--systemd-cgroup]`.
std::vector<std::string> shim(std::vector<std::string> rest, bool systemd = true)
{
    std::vector<std::string> args
        = {"--root", "/run/containerd/runc/k8s.io", "--log", "/b/log.json", "--log-format", "json"};
    if (systemd)
        args.push_back("--systemd-cgroup");
    args.insert(args.end(), rest.begin(), rest.end());
    return args;
}

} // namespace

TEST_CASE("containerd create: global flags and every create flag")
{
    Invocation inv = parse_args(shim({"create", "--bundle", "/b", "--pid-file", "/b/init.pid",
        "--console-socket", "/run/user/0/pty123/pty.sock", "--no-pivot", "--no-new-keyring", "abc"}));
    CHECK(inv.command == "create");
    CHECK(inv.global.root == "/run/containerd/runc/k8s.io");
    CHECK(inv.global.root_given);
    CHECK(inv.global.log == "/b/log.json");
    CHECK(inv.global.log_format == log::Format::Json);
    CHECK(inv.global.systemd_cgroup);
    CHECK_FALSE(inv.global.debug);
    CHECK(inv.global.rootless == "auto");
    REQUIRE(std::holds_alternative<CreateOptions>(inv.request));
    const CreateOptions& o = std::get<CreateOptions>(inv.request);
    CHECK(o.id == "abc");
    CHECK(o.bundle == "/b");
    CHECK(o.pid_file == "/b/init.pid");
    CHECK(o.console_socket == "/run/user/0/pty123/pty.sock");
    CHECK(o.no_pivot);
    CHECK(o.no_new_keyring);
    CHECK(o.preserve_fds == 0);
}

TEST_CASE("go-runc create extras: --detach is accepted and ignored, --preserve-fds and --pidfd-socket parse")
{
    auto o = request<CreateOptions>(shim({"create", "--bundle", "/b", "--pid-file", "/b/init.pid",
        "--pidfd-socket", "/tmp/pidfd.sock", "--detach", "--preserve-fds", "2", "abc"}));
    CHECK(o.id == "abc");
    CHECK(o.pidfd_socket == "/tmp/pidfd.sock");
    CHECK(o.preserve_fds == 2);
}

TEST_CASE("containerd start, pause, resume and state")
{
    CHECK(request<StartOptions>(shim({"start", "abc"})).id == "abc");
    CHECK(request<PauseOptions>(shim({"pause", "abc"})).id == "abc");
    CHECK(request<ResumeOptions>(shim({"resume", "abc"})).id == "abc");
    CHECK(request<StateOptions>(shim({"state", "abc"})).id == "abc");
}

TEST_CASE("containerd exec: detached with a process file")
{
    auto o = request<ExecOptions>(shim({"exec", "--process", "/tmp/runc-process123", "--console-socket",
        "/tmp/s.sock", "--detach", "--pid-file", "/b/exec1.pid", "abc"}));
    CHECK(o.id == "abc");
    CHECK(o.process == "/tmp/runc-process123");
    CHECK(o.console_socket == "/tmp/s.sock");
    CHECK(o.detach);
    CHECK(o.pid_file == "/b/exec1.pid");
    CHECK(o.args.empty());
}

TEST_CASE("containerd kill: signal number, with and without --all")
{
    auto o = request<KillOptions>(shim({"kill", "abc", "9"}));
    CHECK(o.id == "abc");
    CHECK(o.signal == "9");
    CHECK_FALSE(o.all);
    auto all = request<KillOptions>(shim({"kill", "--all", "abc", "9"}));
    CHECK(all.all);
    CHECK(all.signal == "9");
}

TEST_CASE("containerd delete, and the shim's cleanup delete --force without --systemd-cgroup")
{
    auto plain = request<DeleteOptions>(shim({"delete", "abc"}));
    CHECK(plain.id == "abc");
    CHECK_FALSE(plain.force);
    Invocation inv = parse_args(shim({"delete", "--force", "abc"}, false));
    CHECK_FALSE(inv.global.systemd_cgroup);
    CHECK(std::get<DeleteOptions>(inv.request).force);
}

TEST_CASE("containerd update --resources=- and ps --format json")
{
    auto u = request<UpdateOptions>(shim({"update", "--resources=-", "abc"}));
    CHECK(u.id == "abc");
    CHECK(u.resources == "-");
    CHECK_FALSE(u.memory.has_value());
    auto p = request<PsOptions>(shim({"ps", "--format", "json", "abc"}));
    CHECK(p.id == "abc");
    CHECK(p.format == "json");
    CHECK(p.ps_args.empty());
}

TEST_CASE("containerd checkpoint with every optional flag")
{
    auto o = request<CheckpointOptions>(shim({"checkpoint", "--image-path", "/img", "--work-path", "/work",
        "--parent-path", "../parent", "--tcp-established", "--ext-unix-sk", "--shell-job", "--file-locks",
        "--empty-ns", "network", "--empty-ns", "ipc", "--leave-running", "abc"}));
    CHECK(o.id == "abc");
    CHECK(o.image_path == "/img");
    CHECK(o.work_path == "/work");
    CHECK(o.parent_path == "../parent");
    CHECK(o.tcp_established);
    CHECK(o.ext_unix_sk);
    CHECK(o.shell_job);
    CHECK(o.file_locks);
    CHECK(o.leave_running);
    CHECK(o.empty_ns == std::vector<std::string> {"network", "ipc"});
    CHECK_FALSE(o.pre_dump);
}

TEST_CASE("containerd restore: --parent-path ignored, single-dash -no-subreaper")
{
    auto o = request<RestoreOptions>(shim({"restore", "--image-path", "/img", "--work-path", "/work",
        "--parent-path", "/pp", "--detach", "--pid-file", "/b/init.pid", "--console-socket", "/s.sock",
        "--no-pivot", "-no-subreaper", "--bundle", "/b", "abc"}));
    CHECK(o.create.id == "abc");
    CHECK(o.image_path == "/img");
    CHECK(o.work_path == "/work");
    CHECK(o.detach);
    CHECK(o.create.pid_file == "/b/init.pid");
    CHECK(o.create.console_socket == "/s.sock");
    CHECK(o.create.no_pivot);
    CHECK(o.no_subreaper);
    CHECK(o.create.bundle == "/b");
}

TEST_CASE("containerd and Docker features, and --version, without global flags")
{
    Invocation inv = parse_args({"features"});
    CHECK(std::holds_alternative<Features>(inv.request));
    CHECK(inv.global.root.empty());
    CHECK_FALSE(inv.global.root_given);
    CHECK(std::holds_alternative<Version>(parse_args({"--version"}).request));
    CHECK(std::holds_alternative<Version>(parse_args({"-v"}).request));
}

TEST_CASE("conmon create for Podman: runtime args with = forms, runtime opts")
{
    Invocation inv = parse_args({"--systemd-cgroup", "--log-format=json", "--log", "/run/libpod/oci-log",
        "--cgroup-manager", "disabled", "create", "--bundle", "/b", "--pid-file", "/run/pidfile",
        "--no-pivot", "--preserve-fds", "1", "--console-socket", "/tmp/conmon-term.AbCdEf", "abc"});
    CHECK(inv.global.systemd_cgroup);
    CHECK(inv.global.log_format == log::Format::Json);
    CHECK(inv.global.log == "/run/libpod/oci-log");
    const auto& o = std::get<CreateOptions>(inv.request);
    CHECK(o.preserve_fds == 1);
    CHECK(o.console_socket == "/tmp/conmon-term.AbCdEf");
}

TEST_CASE("conmon restore for Podman: --tcp-close and --no-new-keyring accepted, lsm flags with =")
{
    auto o = request<RestoreOptions>({"restore", "--bundle", "/b", "--pid-file", "/p", "--no-new-keyring",
        "--detach", "--image-path", "/ckpt", "--work-path", "/b", "--tcp-established", "--tcp-close",
        "--file-locks", "--lsm-mount-context=system_u:object_r:container_file_t:s0",
        "--lsm-profile=selinux:container_t", "abc"});
    CHECK(o.create.id == "abc");
    CHECK(o.create.no_new_keyring);
    CHECK(o.tcp_established);
    CHECK(o.file_locks);
    CHECK(o.lsm_mount_context == "system_u:object_r:container_file_t:s0");
    CHECK(o.lsm_profile == "selinux:container_t");
}

TEST_CASE("conmon exec: --root= through runtime args, no --systemd-cgroup")
{
    Invocation inv = parse_args({"--root=/run/runc", "exec", "--pid-file", "/p", "--process", "/spec",
        "--detach", "--preserve-fds", "0", "--console-socket", "/s", "abc"});
    CHECK(inv.global.root == "/run/runc");
    CHECK_FALSE(inv.global.systemd_cgroup);
    const auto& o = std::get<ExecOptions>(inv.request);
    CHECK(o.process == "/spec");
    CHECK(o.detach);
    CHECK(o.id == "abc");
}

TEST_CASE("CRI-O through conmon: -t for exec is --tty")
{
    auto o = request<ExecOptions>({"--root=/run/runc", "exec", "-t", "--process", "/spec", "abc"});
    CHECK(o.tty);
}

TEST_CASE("Podman direct calls")
{
    CHECK(request<StartOptions>({"start", "abc"}).id == "abc");
    auto k = request<KillOptions>({"kill", "--all", "abc", "15"});
    CHECK(k.all);
    CHECK(k.signal == "15");
    CHECK(request<DeleteOptions>({"delete", "--force", "abc"}).force);
    CHECK(
        request<UpdateOptions>({"update", "--resources=/tmp/res.json", "abc"}).resources == "/tmp/res.json");
    auto c = request<CheckpointOptions>(
        {"checkpoint", "--image-path", "/p", "--work-path", "/b", "--leave-running", "--tcp-established",
            "--file-locks", "--pre-dump", "--parent-path", "../pre", "abc"});
    CHECK(c.pre_dump);
    CHECK(c.parent_path == "../pre");
}

TEST_CASE("CRI-O direct calls: kill by name, kill -a, delete --force")
{
    auto d = [](std::vector<std::string> rest) {
        std::vector<std::string> args = {"--root", "/run/runc", "--systemd-cgroup"};
        args.insert(args.end(), rest.begin(), rest.end());
        return args;
    };
    CHECK(request<StateOptions>(d({"state", "abc"})).id == "abc");
    CHECK(request<KillOptions>(d({"kill", "abc", "KILL"})).signal == "KILL");
    auto a = request<KillOptions>(d({"kill", "-a", "abc", "9"}));
    CHECK(a.all);
    CHECK(a.id == "abc");
    CHECK(a.signal == "9");
    CHECK(request<DeleteOptions>(d({"delete", "--force", "abc"})).force);
    auto c = request<CheckpointOptions>(d(
        {"checkpoint", "--file-locks", "--image-path", "/i", "--work-path", "/w", "--leave-running", "abc"}));
    CHECK(c.file_locks);
}

TEST_CASE("CRI-O update --resources - (space form, stdin)")
{
    Invocation inv = parse_args({"--root", "/run/runc", "update", "--resources", "-", "abc"});
    CHECK_FALSE(inv.global.systemd_cgroup);
    const auto& u = std::get<UpdateOptions>(inv.request);
    CHECK(u.resources == "-");
    CHECK(u.id == "abc");
}

TEST_CASE("CRI-O streaming exec in the foreground: no --detach, no --pid-file")
{
    auto o = request<ExecOptions>({"--root", "/run/runc", "exec", "--process", "/tmp/p.json", "abc"});
    CHECK_FALSE(o.detach);
    CHECK(o.pid_file.empty());
    CHECK(o.process == "/tmp/p.json");
}

TEST_CASE("runtime-tools create with relative --pid-file and --bundle")
{
    auto o = request<CreateOptions>({"create", "--pid-file", "pid", "--bundle", "bundle", "ctr"});
    CHECK(o.pid_file == "/home/user/work/pid");
    CHECK(o.bundle == "bundle");
    CHECK(o.id == "ctr");
}

TEST_CASE("runtime-tools kill with a signal name and delete")
{
    auto k = request<KillOptions>({"kill", "ctr", "TERM"});
    CHECK(k.signal == "TERM");
    CHECK(request<KillOptions>({"kill", "ctr"}).signal == "SIGTERM");
    CHECK(request<DeleteOptions>({"delete", "--force", "ctr"}).force);
}

TEST_CASE("runtime-tools omits the ID on purpose: every form fails with exit 1")
{
    for (auto args : std::vector<std::vector<std::string>> {{"create", "--pid-file", "/p", "--bundle", "/b"},
             {"start"}, {"state"}, {"kill"}, {"delete", "--force"}}) {
        CAPTURE(args[0]);
        Exit e = exit_of(args);
        CHECK(e.code == 1);
        CHECK(contains(e.out, "Incorrect Usage."));
        CHECK_FALSE(e.error.empty());
    }
}

TEST_CASE("runtime-tools kill without an ID but with a signal takes the signal as the ID")
{
    // `kill TERM` has one argument, so it parses; the verb then fails to find container "TERM".
    auto k = request<KillOptions>({"kill", "TERM"});
    CHECK(k.id == "TERM");
    CHECK(k.signal == "SIGTERM");
}
