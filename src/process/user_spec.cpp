#include "process/user_spec.hpp"

#include "hull/fd.hpp"
#include "rootfs/resolve.hpp"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdint>
#include <fcntl.h>
#include <sys/stat.h>

namespace hull::process {

namespace {

// The largest id a spec may name: (uid_t)-1 is the "no change" value of setresuid(2).
constexpr uint64_t kMaxId = 4294967294ULL;
// A user database larger than this is not a user database.
constexpr off_t kMaxDbSize = 64 * 1024 * 1024;

bool is_all_digits(std::string_view s)
{
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// A decimal id with nothing else around it; nullopt when it is not one or is out of range.
std::optional<uint32_t> parse_id(std::string_view s)
{
    if (!is_all_digits(s))
        return std::nullopt;
    uint64_t v = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || end != s.data() + s.size() || v > kMaxId)
        return std::nullopt;
    return static_cast<uint32_t>(v);
}

// Splits `line` on ':' into at most `max` fields, the last one keeping any further colons.
std::vector<std::string_view> split_fields(std::string_view line, size_t max)
{
    std::vector<std::string_view> fields;
    size_t pos = 0;
    while (fields.size() + 1 < max) {
        size_t colon = line.find(':', pos);
        if (colon == std::string_view::npos)
            break;
        fields.push_back(line.substr(pos, colon - pos));
        pos = colon + 1;
    }
    fields.push_back(line.substr(pos));
    return fields;
}

// Calls `fn` on every line of `text`; stops early when `fn` returns true.
template <typename Fn> void for_each_line(std::string_view text, Fn fn)
{
    size_t start = 0;
    while (start < text.size()) {
        size_t end = text.find('\n', start);
        if (end == std::string_view::npos)
            end = text.size();
        if (fn(text.substr(start, end - start)))
            return;
        start = end + 1;
    }
}

// name:password:uid:gid[:gecos[:home[:shell]]]; lines with a bad uid or gid are skipped.
std::optional<PasswdEntry> parse_passwd_line(std::string_view line)
{
    auto f = split_fields(line, 7);
    if (f.size() < 4 || f[0].empty())
        return std::nullopt;
    auto uid = parse_id(f[2]);
    auto gid = parse_id(f[3]);
    if (!uid || !gid)
        return std::nullopt;
    return PasswdEntry {std::string(f[0]), *uid, *gid, f.size() > 5 ? std::string(f[5]) : std::string()};
}

// name:password:gid[:member,member...]; lines with a bad gid are skipped.
std::optional<GroupEntry> parse_group_line(std::string_view line)
{
    auto f = split_fields(line, 4);
    if (f.size() < 3 || f[0].empty())
        return std::nullopt;
    auto gid = parse_id(f[2]);
    if (!gid)
        return std::nullopt;
    GroupEntry entry {std::string(f[0]), *gid, {}};
    if (f.size() > 3) {
        std::string_view list = f[3];
        while (!list.empty()) {
            size_t comma = list.find(',');
            std::string_view member = list.substr(0, comma);
            if (!member.empty())
                entry.members.emplace_back(member);
            list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
        }
    }
    return entry;
}

std::optional<PasswdEntry> find_user_by_uid(std::string_view passwd_text, uid_t uid)
{
    std::optional<PasswdEntry> found;
    for_each_line(passwd_text, [&](std::string_view line) {
        auto entry = parse_passwd_line(line);
        if (entry && entry->uid == uid)
            found = std::move(entry);
        return found.has_value();
    });
    return found;
}

Error bad_spec(std::string_view spec, std::string_view why)
{
    return Error::message("invalid user spec \"" + std::string(spec) + "\": " + std::string(why));
}

// A field that is not all digits must still not look like a number with decoration: a sign,
// or blanks and control characters, which no passwd(5) name contains.
bool is_plausible_name(std::string_view s)
{
    if (s.empty() || s[0] == '+' || s[0] == '-')
        return false;
    return std::none_of(
        s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) <= ' ' || c == 0x7f; });
}

// Checks one field of the spec: all digits must be an id in range, anything else a name.
Result<void> check_field(std::string_view spec, std::string_view field, std::string_view what)
{
    if (field.empty())
        return bad_spec(spec, "empty " + std::string(what));
    if (is_all_digits(field)) {
        if (!parse_id(field))
            return bad_spec(spec, std::string(what) + " " + std::string(field) + " out of range");
        return ok();
    }
    if (!is_plausible_name(field))
        return bad_spec(spec, "malformed " + std::string(what) + " \"" + std::string(field) + "\"");
    return ok();
}

} // namespace

std::optional<PasswdEntry> find_user_by_name(std::string_view passwd_text, std::string_view name)
{
    std::optional<PasswdEntry> found;
    for_each_line(passwd_text, [&](std::string_view line) {
        auto entry = parse_passwd_line(line);
        if (entry && entry->name == name)
            found = std::move(entry);
        return found.has_value();
    });
    return found;
}

std::optional<GroupEntry> find_group_by_name(std::string_view group_text, std::string_view name)
{
    std::optional<GroupEntry> found;
    for_each_line(group_text, [&](std::string_view line) {
        auto entry = parse_group_line(line);
        if (entry && entry->name == name)
            found = std::move(entry);
        return found.has_value();
    });
    return found;
}

std::optional<GroupEntry> find_gid(std::string_view group_text, gid_t gid)
{
    std::optional<GroupEntry> found;
    for_each_line(group_text, [&](std::string_view line) {
        auto entry = parse_group_line(line);
        if (entry && entry->gid == gid)
            found = std::move(entry);
        return found.has_value();
    });
    return found;
}

std::vector<gid_t> groups_of_user(std::string_view group_text, std::string_view user_name)
{
    std::vector<gid_t> gids;
    if (user_name.empty())
        return gids;
    for_each_line(group_text, [&](std::string_view line) {
        auto entry = parse_group_line(line);
        if (entry
            && std::find(entry->members.begin(), entry->members.end(), user_name) != entry->members.end()
            && std::find(gids.begin(), gids.end(), entry->gid) == gids.end())
            gids.push_back(entry->gid);
        return false;
    });
    return gids;
}

Result<ResolvedUser> resolve_user_spec(
    std::string_view spec, std::string_view passwd_text, std::string_view group_text)
{
    size_t colon = spec.find(':');
    if (colon != std::string_view::npos && spec.find(':', colon + 1) != std::string_view::npos)
        return bad_spec(spec, "more than one ':'");
    std::string_view user_field = spec.substr(0, colon);
    std::optional<std::string_view> group_field;
    if (colon != std::string_view::npos)
        group_field = spec.substr(colon + 1);
    TRY(check_field(spec, user_field, "user"));
    if (group_field)
        TRY(check_field(spec, *group_field, "group"));

    ResolvedUser out;
    out.home = "/";
    std::optional<PasswdEntry> entry;
    if (auto uid = parse_id(user_field)) {
        // Numeric means numeric (CVE-2016-3697): a passwd user literally named "0" is never
        // consulted for "0". The entry, if any, only supplies defaults.
        out.uid = *uid;
        entry = find_user_by_uid(passwd_text, *uid);
    } else {
        entry = find_user_by_name(passwd_text, user_field);
        if (!entry)
            return Error::message(
                "unable to find user " + std::string(user_field) + ": no matching entries in passwd file");
        out.uid = entry->uid;
    }
    if (entry) {
        out.gid = entry->gid;
        if (!entry->home.empty())
            out.home = entry->home;
    }

    if (group_field) {
        if (auto gid = parse_id(*group_field)) {
            out.gid = *gid;
        } else {
            auto group = find_group_by_name(group_text, *group_field);
            if (!group)
                return Error::message("unable to find group " + std::string(*group_field)
                    + ": no matching entries in group file");
            out.gid = group->gid;
        }
    } else if (entry) {
        // Supplementary groups only in the implicit form: an explicit group replaces them all.
        out.additional_gids = groups_of_user(group_text, entry->name);
    }
    return out;
}

Result<std::string> read_db_in_root(int root_fd, const std::string& path)
{
    auto fd = rootfs::open_regular_in_root(root_fd, path, O_RDONLY | O_NONBLOCK);
    if (!fd.ok()) {
        if (fd.error().code() == ENOENT || fd.error().code() == ENOTDIR)
            return std::string();
        return std::move(fd).error();
    }
    struct stat st;
    if (::fstat(fd.value().get(), &st) < 0)
        return Error::from_errno("fstat", path);
    if (st.st_size > kMaxDbSize)
        return Error::message(path + " is too large");
    return read_all(fd.value().get(), path);
}

std::string home_in_root(int root_fd, uid_t uid)
{
    auto text = read_db_in_root(root_fd, "/etc/passwd");
    auto entry = text ? find_uid(text.value(), uid) : std::nullopt;
    return entry && !entry->home.empty() ? entry->home : "/";
}

Result<ResolvedUser> resolve_user_in_root(int root_fd, std::string_view spec)
{
    std::string passwd_text = TRY(read_db_in_root(root_fd, "/etc/passwd"));
    std::string group_text = TRY(read_db_in_root(root_fd, "/etc/group"));
    return resolve_user_spec(spec, passwd_text, group_text);
}

} // namespace hull::process
