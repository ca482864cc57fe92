// The Go `flag` grammar as urfave v1 applies it (cli-contract.md §1, §12.8): one or two dashes,
// `=` or a separate value, boolean spellings, reordering of flags after positional arguments,
// pass-through for exec and ps, and the path and duration helpers.
#include "cli/flags.hpp"
#include "cli_test.hpp"

using namespace hull;
using namespace hull::cli;
using namespace hull::cli::test;
using namespace hull::container;

TEST_CASE("single-dash long options equal double-dash ones")
{
    auto o = request<CreateOptions>({"create", "-bundle", "/b", "-pid-file=/p", "-no-pivot", "abc"});
    CHECK(o.bundle == "/b");
    CHECK(o.pid_file == "/p");
    CHECK(o.no_pivot);
    Invocation inv = parse_args({"-root", "/x", "-log-format", "json", "-systemd-cgroup", "state", "abc"});
    CHECK(inv.global.root == "/x");
    CHECK(inv.global.log_format == log::Format::Json);
    CHECK(inv.global.systemd_cgroup);
}

TEST_CASE("double-dash aliases and single-dash long names both work")
{
    CHECK(request<CreateOptions>({"create", "--b", "/b", "abc"}).bundle == "/b");
    CHECK(request<CreateOptions>({"create", "-b=/b", "abc"}).bundle == "/b");
}

TEST_CASE("values joined with = or given as the next word")
{
    Invocation a = parse_args({"--root=/x", "--log=/l", "--log-format=json", "list"});
    Invocation b = parse_args({"--root", "/x", "--log", "/l", "--log-format", "json", "list"});
    CHECK(a.global.root == b.global.root);
    CHECK(a.global.log == b.global.log);
    CHECK(a.global.log_format == b.global.log_format);
    CHECK(request<EventsOptions>({"events", "--interval=10s", "abc"}).interval == "10s");
    CHECK(request<EventsOptions>({"events", "--interval", "1m30s", "abc"}).interval == "1m30s");
}

TEST_CASE("a value may itself start with a dash, and = splits only once")
{
    auto o = request<ExecOptions>({"exec", "--env", "-x", "-e", "A=B=C", "--env=", "abc", "true"});
    CHECK(o.env == std::vector<std::string> {"-x", "A=B=C", ""});
    CHECK(request<UpdateOptions>({"update", "--memory-swap", "-1", "abc"}).memory_swap == "-1");
}

TEST_CASE("an empty value is a value")
{
    auto o = request<CreateOptions>({"create", "--pid-file=", "--bundle", "", "abc"});
    CHECK(o.pid_file.empty());
    CHECK(o.bundle.empty());
    CHECK(request<CheckpointOptions>({"checkpoint", "--image-path=", "abc"}).image_path.empty());
}

TEST_CASE("booleans: bare, =true, =false and the other ParseBool spellings; the last one wins")
{
    CHECK(request<DeleteOptions>({"delete", "--force=true", "abc"}).force);
    CHECK_FALSE(request<DeleteOptions>({"delete", "--force=false", "abc"}).force);
    CHECK(request<DeleteOptions>({"delete", "-f=1", "abc"}).force);
    CHECK_FALSE(request<DeleteOptions>({"delete", "--force", "--force=F", "abc"}).force);
    CHECK(request<DeleteOptions>({"delete", "--force=False", "--force=T", "abc"}).force);
    // A boolean never takes the next word: here "true" is the container ID.
    CHECK(request<DeleteOptions>({"delete", "--force", "true"}).id == "true");
}

TEST_CASE("--rootless=true|false|auto and the ParseBool spellings are normalised")
{
    CHECK(parse_args({"--rootless=true", "list"}).global.rootless == "true");
    CHECK(parse_args({"--rootless=false", "list"}).global.rootless == "false");
    CHECK(parse_args({"--rootless", "auto", "list"}).global.rootless == "auto");
    CHECK(parse_args({"--rootless", "1", "list"}).global.rootless == "true");
    CHECK(parse_args({"list"}).global.rootless == "auto");
}

TEST_CASE("--debug, --criu and --cgroup-manager")
{
    Invocation inv
        = parse_args({"--debug", "--criu", "/usr/sbin/criu", "--cgroup-manager", "systemd", "list"});
    CHECK(inv.global.debug);
    CHECK(inv.global.systemd_cgroup);
    CHECK_FALSE(parse_args({"--cgroup-manager=cgroupfs", "list"}).global.systemd_cgroup);
    CHECK_FALSE(parse_args({"--cgroup-manager=disabled", "list"}).global.systemd_cgroup);
}

TEST_CASE("--root is made absolute against the caller's cwd and cleaned")
{
    Invocation inv = parse_args({"--root", "state-dir/../runc//", "list"});
    CHECK(inv.global.root == "/home/user/work/runc");
    CHECK(inv.global.root_given);
    CHECK(parse_args({"--root", "/run//hull/.", "list"}).global.root == "/run/hull");
}

TEST_CASE("relative --pid-file becomes absolute for create, run, exec and restore")
{
    CHECK(request<CreateOptions>({"create", "--pid-file", "p.pid", "a"}).pid_file == "/home/user/work/p.pid");
    CHECK(request<RunOptions>({"run", "--pid-file", "../p.pid", "a"}).create.pid_file == "/home/user/p.pid");
    CHECK(request<ExecOptions>({"exec", "--pid-file", "./x/p", "a", "sh"}).pid_file == "/home/user/work/x/p");
    CHECK(
        request<RestoreOptions>({"restore", "--pid-file", "p", "a"}).create.pid_file == "/home/user/work/p");
}

TEST_CASE("flags after the container ID are moved to the front")
{
    auto d = request<DeleteOptions>({"delete", "abc", "--force"});
    CHECK(d.id == "abc");
    CHECK(d.force);
    auto c = request<CreateOptions>({"create", "abc", "--bundle", "/b", "-pid-file=/p"});
    CHECK(c.id == "abc");
    CHECK(c.bundle == "/b");
    CHECK(c.pid_file == "/p");
    auto u = request<UpdateOptions>({"update", "abc", "--resources", "-"});
    CHECK(u.id == "abc");
    CHECK(u.resources == "-");
}

TEST_CASE("a boolean after the ID does not swallow the next argument")
{
    auto k = request<KillOptions>({"kill", "abc", "--all", "9"});
    CHECK(k.id == "abc");
    CHECK(k.all);
    CHECK(k.signal == "9");
    auto k2 = request<KillOptions>({"kill", "abc", "KILL", "-a"});
    CHECK(k2.all);
    CHECK(k2.signal == "KILL");
}

TEST_CASE("reordering stops at --")
{
    // After `--`, `--force` is a positional argument, so delete sees two arguments.
    Exit e = exit_of({"delete", "abc", "--", "--force"});
    CHECK(e.code == 1);
    CHECK(e.error == "hull: \"delete\" requires exactly 1 argument(s)");
    // A `--` before everything just ends the flags.
    CHECK(request<DeleteOptions>({"delete", "--force", "--", "abc"}).id == "abc");
}

TEST_CASE("a bare - is a value, never a flag")
{
    CHECK(request<KillOptions>({"kill", "abc", "-"}).signal == "-");
    CHECK(request<UpdateOptions>({"update", "-r", "-", "abc"}).resources == "-");
}

TEST_CASE("exec passes everything after the ID through untouched")
{
    auto o = request<ExecOptions>({"exec", "-t", "abc", "sh", "-c", "echo -n"});
    CHECK(o.tty);
    CHECK(o.id == "abc");
    CHECK(o.args == std::vector<std::string> {"sh", "-c", "echo -n"});
    auto p = request<ExecOptions>({"exec", "abc", "ls", "--tty", "-d", "--", "x"});
    CHECK_FALSE(p.tty);
    CHECK_FALSE(p.detach);
    CHECK(p.args == std::vector<std::string> {"ls", "--tty", "-d", "--", "x"});
}

TEST_CASE("exec without -p takes its command from the arguments; with -p none are needed")
{
    CHECK(request<ExecOptions>({"exec", "abc", "true"}).args == std::vector<std::string> {"true"});
    CHECK(request<ExecOptions>({"exec", "-p", "/p.json", "abc"}).args.empty());
}

TEST_CASE("ps passes its ps options through untouched")
{
    auto o = request<PsOptions>({"ps", "abc", "-e", "-o", "pid,comm"});
    CHECK(o.format == "table");
    CHECK(o.ps_args == std::vector<std::string> {"-e", "-o", "pid,comm"});
    // --format after the ID belongs to ps, as in runc.
    auto late = request<PsOptions>({"ps", "abc", "--format", "json"});
    CHECK(late.format == "table");
    CHECK(late.ps_args == std::vector<std::string> {"--format", "json"});
    CHECK(request<PsOptions>({"ps", "-f", "json", "abc"}).format == "json");
}

TEST_CASE("short aliases")
{
    auto e = request<ExecOptions>({"exec", "-e", "A=1", "-u", "1000:1000", "-g", "10", "-g", "11", "-c",
        "CAP_KILL", "-d", "-t", "abc", "sh"});
    CHECK(e.env == std::vector<std::string> {"A=1"});
    CHECK(e.user == "1000:1000");
    CHECK(e.additional_gids == std::vector<std::string> {"10", "11"});
    CHECK(e.caps == std::vector<std::string> {"CAP_KILL"});
    CHECK(e.detach);
    CHECK(e.tty);
    auto l = request<ListOptions>({"list", "-f", "json", "-q"});
    CHECK(l.format == "json");
    CHECK(l.quiet);
    CHECK(request<RunOptions>({"run", "-d", "-b", "/b", "abc"}).detach);
}

TEST_CASE("Go path cleaning as filepath.Clean and filepath.Abs do it")
{
    CHECK(clean_path("") == ".");
    CHECK(clean_path("/") == "/");
    CHECK(clean_path("/../..") == "/");
    CHECK(clean_path("a/../..") == "..");
    CHECK(clean_path("a//b/./c/") == "a/b/c");
    CHECK(absolute_path("", "/cwd") == "/cwd");
    CHECK(absolute_path("../../..", "/a/b") == "/");
    CHECK(absolute_path("/x/../y", "/cwd") == "/y");
}

TEST_CASE("Go duration and boolean syntax")
{
    CHECK(is_go_duration("5s"));
    CHECK(is_go_duration("1h2m3.5s"));
    CHECK(is_go_duration("250ms"));
    CHECK(is_go_duration("0"));
    CHECK(is_go_duration("-1s"));
    CHECK_FALSE(is_go_duration("5"));
    CHECK_FALSE(is_go_duration("s"));
    CHECK_FALSE(is_go_duration("5x"));
    CHECK_FALSE(is_go_duration(""));
    CHECK(parse_go_bool("TRUE") == true);
    CHECK(parse_go_bool("f") == false);
    CHECK_FALSE(parse_go_bool("yes").has_value());
}

TEST_CASE("numbers in Go's base-0 syntax are stored as numbers")
{
    FlagSet f;
    unsigned fds = 0;
    std::optional<int> status;
    f.add_uint("preserve-fds", fds, "");
    f.add_int("status-fd", status, "");
    REQUIRE(f.parse({"--preserve-fds", "0x10", "--status-fd=-010"}, Reorder::Yes).ok());
    CHECK(fds == 16);
    CHECK(status == -8);
}

TEST_CASE("a list given on the command line replaces its default")
{
    FlagSet f;
    std::vector<std::string> list {"default"};
    f.add_list("env,e", list, "");
    REQUIRE(f.parse({"-e", "A=1", "--env=B=2"}, Reorder::Yes).ok());
    CHECK(list == std::vector<std::string> {"A=1", "B=2"});
    std::vector<std::string> untouched {"default"};
    FlagSet g;
    g.add_list("env,e", untouched, "");
    REQUIRE(g.parse({"abc"}, Reorder::Yes).ok());
    CHECK(untouched == std::vector<std::string> {"default"});
}

TEST_CASE("a usage error stores nothing")
{
    FlagSet f;
    std::string bundle = "before";
    bool detach = false;
    f.add_string("bundle,b", bundle, "");
    f.add_bool("detach,d", detach, "");
    CHECK_FALSE(f.parse({"-b", "/x", "-d", "--nosuch"}, Reorder::Yes).ok());
    CHECK(bundle == "before");
    CHECK_FALSE(detach);
}
