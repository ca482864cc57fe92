#include "hull/log.hpp"

#include "hull/fd.hpp"
#include "hull/text.hpp"

#include <cstdio>
#include <ctime>
#include <fcntl.h>
#include <unistd.h>

namespace hull::log {

namespace {

struct Sink {
    int fd = STDERR_FILENO;
    bool to_file = false;
    Format format = Format::Text;
    Level min_level = Level::Warning;
};

Sink g_sink;
struct timespec g_start;

const char* level_name(Level l)
{
    switch (l) {
    case Level::Debug:
        return "debug";
    case Level::Info:
        return "info";
    case Level::Warning:
        return "warning";
    case Level::Error:
        return "error";
    }
    return "error";
}

} // namespace

bool open(const std::string& path, Format format, bool debug)
{
    clock_gettime(CLOCK_MONOTONIC, &g_start);
    g_sink.format = format;
    g_sink.min_level = debug ? Level::Debug : Level::Warning;
    if (path.empty())
        return true;
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_SYNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return false;
    g_sink.fd = fd;
    g_sink.to_file = true;
    return true;
}

void close()
{
    if (g_sink.to_file)
        ::close(g_sink.fd);
    g_sink = Sink {};
}

std::string rfc3339(long long sec, long nsec, bool nanoseconds)
{
    time_t t = static_cast<time_t>(sec);
    struct tm tm;
    gmtime_r(&t, &tm);
    char buf[64];
    size_t n = strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
    std::string out(buf, n);
    if (nanoseconds) {
        std::snprintf(buf, sizeof buf, ".%09ld", nsec);
        out += buf;
    }
    out += 'Z';
    return out;
}

std::string rfc3339_now(bool nanoseconds)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return rfc3339(ts.tv_sec, ts.tv_nsec, nanoseconds);
}

void write(Level level, std::string_view msg)
{
    if (level < g_sink.min_level)
        return;
    std::string line;
    if (g_sink.format == Format::Json) {
        line = "{\"level\":\"";
        line += level_name(level);
        line += "\",\"msg\":";
        line += json_quote(msg);
        line += ",\"time\":\"";
        line += rfc3339_now(false);
        line += "\"}\n";
    } else {
        line = "time=\"" + rfc3339_now(false) + "\" level=" + level_name(level) + " msg=" + json_quote(msg)
            + "\n";
    }
    (void)write_all(g_sink.fd, line, "log");
}

bool debug_enabled()
{
    return g_sink.min_level == Level::Debug;
}

int sink_fd()
{
    return g_sink.fd;
}

void step(std::string_view what)
{
    if (!debug_enabled())
        return;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    long long us = static_cast<long long>(now.tv_sec - g_start.tv_sec) * 1000000
        + (now.tv_nsec - g_start.tv_nsec) / 1000;
    char buf[64];
    std::snprintf(buf, sizeof buf, " (+%lld us, pid %d)", us, static_cast<int>(::getpid()));
    write(Level::Debug, std::string(what) + buf);
}

void report_error(std::string_view msg)
{
    if (g_sink.to_file || g_sink.format == Format::Json)
        write(Level::Error, msg);
    if (g_sink.to_file || g_sink.format != Format::Json) {
        std::string line(msg);
        line += '\n';
        (void)write_all(STDERR_FILENO, line, "stderr");
    }
}

} // namespace hull::log
