// Mount option parsing: config.json option words to MS_* flags, propagation changes,
// mount_setattr(2) attributes and filesystem data, following runc's specconv tables.
#include "hull/oci/mount_options.hpp"

#include <sys/mount.h>

#include <algorithm>
#include <string_view>

namespace hull::oci {

namespace {

struct FlagOption {
    std::string_view name;
    bool clear;
    unsigned long flag;
};

// mount(8) words (config.md "Mount Options"). "defaults" sets nothing; the atime words are
// kept as independent flags, as runc does.
constexpr FlagOption flag_options[] = {
    {"async", true, MS_SYNCHRONOUS},
    {"atime", true, MS_NOATIME},
    {"bind", false, MS_BIND},
    {"defaults", false, 0},
    {"dev", true, MS_NODEV},
    {"diratime", true, MS_NODIRATIME},
    {"dirsync", false, MS_DIRSYNC},
    {"exec", true, MS_NOEXEC},
    {"iversion", false, MS_I_VERSION},
    {"lazytime", false, MS_LAZYTIME},
    {"loud", true, MS_SILENT},
    {"mand", false, MS_MANDLOCK},
    {"noatime", false, MS_NOATIME},
    {"nodev", false, MS_NODEV},
    {"nodiratime", false, MS_NODIRATIME},
    {"noexec", false, MS_NOEXEC},
    {"noiversion", true, MS_I_VERSION},
    {"nolazytime", true, MS_LAZYTIME},
    {"nomand", true, MS_MANDLOCK},
    {"norelatime", true, MS_RELATIME},
    {"nostrictatime", true, MS_STRICTATIME},
    {"nosuid", false, MS_NOSUID},
    {"nosymfollow", false, MS_NOSYMFOLLOW},
    {"rbind", false, MS_BIND | MS_REC},
    {"relatime", false, MS_RELATIME},
    {"remount", false, MS_REMOUNT},
    {"ro", false, MS_RDONLY},
    {"rw", true, MS_RDONLY},
    {"silent", false, MS_SILENT},
    {"strictatime", false, MS_STRICTATIME},
    {"suid", true, MS_NOSUID},
    {"symfollow", true, MS_NOSYMFOLLOW},
    {"sync", false, MS_SYNCHRONOUS},
};

struct PropagationOption {
    std::string_view name;
    unsigned long flag;
};

constexpr PropagationOption propagation_options[] = {
    {"private", MS_PRIVATE},
    {"rprivate", MS_PRIVATE | MS_REC},
    {"rshared", MS_SHARED | MS_REC},
    {"rslave", MS_SLAVE | MS_REC},
    {"runbindable", MS_UNBINDABLE | MS_REC},
    {"shared", MS_SHARED},
    {"slave", MS_SLAVE},
    {"unbindable", MS_UNBINDABLE},
};

struct AttrOption {
    std::string_view name;
    bool clear;
    uint64_t attr;
};

// Recursive variants applied with mount_setattr(AT_RECURSIVE) (kernel 5.12+). MOUNT_ATTR_RELATIME
// is 0: "rrelatime" only clears the access-time field.
constexpr AttrOption attr_options[] = {
    {"ratime", true, MOUNT_ATTR_NOATIME},
    {"rdev", true, MOUNT_ATTR_NODEV},
    {"rdiratime", true, MOUNT_ATTR_NODIRATIME},
    {"rexec", true, MOUNT_ATTR_NOEXEC},
    {"rnoatime", false, MOUNT_ATTR_NOATIME},
    {"rnodev", false, MOUNT_ATTR_NODEV},
    {"rnodiratime", false, MOUNT_ATTR_NODIRATIME},
    {"rnoexec", false, MOUNT_ATTR_NOEXEC},
    {"rnorelatime", true, MOUNT_ATTR_RELATIME},
    {"rnostrictatime", true, MOUNT_ATTR_STRICTATIME},
    {"rnosuid", false, MOUNT_ATTR_NOSUID},
    {"rnosymfollow", false, MOUNT_ATTR_NOSYMFOLLOW},
    {"rrelatime", false, MOUNT_ATTR_RELATIME},
    {"rro", false, MOUNT_ATTR_RDONLY},
    {"rrw", true, MOUNT_ATTR_RDONLY},
    {"rstrictatime", false, MOUNT_ATTR_STRICTATIME},
    {"rsuid", true, MOUNT_ATTR_NOSUID},
    {"rsymfollow", true, MOUNT_ATTR_NOSYMFOLLOW},
};

template <typename T, size_t N> const T* lookup(const T (&table)[N], std::string_view name)
{
    for (const T& entry : table)
        if (entry.name == name)
            return &entry;
    return nullptr;
}

} // namespace

Result<MountFlags> parse_mount_options(const std::vector<std::string>& options)
{
    MountFlags out;
    std::vector<std::string_view> data;
    for (const std::string& option : options) {
        if (option.find('\0') != std::string::npos)
            return Error::message("mount option contains a NUL byte");
        if (const FlagOption* f = lookup(flag_options, option)) {
            if (f->clear) {
                out.flags &= ~f->flag;
                out.clear_flags |= f->flag;
            } else {
                out.flags |= f->flag;
                out.clear_flags &= ~f->flag;
            }
        } else if (const PropagationOption* p = lookup(propagation_options, option)) {
            out.propagation.push_back(p->flag);
        } else if (const AttrOption* a = lookup(attr_options, option)) {
            if (a->clear) {
                out.attr_clr |= a->attr;
                out.attr_set &= ~a->attr;
            } else {
                out.attr_set |= a->attr;
                out.attr_clr &= ~a->attr;
            }
            // mount_setattr(2): an access-time setting needs MOUNT_ATTR__ATIME in attr_clr.
            if ((a->attr & MOUNT_ATTR__ATIME) == a->attr)
                out.attr_clr |= MOUNT_ATTR__ATIME;
        } else if (option == "tmpcopyup") {
            out.tmpcopyup = true;
        } else if (option == "idmap") {
            out.idmap = true;
            out.idmap_recursive = false;
        } else if (option == "ridmap") {
            out.idmap = true;
            out.idmap_recursive = true;
        } else {
            data.push_back(option);
        }
    }
    out.bind = (out.flags & MS_BIND) != 0;
    out.recursive = out.bind && (out.flags & MS_REC) != 0;
    for (size_t i = 0; i < data.size(); ++i) {
        if (i)
            out.data += ',';
        out.data += data[i];
    }
    return out;
}

const std::vector<std::string>& known_mount_options()
{
    static const std::vector<std::string> list = [] {
        std::vector<std::string> names;
        for (const auto& f : flag_options)
            names.emplace_back(f.name);
        for (const auto& p : propagation_options)
            names.emplace_back(p.name);
        for (const auto& a : attr_options)
            names.emplace_back(a.name);
        names.emplace_back("tmpcopyup");
        std::sort(names.begin(), names.end());
        return names;
    }();
    return list;
}

} // namespace hull::oci
