// /proc/self/mountinfo, parsed (proc(5)): the mounts a process sees, for cgroup layout
// detection and for the cgroup filesystem a container gets.
#pragma once

#include "hull/error.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace hull {

struct MountInfo {
    std::string root; // field 4: the root of the mount within its filesystem
    std::string mount_point; // field 5, unescaped
    std::string optional; // the optional fields, space-separated ("shared:3 master:1")
    std::string fstype; // after the "-" separator
    std::string source;
    std::string super_options; // e.g. "rw,memory" for a cgroup v1 hierarchy
};

// Parses the text of a mountinfo file; malformed lines are skipped.
std::vector<MountInfo> parse_mountinfo(std::string_view text);
Result<std::vector<MountInfo>> read_mountinfo(const std::string& path = "/proc/self/mountinfo");

// The cgroup v1 controllers (and "name=X") in a cgroup mount's super options.
std::vector<std::string> cgroup_v1_subsystems(const std::string& super_options);

} // namespace hull
