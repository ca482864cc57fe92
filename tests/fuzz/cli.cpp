// The command line: the input split at NUL bytes is argv after the program name, parsed by
// cli::parse as main_entry does (with a fixed working directory, so nothing is read).
#include "cli/cli.hpp"
#include "fuzz.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    std::vector<std::string> argv {"hull"};
    if (size > 0)
        for (auto& arg : fuzz::split(fuzz::text(data, size), '\0'))
            argv.push_back(std::move(arg));
    (void)hull::cli::parse(argv, "/run/fuzz");
    return 0;
}
