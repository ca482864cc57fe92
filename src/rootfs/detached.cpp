#include "rootfs/detached.hpp"

#include <fcntl.h>
#include <linux/mount.h>
#include <sys/mount.h>

namespace hull::rootfs {

MountAttr mount_attr_of(unsigned long flags)
{
    MountAttr a;
    if (flags & MS_RDONLY)
        a.set |= MOUNT_ATTR_RDONLY;
    if (flags & MS_NOSUID)
        a.set |= MOUNT_ATTR_NOSUID;
    if (flags & MS_NODEV)
        a.set |= MOUNT_ATTR_NODEV;
    if (flags & MS_NOEXEC)
        a.set |= MOUNT_ATTR_NOEXEC;
    if (flags & MS_NODIRATIME)
        a.set |= MOUNT_ATTR_NODIRATIME;
    if (flags & MS_NOSYMFOLLOW)
        a.set |= MOUNT_ATTR_NOSYMFOLLOW;
    // As mount(2) reads them: strictatime wins over noatime, either over relatime.
    if (flags & (MS_STRICTATIME | MS_NOATIME | MS_RELATIME)) {
        a.clr |= MOUNT_ATTR__ATIME;
        if (flags & MS_STRICTATIME)
            a.set |= MOUNT_ATTR_STRICTATIME;
        else if (flags & MS_NOATIME)
            a.set |= MOUNT_ATTR_NOATIME;
        else
            a.set |= MOUNT_ATTR_RELATIME;
    }
    return a;
}

std::vector<std::pair<std::string, std::optional<std::string>>> split_mount_data(
    std::string_view data, bool backslash_escapes)
{
    std::vector<std::pair<std::string, std::optional<std::string>>> out;
    std::string item;
    bool quoted = false;
    auto finish = [&] {
        if (item.empty())
            return;
        size_t eq = item.find('=');
        if (eq == std::string::npos) {
            out.emplace_back(item, std::nullopt);
        } else if (eq > 0) {
            std::string value = item.substr(eq + 1);
            if (value.size() >= 2 && value.front() == '"' && value.back() == '"')
                value = value.substr(1, value.size() - 2);
            out.emplace_back(item.substr(0, eq), value);
        }
        item.clear();
    };
    for (size_t i = 0; i < data.size(); ++i) {
        char c = data[i];
        if (backslash_escapes && c == '\\' && i + 1 < data.size()) {
            item += c;
            item += data[++i];
            continue;
        }
        if (c == '"')
            quoted = !quoted;
        if (c == ',' && !quoted) {
            finish();
            continue;
        }
        item += c;
    }
    finish();
    return out;
}

Result<UniqueFd> clone_tree(Sys& sys, int dirfd, const std::string& source, bool recursive,
    unsigned long flags, const std::string& what)
{
    unsigned open_flags
        = OPEN_TREE_CLONE | (recursive ? AT_RECURSIVE : 0) | (source.empty() ? AT_EMPTY_PATH : 0);
    auto tree = TRY(sys.open_tree(dirfd, source, open_flags));
    MountAttr attr = mount_attr_of(flags);
    if (!attr.empty())
        TRY(sys.mount_setattr(tree.get(), false, attr, what));
    return tree;
}

Result<UniqueFd> new_filesystem(Sys& sys, const std::string& type, const std::string& source,
    unsigned long flags, const std::string& data, const std::string& what)
{
    // The superblock flags mount(2) takes from its flags (MS_SILENT only quietens the kernel's
    // log and has no fsconfig name).
    static constexpr std::pair<unsigned long, const char*> kSuperblockFlags[] = {{MS_RDONLY, "ro"},
        {MS_SYNCHRONOUS, "sync"}, {MS_DIRSYNC, "dirsync"}, {MS_MANDLOCK, "mand"}, {MS_LAZYTIME, "lazytime"}};
    auto fs = TRY(sys.fsopen(type));
    if (!source.empty())
        TRY(sys.fsconfig_set(fs.get(), "source", source));
    for (const auto& [flag, name] : kSuperblockFlags)
        if (flags & flag)
            TRY(sys.fsconfig_set(fs.get(), name, std::nullopt));
    // overlayfs reads its options with backslash escapes (mount(2) hands it the whole string).
    for (const auto& [key, value] : split_mount_data(data, type == "overlay"))
        TRY(sys.fsconfig_set(fs.get(), key, value));
    TRY(sys.fsconfig_create(fs.get(), what));
    return sys.fsmount(fs.get(), mount_attr_of(flags).set, what);
}

} // namespace hull::rootfs
