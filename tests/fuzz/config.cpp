// config.json as create reads it: parse_config parses and validates the bundle's file.
#include "fuzz.hpp"
#include "hull/oci/parse.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    (void)hull::oci::parse_config(fuzz::text(data, size));
    return 0;
}
