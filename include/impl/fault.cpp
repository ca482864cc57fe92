// HULL_FAULT for test builds (hull/fault.hpp); empty without HULL_FAULTS.
#include "hull/fault.hpp"

#if HULL_FAULTS

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <unistd.h>

namespace hull::fault {

namespace {

#define HULL_FAULT_NAME(e, name) name,
constexpr const char* kNames[] = {HULL_FAULT_POINTS(HULL_FAULT_NAME)};
#undef HULL_FAULT_NAME

enum class Action { None, Kill, Fail };

struct Request {
    std::string point;
    Action action = Action::None;
    long nth = 1;
};

// HULL_FAULT=POINT:kill|error[@N]; anything else asks for nothing.
Request parse_request(bool report)
{
    Request r;
    const char* env = ::getenv("HULL_FAULT");
    if (!env || std::string_view(env) == "list")
        return r;
    std::string text = env;
    size_t colon = text.rfind(':');
    r.point = text.substr(0, colon);
    std::string action = colon == std::string::npos ? "" : text.substr(colon + 1);
    if (size_t at = action.find('@'); at != std::string::npos) {
        r.nth = std::strtol(action.c_str() + at + 1, nullptr, 10);
        action.resize(at);
    }
    bool known = false;
    for (const char* name : kNames)
        known = known || r.point == name;
    if (action == "kill")
        r.action = Action::Kill;
    else if (action == "error")
        r.action = Action::Fail;
    if (!known || r.action == Action::None || r.nth < 1) {
        if (report)
            std::fprintf(stderr, "hull: HULL_FAULT=%s: no such fault point or action\n", env);
        r.action = Action::None;
    }
    return r;
}

} // namespace

Result<void> hit(Point point)
{
    static const Request request = parse_request(false);
    static long reached = 0;
    const char* name = kNames[static_cast<int>(point)];
    if (request.action == Action::None || request.point != name || ++reached != request.nth)
        return ok();
    if (request.action == Action::Fail)
        return Error::message(std::string("fault injected at ") + name);
    ::kill(::getpid(), SIGKILL);
    // The init of a pid namespace cannot SIGKILL itself (the kernel drops signals its init has no
    // handler for, even its own): it dies as abruptly by exit, with SIGKILL's shell status.
    ::_exit(128 + SIGKILL);
}

bool start()
{
    const char* env = ::getenv("HULL_FAULT");
    if (!env)
        return false;
    if (std::string_view(env) != "list") {
        (void)parse_request(true);
        return false;
    }
    for (const char* name : kNames)
        std::printf("%s\n", name);
    return true;
}

} // namespace hull::fault

#endif
