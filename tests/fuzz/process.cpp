// exec --process FILE: parse_process parses the process object and runs runc's checks.
#include "fuzz.hpp"
#include "hull/oci/parse.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    (void)hull::oci::parse_process(fuzz::text(data, size));
    return 0;
}
