// Error's wire form, as the runtime decodes a ChildError payload from the init: deserialize, and
// for what it accepts, the text the runtime prints and an exact round trip through serialize.
#include "fuzz.hpp"
#include "hull/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    std::string_view wire = fuzz::text(data, size);
    hull::Error error;
    if (!hull::Error::deserialize(wire, error))
        return 0;
    (void)error.text();
    fuzz::check(error.serialize() == wire);
    return 0;
}
