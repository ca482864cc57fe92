#include "internal.hpp"

#include <cerrno>
#include <charconv>
#include <dirent.h>
#include <fcntl.h>
#include <limits>
#include <memory>
#include <time.h>
#include <unistd.h>

namespace hull::cgroups::detail {

std::string join(std::string_view dir, std::string_view name)
{
    std::string out(dir);
    while (out.size() > 1 && out.back() == '/')
        out.pop_back();
    while (!name.empty() && name.front() == '/')
        name.remove_prefix(1);
    if (name.empty())
        return out;
    if (out.empty() || out.back() != '/')
        out += '/';
    out += name;
    return out;
}

std::string_view trim(std::string_view s)
{
    while (!s.empty() && (s.front() == ' ' || s.front() == '\n' || s.front() == '\t'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\n' || s.back() == '\t'))
        s.remove_suffix(1);
    return s;
}

std::string quote(std::string_view s)
{
    static const char* hex = "0123456789abcdef";
    std::string out = "\"";
    for (unsigned char c : s) {
        switch (c) {
        case '"':
            out += "\\\"";
            break;
        case '\\':
            out += "\\\\";
            break;
        case '\n':
            out += "\\n";
            break;
        case '\t':
            out += "\\t";
            break;
        case '\r':
            out += "\\r";
            break;
        default:
            if (c < 0x20 || c == 0x7f) {
                out += "\\x";
                out += hex[c >> 4];
                out += hex[c & 15];
            } else {
                out += static_cast<char>(c);
            }
        }
    }
    return out + "\"";
}

Result<UniqueFd> open_dir(const std::string& path, int flags)
{
    UniqueFd fd(::open(path.c_str(), flags | O_DIRECTORY | O_CLOEXEC));
    if (!fd)
        return Error::from_errno("open", path);
    return fd;
}

Result<std::string> read_file(int dirfd, const std::string& dir, const std::string& name)
{
    UniqueFd fd(::openat(dirfd, name.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
    if (!fd)
        return Error::from_errno("open", join(dir, name));
    return read_all(fd.get(), join(dir, name));
}

bool file_exists(int dirfd, const std::string& name)
{
    return ::faccessat(dirfd, name.c_str(), F_OK, AT_SYMLINK_NOFOLLOW) == 0;
}

namespace {

Result<UniqueFd> open_for_write(
    int dirfd, const std::string& dir, const std::string& name, std::string_view data)
{
    UniqueFd fd(::openat(dirfd, name.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC | O_NOFOLLOW));
    if (!fd)
        return Error::from_errno("write " + quote(data) + " to", join(dir, name));
    return fd;
}

Result<void> write_once(int fd, const std::string& dir, const std::string& name, std::string_view data)
{
    for (;;) {
        ssize_t n = ::write(fd, data.data(), data.size());
        if (n >= 0)
            return ok();
        if (errno != EINTR)
            return Error::from_errno("write " + quote(data) + " to", join(dir, name));
    }
}

} // namespace

Result<void> write_file(int dirfd, const std::string& dir, const std::string& name, std::string_view data)
{
    auto fd = TRY(open_for_write(dirfd, dir, name, data));
    return write_once(fd.get(), dir, name, data);
}

Result<void> write_file_by_line(
    int dirfd, const std::string& dir, const std::string& name, std::string_view data)
{
    if (data.find('\n') == std::string_view::npos)
        return write_file(dirfd, dir, name, data);
    auto fd = TRY(open_for_write(dirfd, dir, name, data));
    while (!data.empty()) {
        size_t nl = data.find('\n');
        std::string_view line = nl == std::string_view::npos ? data : data.substr(0, nl + 1);
        TRY(write_once(fd.get(), dir, name, line));
        data.remove_prefix(line.size());
    }
    return ok();
}

bool parse_int(std::string_view s, int64_t& out)
{
    if (s.empty())
        return false;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc() && p == s.data() + s.size();
}

bool parse_uint(std::string_view s, uint64_t& out)
{
    if (s == "max") {
        out = std::numeric_limits<uint64_t>::max();
        return true;
    }
    if (s.empty())
        return false;
    if (s.front() == '-') {
        // Negative values (e.g. -1 for "unlimited" in v1) read as 0, as runc does.
        bool digits = s.size() > 1;
        for (char c : s.substr(1))
            digits = digits && c >= '0' && c <= '9';
        if (!digits)
            return false;
        out = 0;
        return true;
    }
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc() && p == s.data() + s.size();
}

Result<uint64_t> value_by_key(
    int dirfd, const std::string& dir, const std::string& file, std::string_view key)
{
    auto text = TRY(read_file(dirfd, dir, file));
    std::string_view rest = text;
    while (!rest.empty()) {
        size_t nl = rest.find('\n');
        std::string_view line = rest.substr(0, nl);
        rest = nl == std::string_view::npos ? std::string_view {} : rest.substr(nl + 1);
        if (line.size() > key.size() && line.substr(0, key.size()) == key && line[key.size()] == ' ') {
            uint64_t v = 0;
            if (!parse_uint(trim(line.substr(key.size() + 1)), v))
                return Error::message("parse " + join(dir, file) + ": bad value for " + std::string(key));
            return v;
        }
    }
    return uint64_t {0};
}

Result<uint64_t> read_uint(int dirfd, const std::string& dir, const std::string& file)
{
    auto text = TRY(read_file(dirfd, dir, file));
    uint64_t v = 0;
    if (!parse_uint(trim(text), v))
        return Error::message("parse " + join(dir, file) + ": invalid number " + quote(trim(text)));
    return v;
}

namespace {

Result<void> parse_pids(const std::string& text, const std::string& what, std::vector<pid_t>& out)
{
    std::string_view rest = text;
    while (!rest.empty()) {
        size_t nl = rest.find('\n');
        std::string_view line = trim(rest.substr(0, nl));
        rest = nl == std::string_view::npos ? std::string_view {} : rest.substr(nl + 1);
        if (line.empty())
            continue;
        int64_t pid = 0;
        if (!parse_int(line, pid) || pid <= 0)
            return Error::message("parse " + what + ": invalid pid " + quote(line));
        out.push_back(static_cast<pid_t>(pid));
    }
    return ok();
}

} // namespace

Result<std::vector<pid_t>> read_procs(const std::string& dir)
{
    auto fd = TRY(open_dir(dir, O_PATH));
    auto text = read_file(fd.get(), dir, "cgroup.procs");
    if (!text && text.error().code() == EOPNOTSUPP)
        text = read_file(fd.get(), dir, "cgroup.threads");
    if (!text)
        return std::move(text).error();
    std::vector<pid_t> pids;
    TRY(parse_pids(text.value(), join(dir, "cgroup.procs"), pids));
    return pids;
}

Result<std::vector<std::string>> child_dirs(const std::string& dir)
{
    std::unique_ptr<DIR, int (*)(DIR*)> d(::opendir(dir.c_str()), ::closedir);
    if (!d)
        return Error::from_errno("opendir", dir);
    std::vector<std::string> children;
    while (dirent* e = ::readdir(d.get())) {
        std::string_view name = e->d_name;
        if (e->d_type == DT_DIR && name != "." && name != "..")
            children.emplace_back(name);
    }
    return children;
}

namespace {

bool removed(int code)
{
    return code == ENOENT || code == ENODEV;
}

Result<void> walk_pids(const std::string& dir, bool top, std::vector<pid_t>& out)
{
    auto pids = read_procs(dir);
    if (!pids) {
        if (!top && removed(pids.error().code()))
            return ok();
        return std::move(pids).error();
    }
    out.insert(out.end(), pids.value().begin(), pids.value().end());
    auto children = child_dirs(dir);
    if (!children) {
        if (!top && removed(children.error().code()))
            return ok();
        return std::move(children).error();
    }
    for (const auto& c : children.value())
        TRY(walk_pids(join(dir, c), false, out));
    return ok();
}

} // namespace

Result<std::vector<pid_t>> all_pids(const std::string& dir)
{
    std::vector<pid_t> out;
    TRY(walk_pids(dir, true, out));
    return out;
}

bool in_user_namespace()
{
    auto map = hull::read_file("/proc/self/uid_map");
    if (!map)
        return false;
    std::string_view t = trim(map.value());
    // "0 0 4294967295", however the columns are padded.
    std::vector<std::string_view> fields;
    while (!t.empty()) {
        size_t sp = t.find_first_of(" \t\n");
        fields.push_back(t.substr(0, sp));
        t = sp == std::string_view::npos ? std::string_view {} : trim(t.substr(sp));
    }
    return !(fields.size() == 3 && fields[0] == "0" && fields[1] == "0" && fields[2] == "4294967295");
}

Result<std::string> read_self_cgroup()
{
    return hull::read_file("/proc/self/cgroup");
}

void sleep_ms(unsigned ms)
{
    sleep_us(ms * 1000u);
}

void sleep_us(unsigned us)
{
    timespec ts {static_cast<time_t>(us / 1000000u), static_cast<long>(us % 1000000u) * 1000L};
    while (::nanosleep(&ts, &ts) < 0 && errno == EINTR) { }
}

} // namespace hull::cgroups::detail
