// Private helpers of the cgroup manager: cgroupfs file I/O through directory fds, the number
// parsing runc's fscommon does, and walking a cgroup subtree. Not part of the public API.
#pragma once

#include "hull/error.hpp"
#include "hull/fd.hpp"

#include <cstdint>
#include <fcntl.h>
#include <string>
#include <string_view>
#include <sys/types.h>
#include <vector>

namespace hull::cgroups::detail {

// "a" + "/" + "b" without doubled slashes.
std::string join(std::string_view dir, std::string_view name);
std::string_view trim(std::string_view s);

// Go's %q for the strings hull quotes in errors (ASCII escapes only).
std::string quote(std::string_view s);

// Opens a cgroup directory (O_DIRECTORY|O_CLOEXEC plus `flags`, O_PATH by default).
Result<UniqueFd> open_dir(const std::string& path, int flags = O_PATH);

// One cgroup file, opened under `dirfd` without following symlinks; `dir` names it in errors.
Result<std::string> read_file(int dirfd, const std::string& dir, const std::string& name);
bool file_exists(int dirfd, const std::string& name);
// One write(2) of `data` (O_WRONLY|O_TRUNC: cgroupfs ignores the truncation, a test tree needs
// it). Errors read `write "DATA" to DIR/NAME: <errno>`.
Result<void> write_file(int dirfd, const std::string& dir, const std::string& name, std::string_view data);
// As write_file, but a value holding newlines is written one line per write(2) on one open
// file (runc's WriteFileByLine, for unified values such as io.max with several devices).
Result<void> write_file_by_line(
    int dirfd, const std::string& dir, const std::string& name, std::string_view data);

// runc's fscommon.ParseUint: "max" is UINT64_MAX, negative numbers are 0.
bool parse_uint(std::string_view s, uint64_t& out);
bool parse_int(std::string_view s, int64_t& out);
// "key value" lines: the value of `key`, 0 when absent (fscommon.GetValueByKey).
Result<uint64_t> value_by_key(
    int dirfd, const std::string& dir, const std::string& file, std::string_view key);
Result<uint64_t> read_uint(int dirfd, const std::string& dir, const std::string& file);

// The pids of cgroup.procs (cgroup.threads for a threaded cgroup).
Result<std::vector<pid_t>> read_procs(const std::string& dir);
// The pids of `dir` and every descendant cgroup; descendants removed meanwhile are skipped.
Result<std::vector<pid_t>> all_pids(const std::string& dir);
// The names of the subdirectories of `dir` (child cgroups); the errno of opendir on failure.
Result<std::vector<std::string>> child_dirs(const std::string& dir);

// Whether this process is in a user namespace other than the initial one (/proc/self/uid_map
// is not the identity over the whole range).
bool in_user_namespace();

// /proc/self/cgroup.
Result<std::string> read_self_cgroup();

void sleep_ms(unsigned ms);
void sleep_us(unsigned us);

} // namespace hull::cgroups::detail
