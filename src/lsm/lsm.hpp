// Linux security modules: process.apparmorProfile, process.selinuxLabel and linux.mountLabel.
//
// Three phases, as runc splits them:
//  - create (runtime, before any side effect): detect_host() and check_labels() refuse a label
//    the host cannot apply. A requested profile is never dropped silently: runc refuses an
//    SELinux label on a host without SELinux (libcontainer/configs/validate security(),
//    utils_linux.go validateProcessSpec); hull refuses AppArmor and linux.mountLabel the same way.
//  - mounts (init, before pivot_root): format_mount_data() adds context="LABEL" to the data of
//    the filesystems runc labels (go-selinux label.FormatMountLabel); relabel_mount_root()
//    labels an mqueue mount with the security.selinux xattr instead, as runc does.
//  - exec (init or exec child, after pivot_root, right before execve): set_exec_labels() writes
//    "exec PROFILE" to attr/apparmor/exec (attr/exec on kernels without the per-LSM directory)
//    and the SELinux label to attr/exec of the calling thread. The label takes effect at execve.
//
// Every /proc write goes through a verified procfs root (security.md P7/P8; CVE-2019-16884,
// CVE-2025-52881): a private procfs instance (fsopen), else a non-recursive clone of /proc
// (open_tree), else /proc itself; the root must be a procfs inode 1; the thread's directory
// comes from readlink("thread-self") on that root, so no symlink is ever followed, and the file
// is opened with openat2(RESOLVE_BENEATH | RESOLVE_NO_XDEV | RESOLVE_NO_SYMLINKS |
// RESOLVE_NO_MAGICLINKS): an overmounted attr directory or file (a tmpfs, or a bind of
// /proc/self/sched) fails with EXDEV instead of swallowing the label.
#pragma once

#include "hull/error.hpp"
#include "hull/fd.hpp"
#include "hull/oci/spec.hpp"
#include "hull/sys.hpp"

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace hull::lsm {

// ---- Host detection ------------------------------------------------------------------------

// What the host can enforce.
struct HostLsm {
    bool apparmor = false;
    bool selinux = false;
};

struct FsStat {
    unsigned long type = 0; // statfs f_type
    bool readonly = false; // ST_RDONLY in f_flags
};
// statfs(2) of a path, or nullopt when it fails.
using StatfsFn = std::function<std::optional<FsStat>(const std::string& path)>;

// Where detection looks. The default is the real host; tests point `root` at a temp directory
// holding fake sys/ and proc/ files and substitute `statfs` (a fake selinuxfs magic).
struct HostProbe {
    std::string root; // prefix of every path read ("" = "/")
    StatfsFn statfs; // empty = statfs(2)
};

// runc's apparmor.IsEnabled: /sys/kernel/security/apparmor exists and
// /sys/module/apparmor/parameters/enabled starts with 'Y'.
bool apparmor_enabled(const HostProbe& probe = {});
// go-selinux GetEnabled: a writable selinuxfs (statfs SELINUX_MAGIC, not ST_RDONLY) at
// /sys/fs/selinux, or, when /proc/filesystems lists selinuxfs, at a mount point from
// /proc/self/mountinfo; and the thread's context (/proc/thread-self/attr/current) is not
// "kernel". A context that cannot be read does not disable it (as go-selinux).
bool selinux_enabled(const HostProbe& probe = {});
HostLsm detect_host(const HostProbe& probe = {});

// ---- Checks before any side effect ---------------------------------------------------------

// Longest label accepted. The kernel takes one page per attr write (longer writes are cut to
// PAGE_SIZE) and one page of mount data; this leaves room for "exec " and other mount options.
inline constexpr std::size_t kMaxLabelLength = 4000;

// Which string is checked: a quote is refused only where the label is quoted into mount data.
enum class LabelKind { AppArmorProfile, SELinuxLabel, MountLabel };

// A non-empty label: at most kMaxLabelLength bytes, no NUL, newline or other control
// character, no leading or trailing space; a mount label has no '"'. The error is
// "<what> \"VALUE\" <reason>" (the value escaped and shortened).
Result<void> validate_label(std::string_view value, LabelKind kind);

// process.apparmorProfile and process.selinuxLabel: valid, and enforceable on `host`.
// `pointer_prefix` is prepended to the field name in errors: "config.json: /process" gives
//   config.json: /process/apparmorProfile: AppArmor profile "X" requested but AppArmor is not
//   enabled on this host
// (exec passes its own prefix for --apparmor / --process-label or a --process file).
Result<void> check_process_labels(
    const oci::Process& process, const HostLsm& host, std::string_view pointer_prefix);
// The process labels (prefix "config.json: /process") and linux.mountLabel. Pure.
Result<void> check_labels(const oci::Spec& spec, const HostLsm& host);

// ---- Mounts --------------------------------------------------------------------------------

// go-selinux FormatMountLabel where runc applies it: returns `data` with context="LABEL"
// appended (comma-separated; the quotes keep the commas of an MCS range inside the value).
// Unchanged when `mount_label` is empty; for proc, sysfs, cgroup, cgroup2 (runc mounts them
// unlabelled), mqueue (runc labels it with the xattr afterwards: relabel_mount_root), bind and
// an empty type, or `flags` holding MS_BIND, MS_REMOUNT or MS_MOVE (the kernel ignores or
// cannot change the data there); and when `data` already names a context, fscontext,
// defcontext or rootcontext option (an explicit option wins; the kernel refuses two).
// Everything else gets the label: tmpfs (also masked directories and tmpcopyup), devpts,
// the cgroup v1 tmpfs, and any other filesystem, as runc's default branch.
std::string format_mount_data(
    std::string_view data, std::string_view mount_label, std::string_view fstype, unsigned long flags = 0);

// Sets the security.selinux xattr (through `sys`) on the root of a fresh mount (`mount_fd`,
// O_PATH or not, a directory): runc labels mqueue this way (label.SetFileLabel after mounting).
// No-op for "".
Result<void> relabel_mount_root(Sys& sys, int mount_fd, std::string_view mount_label);

// ---- /proc/thread-self/attr writes ---------------------------------------------------------

// The fd is a directory that is the root (inode 1) of a procfs; `what` names it in errors.
Result<void> verify_proc_root(int fd, std::string_view what);
// A verified procfs root for label writes: fsopen("proc") with subset=pid,hidepid=ptraceable
// (fsmount'ed, detached, nothing can be mounted over it), else open_tree(OPEN_TREE_CLONE) of
// /proc (no submounts), else /proc opened O_PATH|O_NOFOLLOW; the mounts are made through `sys`.
// Reflects the caller's pid namespace when it is the private instance; call after pivot_root
// and the /proc mount.
Result<UniqueFd> open_proc_root(Sys& sys);
// `path` opened O_PATH|O_DIRECTORY|O_NOFOLLOW and verified (no private instance).
Result<UniqueFd> open_proc_root_at(const std::string& path);
// "<tgid>/task/<tid>" of the calling thread as the procfs behind `proc_root` numbers it
// (readlink of its thread-self, checked to be exactly that form).
Result<std::string> thread_self_dir(int proc_root);
// Opens attr/<attr> ("exec", "apparmor/exec", "keycreate") of the calling thread beneath
// `proc_root` without following any symlink or crossing any mount, and checks that the file
// is a regular procfs file. Errors name "/proc/thread-self/attr/<attr>".
Result<UniqueFd> open_thread_attr(int proc_root, std::string_view attr, int flags);
// Writes `value` to attr/<attr> of the calling thread in a single write(2).
Result<void> write_attr(int proc_root, std::string_view attr, std::string_view value);

// Applies process.apparmorProfile ("exec PROFILE" to attr/apparmor/exec, else attr/exec) and
// process.selinuxLabel (to attr/exec). Nothing when both are empty (and no /proc is opened).
// Errors name the file and the label:
//   apply AppArmor profile "X": write /proc/thread-self/attr/apparmor/exec: permission denied
Result<void> set_exec_labels(const oci::Process& process, int proc_root);
Result<void> set_exec_labels(Sys& sys, const oci::Process& process); // opens open_proc_root itself

// SELinux label of keyrings this thread creates (runc sets it to the process label around
// joining the session keyring, then back to ""). "" resets it.
Result<void> set_keycreate_label(int proc_root, std::string_view label);

} // namespace hull::lsm
