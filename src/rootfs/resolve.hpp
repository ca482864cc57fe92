// Paths inside the container's root, resolved race-free (security.md P5, P6, P10).
//
// Every lookup is openat2(RESOLVE_IN_ROOT) relative to a dirfd of the root, so a symlink
// planted in the image (/proc -> /, dev/null -> /etc/shadow) resolves inside the rootfs, never
// on the host. Mount targets are opened O_PATH and mounted onto through /proc/self/fd/N, so
// the place that was checked is the place that is mounted on. Files are created with
// O_CREAT|O_EXCL|O_NOFOLLOW, directories with mkdirat relative to a verified parent.
// Runs in the init, before and after pivot_root.
#pragma once

#include "hull/error.hpp"
#include "hull/fd.hpp"
#include "hull/sys.hpp"

#include <string>
#include <sys/types.h>

namespace hull::rootfs {

// openat2(root, path, flags, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS); `path` is relative to
// the container's root ("/proc" and "proc" are the same).
Result<UniqueFd> open_in_root(int root, const std::string& path, int flags);

// A regular file inside the root, opened for reading: the name is resolved O_PATH (which opens
// no device, fifo or socket), checked with fstat to be a regular file, and only then opened
// through that very handle (/proc/self/fd/N, checked to be the same inode). A device node or
// fifo planted at `path` fails with "PATH is not a regular file" and is never opened. The
// caller's /proc must be one it trusts: the runtime's, or the init's before its program runs.
Result<UniqueFd> open_regular_in_root(int root, const std::string& path, int flags);

enum class Kind { Directory, File };

// Makes every missing directory of `path` (0755), and the last component as a directory or an
// empty file (for bind mounts of files), then returns an O_PATH fd of it.
Result<UniqueFd> make_in_root(int root, const std::string& path, Kind kind);

// A mount destination written as a host path under the rootfs ("<rootfs>/final") names the
// place inside the root ("/final"), as runc reads it (its LexicallyStripRoot); both are cleaned
// lexically first. Any other destination comes back as it is.
std::string lexically_in_root(const std::string& rootfs, const std::string& destination);

// mount(2) onto the opened `target` through its fd path. A failure names `path`, the target's
// path in the container, never the fd path: "mount /dev/fuse: no such file or directory".
Result<void> mount_onto(Sys& sys, const std::string& source, int target, const std::string& path,
    const std::string& fstype, unsigned long flags, const std::string& data);

} // namespace hull::rootfs
