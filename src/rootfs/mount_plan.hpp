// One config.json mount, step 3 of prepare_rootfs (rootfs.hpp): a plan decided from the entry
// and the options alone, then applied through Sys.
//
// plan_mount (mount_plan.cpp) is pure: it looks at no file and makes no call, so the unit tests
// check what every mount option does. apply_mount (mounts.cpp) runs in the init, in its own
// mount namespace, as root: it resolves and checks the target inside the rootfs, makes the mount
// detached (detached.hpp) and attaches it by fd.
#pragma once

#include "rootfs/rootfs.hpp"

#include "hull/error.hpp"
#include "hull/oci/spec.hpp"
#include "hull/sys.hpp"

#include <cstddef>
#include <string>
#include <vector>

namespace hull::rootfs {

// How the mount is made.
enum class MountMethod {
    Bind, // a clone of the source tree (open_tree), its flags set while it is detached
    IdmappedBind, // a clone that the runtime gives its id mapping and flags (idmap.hpp)
    Filesystem, // a new filesystem (fsopen, fsconfig, fsmount)
    Cgroup, // the cgroup filesystem as the container sees it (cgroupfs.cpp)
};

// What stands in for a new filesystem the kernel refuses (EPERM) because the namespace it would
// show is not the container's: a read-only bind of the runtime's own instance, as runc does.
enum class BorrowOnEperm {
    No,
    HostSysfs, // sysfs without a network namespace of our own
    HostMqueue, // mqueue without an ipc namespace of our own
};

// Whether a read-only mount may stay writable until the end of prepare_rootfs (ReadonlyLater).
enum class DeferReadonly { No, Yes };

struct MountPlan {
    size_t index = 0; // in config.json's mounts: the handshake names a mount by it (step 3m)
    MountMethod method = MountMethod::Filesystem;
    std::string what; // "mount DESTINATION" as the config writes it: the context of every error
    oci::Mount mount; // the entry, its destination a path inside the rootfs (lexically_in_root)
    // The bind's source comes opened from the runtime when its turn comes (sources.hpp).
    bool runtime_source = false;
    // The clone takes the source's submounts too (rbind).
    bool recursive = false;
    // MS_* flags the mount is made with. A bind: the per-mount ones (ro, nosuid, nodev, noexec,
    // the access-time family, nosymfollow) on the clone's top mount. A filesystem: its superblock
    // flags (fsconfig) and per-mount ones (fsmount). A cgroup mount: as parsed. Without MS_RDONLY
    // when the read-only is deferred.
    unsigned long flags = 0;
    // rro, rnosuid...: set on the whole detached tree (mount_setattr AT_RECURSIVE).
    MountAttr recursive_attr;
    // Propagation changes, in the config's order, each on the attached mount through its fd.
    std::vector<unsigned long> propagation;
    // A new filesystem's parameters: the options that are not flags, with context= of the mount
    // label where runc labels (lsm::format_mount_data).
    std::string data;
    // tmpfs: a directory that is already there lends its mode as the first parameter.
    bool tmpfs_mode = false;
    // proc and sysfs go on an ordinary directory, never through a symlink (P9).
    bool ordinary_directory = false;
    // mqueue with a mount label: its root gets the label as an xattr once it is made.
    bool relabel_root = false;
    // tmpcopyup: what the destination held is copied into the new filesystem before it covers it.
    bool tmpcopyup = false;
    BorrowOnEperm borrow = BorrowOnEperm::No;
    // Attached writable and made read-only at the end of prepare_rootfs.
    bool readonly_later = false;
};

// The plan for mount `index` of the config, `m`. The only error is an option the parser refuses.
Result<MountPlan> plan_mount(
    const oci::Mount& m, size_t index, const RootfsOptions& opts, DeferReadonly defer = DeferReadonly::No);

// Makes the planned mount under `root` (an O_PATH fd of the rootfs). A deferred read-only mount
// is appended to `later`; errors name plan.what.
Result<void> apply_mount(
    Sys& sys, int root, const MountPlan& plan, const RootfsOptions& opts, std::vector<ReadonlyLater>& later);

} // namespace hull::rootfs
