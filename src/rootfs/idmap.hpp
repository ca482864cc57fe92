// Idmapped bind mounts (mount options "idmap"/"ridmap", or uidMappings/gidMappings on a
// mount): the runtime makes each one before clone, as host root, as a detached mount tree
// (open_tree OPEN_TREE_CLONE, then mount_setattr MOUNT_ATTR_IDMAP with a user namespace that
// holds the mappings); the init inherits the tree's fd and moves it into place with move_mount.
#pragma once

#include "hull/error.hpp"
#include "hull/fd.hpp"
#include "hull/oci/spec.hpp"

#include <map>
#include <vector>

namespace hull::rootfs {

// Whether a mount asks for an idmapped mount.
bool wants_idmap(const oci::Mount& m);

// A user namespace whose uid/gid maps are `uids`/`gids`, as an fd (made by a short-lived child).
Result<UniqueFd> user_namespace_with(
    const std::vector<oci::IdMapping>& uids, const std::vector<oci::IdMapping>& gids);

// The detached, idmapped trees for every mount that wants one, keyed by mount index. A mount
// without its own mappings takes the container's (linux.uidMappings/gidMappings).
Result<std::map<size_t, UniqueFd>> make_idmapped_trees(const oci::Spec& spec);

} // namespace hull::rootfs
