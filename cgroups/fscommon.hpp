// cgroupfs files, as runc's fscommon reads and writes them: through directory fds without
// following symlinks, with the file named in every error, and the numbers they hold.
#pragma once

#include "hull/error.hpp"
#include "hull/fd.hpp"

#include <cstdint>
#include <fcntl.h>
#include <string>
#include <string_view>

namespace hull::cgroups::detail {

// "a" + "/" + "b" without doubled slashes.
std::string join(std::string_view dir, std::string_view name);

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

} // namespace hull::cgroups::detail
