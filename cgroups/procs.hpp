// The processes of a cgroup and of its subtree, read from cgroup.procs.
#pragma once

#include "hull/error.hpp"

#include <string>
#include <sys/types.h>
#include <vector>

namespace hull::cgroups::detail {

// The pids of cgroup.procs (cgroup.threads for a threaded cgroup).
Result<std::vector<pid_t>> read_procs(const std::string& dir);
// The pids of `dir` and every descendant cgroup; descendants removed meanwhile are skipped.
Result<std::vector<pid_t>> all_pids(const std::string& dir);
// The names of the subdirectories of `dir` (child cgroups); the errno of opendir on failure.
Result<std::vector<std::string>> child_dirs(const std::string& dir);

} // namespace hull::cgroups::detail
