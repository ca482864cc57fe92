// <root>/<id>/seccomp.bpf as exec loads it: deserialize, which must refuse anything truncated,
// corrupted or out of range; what it accepts serializes back to the same bytes.
#include "fuzz.hpp"
#include "hull/seccomp/seccomp.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    std::string_view blob = fuzz::text(data, size);
    auto filter = hull::seccomp::deserialize(blob);
    if (filter)
        fuzz::check(hull::seccomp::serialize(filter.value()) == blob);
    return 0;
}
