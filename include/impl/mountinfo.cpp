#include "hull/mountinfo.hpp"

#include "hull/fd.hpp"

#include <fcntl.h>
#include <unistd.h>

namespace hull {

namespace {

// mountinfo escapes space, tab, newline and backslash as \ooo.
std::string unescape(std::string_view s)
{
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '\\' && s.size() - i >= 4) {
            int v = (s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 + (s[i + 3] - '0');
            out += static_cast<char>(v);
            i += 3;
        } else {
            out += s[i];
        }
    }
    return out;
}

std::vector<std::string_view> split(std::string_view s, char sep)
{
    std::vector<std::string_view> out;
    size_t start = 0;
    while (start <= s.size()) {
        size_t end = s.find(sep, start);
        if (end == std::string_view::npos)
            end = s.size();
        out.push_back(s.substr(start, end - start));
        start = end + 1;
    }
    return out;
}

} // namespace

std::vector<MountInfo> parse_mountinfo(std::string_view text)
{
    std::vector<MountInfo> out;
    for (auto line : split(text, '\n')) {
        if (line.empty())
            continue;
        auto f = split(line, ' ');
        // id parent major:minor root mount_point options [optional...] - fstype source super
        size_t dash = 0;
        for (size_t i = 6; i < f.size(); ++i) {
            if (f[i] == "-") {
                dash = i;
                break;
            }
        }
        if (dash == 0 || f.size() < dash + 4)
            continue;
        MountInfo m;
        m.root = unescape(f[3]);
        m.mount_point = unescape(f[4]);
        for (size_t i = 6; i < dash; ++i)
            m.optional += (m.optional.empty() ? "" : " ") + std::string(f[i]);
        m.fstype = std::string(f[dash + 1]);
        m.source = unescape(f[dash + 2]);
        m.super_options = std::string(f[dash + 3]);
        out.push_back(std::move(m));
    }
    return out;
}

Result<std::vector<MountInfo>> read_mountinfo(const std::string& path)
{
    return parse_mountinfo(TRY(read_file(path)));
}

std::vector<std::string> cgroup_v1_subsystems(const std::string& super_options)
{
    static const std::vector<std::string_view> generic = {"rw", "ro", "relatime", "noatime", "nosuid",
        "nodev", "noexec", "clone_children", "noprefix", "cpuset_v2_mode", "favordynmods", "xattr"};
    std::vector<std::string> out;
    for (auto opt : split(super_options, ',')) {
        if (opt.empty() || opt.substr(0, 14) == "release_agent=")
            continue;
        bool skip = false;
        for (auto g : generic)
            skip = skip || opt == g;
        if (!skip)
            out.emplace_back(opt);
    }
    return out;
}

} // namespace hull
