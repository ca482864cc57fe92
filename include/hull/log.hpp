// Shared vocabulary: runtime logging as runc's clients read it (cli-contract.md §5).
//
// With `--log FILE`, records are appended to FILE (O_APPEND, 0644), one per line: in json
// format `{"level":"error","msg":"…","time":"<RFC 3339>"}` (keys sorted, as logrus writes
// them), in text format `time="…" level=error msg="…"`. Without --log, records go to stderr.
// An error is reported once, at the CLI, by report_error(): one error record in the log and
// the plain text on stderr (when the log is not stderr already). The default level is
// "warning", so a failing create writes exactly one record (podman reads a single value).
#pragma once

#include <string>
#include <string_view>

namespace hull::log {

enum class Format { Text, Json };
enum class Level { Debug, Info, Warning, Error };

// Configures the sink. An empty path means stderr. Failure to open is reported by the caller.
bool open(const std::string& path, Format format, bool debug);
void close();

void write(Level level, std::string_view msg);
inline void debug(std::string_view msg)
{
    write(Level::Debug, msg);
}
inline void warning(std::string_view msg)
{
    write(Level::Warning, msg);
}

// With --debug: a step of the create/start/exec path and the microseconds since log::open (on
// CLOCK_MONOTONIC, which the children share: the runtime's and the init's steps interleave), so
// a debug log reads as a timeline of where a container's start-up time goes.
void step(std::string_view what);
bool debug_enabled();
// The fd records go to (stderr's when no file is open): kept open by the container init.
int sink_fd();

// The single place an error surfaces: one error record, plus the text on stderr.
void report_error(std::string_view msg);

// RFC 3339 in UTC: with nanoseconds ("2026-08-22T10:11:12.123456789Z", as state.created)
// or seconds only (as logrus writes log times).
std::string rfc3339_now(bool nanoseconds);
std::string rfc3339(long long sec, long nsec, bool nanoseconds);

} // namespace hull::log
