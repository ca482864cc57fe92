// Idmapped bind mounts (mount options "idmap"/"ridmap", or uidMappings/gidMappings on a
// mount). Before clone, as host root, the runtime checks each one and makes a user namespace
// that holds its mappings. In config order (handshake step 3m), the init clones the source tree
// detached (open_tree OPEN_TREE_CLONE) where it stands by then, so a source beneath an earlier
// mount sees that mount; the runtime gives the detached tree MOUNT_ATTR_IDMAP with that user
// namespace (the init's root may not, over a filesystem of the host), and the init moves it
// into place with move_mount.
#pragma once

#include "hull/error.hpp"
#include "hull/fd.hpp"
#include "hull/oci/spec.hpp"
#include "hull/sys.hpp"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace hull::rootfs {

// Whether a mount asks for an idmapped mount.
bool wants_idmap(const oci::Mount& m);

// A user namespace whose uid/gid maps are `uids`/`gids`, as an fd (made by a short-lived child,
// its maps written through `sys`).
Result<UniqueFd> user_namespace_with(
    Sys& sys, const std::vector<oci::IdMapping>& uids, const std::vector<oci::IdMapping>& gids);

// What the runtime holds for one idmapped mount until the init's tree comes.
struct IdmapPlan {
    UniqueFd userns; // holds the mappings
    bool recursive = false; // "ridmap": the mapping goes on every mount of the tree, not its top
    uint64_t top_set = 0, top_clr = 0; // the per-mount flags (ro, nosuid...), on the top mount
    uint64_t rec_set = 0, rec_clr = 0; // the recursive attributes (rro, rnosuid...)
    std::string what; // "idmapped mount DESTINATION"
    std::string source; // as the config writes it
};

// Every mount that wants an idmap, checked and planned, keyed by mount index. A mount without
// its own mappings takes the container's (linux.uidMappings/gidMappings).
Result<std::map<size_t, IdmapPlan>> plan_idmapped_mounts(Sys& sys, const oci::Spec& spec);

// Gives the detached tree the init cloned for a planned mount its mapping and attributes, as a
// plain bind gets them (mounts.cpp).
Result<void> apply_idmap(Sys& sys, int tree, const IdmapPlan& plan);

} // namespace hull::rootfs
