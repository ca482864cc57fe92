// Private: the statistics readers shared by stats_v1.cpp, stats_v2.cpp and the Manager.
#pragma once

#include "hull/cgroups/stats.hpp"
#include "hull/error.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hull::cgroups::detail {

bool missing(const Error& e); // ENOENT or ENODEV: the file or cgroup is not there
// "key value" lines.
std::vector<std::pair<std::string, std::string>> lines_kv(std::string_view text);
Result<std::optional<PsiStats>> read_psi(int fd, const std::string& dir, const char* file);

// Everything fs2 reports for one cgroup2 directory.
Result<void> stats_v2(int fd, const std::string& dir, const std::vector<std::string>& sizes, Stats& st);
Result<void> hugetlb_v2(int fd, const std::string& dir, const std::vector<std::string>& sizes, Stats& st);

// v1, one reader per hierarchy (runc fs/*.go GetStats).
Result<void> cpuset_v1(int fd, const std::string& dir, Stats& st);
Result<void> memory_v1(int fd, const std::string& dir, Stats& st);
Result<void> cpu_v1(int fd, const std::string& dir, Stats& st);
Result<void> cpuacct_v1(int fd, const std::string& dir, Stats& st);
Result<void> pids_v1(int fd, const std::string& dir, Stats& st);
Result<void> blkio_v1(int fd, const std::string& dir, Stats& st);
Result<void> hugetlb_v1(int fd, const std::string& dir, const std::vector<std::string>& sizes, Stats& st);

} // namespace hull::cgroups::detail
