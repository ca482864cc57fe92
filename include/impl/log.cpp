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
    // UTC by arithmetic rather than gmtime_r, which reads /etc/localtime on first use and brings
    // the time-zone parser into the binary. Proleptic Gregorian calendar, days counted in
    // 400-year eras of 146097 days from 0000-03-01, so that a leap day ends its year.
    long long days = sec / 86400 - (sec % 86400 < 0 ? 1 : 0);
    long long of_day = sec - days * 86400;
    long long z = days + 719468; // days from 0000-03-01 to 1970-01-01
    long long era = (z >= 0 ? z : z - 146096) / 146097;
    long long doe = z - era * 146097; // day of the era, [0, 146096]
    long long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365; // year of the era
    long long doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // day of the March-based year
    long long mp = (5 * doy + 2) / 153; // month from March, [0, 11]
    long long day = doy - (153 * mp + 2) / 5 + 1;
    long long month = mp < 10 ? mp + 3 : mp - 9;
    long long year = yoe + era * 400 + (month <= 2 ? 1 : 0);
    char buf[96];
    int n = std::snprintf(buf, sizeof buf, "%04lld-%02lld-%02lldT%02lld:%02lld:%02lld", year, month, day,
        of_day / 3600, of_day / 60 % 60, of_day % 60);
    std::string out(buf, n > 0 ? static_cast<size_t>(n) : 0);
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
