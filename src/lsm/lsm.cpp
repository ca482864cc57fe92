// AppArmor and SELinux: host detection, label checks, mount data and /proc attr writes.
#include "lsm/lsm.hpp"

#include "hull/mountinfo.hpp"
#include "hull/text.hpp"

#include <array>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace hull::lsm {

namespace {

// ---- Small helpers -------------------------------------------------------------------------

// A value for an error message: quoted, escaped, and cut after 80 bytes.
std::string short_quote(std::string_view v)
{
    constexpr std::size_t kShown = 80;
    std::string out = go_quote(v.substr(0, kShown));
    if (v.size() > kShown)
        out += "... (" + std::to_string(v.size()) + " bytes)";
    return out;
}

std::string hex(unsigned long v)
{
    char buf[32];
    std::snprintf(buf, sizeof buf, "0x%lx", v);
    return buf;
}

std::string field(std::string_view prefix, std::string_view name)
{
    if (prefix.empty())
        return std::string(name);
    return std::string(prefix) + "/" + std::string(name);
}

const char* kind_name(LabelKind kind)
{
    switch (kind) {
    case LabelKind::AppArmorProfile:
        return "AppArmor profile";
    case LabelKind::SELinuxLabel:
        return "SELinux label";
    case LabelKind::MountLabel:
        return "SELinux mount label";
    }
    return "label";
}

std::optional<FsStat> real_statfs(const std::string& path)
{
    struct statfs fs = {};
    for (;;) {
        if (::statfs(path.c_str(), &fs) == 0)
            return FsStat {static_cast<unsigned long>(fs.f_type), (fs.f_flags & ST_RDONLY) != 0};
        if (errno != EINTR && errno != EAGAIN)
            return std::nullopt;
    }
}

std::optional<std::string> read_optional(const std::string& path)
{
    auto r = read_file(path);
    if (!r)
        return std::nullopt;
    return std::move(r).value();
}

std::string host_path(const HostProbe& probe, std::string_view path)
{
    return probe.root + std::string(path);
}

// ---- /proc --------------------------------------------------------------------------------

constexpr std::string_view kThreadSelfAttr = "/proc/thread-self/attr/";

std::string attr_display(std::string_view attr)
{
    return std::string(kThreadSelfAttr) + std::string(attr);
}

// A private procfs instance: detached, so nothing can be mounted over any of its files.
// subset=pid and hidepid=ptraceable only narrow it: an instance the kernel makes without them
// is still usable, so their errors are ignored.
Result<UniqueFd> open_private_procfs(Sys& sys)
{
    UniqueFd ctx = TRY(sys.fsopen("proc"));
    (void)sys.fsconfig_set(ctx.get(), "subset", "pid");
    (void)sys.fsconfig_set(ctx.get(), "hidepid", "ptraceable");
    TRY(sys.fsconfig_create(ctx.get(), "proc"));
    return sys.fsmount(ctx.get(), MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC, "proc");
}

bool is_digits(std::string_view s)
{
    if (s.empty())
        return false;
    for (char c : s)
        if (c < '0' || c > '9')
            return false;
    return true;
}

// An attr name is a fixed relative path such as "exec" or "apparmor/exec".
bool valid_attr(std::string_view attr)
{
    if (attr.empty() || attr.front() == '/' || attr.back() == '/'
        || attr.find("..") != std::string_view::npos)
        return false;
    for (char c : attr)
        if (!((c >= 'a' && c <= 'z') || c == '/'))
            return false;
    return true;
}

Result<void> write_fd(int fd, std::string_view display, std::string_view value)
{
    ssize_t n;
    do
        n = ::write(fd, value.data(), value.size());
    while (n < 0 && errno == EINTR);
    if (n < 0)
        return Error::from_errno("write", display);
    if (static_cast<std::size_t>(n) != value.size())
        return Error::message("write " + std::string(display) + ": short write (" + std::to_string(n) + " of "
            + std::to_string(value.size()) + " bytes)");
    return ok();
}

} // namespace

// ---- Host detection ------------------------------------------------------------------------

bool apparmor_enabled(const HostProbe& probe)
{
    struct stat st;
    if (::stat(host_path(probe, "/sys/kernel/security/apparmor").c_str(), &st) < 0)
        return false;
    auto enabled = read_optional(host_path(probe, "/sys/module/apparmor/parameters/enabled"));
    return enabled && !enabled->empty() && (*enabled)[0] == 'Y';
}

bool selinux_enabled(const HostProbe& probe)
{
    const StatfsFn& do_statfs = probe.statfs ? probe.statfs : StatfsFn(real_statfs);
    auto is_selinuxfs = [&](std::string_view mount_point) {
        auto st = do_statfs(host_path(probe, mount_point));
        return st && static_cast<uint32_t>(st->type) == static_cast<uint32_t>(SELINUX_MAGIC) && !st->readonly;
    };
    bool mounted = is_selinuxfs("/sys/fs/selinux");
    if (!mounted) {
        auto filesystems = read_optional(host_path(probe, "/proc/filesystems"));
        if (!filesystems || filesystems->find("\tselinuxfs\n") == std::string::npos)
            return false;
        auto mountinfo = read_optional(host_path(probe, "/proc/self/mountinfo"));
        if (!mountinfo)
            return false;
        for (const auto& m : parse_mountinfo(*mountinfo)) {
            if (m.fstype == "selinuxfs" && is_selinuxfs(m.mount_point)) {
                mounted = true;
                break;
            }
        }
    }
    if (!mounted)
        return false;
    // "kernel" is the context of a system where the policy was never loaded.
    std::string context = read_optional(host_path(probe, "/proc/thread-self/attr/current")).value_or("");
    while (!context.empty() && (context.back() == '\0' || context.back() == '\n'))
        context.pop_back();
    return context != "kernel";
}

HostLsm detect_host(const HostProbe& probe)
{
    return HostLsm {apparmor_enabled(probe), selinux_enabled(probe)};
}

// ---- Checks --------------------------------------------------------------------------------

Result<void> validate_label(std::string_view value, LabelKind kind)
{
    auto bad = [&](const std::string& reason) {
        return Error::message(std::string(kind_name(kind)) + " " + short_quote(value) + " " + reason);
    };
    if (value.size() > kMaxLabelLength)
        return bad("is longer than " + std::to_string(kMaxLabelLength) + " bytes");
    for (char ch : value) {
        unsigned char c = static_cast<unsigned char>(ch);
        if (c == '\0')
            return bad("contains a NUL byte");
        if (c == '\n')
            return bad("contains a newline");
        if (c < 0x20 || c == 0x7f)
            return bad("contains a control character");
        if (c == '"' && kind == LabelKind::MountLabel)
            return bad("contains a '\"' (it is quoted into the mount data)");
    }
    if (!value.empty() && (value.front() == ' ' || value.back() == ' '))
        return bad("has a leading or trailing space");
    return ok();
}

Result<void> check_process_labels(
    const oci::Process& process, const HostLsm& host, std::string_view pointer_prefix)
{
    if (!process.apparmorProfile.empty()) {
        const std::string where = field(pointer_prefix, "apparmorProfile");
        TRY(validate_label(process.apparmorProfile, LabelKind::AppArmorProfile).context(where));
        if (!host.apparmor)
            return Error::message("AppArmor profile " + short_quote(process.apparmorProfile)
                + " requested but AppArmor is not enabled on this host")
                .context(where);
    }
    if (!process.selinuxLabel.empty()) {
        const std::string where = field(pointer_prefix, "selinuxLabel");
        TRY(validate_label(process.selinuxLabel, LabelKind::SELinuxLabel).context(where));
        if (!host.selinux)
            return Error::message("SELinux label " + short_quote(process.selinuxLabel)
                + " requested but SELinux is not enabled on this host")
                .context(where);
    }
    return ok();
}

Result<void> check_labels(const oci::Spec& spec, const HostLsm& host)
{
    if (spec.process)
        TRY(check_process_labels(*spec.process, host, "config.json: /process"));
    if (spec.linux && !spec.linux->mountLabel.empty()) {
        const std::string& label = spec.linux->mountLabel;
        const std::string where = "config.json: /linux/mountLabel";
        TRY(validate_label(label, LabelKind::MountLabel).context(where));
        if (!host.selinux)
            return Error::message("SELinux mount label " + short_quote(label)
                + " requested but SELinux is not enabled on this host")
                .context(where);
    }
    return ok();
}

// ---- Mounts --------------------------------------------------------------------------------

namespace {

// Whether the comma-separated options name an SELinux context option. Commas inside double
// quotes belong to a value (context="u:r:t:s0:c1,c2").
bool has_context_option(std::string_view data)
{
    static constexpr std::array<std::string_view, 4> keys
        = {"context", "fscontext", "defcontext", "rootcontext"};
    bool in_quotes = false;
    std::size_t start = 0;
    for (std::size_t i = 0; i <= data.size(); ++i) {
        if (i < data.size() && data[i] == '"') {
            in_quotes = !in_quotes;
            continue;
        }
        if (i < data.size() && (data[i] != ',' || in_quotes))
            continue;
        std::string_view option = data.substr(start, i - start);
        std::string_view key = option.substr(0, option.find('='));
        for (auto k : keys)
            if (key == k)
                return true;
        start = i + 1;
    }
    return false;
}

} // namespace

std::string format_mount_data(
    std::string_view data, std::string_view mount_label, std::string_view fstype, unsigned long flags)
{
    static constexpr std::array<std::string_view, 7> unlabelled
        = {"", "proc", "sysfs", "cgroup", "cgroup2", "mqueue", "bind"};
    std::string out(data);
    if (mount_label.empty() || (flags & (MS_BIND | MS_REMOUNT | MS_MOVE)) != 0)
        return out;
    for (auto t : unlabelled)
        if (fstype == t)
            return out;
    if (has_context_option(data))
        return out;
    if (!out.empty())
        out += ',';
    out += "context=\"";
    out += mount_label;
    out += '"';
    return out;
}

Result<void> relabel_mount_root(Sys& sys, int mount_fd, std::string_view mount_label)
{
    if (mount_label.empty())
        return ok();
    const std::string what = "label mount root with SELinux mount label " + short_quote(mount_label);
    TRY(validate_label(mount_label, LabelKind::MountLabel).context(what));
    // An O_PATH fd takes no xattr calls: reopen the directory itself (no path is resolved).
    UniqueFd dir(::openat(mount_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!dir)
        return Error::from_errno("open", "mount root").context(what);
    return sys.fsetxattr(dir.get(), "security.selinux", mount_label).context(what);
}

// ---- /proc/thread-self/attr ----------------------------------------------------------------

Result<void> verify_proc_root(int fd, std::string_view what)
{
    struct statfs fs = {};
    if (::fstatfs(fd, &fs) < 0)
        return Error::from_errno("fstatfs", what);
    if (fs.f_type != PROC_SUPER_MAGIC)
        return Error::message(std::string(what) + " is not on procfs (filesystem type "
            + hex(static_cast<unsigned long>(fs.f_type)) + ")");
    struct stat st = {};
    if (::fstat(fd, &st) < 0)
        return Error::from_errno("fstat", what);
    // PROC_ROOT_INO: the root directory of every procfs instance is inode 1.
    if (!S_ISDIR(st.st_mode) || st.st_ino != 1)
        return Error::message(
            std::string(what) + " is not the root of a procfs (inode " + std::to_string(st.st_ino) + ")");
    return ok();
}

Result<UniqueFd> open_proc_root_at(const std::string& path)
{
    UniqueFd fd(::open(path.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!fd)
        return Error::from_errno("open", path);
    TRY(verify_proc_root(fd.get(), path));
    return fd;
}

Result<UniqueFd> open_proc_root(Sys& sys)
{
    // fsopen needs CAP_SYS_ADMIN over the pid namespace's user namespace and, in a user
    // namespace, a fully visible /proc; open_tree(OPEN_TREE_CLONE) needs it over the mount
    // namespace and no locked submounts. Either failing leaves the plain open, whose lookups
    // still refuse to cross a mount (RESOLVE_NO_XDEV).
    if (auto priv = open_private_procfs(sys); priv.ok()) {
        TRY(verify_proc_root(priv.value().get(), "private procfs"));
        return std::move(priv).value();
    }
    if (auto clone = sys.open_tree(AT_FDCWD, "/proc", OPEN_TREE_CLONE | AT_SYMLINK_NOFOLLOW); clone.ok()) {
        TRY(verify_proc_root(clone.value().get(), "/proc"));
        return std::move(clone).value();
    }
    return open_proc_root_at("/proc");
}

Result<std::string> thread_self_dir(int proc_root)
{
    char buf[64];
    ssize_t n = ::readlinkat(proc_root, "thread-self", buf, sizeof buf);
    if (n < 0)
        return Error::from_errno("readlink", "/proc/thread-self");
    std::string_view link(buf, static_cast<std::size_t>(n));
    // "<tgid>/task/<tid>", nothing else: the lookup below follows no symlink, so this text is
    // the only place the thread's directory comes from.
    auto slash = link.find("/task/");
    if (static_cast<std::size_t>(n) == sizeof buf || slash == std::string_view::npos
        || !is_digits(link.substr(0, slash)) || !is_digits(link.substr(slash + 6)))
        return Error::message("readlink /proc/thread-self: unexpected target " + short_quote(link));
    return std::string(link);
}

Result<UniqueFd> open_thread_attr(int proc_root, std::string_view attr, int flags)
{
    const std::string display = attr_display(attr);
    if (!valid_attr(attr))
        return Error::message("open " + display + ": invalid attr name");
    const std::string dir = TRY(thread_self_dir(proc_root));
    const std::string rel = dir + "/attr/" + std::string(attr);
    struct open_how how = {};
    how.flags = static_cast<uint64_t>((flags & O_ACCMODE) | O_CLOEXEC | O_NOFOLLOW);
    how.resolve = RESOLVE_BENEATH | RESOLVE_NO_XDEV | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
    long fd = -1;
    for (int attempt = 0; attempt < 16; ++attempt) {
        fd = ::syscall(SYS_openat2, proc_root, rel.c_str(), &how, sizeof how);
        if (fd >= 0 || (errno != EAGAIN && errno != EINTR))
            break;
    }
    if (fd < 0)
        return Error::from_errno("open", display);
    UniqueFd file(static_cast<int>(fd));
    struct statfs fs = {};
    if (::fstatfs(file.get(), &fs) < 0)
        return Error::from_errno("fstatfs", display);
    if (fs.f_type != PROC_SUPER_MAGIC)
        return Error::message(display + " is not on procfs (filesystem type "
            + hex(static_cast<unsigned long>(fs.f_type)) + ")");
    struct stat st = {};
    if (::fstat(file.get(), &st) < 0)
        return Error::from_errno("fstat", display);
    if (!S_ISREG(st.st_mode))
        return Error::message(display + " is not a regular file");
    return file;
}

Result<void> write_attr(int proc_root, std::string_view attr, std::string_view value)
{
    UniqueFd fd = TRY(open_thread_attr(proc_root, attr, O_WRONLY));
    return write_fd(fd.get(), attr_display(attr), value);
}

Result<void> set_exec_labels(const oci::Process& process, int proc_root)
{
    if (const std::string& profile = process.apparmorProfile; !profile.empty()) {
        const std::string what = "apply AppArmor profile " + short_quote(profile);
        TRY(validate_label(profile, LabelKind::AppArmorProfile).context(what));
        // attr/apparmor/exec where the kernel has per-LSM attr directories; attr/exec before.
        std::string_view attr = "apparmor/exec";
        auto fd = open_thread_attr(proc_root, attr, O_WRONLY);
        if (!fd && fd.error().code() == ENOENT) {
            attr = "exec";
            fd = open_thread_attr(proc_root, attr, O_WRONLY);
        }
        if (!fd)
            return std::move(fd).error().context(what);
        TRY(write_fd(fd.value().get(), attr_display(attr), "exec " + profile).context(what));
    }
    if (const std::string& label = process.selinuxLabel; !label.empty()) {
        const std::string what = "set SELinux exec label " + short_quote(label);
        TRY(validate_label(label, LabelKind::SELinuxLabel).context(what));
        TRY(write_attr(proc_root, "exec", label).context(what));
    }
    return ok();
}

Result<void> set_exec_labels(Sys& sys, const oci::Process& process)
{
    if (process.apparmorProfile.empty() && process.selinuxLabel.empty())
        return ok();
    UniqueFd proc = TRY(open_proc_root(sys));
    return set_exec_labels(process, proc.get());
}

Result<void> set_keycreate_label(int proc_root, std::string_view label)
{
    const std::string what = "set SELinux keyring label " + short_quote(label);
    TRY(validate_label(label, LabelKind::SELinuxLabel).context(what));
    return write_attr(proc_root, "keycreate", label).context(what);
}

} // namespace hull::lsm
