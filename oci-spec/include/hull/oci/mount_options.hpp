// Translation of config.json mount options into mount(2)/mount_setattr(2) arguments, as runc's
// specconv does. Pure: the rootfs code in src/ performs the syscalls with these values.
#pragma once

#include "hull/error.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace hull::oci {

struct MountFlags {
    // MS_* flags to pass to mount(2), and the ones an option explicitly cleared ("rw", "suid",
    // "dev", "exec", "atime" ...), which a remount must turn off.
    unsigned long flags = 0;
    unsigned long clear_flags = 0;
    // Propagation changes (MS_PRIVATE, MS_SLAVE, MS_SHARED, MS_UNBINDABLE, possibly | MS_REC),
    // in the order given; each one is a separate mount(2) call on the destination.
    std::vector<unsigned long> propagation {};
    // Recursive attributes ("rro", "rnosuid" ...) for mount_setattr(AT_RECURSIVE): MOUNT_ATTR_*
    // to set and to clear. Access-time options also put MOUNT_ATTR__ATIME in attr_clr, as
    // mount_setattr(2) requires.
    uint64_t attr_set = 0;
    uint64_t attr_clr = 0;
    // "bind" or "rbind" (MS_BIND is also in flags); recursive for "rbind" (MS_REC in flags).
    bool bind = false;
    bool recursive = false;
    // "tmpcopyup": copy the destination's old contents into the new tmpfs.
    bool tmpcopyup = false;
    // "idmap"/"ridmap": make an idmapped mount from the mount's uidMappings/gidMappings.
    bool idmap = false;
    bool idmap_recursive = false;
    // Every other option, in order, joined with commas: filesystem data such as "mode=755".
    std::string data {};

    bool operator==(const MountFlags&) const = default;
};

// Options that are not flags become filesystem data, as in runc; the only error is an option
// containing a NUL byte, which mount(2) could not receive intact.
Result<MountFlags> parse_mount_options(const std::vector<std::string>& options);

// The option names parse_mount_options turns into flags, sorted (runc's KnownMountOptions,
// printed by `hull features`; "idmap"/"ridmap" are advertised through mountExtensions instead).
const std::vector<std::string>& known_mount_options();

} // namespace hull::oci
