// The container's root filesystem: mounts, /dev, pivot_root, masked and read-only paths.
//
// Runs in the init (child), in its new mount namespace, as root, before any id change; never in
// the runtime's (RootfsOptions::runtime_mount_ns). Without a mount namespace of its own the init
// skips all of it and only chroots (chroot_into_rootfs).
// prepare_rootfs is the ordered list of steps; each step is one function below (a mount is a
// plan and its application, mount_plan.hpp), applied through Sys so the unit tests can check
// the exact calls:
//   1. make "/" rslave (or linux.rootfsPropagation) so nothing propagates back to the host
//   2. bind the rootfs onto itself (pivot_root needs a mount point)
//   3. every entry of `mounts`, in order, targets resolved inside the rootfs (a destination
//      written as a host path under the rootfs names the place inside it); each mount made
//      detached with its flags and moved onto the target's fd (detached.hpp), the cgroup
//      filesystem showing the container's own cgroups (cgroupfs.cpp); with a user namespace a
//      bind's source is opened by the runtime when its turn comes (sources.hpp), and an
//      idmapped bind's tree gets its mapping from the runtime then too (idmap.hpp)
//   4. /dev: the default devices, linux.devices, the standard symlinks, and /dev/console's
//      mount point; then the read-only mounts that had to stay writable for 3-4 become
//      read-only (ReadonlyLater)
// then (after the createRuntime and createContainer hooks) pivot_into_rootfs:
//   5. pivot_root (old root detached) or, with --no-pivot, MS_MOVE + chroot
// then, after the init has written linux.sysctl through the new /proc, finalize_rootfs:
//   6. maskedPaths, readonlyPaths, root.readonly, then linux.rootfsPropagation on the new "/"
//      (last, as runc: an unbindable root would refuse the binds of the masks)
#pragma once

#include "hull/cgroups/host.hpp"
#include "hull/cgroups/path.hpp"
#include "hull/error.hpp"
#include "hull/fd.hpp"
#include "hull/namespaces/plan.hpp"
#include "hull/oci/spec.hpp"
#include "hull/sys.hpp"

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace hull::rootfs {

struct RootfsOptions {
    std::string rootfs; // absolute host path of root.path
    bool no_pivot = false; // --no-pivot
    bool new_network_ns = true; // sysfs can only be mounted in a network namespace of our own
    bool new_ipc_ns = true; // mqueue, likewise, in an ipc namespace of our own
    std::string mount_label; // linux.mountLabel: SELinux context= for the mounts that take one
    const cgroups::HostCgroups* host_cgroups = nullptr; // read by the runtime; null: read here
    bool new_cgroup_ns = true; // decides how the cgroup filesystem is mounted
    // The init's cgroups (/proc/self/cgroup once it is placed, before a cgroup namespace of its
    // own makes the paths relative), whose directories the cgroupfs binds; null: read here.
    const cgroups::OwnCgroups* own_cgroups = nullptr;
    // The mounts (indices, ascending) whose sources the runtime opens (sources.hpp), and how to
    // ask it for one, in config order, when that mount's turn comes.
    const std::vector<size_t>* runtime_sources = nullptr;
    std::function<Result<UniqueFd>(size_t index)> runtime_source;
    // How an idmapped mount's detached tree gets its id mapping from the runtime (idmap.hpp).
    std::function<Result<void>(size_t index, int tree)> idmap_tree;
    // The runtime's mount namespace, where nothing here may ever mount or unmount: prepare_rootfs
    // and pivot_into_rootfs refuse to run in it (and when it is unknown).
    ns::NamespaceId runtime_mount_ns;
};

Result<void> prepare_rootfs(Sys& sys, const oci::Spec& spec, const RootfsOptions& opts);
Result<void> finalize_rootfs(Sys& sys, const oci::Spec& spec);

// linux.sysctl, written through the container's own procfs (P8): each key is opened beneath
// a verified /proc/sys handle with no symlinks and no mount crossings, and the opened file must
// be on procfs.
Result<void> write_sysctls(Sys& sys, const std::map<std::string, std::string>& sysctl);

// A mount the config wants read-only, attached read-write so that what goes beneath it can be
// made, and made read-only through `mount` at the end of prepare_rootfs (runc's finalizeRootfs
// remount): a tmpfs or other writable filesystem, and /dev whatever it is.
struct ReadonlyLater {
    UniqueFd mount;
    std::string destination;
};

// The steps, exposed for tests; each config.json mount is planned and applied by mount_plan.hpp.
// A "cgroup" mount onto the checked O_PATH `target`, with its parsed MS_* `flags` (cgroupfs.cpp).
Result<void> mount_cgroupfs(
    Sys& sys, int target, const oci::Mount& m, unsigned long flags, const RootfsOptions& opts);
Result<void> setup_dev(Sys& sys, int root, const oci::Spec& spec);
Result<void> pivot_into_rootfs(Sys& sys, const RootfsOptions& opts);
// Refuses (EPERM) when the calling process is in `opts.runtime_mount_ns`, or when that is unset:
// the first step of prepare_rootfs and pivot_into_rootfs.
Result<void> require_container_mount_namespace(const RootfsOptions& opts);
// A container without a mount namespace of its own shares the runtime's: no mount at all, the
// init only changes its root to the rootfs (chdir, chroot ".", chdir "/"), as runc does.
Result<void> chroot_into_rootfs(Sys& sys, const std::string& rootfs);
Result<void> mask_path(Sys& sys, int root, const std::string& path, std::string_view mount_label = {});
Result<void> make_readonly(Sys& sys, int root, const std::string& path);

// Copies a directory tree (files, directories, symlinks, modes, owners) for tmpcopyup.
Result<void> copy_tree(int from_dir, int to_dir);

// Propagation flag of a rootfsPropagation value; MS_SLAVE|MS_REC when empty.
unsigned long root_propagation(const std::string& value);

} // namespace hull::rootfs
