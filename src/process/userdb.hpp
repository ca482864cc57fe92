// The user database as files: /etc/passwd in the container (HOME for the process) and on the
// host (the owner column of `list`). Read directly rather than through NSS, so a statically
// linked hull needs no glibc shared libraries at run time.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <sys/types.h>

namespace hull::process {

struct PasswdEntry {
    std::string name;
    uid_t uid = 0;
    gid_t gid = 0;
    std::string home;
};

// The entry for `uid` in passwd(5) text; malformed lines are skipped.
std::optional<PasswdEntry> find_uid(std::string_view passwd_text, uid_t uid);
// The same, reading the file at `path` (relative to the current root).
std::optional<PasswdEntry> lookup_uid(const std::string& path, uid_t uid);

} // namespace hull::process
