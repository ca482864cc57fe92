// Where a container's cgroup lives (cli-contract.md §10), resolved once at create and stored
// in the container's state so that later commands use the same directories whatever flags
// they are given.
//
// cgroupfs driver (runc's specconv CreateCgroupConfig, cgroups internal/path, fs/paths.go,
// fs2/defaultpath.go):
//   - cgroupsPath is cleaned lexically; an empty one means the container id, as a relative path.
//   - v2: an absolute path is <mount>/<path>; a relative one is placed under the PARENT of the
//     runtime's own cgroup (its own cgroup usually holds processes, so controllers could not
//     be enabled for a child of it).
//   - v1 (and the v1 hierarchies of a hybrid host): an absolute path is <mount>/<path> in every
//     hierarchy; a relative one goes under the runtime's OWN cgroup of each hierarchy (so on
//     the development machine, whose supervisor confines every process to memory cgroup
//     /process_api/<id>, containers stay inside it).
//   - hybrid: the cgroup2 hierarchy at /sys/fs/cgroup/unified gets <mount>/<path> for absolute
//     and relative paths alike (runc's "" subsystem), and is joined best-effort.
// systemd driver, when no systemd manages the host (no D-Bus unit is started: the path
// systemd would give the unit is used on cgroupfs): "slice:prefix:name", an empty value
// meaning ":runc:<id>", an empty slice meaning system.slice (user.slice when rootless), the
// slice expanded (a-b.slice -> /a.slice/a-b.slice) and the unit <prefix>-<name>.scope (or
// <name> when it ends in .slice). That is an absolute path in every hierarchy.
//
// Stricter than runc: a path whose ".." climbs above its starting point (the hierarchy root
// for an absolute path, the parent/own cgroup for a relative one) is an error rather than
// clamped, as is a path naming the root or the starting point itself.
#pragma once

#include "hull/cgroups/host.hpp"
#include "hull/error.hpp"

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hull::cgroups {

enum class Driver { Cgroupfs, Systemd };
const char* to_string(Driver driver); // "cgroupfs", "systemd"

// /proc/<pid>/cgroup: controller ("memory", "name=systemd") -> cgroup path; the cgroup2
// entry ("0::/a/b") is under "".
using OwnCgroups = std::map<std::string, std::string>;
OwnCgroups parse_proc_cgroup(std::string_view text);
Result<OwnCgroups> read_own_cgroups(); // /proc/self/cgroup

// The host directory of the cgroup `own` names in hierarchy `h` ("/sys/fs/cgroup/memory/a/b" for
// memory:/a/b), relative to the cgroup the mount shows as its root; empty when `own` names none.
std::string own_directory(const Hierarchy& h, const OwnCgroups& own);

// The container's directory in one hierarchy.
struct CgroupDir {
    std::string mount_point {}; // "/sys/fs/cgroup", "/sys/fs/cgroup/memory", "/sys/fs/cgroup/unified"
    std::vector<std::string> controllers {}; // the v1 subsystems of the mount; empty for cgroup2
    bool v2 = false; // a cgroup2 hierarchy
    std::string path {}; // absolute, beneath mount_point
    // Joined best-effort, failures ignored: name=systemd and misc hierarchies, and the cgroup2
    // hierarchy of a hybrid host (runc's NameGroup with Join).
    bool optional = false;

    bool has(std::string_view controller) const;
    bool operator==(const CgroupDir&) const = default;
};

// What `create` stores and every later command loads (cli-contract §10).
struct CgroupState {
    Driver driver = Driver::Cgroupfs;
    Layout layout = Layout::None;
    std::vector<CgroupDir> dirs {};

    // The v1 hierarchy holding `controller`, or the v2 dir on a v2 layout; nullptr if none.
    const CgroupDir* find(std::string_view controller) const;
    // The cgroup2 directory: the only one on v2, the unified one on a hybrid host.
    const CgroupDir* unified() const;
    bool operator==(const CgroupState&) const = default;
};

// JSON object text: {"driver":"cgroupfs","layout":"hybrid","dirs":[{"mount":…,"controllers":[…],
// "v2":false,"path":…,"optional":false},…]}. Loading checks every path is absolute, clean and
// beneath its mount point, so a tampered state file cannot aim the manager elsewhere.
std::string state_to_json(const CgroupState& state);
Result<CgroupState> state_from_json(std::string_view text);

struct PathRequest {
    std::string cgroups_path {}; // linux.cgroupsPath
    std::string id {}; // the container id
    Driver driver = Driver::Cgroupfs;
    bool rootless = false; // systemd: the default slice is user.slice
    // v1 controllers whose container cgroup must stay beneath the runtime's own cgroup even
    // for an absolute cgroupsPath (<mount>/<own>/<path>). Empty = runc's placement exactly.
    // Meant for hosts that confine the runtime to a memory cgroup it must not leave.
    std::vector<std::string> confine {};
};

Result<CgroupState> resolve_path(const PathRequest& request, const HostCgroups& host, const OwnCgroups& own);

// systemd's slice expansion: "a-b-c.slice" -> "/a.slice/a-b.slice/a-b-c.slice", "-.slice" -> "/".
// Errors read "invalid slice name: X", as runc's ExpandSlice.
Result<std::string> expand_slice(std::string_view slice);

// Lexical cleaning: "a//b/./c/../d" -> "a/b/d", "/x/../y" -> "/y". False when ".." climbs above
// the start. A relative result has no leading slash; "" stands for the start itself.
bool clean_path(std::string_view path, std::string& out);

// exec --cgroup (runc's getSubCgroupPaths): the sub-cgroups of the container's cgroup a process
// joins. Either one path for every hierarchy (`all`, from a single argument without a
// controller prefix), or paths per v1 controller ("memory:a", "cpu,cpuacct:b", repeatable),
// the hierarchies not named staying at the container's own cgroup. Paths are clean and
// relative: a leading "/" is the container's cgroup ("/" itself, "/a" = "a"), and a path
// climbing above it is refused.
struct SubCgroups {
    std::optional<std::string> all {};
    std::map<std::string, std::string> by_controller {};

    bool empty() const { return !all && by_controller.empty(); }
};

// The arguments of every --cgroup flag, in order. Errors in runc's words: "invalid --cgroup
// argument: X (missing <controller>: prefix)", "... (empty <controller> prefix)", "invalid
// --cgroup argument(s): controller C specified multiple times", and "bad sub cgroup path: P is
// not a sub cgroup path".
Result<SubCgroups> parse_sub_cgroups(const std::vector<std::string>& args);

// Whether systemd manages this host (sd_booted(3): /run/systemd/system is a directory).
bool systemd_running();

} // namespace hull::cgroups
