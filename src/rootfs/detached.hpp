// Mounts made detached and attached by fd (security.md P6): a bind is a clone of the source
// tree (open_tree OPEN_TREE_CLONE), a filesystem a new superblock (fsopen, fsconfig, fsmount);
// either gets its flags while nothing can see it (mount_setattr on the detached tree) and is
// then moved onto the O_PATH fd of a target checked beforehand (move_mount). The fd stays a
// handle on the mount once attached, so what comes after (propagation, relabelling, tmpcopyup,
// submounts) acts on that mount and never on whatever the destination path names by then.
#pragma once

#include "hull/error.hpp"
#include "hull/fd.hpp"
#include "hull/sys.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hull::rootfs {

// The mount attributes (MOUNT_ATTR_*) of the per-mount MS_* flags in `flags` (ro, nosuid,
// nodev, noexec, access time, nodiratime, nosymfollow); an access-time flag also clears
// MOUNT_ATTR__ATIME, as mount_setattr requires. Superblock flags are not mount attributes.
MountAttr mount_attr_of(unsigned long flags);

// mount(2) data ("mode=755,size=64k,context=\"a,b\"") as fsconfig parameters: split at commas
// outside double quotes, the quotes of a value dropped; with `backslash_escapes` (overlayfs) a
// comma after a backslash does not split either, and the backslash stays for the filesystem.
std::vector<std::pair<std::string, std::optional<std::string>>> split_mount_data(
    std::string_view data, bool backslash_escapes);

// A detached copy of the mount at `source` relative to `dirfd` (the file `dirfd` names when
// `source` is empty), with AT_RECURSIVE of its submounts too, with the per-mount flags of
// `flags` set on its top mount only, as a bind remount sets them.
Result<UniqueFd> clone_tree(Sys& sys, int dirfd, const std::string& source, bool recursive,
    unsigned long flags, const std::string& what);

// A detached new filesystem of `type` from `source`, `data` and the superblock and per-mount
// flags of `flags`: what mount(2) would attach, not attached yet.
Result<UniqueFd> new_filesystem(Sys& sys, const std::string& type, const std::string& source,
    unsigned long flags, const std::string& data, const std::string& what);

} // namespace hull::rootfs
