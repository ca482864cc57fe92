// cgroupfs files read and written through directory fds, and the numbers in them.
#include "fscommon.hpp"

#include "hull/text.hpp"

#include <cerrno>
#include <charconv>
#include <fcntl.h>
#include <limits>
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
        return Error::from_errno("write " + go_quote(data) + " to", join(dir, name));
    return fd;
}

Result<void> write_once(int fd, const std::string& dir, const std::string& name, std::string_view data)
{
    for (;;) {
        ssize_t n = ::write(fd, data.data(), data.size());
        if (n >= 0)
            return ok();
        if (errno != EINTR)
            return Error::from_errno("write " + go_quote(data) + " to", join(dir, name));
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
        return Error::message("parse " + join(dir, file) + ": invalid number " + go_quote(trim(text)));
    return v;
}

} // namespace hull::cgroups::detail
