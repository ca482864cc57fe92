// The hull executable: everything happens in hull::cli::main_entry (src/cli/dispatch.cpp), once
// the verbs that put hull's code into a container run from a sealed copy of the binary.
#include "cli/cli.hpp"
#include "hull/fault.hpp"
#include "hull/log.hpp"
#include "hull/sys.hpp"
#include "selfexe/selfexe.hpp"

int main(int argc, char** argv)
{
    // Test builds only (HULL_FAULTS): HULL_FAULT=list names every fault point.
    if (hull::fault::start())
        return 0;
    // P1 (CVE-2019-5736), before anything else: may re-execute this invocation (selfexe.hpp).
    if (std::string_view verb = hull::selfexe::container_verb(argc, argv); !verb.empty()) {
        hull::Result<void> sealed = hull::selfexe::ensure_sealed(argv);
        if (!sealed) {
            hull::log::open("", hull::log::Format::Text, false);
            hull::log::report_error(hull::cli::error_prefix(verb) + sealed.error().text());
            return hull::cli::error_exit_code(verb);
        }
    }
    // The one seam between hull and the kernel calls tests fake: every verb gets it from here.
    hull::LinuxSys sys;
    return hull::cli::main_entry(sys, argc, argv);
}
