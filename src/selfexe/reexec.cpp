// Deciding whether this invocation needs a sealed binary, and the re-exec into one (see
// selfexe.hpp). Runs in the hull CLI process at the top of main(): single-threaded, nothing
// parsed, no fd opened, no signal handler installed yet, so execveat starts the same
// invocation over with the same pid (LISTEN_PID still matches), fds, mask and environment.
#include "selfexe/selfexe.hpp"

#include <array>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <fcntl.h>
#include <optional>
#include <string>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <vector>

extern char** environ;

namespace hull::selfexe {

namespace {

// Set for the re-executed process only ("<method>:<comm>") and removed by it at once.
constexpr const char* k_marker = "_HULL_EXESEAL";
// The caller's choice of the first method to try (selfexe.hpp).
constexpr const char* k_choice = "HULL_EXESEAL";

constexpr std::array k_methods = {Method::Overlay, Method::Memfd, Method::Tmpfile};

std::optional<Method> parse_method(std::string_view name)
{
    for (Method m : k_methods) {
        if (method_name(m) == name)
            return m;
    }
    return std::nullopt;
}

Result<Method> first_method()
{
    const char* choice = ::getenv(k_choice);
    if (!choice || !*choice)
        return Method::Overlay;
    if (std::optional<Method> m = parse_method(choice))
        return *m;
    return Error::message(std::string(k_choice) + "=" + choice + ": expected overlay, memfd or tmpfile");
}

// The marker left by the process that re-executed us, removed from the environment so that
// nothing this process starts inherits it.
std::optional<std::string> take_marker()
{
    const char* value = ::getenv(k_marker);
    if (!value)
        return std::nullopt;
    std::string out(value);
    ::unsetenv(k_marker);
    return out;
}

Result<std::string> exe_link()
{
    char buf[PATH_MAX];
    ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf);
    if (n < 0)
        return Error::from_errno("readlink", "/proc/self/exe");
    return std::string(buf, static_cast<size_t>(n));
}

Result<UniqueFd> make_copy(Method method, int exe, std::string_view exe_path)
{
    switch (method) {
    case Method::Overlay:
        return overlay_copy(exe, exe_path);
    case Method::Memfd:
        return memfd_copy(exe);
    case Method::Tmpfile:
        return tmpfile_copy(exe);
    }
    return Error::message("unknown method");
}

// execveat(fd, "", AT_EMPTY_PATH) with argv unchanged and the marker added; returns only on
// failure. The fd is O_CLOEXEC: an ELF binary runs from it all the same (only a script could not).
Error exec_from(int fd, char* const* argv, Method method, const char* comm)
{
    std::string marker = std::string(k_marker) + "=" + std::string(method_name(method)) + ":" + comm;
    std::vector<char*> envp;
    for (char** e = environ; e && *e; ++e)
        envp.push_back(*e);
    envp.push_back(marker.data());
    envp.push_back(nullptr);
    ::syscall(SYS_execveat, fd, "", argv, envp.data(), AT_EMPTY_PATH);
    return Error::from_errno("execveat", std::string(method_name(method)) + " copy");
}

// After the re-exec: /proc/self/exe must be what the marker says, or we stop (never loop).
Result<void> check_reexecuted(const std::string& marker, int exe)
{
    size_t colon = marker.find(':');
    std::string_view name = std::string_view(marker).substr(0, colon);
    std::optional<Method> method = parse_method(name);
    if (!method)
        return Error::message(std::string(k_marker) + "=" + marker + ": not a method");
    if (!made_by(*method, exe))
        return Error::message("re-executed from a " + std::string(name) + " copy that is not sealed");
    // execveat named the process after the fd or the copy ("memfd:hull_cloned", "3").
    if (colon != std::string::npos && colon + 1 < marker.size())
        ::prctl(PR_SET_NAME, marker.c_str() + colon + 1, 0, 0, 0);
    return ok();
}

} // namespace

std::string_view method_name(Method method)
{
    switch (method) {
    case Method::Overlay:
        return "overlay";
    case Method::Memfd:
        return "memfd";
    case Method::Tmpfile:
        return "tmpfile";
    }
    return "?";
}

std::string_view container_verb(int argc, char* const* argv)
{
    for (int i = 1; i < argc && argv[i]; ++i) {
        for (std::string_view verb : {"create", "run", "exec", "restore"}) {
            if (verb == argv[i])
                return verb;
        }
    }
    return {};
}

Result<void> ensure_sealed(char* const* argv)
{
    std::optional<std::string> marker = take_marker();
    UniqueFd exe(::open("/proc/self/exe", O_RDONLY | O_CLOEXEC));
    // An execute-only binary cannot be copied, but the overlay needs no read access.
    if (!exe && errno == EACCES)
        exe.reset(::open("/proc/self/exe", O_PATH | O_CLOEXEC));
    if (!exe)
        return Error::from_errno("open", "/proc/self/exe");
    if (marker)
        return check_reexecuted(*marker, exe.get());
    // Already a sealed copy: started from one by a caller, or hull run as a container's
    // `#!/proc/self/exe` interpreter (then the copy is the one its init ran from).
    if (is_sealed_memfd(exe.get()))
        return ok();

    Method first = TRY(first_method());
    std::string exe_path = TRY(exe_link());
    char comm[16] = {};
    ::prctl(PR_GET_NAME, comm, 0, 0, 0);
    std::string failures;
    for (Method method : k_methods) {
        if (method < first)
            continue;
        Result<UniqueFd> copy = make_copy(method, exe.get(), exe_path);
        Error error = copy ? exec_from(copy.value().get(), argv, method, comm) : std::move(copy).error();
        failures += (failures.empty() ? "" : "; ") + std::string(method_name(method)) + ": " + error.text();
    }
    return Error::message("run from a sealed copy of the hull binary (CVE-2019-5736): " + failures);
}

} // namespace hull::selfexe
