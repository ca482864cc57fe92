// The process entry point of hull: parse argv, open the log, call the verb, and report its error
// once (a log record plus stderr, cli-contract.md §1 and §5). Runs in the hull process with the
// caller's privilege. This is the only CLI file that references the verbs.
#include "cli/cli.hpp"
#include "container/verbs.hpp"
#include "hull/cgroups/host.hpp"
#include "hull/log.hpp"
#include "hull/seccomp/version.hpp"

#include <cstdio>
#include <exception>
#include <string>
#include <vector>

namespace hull::cli {

namespace {

void print(const std::string& text)
{
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fflush(stdout);
}

template <typename... Fs> struct Overloaded : Fs... {
    using Fs::operator()...;
};
template <typename... Fs> Overloaded(Fs...) -> Overloaded<Fs...>;

Result<int> run_verb(Sys& sys, const Invocation& inv)
{
    namespace c = container;
    const c::GlobalOptions& g = inv.global;
    return std::visit(Overloaded {
                          [](const Exit& e) -> Result<int> { return e.code; },
                          [](const Version&) -> Result<int> { return 0; },
                          [&](const Features&) { return c::features(g); },
                          [&](const c::CreateOptions& o) { return c::create(sys, g, o); },
                          [&](const c::RunOptions& o) { return c::run(sys, g, o); },
                          [&](const c::StartOptions& o) { return c::start(g, o); },
                          [&](const c::StateOptions& o) { return c::state(g, o); },
                          [&](const c::ListOptions& o) { return c::list(g, o); },
                          [&](const c::KillOptions& o) { return c::kill(g, o); },
                          [&](const c::DeleteOptions& o) { return c::remove(g, o); },
                          [&](const c::ExecOptions& o) { return c::exec(sys, g, o); },
                          [&](const c::PsOptions& o) { return c::ps(g, o); },
                          [&](const c::PauseOptions& o) { return c::pause(g, o); },
                          [&](const c::ResumeOptions& o) { return c::resume(g, o); },
                          [&](const c::UpdateOptions& o) { return c::update(g, o); },
                          [&](const c::EventsOptions& o) { return c::events(g, o); },
                          [&](const c::SpecOptions& o) { return c::spec(g, o); },
                          [&](const c::CheckpointOptions& o) { return c::checkpoint(g, o); },
                          [&](const c::RestoreOptions& o) { return c::restore(g, o); },
                      },
        inv.request);
}

// Opens the log as the global flags say; on failure the error goes to stderr.
bool open_log(const container::GlobalOptions& g)
{
    if (log::open(g.log, g.log_format, g.debug))
        return true;
    Error err = Error::from_errno("open", g.log);
    log::open("", log::Format::Text, false);
    log::report_error(err.text());
    return false;
}

// Help, version and usage errors: print, report the error through the log if there is one.
int finish(const Invocation& inv, const Exit& exit)
{
    print(exit.out);
    if (!exit.error.empty()) {
        if (exit.use_log) {
            if (!open_log(inv.global))
                return 1;
        } else {
            log::open("", log::Format::Text, false);
        }
        log::report_error(exit.error);
    }
    return exit.code;
}

// The host's cgroup layout as `--version` reports it: "v2", "hybrid (v1 controllers, cgroup2
// at /sys/fs/cgroup/unified)", "v1" or "none".
std::string cgroup_layout_text()
{
    auto host = cgroups::detect_host();
    if (!host)
        return "unknown";
    switch (host.value().layout) {
    case cgroups::Layout::V2:
        return "v2";
    case cgroups::Layout::Hybrid:
        return "hybrid (v1 controllers, cgroup2 at /sys/fs/cgroup/unified)";
    case cgroups::Layout::V1:
        return "v1";
    case cgroups::Layout::None:
        break;
    }
    return "none";
}

} // namespace

int main_entry(Sys& sys, int argc, char** argv)
{
    std::string command;
    try {
        Result<Invocation> parsed = parse(std::vector<std::string>(argv, argv + argc));
        if (!parsed) {
            log::report_error(parsed.error().text());
            return 1;
        }
        const Invocation& inv = parsed.value();
        command = inv.command;
        if (const Exit* exit = std::get_if<Exit>(&inv.request))
            return finish(inv, *exit);
        if (std::holds_alternative<Version>(inv.request)) {
            print(version_text(seccomp::library_version()) + "cgroup: " + cgroup_layout_text() + "\n");
            return 0;
        }
        if (!open_log(inv.global))
            return 1;
        Result<int> result = run_verb(sys, inv);
        if (!result) {
            log::report_error(error_prefix(command) + result.error().text());
            return error_exit_code(command);
        }
        return result.value();
    } catch (const std::exception& e) {
        log::report_error(error_prefix(command) + e.what());
    } catch (...) {
        log::report_error(error_prefix(command) + "unexpected exception");
    }
    return error_exit_code(command);
}

} // namespace hull::cli
