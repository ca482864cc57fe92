// argv to an Invocation: the global flags, the command, its flags and positional arguments, with
// runc's (urfave v1's) outcomes for help, version and usage errors. Pure apart from reading the
// current directory in the one-argument parse(); nothing here touches libseccomp or the verbs,
// so the unit tests link without them.
#include "cli/cli.hpp"
#include "cli/commands.hpp"

#include <cerrno>
#include <climits>
#include <unistd.h>

namespace hull::cli {

namespace {

constexpr std::string_view program = "hull";

Invocation exit_with(Invocation inv, Exit exit)
{
    inv.request = std::move(exit);
    return inv;
}

std::string argument_count_error(const Command& cmd, size_t count)
{
    std::string quoted = "\"" + std::string(cmd.name) + "\"";
    std::string prefix = std::string(program) + ": " + quoted + " requires ";
    if (cmd.min_args == cmd.max_args && count != static_cast<size_t>(cmd.min_args))
        return prefix + "exactly " + std::to_string(cmd.min_args) + " argument(s)";
    if (count < static_cast<size_t>(cmd.min_args))
        return prefix + "a minimum of " + std::to_string(cmd.min_args) + " argument(s)";
    if (cmd.max_args != unbounded && count > static_cast<size_t>(cmd.max_args))
        return prefix + "a maximum of " + std::to_string(cmd.max_args) + " argument(s)";
    return {};
}

// What runc's app.Before checks: --root (made absolute, never "/"), --log-format, and the values
// of --rootless and crun's --cgroup-manager.
Result<container::GlobalOptions> resolve_globals(const GlobalFlags& g, const std::string& cwd)
{
    container::GlobalOptions out;
    if (g.root) {
        out.root = absolute_path(*g.root, cwd);
        out.root_given = true;
        if (out.root == "/")
            return Error::message("Option --root argument should not be set to /");
    }
    if (g.log_format == "text")
        out.log_format = log::Format::Text;
    else if (g.log_format == "json")
        out.log_format = log::Format::Json;
    else
        return Error::message("invalid log-format: " + g.log_format);
    out.log = g.log;
    out.debug = g.debug;
    out.systemd_cgroup = g.systemd_cgroup;
    if (g.rootless == "auto") {
        out.rootless = "auto";
    } else if (std::optional<bool> b = parse_go_bool(g.rootless)) {
        out.rootless = *b ? "true" : "false";
    } else {
        return Error::message(
            "invalid --rootless value: \"" + g.rootless + "\" (expected true, false or auto)");
    }
    if (g.cgroup_manager) {
        // "disabled" (no cgroups at all) has no field in GlobalOptions: it is accepted and, like
        // "cgroupfs", leaves the driver choice to --systemd-cgroup.
        if (*g.cgroup_manager == "systemd")
            out.systemd_cgroup = true;
        else if (*g.cgroup_manager != "cgroupfs" && *g.cgroup_manager != "disabled")
            return Error::message("invalid cgroup-manager: " + *g.cgroup_manager);
    }
    return out;
}

// `hull help [command]` (urfave's built-in help command, alias h).
Invocation help_command(Invocation inv, const std::vector<std::string>& args)
{
    if (args.empty())
        return exit_with(std::move(inv), Exit {0, app_help(), "", false});
    if (find_command(args[0]) || args[0] == "help" || args[0] == "h") {
        std::string text = find_command(args[0]) ? command_help(args[0]) : app_help();
        return exit_with(std::move(inv), Exit {0, text, "", false});
    }
    return exit_with(std::move(inv), Exit {3, "", "No help topic for '" + args[0] + "'", false});
}

} // namespace

std::string error_prefix(std::string_view command)
{
    if (command == "create" || command == "run")
        return std::string(program) + " " + std::string(command) + " failed: ";
    if (command == "exec")
        return "exec failed: ";
    return "";
}

int error_exit_code(std::string_view command)
{
    return command == "exec" ? 255 : 1;
}

std::string version_text(std::string_view libseccomp)
{
#ifdef HULL_COMMIT
    const std::string commit = HULL_COMMIT;
#else
    const std::string commit = "unknown";
#endif
    std::string out = std::string(program) + " version " + HULL_VERSION + "\n";
    out += "commit: " + (commit.empty() ? std::string("unknown") : commit) + "\n";
    out += "spec: " HULL_SPEC_VERSION "\n";
    if (!libseccomp.empty())
        out += "libseccomp: " + std::string(libseccomp) + "\n";
    return out;
}

std::string app_help()
{
    std::string out;
    out += "NAME:\n   hull - Open Container Initiative runtime\n\n";
    out += "hull runs containers from OCI bundles (a config.json and a root filesystem),\n"
           "with the command line of runc.\n\n";
    out += "USAGE:\n   hull [global options] command [command options] [arguments...]\n\n";
    out += "VERSION:\n   " HULL_VERSION "\n   spec: " HULL_SPEC_VERSION "\n\n";
    out += "COMMANDS:\n";
    size_t width = 7; // "help, h"
    for (const Command& c : commands())
        width = std::max(width, c.name.size());
    for (const Command& c : commands())
        out += "   " + std::string(c.name) + std::string(width - c.name.size() + 2, ' ')
            + std::string(c.usage) + "\n";
    out += "   help, h" + std::string(width - 7 + 2, ' ')
        + "show the commands, or the help of one command\n\n";
    FlagSet flags;
    GlobalFlags globals;
    bind_global_flags(flags, globals);
    out += "GLOBAL OPTIONS:\n" + flags.options_help();
    return out;
}

std::string command_help(std::string_view name)
{
    const Command* cmd = find_command(name);
    if (!cmd)
        return "";
    Request request;
    FlagSet flags;
    cmd->bind(request, flags);
    std::string full = std::string(program) + " " + std::string(cmd->name);
    std::string out = "NAME:\n   " + full + " - " + std::string(cmd->usage) + "\n\n";
    out += "USAGE:\n   " + full + " [command options] " + std::string(cmd->args_usage) + "\n";
    if (!cmd->description.empty())
        out += "\nDESCRIPTION:\n   " + std::string(cmd->description) + "\n";
    out += "\nOPTIONS:\n" + flags.options_help();
    return out;
}

Result<Invocation> parse(const std::vector<std::string>& argv, const std::string& cwd)
{
    Invocation inv;
    std::vector<std::string> args(argv.begin() + (argv.empty() ? 0 : 1), argv.end());

    // Global flags: Go flag rules, stopping at the command name (no reordering at this level).
    GlobalFlags globals;
    FlagSet global_flags;
    bind_global_flags(global_flags, globals);
    Result<FlagParse> top = global_flags.parse(args, Reorder::No);
    if (!top) {
        std::string err = top.error().text();
        return exit_with(
            std::move(inv), Exit {1, "Incorrect Usage. " + err + "\n\n" + app_help(), err, false});
    }
    if (top.value().help)
        return exit_with(std::move(inv), Exit {0, app_help(), "", false});
    if (globals.version) {
        inv.request = Version {};
        return inv;
    }
    Result<container::GlobalOptions> resolved = resolve_globals(globals, cwd);
    if (!resolved) {
        std::string err = resolved.error().text();
        return exit_with(std::move(inv), Exit {1, err + "\n\n" + app_help(), err, false});
    }
    inv.global = std::move(resolved.value());

    std::vector<std::string>& rest = top.value().positionals;
    if (rest.empty())
        return exit_with(std::move(inv), Exit {0, app_help(), "", false});
    const std::string name = rest.front();
    rest.erase(rest.begin());
    if (name == "help" || name == "h")
        return help_command(std::move(inv), rest);
    const Command* cmd = find_command(name);
    if (!cmd)
        return exit_with(std::move(inv), Exit {3, "", "No help topic for '" + name + "'", false});
    inv.command = name;

    // The command's flags; `request` holds the fields they are bound to until parsing is done.
    Request request;
    FlagSet flags;
    cmd->bind(request, flags);
    Result<FlagParse> parsed = flags.parse(rest, cmd->reorder);
    if (!parsed) {
        std::string err = parsed.error().text();
        return exit_with(
            std::move(inv), Exit {1, "Incorrect Usage: " + err + "\n\n" + command_help(name), err, true});
    }
    if (parsed.value().help)
        return exit_with(std::move(inv), Exit {0, command_help(name), "", false});

    const std::vector<std::string>& positionals = parsed.value().positionals;
    std::string count_error = argument_count_error(*cmd, positionals.size());
    if (!count_error.empty())
        return exit_with(
            std::move(inv), Exit {1, "Incorrect Usage.\n\n" + command_help(name), count_error, true});

    Result<void> finished = cmd->finish(request, positionals, cwd);
    if (!finished) {
        Exit exit {error_exit_code(name), "", error_prefix(name) + finished.error().text(), true};
        return exit_with(std::move(inv), std::move(exit));
    }
    inv.request = std::move(request);
    return inv;
}

Result<Invocation> parse(const std::vector<std::string>& argv)
{
    char buf[PATH_MAX];
    if (!::getcwd(buf, sizeof buf))
        return Error::from_errno("getcwd");
    return parse(argv, buf);
}

} // namespace hull::cli
