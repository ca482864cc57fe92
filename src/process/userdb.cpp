#include "process/userdb.hpp"

#include "hull/fd.hpp"

#include <charconv>
#include <fcntl.h>
#include <unistd.h>
#include <vector>

namespace hull::process {

std::optional<PasswdEntry> find_uid(std::string_view text, uid_t uid)
{
    size_t start = 0;
    while (start < text.size()) {
        size_t end = text.find('\n', start);
        if (end == std::string_view::npos)
            end = text.size();
        std::string_view line = text.substr(start, end - start);
        start = end + 1;
        // name:password:uid:gid:gecos:home:shell
        std::vector<std::string_view> f;
        size_t pos = 0;
        while (f.size() < 7) {
            size_t colon = line.find(':', pos);
            f.push_back(
                line.substr(pos, colon == std::string_view::npos ? std::string_view::npos : colon - pos));
            if (colon == std::string_view::npos)
                break;
            pos = colon + 1;
        }
        if (f.size() < 6)
            continue;
        unsigned long v = 0, g = 0;
        auto [p1, e1] = std::from_chars(f[2].data(), f[2].data() + f[2].size(), v);
        auto [p2, e2] = std::from_chars(f[3].data(), f[3].data() + f[3].size(), g);
        if (e1 != std::errc() || p1 != f[2].data() + f[2].size() || e2 != std::errc() || v != uid)
            continue;
        return PasswdEntry {
            std::string(f[0]), static_cast<uid_t>(v), static_cast<gid_t>(g), std::string(f[5])};
    }
    return std::nullopt;
}

std::optional<PasswdEntry> lookup_uid(const std::string& path, uid_t uid)
{
    auto text = read_file(path);
    if (!text)
        return std::nullopt;
    return find_uid(text.value(), uid);
}

} // namespace hull::process
