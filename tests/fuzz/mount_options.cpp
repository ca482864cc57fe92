// A mount's "options" list, one option per line of the input, through parse_mount_options as the
// rootfs code calls it for every config.json mount.
#include "hull/oci/mount_options.hpp"
#include "fuzz.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    (void)hull::oci::parse_mount_options(fuzz::split(fuzz::text(data, size), '\n'));
    return 0;
}
