// Usage errors and print-and-exit outcomes (cli-contract.md §1, §2, §12.9): Go-flag wording,
// `Incorrect Usage.` with runc's checkArgs messages, help on stdout with exit 0 for every command
// (the checkpoint probe), the restore --lsm-mount-context probe, version, and global flag checks.
#include "cli/commands.hpp"
#include "cli_test.hpp"

using namespace hull;
using namespace hull::cli;
using namespace hull::cli::test;
using namespace hull::container;

TEST_CASE("an unknown command flag: Go's wording, command help on stdout, exit 1")
{
    Exit e = exit_of({"create", "--bogus", "abc"});
    CHECK(e.code == 1);
    CHECK(e.error == "flag provided but not defined: -bogus");
    CHECK(contains(e.out, "Incorrect Usage: flag provided but not defined: -bogus"));
    CHECK(contains(e.out, "hull create - "));
    CHECK(e.use_log);
}

TEST_CASE("an unknown flag is reported with one dash whatever the caller wrote")
{
    CHECK(exit_of({"start", "-x", "abc"}).error == "flag provided but not defined: -x");
    CHECK(exit_of({"start", "--no-such=1", "abc"}).error == "flag provided but not defined: -no-such");
}

TEST_CASE("combined short flags are not a thing in Go's flag package")
{
    CHECK(exit_of({"exec", "-dt", "abc", "sh"}).error == "flag provided but not defined: -dt");
}

TEST_CASE("an unknown flag after the ID counts as an argument, as in runc")
{
    Exit e = exit_of({"delete", "abc", "--bogus"});
    CHECK(e.code == 1);
    CHECK(e.error == "hull: \"delete\" requires exactly 1 argument(s)");
}

TEST_CASE("an unknown global flag: app-level Incorrect Usage, exit 1")
{
    Exit e = exit_of({"--bogus", "list"});
    CHECK(e.code == 1);
    CHECK(e.error == "flag provided but not defined: -bogus");
    CHECK(contains(e.out, "Incorrect Usage. flag provided but not defined: -bogus"));
    CHECK(contains(e.out, "GLOBAL OPTIONS:"));
    CHECK_FALSE(e.use_log);
}

TEST_CASE("global flags after the command are command flags, so unknown there")
{
    CHECK(exit_of({"list", "--root", "/x"}).error == "flag provided but not defined: -root");
}

TEST_CASE("a flag needing a value without one")
{
    Exit e = exit_of({"create", "--bundle"});
    CHECK(e.code == 1);
    CHECK(e.error == "flag needs an argument: -bundle");
    // As in runc, a trailing value flag moved in front of the ID takes the ID as its value.
    CHECK(exit_of({"create", "abc", "--bundle"}).error == "hull: \"create\" requires exactly 1 argument(s)");
    CHECK(exit_of({"--root"}).error == "flag needs an argument: -root");
    // After exec's container ID, -p is part of the command.
    CHECK(request<ExecOptions>({"exec", "abc", "-p"}).args == std::vector<std::string> {"-p"});
    CHECK(exit_of({"exec", "-p"}).error == "flag needs an argument: -p");
}

TEST_CASE("Podman's restore probe: --lsm-mount-context with no value says flag needs an argument")
{
    Exit e = exit_of({"restore", "--lsm-mount-context"});
    CHECK(e.code == 1);
    CHECK(contains(e.error, "flag needs an argument"));
    CHECK(contains(e.out + e.error, "flag needs an argument: -lsm-mount-context"));
}

TEST_CASE("bad boolean and number values")
{
    CHECK(exit_of({"delete", "--force=yes", "abc"}).error
        == "invalid boolean value \"yes\" for -force: parse error");
    CHECK(exit_of({"create", "--preserve-fds", "x", "abc"}).error
        == "invalid value \"x\" for flag -preserve-fds: parse error");
    CHECK(exit_of({"create", "--preserve-fds=-1", "abc"}).error
        == "invalid value \"-1\" for flag -preserve-fds: parse error");
    CHECK(exit_of({"checkpoint", "--status-fd", "99999999999", "abc"}).error
        == "invalid value \"99999999999\" for flag -status-fd: value out of range");
    CHECK(exit_of({"update", "--pids-limit", "ten", "abc"}).error
        == "invalid value \"ten\" for flag -pids-limit: parse error");
    CHECK(exit_of({"events", "--interval", "5", "abc"}).error
        == "invalid value \"5\" for flag -interval: parse error");
}

TEST_CASE("bad flag syntax")
{
    CHECK(exit_of({"delete", "---force", "abc"}).error == "bad flag syntax: ---force");
    CHECK(exit_of({"delete", "-=x", "abc"}).error == "bad flag syntax: -=x");
}

TEST_CASE("wrong argument counts mirror runc's checkArgs")
{
    Exit none = exit_of({"start"});
    CHECK(none.code == 1);
    CHECK(none.error == "hull: \"start\" requires exactly 1 argument(s)");
    CHECK(contains(none.out, "Incorrect Usage.\n\n"));
    CHECK(contains(none.out, "hull start - "));
    CHECK(exit_of({"state", "a", "b"}).error == "hull: \"state\" requires exactly 1 argument(s)");
    CHECK(exit_of({"kill"}).error == "hull: \"kill\" requires a minimum of 1 argument(s)");
    CHECK(exit_of({"kill", "a", "9", "x"}).error == "hull: \"kill\" requires a maximum of 2 argument(s)");
    CHECK(exit_of({"exec"}).error == "hull: \"exec\" requires a minimum of 1 argument(s)");
    CHECK(exit_of({"ps"}).error == "hull: \"ps\" requires a minimum of 1 argument(s)");
    CHECK(exit_of({"list", "x"}).error == "hull: \"list\" requires exactly 0 argument(s)");
    CHECK(exit_of({"spec", "x"}).error == "hull: \"spec\" requires exactly 0 argument(s)");
    CHECK(exit_of({"features", "x"}).error == "hull: \"features\" requires exactly 0 argument(s)");
}

TEST_CASE("every ID-taking command rejects a missing ID")
{
    for (std::string cmd : {"create", "run", "start", "state", "kill", "delete", "exec", "ps", "pause",
             "resume", "update", "events", "checkpoint", "restore"}) {
        CAPTURE(cmd);
        Exit e = exit_of({cmd});
        CHECK(e.code == 1);
        CHECK(contains(e.error, "\"" + cmd + "\" requires"));
    }
}

TEST_CASE("exec without -p and without a command: exec args cannot be empty, exit 255")
{
    Exit e = exit_of({"exec", "abc"});
    CHECK(e.code == 255);
    CHECK(e.error == "exec failed: exec args cannot be empty");
    CHECK(e.out.empty());
}

TEST_CASE("<cmd> --help and -h print the command help and exit 0, for every command")
{
    for (const Command& cmd : commands()) {
        CAPTURE(cmd.name);
        for (std::string flag : {"--help", "-h", "-help", "--h"}) {
            Exit e = exit_of({std::string(cmd.name), flag});
            CHECK(e.code == 0);
            CHECK(e.error.empty());
            CHECK(contains(e.out, "hull " + std::string(cmd.name) + " - "));
            CHECK(contains(e.out, "--help, -h"));
        }
    }
}

TEST_CASE("checkpoint --help exits 0 (Podman and CRI-O probe checkpoint support)")
{
    Exit e = exit_of({"checkpoint", "--help"});
    CHECK(e.code == 0);
    CHECK(contains(e.out, "--image-path value"));
    CHECK(contains(e.out, "--leave-running"));
}

TEST_CASE("help after the ID still shows help, except for exec and ps, which pass it through")
{
    CHECK(exit_of({"kill", "abc", "--help"}).code == 0);
    CHECK(request<ExecOptions>({"exec", "abc", "ls", "--help"}).args
        == std::vector<std::string> {"ls", "--help"});
    CHECK(request<PsOptions>({"ps", "abc", "--help"}).ps_args == std::vector<std::string> {"--help"});
}

TEST_CASE("--help=false is not a request for help")
{
    CHECK(request<StartOptions>({"start", "--help=false", "abc"}).id == "abc");
}

TEST_CASE("a flag error comes before help, as urfave checks them")
{
    CHECK(exit_of({"start", "--bogus", "--help"}).code == 1);
}

TEST_CASE("hull --help, -h, no arguments, and the help command print the app help, exit 0")
{
    for (auto args :
        std::vector<std::vector<std::string>> {{"--help"}, {"-h"}, {}, {"--debug"}, {"help"}, {"h"}}) {
        Exit e = exit_of(args);
        CHECK(e.code == 0);
        CHECK(contains(e.out, "USAGE:\n   hull [global options] command"));
        CHECK(contains(e.out, "checkpoint"));
        CHECK(contains(e.out, "--root value"));
    }
    Exit h = exit_of({"help", "restore"});
    CHECK(h.code == 0);
    CHECK(contains(h.out, "hull restore - "));
}

TEST_CASE("hidden flags are accepted but not shown in help")
{
    Exit e = exit_of({"update", "--help"});
    CHECK_FALSE(contains(e.out, "kernel-memory"));
    CHECK(request<UpdateOptions>({"update", "--kernel-memory", "1M", "--kernel-memory-tcp=2M", "abc"}).id
        == "abc");
    CHECK_FALSE(contains(exit_of({"--help"}).out, "--criu"));
    CHECK_FALSE(contains(exit_of({"restore", "--help"}).out, "tcp-close"));
}

TEST_CASE("an unknown command: No help topic, exit 3")
{
    Exit e = exit_of({"bogus", "abc"});
    CHECK(e.code == 3);
    CHECK(e.error == "No help topic for 'bogus'");
    CHECK(exit_of({"help", "bogus"}).code == 3);
}

TEST_CASE("--version prints before anything else is checked, and takes precedence over a command")
{
    CHECK(std::holds_alternative<Version>(parse_args({"--version", "list"}).request));
    CHECK(std::holds_alternative<Version>(parse_args({"--log-format", "bad", "-v"}).request));
}

TEST_CASE("the version text")
{
    std::string v = version_text("2.5.4");
    CHECK(v.rfind("hull version " HULL_VERSION "\n", 0) == 0);
    CHECK(contains(v, "\ncommit: "));
    CHECK(contains(v, "\nspec: " HULL_SPEC_VERSION "\n"));
    CHECK(contains(v, "\nlibseccomp: 2.5.4\n"));
    CHECK_FALSE(contains(version_text(""), "libseccomp"));
}

TEST_CASE("--log-format must be text or json")
{
    Exit e = exit_of({"--log-format", "bad", "list"});
    CHECK(e.code == 1);
    CHECK(e.error == "invalid log-format: bad");
    CHECK_FALSE(e.use_log);
    CHECK(contains(e.out, "invalid log-format: bad\n\n"));
    CHECK(parse_args({"--log-format", "text", "list"}).global.log_format == log::Format::Text);
}

TEST_CASE("--root must not resolve to /")
{
    for (std::string root : {"/", "/..", "../../..", "//"}) {
        CAPTURE(root);
        Exit e = exit_of({"--root", root, "list"});
        CHECK(e.code == 1);
        CHECK(e.error == "Option --root argument should not be set to /");
    }
}

TEST_CASE("--rootless and --cgroup-manager values are checked")
{
    CHECK(exit_of({"--rootless", "maybe", "list"}).code == 1);
    CHECK(contains(exit_of({"--rootless=maybe", "list"}).error, "maybe"));
    CHECK(exit_of({"--cgroup-manager", "nope", "list"}).error == "invalid cgroup-manager: nope");
    CHECK(exit_of({"--rootless"}).error == "flag needs an argument: -rootless");
}

TEST_CASE("error prefixes and exit codes per command")
{
    CHECK(error_prefix("create") == "hull create failed: ");
    CHECK(error_prefix("run") == "hull run failed: ");
    CHECK(error_prefix("exec") == "exec failed: ");
    CHECK(error_prefix("delete").empty());
    CHECK(error_exit_code("exec") == 255);
    CHECK(error_exit_code("kill") == 1);
}
