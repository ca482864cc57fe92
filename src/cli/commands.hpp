// The table of hull's commands: for each, its help texts, how many positional arguments it takes
// (runc's checkArgs), whether its trailing arguments are reordered, which request it fills and with
// which flags (runc v1.5.1, cli-contract.md §11, plus the flags clients send that runc lacks).
// Internal to src/cli/; pure.
#pragma once

#include "cli/cli.hpp"
#include "cli/flags.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace hull::cli {

inline constexpr int unbounded = -1;

struct Command {
    std::string_view name;
    std::string_view usage; // one line, for NAME: and the command list
    std::string_view args_usage; // after "[command options]"
    std::string_view description;
    Reorder reorder = Reorder::Yes;
    int min_args = 1;
    int max_args = 1;
    // Puts this command's request into `request` and registers its flags, bound to its fields.
    // `request` must stay in place until the flags are parsed.
    void (*bind)(Request& request, FlagSet& flags) = nullptr;
    // Stores the positional arguments (already counted) and resolves paths against `cwd`.
    Result<void> (*finish)(Request& request, const std::vector<std::string>& args, const std::string& cwd)
        = nullptr;
};

// All commands, in the order the help lists them.
const std::vector<Command>& commands();
const Command* find_command(std::string_view name);

// The global flags, as parsed before the command name; validated by parse().
struct GlobalFlags {
    std::optional<std::string> root;
    std::string log;
    std::string log_format = "text";
    bool systemd_cgroup = false;
    bool debug = false;
    std::string rootless = "auto";
    std::string criu; // accepted, ignored (removed in runc 1.4)
    std::optional<std::string> cgroup_manager; // crun's: cgroupfs|systemd|disabled
    bool version = false;
};
void bind_global_flags(FlagSet& flags, GlobalFlags& global);

} // namespace hull::cli
