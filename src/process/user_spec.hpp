// The `exec --user user[:group]` string, resolved to ids against the container's own user
// database (security.md §2.5: crun CVE-2026-30892, runc CVE-2016-3697).
//
// The grammar is strict: a field made only of decimal digits is a number and is never looked
// up as a name, and any other field is a name that must exist in the container's passwd or
// group file. The files are read from the container's root through open_in_root (P5), so a
// symlinked /etc/passwd resolves inside the rootfs and never reaches the host's file.
// Run by the runtime on the exec path, unprivileged apart from reading the container's files;
// the parsing itself is pure and needs no privilege.
#pragma once

#include "hull/error.hpp"
#include "process/userdb.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <sys/types.h>
#include <vector>

namespace hull::process {

struct GroupEntry {
    std::string name;
    gid_t gid = 0;
    std::vector<std::string> members;
};

// The first entry named `name` in passwd(5) text; malformed lines are skipped.
std::optional<PasswdEntry> find_user_by_name(std::string_view passwd_text, std::string_view name);
// The first entry named `name` in group(5) text; malformed lines are skipped.
std::optional<GroupEntry> find_group_by_name(std::string_view group_text, std::string_view name);
// The first entry with `gid` in group(5) text.
std::optional<GroupEntry> find_gid(std::string_view group_text, gid_t gid);
// The gids of every group(5) entry whose member list names `user_name`, in file order,
// without duplicates. An empty name belongs to no group.
std::vector<gid_t> groups_of_user(std::string_view group_text, std::string_view user_name);

struct ResolvedUser {
    uid_t uid = 0;
    gid_t gid = 0;
    std::vector<gid_t> additional_gids;
    std::string home;
};

// Resolves `uid`, `uid:gid`, `name`, `name:group`, `uid:group` or `name:gid`.
// Without a group, the gid is the user's passwd gid (0 for a uid with no passwd entry) and the
// supplementary groups are those listing the user's name; with an explicit group there are no
// supplementary groups (runc's GetExecUser behaves the same). home is "/" when unknown.
Result<ResolvedUser> resolve_user_spec(
    std::string_view spec, std::string_view passwd_text, std::string_view group_text);

// A user database file inside the container root `root_fd` (open_regular_in_root, P5, P7):
// its text, "" when missing; an error naming `path` when it is not a regular file (a device
// node or fifo there is never opened) or is implausibly large.
Result<std::string> read_db_in_root(int root_fd, const std::string& path);

// The home directory of `uid` in etc/passwd inside the container root `root_fd`; "/" when the
// file or the entry is missing, unreadable or has no home.
std::string home_in_root(int root_fd, uid_t uid);

// The same, reading etc/passwd and etc/group inside the container root `root_fd`. A missing
// file counts as empty, as in runc.
Result<ResolvedUser> resolve_user_in_root(int root_fd, std::string_view spec);

} // namespace hull::process
