// The command line of hull: argv to a request for one verb (parse), and the process entry point
// that runs the verb and reports its error once (main_entry). Runs in the hull process at start,
// with whatever privilege the caller has; parse() itself has no side effects.
//
// The grammar is runc's (cli-contract.md §1-§3, §11):
//   hull [global flags] <command> [command flags] <container-id> [args]
// with Go `flag` rules for each flag list (see flags.hpp) and urfave v1 behaviour around them:
// help and usage texts on stdout, `Incorrect Usage.` on a wrong argument count, exit codes 0/1/3.
#pragma once

#include "container/options.hpp"
#include "hull/error.hpp"
#include "hull/sys.hpp"

#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace hull::cli {

// `hull features`: no flags, no arguments.
struct Features { };
// `hull --version` / `-v`: main_entry prints version_text() with the libseccomp version.
struct Version { };

// An outcome that needs no verb: print and exit. Help is {0, text}; a usage error carries the
// help text for stdout and the error to report (log record + stderr), as runc does.
struct Exit {
    int code = 0;
    std::string out; // written to stdout as is
    std::string error; // reported through the log when not empty
    bool use_log = false; // the global --log flags were valid, so the error goes to that log
};

using Request = std::variant<Exit, Version, Features, container::CreateOptions, container::RunOptions,
    container::StartOptions, container::StateOptions, container::ListOptions, container::KillOptions,
    container::DeleteOptions, container::ExecOptions, container::PsOptions, container::PauseOptions,
    container::ResumeOptions, container::UpdateOptions, container::EventsOptions, container::SpecOptions,
    container::CheckpointOptions, container::RestoreOptions>;

struct Invocation {
    container::GlobalOptions global;
    std::string command; // "create", "exec", ...; empty when no command was reached
    Request request;
};

// Parses a full argv (argv[0] is the program name and is ignored). Relative --root and
// --pid-file values are made absolute against `cwd`. Every usage problem becomes an Exit; an
// Error is returned only when parsing itself cannot proceed.
Result<Invocation> parse(const std::vector<std::string>& argv, const std::string& cwd);
// The same, against the process's current directory.
Result<Invocation> parse(const std::vector<std::string>& argv);

// What an error of `command` is prefixed with, and the exit code it ends with (runc: exec 255).
std::string error_prefix(std::string_view command);
int error_exit_code(std::string_view command);

// The `--version` text; the libseccomp line is left out when `libseccomp` is empty.
std::string version_text(std::string_view libseccomp);

// The help texts, urfave v1 style. command_help() returns "" for an unknown command.
std::string app_help();
std::string command_help(std::string_view command);

// The process entry point, called by main(): parse, run the verb, report its error once.
int main_entry(Sys& sys, int argc, char** argv);

} // namespace hull::cli
