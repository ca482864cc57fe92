// Runs real hook programs (small /bin/sh scripts written to a temporary directory): no root
// needed. Every case ends by checking that no child of the test process is left unreaped.
#include "hooks/hooks.hpp"

#include "hull/fd.hpp"

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <doctest/doctest.h>
#include <fcntl.h>
#include <filesystem>
#include <sstream>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace hull;
using hooks::Kind;

namespace {

const std::string k_path_env = "PATH=/usr/bin:/bin";

struct TempDir {
    std::string path;
    TempDir()
    {
        char tmpl[] = "/tmp/hull-hooks-XXXXXX";
        path = ::mkdtemp(tmpl);
    }
    ~TempDir() { std::filesystem::remove_all(path); }
    std::string file(const std::string& name) const { return path + "/" + name; }

    // Writes an executable /bin/sh script and returns its path.
    std::string script(const std::string& name, const std::string& body) const
    {
        std::string p = file(name);
        UniqueFd fd(::open(p.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755));
        REQUIRE(fd);
        std::string text = "#!/bin/sh\n" + body + "\n";
        REQUIRE(::write(fd.get(), text.data(), text.size()) == static_cast<ssize_t>(text.size()));
        REQUIRE(fd.close());
        return p;
    }
};

oci::Hook make_hook(std::string path, std::vector<std::string> args = {},
    std::vector<std::string> env = {k_path_env}, std::optional<int> timeout = {})
{
    return oci::Hook {std::move(path), std::move(args), std::move(env), timeout};
}

std::string contents(const std::string& path)
{
    auto text = read_file(path);
    REQUIRE(text);
    return text.value();
}

bool exists(const std::string& path)
{
    return ::access(path.c_str(), F_OK) == 0;
}

void check_no_children()
{
    errno = 0;
    CHECK(::waitpid(-1, nullptr, WNOHANG) == -1);
    CHECK(errno == ECHILD);
}

double seconds_since(std::chrono::steady_clock::time_point start)
{
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

} // namespace

TEST_CASE("hooks: kinds have the spec's names")
{
    CHECK(std::string(hooks::to_string(Kind::Prestart)) == "prestart");
    CHECK(std::string(hooks::to_string(Kind::CreateRuntime)) == "createRuntime");
    CHECK(std::string(hooks::to_string(Kind::CreateContainer)) == "createContainer");
    CHECK(std::string(hooks::to_string(Kind::StartContainer)) == "startContainer");
    CHECK(std::string(hooks::to_string(Kind::Poststart)) == "poststart");
    CHECK(std::string(hooks::to_string(Kind::Poststop)) == "poststop");
}

TEST_CASE("hooks: the state arrives on stdin byte for byte")
{
    TempDir dir;
    std::string out = dir.file("stdin");
    std::string hook = dir.script("cat.sh", "cat > '" + out + "'");

    std::string state = R"({"ociVersion":"1.2.0","id":"a\"b","status":"creating","pid":42})";
    state += std::string("\n\0\x01\xff tail", 9);
    REQUIRE(hooks::run_hook(make_hook(hook), state));
    CHECK(contents(out) == state);

    SUBCASE("and so does a 1 MiB state")
    {
        std::string big(1 << 20, 'x');
        for (size_t i = 0; i < big.size(); i += 4093)
            big[i] = static_cast<char>('a' + i % 26);
        REQUIRE(hooks::run_hook(make_hook(hook), big));
        CHECK(contents(out) == big);
    }
    check_no_children();
}

TEST_CASE("hooks: args are the hook's argv, args[0] included")
{
    TempDir dir;
    std::string out = dir.file("argv");

    SUBCASE("the arguments after args[0]")
    {
        std::string hook = dir.script("args.sh", "printf '%s\\n' \"$#\" \"$@\" > '" + out + "'");
        REQUIRE(hooks::run_hook(make_hook(hook, {"ignored-argv0", "a", "b c"}), "{}"));
        CHECK(contents(out) == "2\na\nb c\n");

        REQUIRE(hooks::run_hook(make_hook(hook), "{}"));
        CHECK(contents(out) == "0\n");
    }
    SUBCASE("args[0] is argv[0]")
    {
        std::string cmd = "tr '\\000' ' ' < /proc/$$/cmdline > '" + out + "'";
        REQUIRE(hooks::run_hook(make_hook("/bin/sh", {"custom-argv0", "-c", cmd}), "{}"));
        CHECK(contents(out).rfind("custom-argv0 -c ", 0) == 0);
    }
    check_no_children();
}

TEST_CASE("hooks: the environment is exactly hook.env")
{
    TempDir dir;
    std::string out = dir.file("env");
    std::string hook = dir.script("env.sh", "export -p > '" + out + "'");
    REQUIRE(::setenv("HULL_HOOKS_TEST_LEAK", "1", 1) == 0);

    REQUIRE(hooks::run_hook(make_hook(hook, {}, {"HOOK_VAR=hello world"}), "{}"));
    std::string env = contents(out);
    CHECK(env.find("HOOK_VAR") != std::string::npos);
    CHECK(env.find("hello world") != std::string::npos);
    CHECK(env.find("HULL_HOOKS_TEST_LEAK") == std::string::npos);
    CHECK(env.find("PATH") == std::string::npos);

    ::unsetenv("HULL_HOOKS_TEST_LEAK");
    check_no_children();
}

TEST_CASE("hooks: a non-zero exit fails with the status and the captured output")
{
    TempDir dir;
    std::string hook = dir.script("fail.sh", "echo out-text; echo err-text >&2; exit 3");

    auto result = hooks::run_hook(make_hook(hook), "{}");
    REQUIRE(!result);
    std::string text = result.error().text();
    CHECK(text.find("hook " + hook + ": exit status 3") == 0);
    CHECK(text.find("stdout: out-text") != std::string::npos);
    CHECK(text.find("stderr: err-text") != std::string::npos);
    check_no_children();
}

TEST_CASE("hooks: only the last part of a large output is kept")
{
    TempDir dir;
    std::string hook
        = dir.script("noisy.sh", "head -c 100000 /dev/zero | tr '\\000' x >&2; echo END >&2; exit 1");

    auto result = hooks::run_hook(make_hook(hook), "{}");
    REQUIRE(!result);
    std::string text = result.error().text();
    CHECK(text.size() < 5000);
    CHECK(text.find("stderr: ...xxx") != std::string::npos);
    CHECK(text.find("xEND") != std::string::npos);
    check_no_children();
}

TEST_CASE("hooks: death by a signal is reported as such")
{
    TempDir dir;
    std::string hook = dir.script("kill.sh", "kill -9 $$");

    auto result = hooks::run_hook(make_hook(hook), "{}");
    REQUIRE(!result);
    CHECK(result.error().text().find("signal: killed") != std::string::npos);
    check_no_children();
}

TEST_CASE("hooks: a hook that does not read stdin does not block hull")
{
    TempDir dir;
    std::string big(1 << 20, '{');
    auto start = std::chrono::steady_clock::now();

    SUBCASE("it exits at once")
    {
        REQUIRE(hooks::run_hook(make_hook(dir.script("exit.sh", "exit 0")), big));
    }
    SUBCASE("it closes stdin and keeps running")
    {
        REQUIRE(hooks::run_hook(make_hook(dir.script("close.sh", "exec 0<&-; sleep 0.3")), big));
    }
    CHECK(seconds_since(start) < 5);
    struct sigaction after { };
    REQUIRE(::sigaction(SIGPIPE, nullptr, &after) == 0);
    bool sigpipe_default = after.sa_handler == SIG_DFL; // SIGPIPE was ignored only while writing.
    CHECK(sigpipe_default);
    check_no_children();
}

TEST_CASE("hooks: with SIGPIPE blocked, as in a foreground run, a hook that does not read stdin leaves none "
          "pending")
{
    TempDir dir;
    std::string big(1 << 20, '{'); // more than a pipe holds: the write meets EPIPE every time
    sigset_t pipe_only, old, pending;
    sigemptyset(&pipe_only);
    sigaddset(&pipe_only, SIGPIPE);
    REQUIRE(::sigprocmask(SIG_BLOCK, &pipe_only, &old) == 0);

    SUBCASE("it exits at once")
    {
        CHECK(hooks::run_hook(make_hook(dir.script("exit.sh", "exit 0")), big));
    }
    SUBCASE("it closes stdin and keeps running")
    {
        CHECK(hooks::run_hook(make_hook(dir.script("close.sh", "exec 0<&-; sleep 0.3")), big));
    }
    REQUIRE(::sigpending(&pending) == 0);
    bool sigpipe_pending = sigismember(&pending, SIGPIPE) == 1;
    if (sigpipe_pending) {
        // Taken here so that unblocking it does not end the test run.
        struct timespec now = {0, 0};
        (void)::sigtimedwait(&pipe_only, nullptr, &now);
    }
    REQUIRE(::sigprocmask(SIG_SETMASK, &old, nullptr) == 0);
    CHECK_FALSE(sigpipe_pending);
    check_no_children();
}

TEST_CASE("hooks: a hook that outlives its timeout is killed")
{
    auto start = std::chrono::steady_clock::now();
    auto result = hooks::run_hook(make_hook("/bin/sleep", {"sleep", "10"}, {}, 1), "{}");
    double elapsed = seconds_since(start);
    REQUIRE(!result);
    CHECK(result.error().text().find("hook /bin/sleep: timeout after 1 seconds") == 0);
    CHECK(elapsed >= 0.9);
    CHECK(elapsed < 2.5);
    check_no_children();
}

TEST_CASE("hooks: a missing hook fails with ENOENT")
{
    TempDir dir;
    std::string missing = dir.file("no-such-hook");

    auto result = hooks::run_hook(make_hook(missing), "{}");
    REQUIRE(!result);
    CHECK(result.error().code() == ENOENT);
    CHECK(result.error().text().find("hook " + missing) == 0);
    check_no_children();
}

TEST_CASE("hooks: the hook sees only fds 0, 1 and 2")
{
    TempDir dir;
    std::string secret = dir.file("secret-fd-marker");
    // No O_CLOEXEC on purpose, and above the fds the child itself reuses.
    UniqueFd opened(::open(secret.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
    REQUIRE(opened);
    UniqueFd leaked(::fcntl(opened.get(), F_DUPFD, 200));
    REQUIRE(leaked);
    std::string out = dir.file("fds");

    // ls opens the directory itself as fd 3; anything above it was inherited.
    std::string cmd = "exec ls -l /proc/self/fd > '" + out + "'";
    REQUIRE(hooks::run_hook(make_hook("/bin/sh", {"sh", "-c", cmd}), "{}"));
    std::string listing = contents(out);
    CHECK(listing.find("secret-fd-marker") == std::string::npos);

    std::istringstream lines(listing);
    std::vector<int> fds;
    for (std::string line; std::getline(lines, line);) {
        size_t arrow = line.find(" -> ");
        if (arrow == std::string::npos)
            continue;
        size_t start = line.rfind(' ', arrow - 1) + 1;
        fds.push_back(std::stoi(line.substr(start, arrow - start)));
    }
    CHECK(fds == std::vector<int> {0, 1, 2, 3});
    check_no_children();
}

TEST_CASE("hooks: run_hooks stops at the first failure of a create-time kind")
{
    TempDir dir;
    std::string first = dir.file("first"), second = dir.file("second");
    std::vector<oci::Hook> list = {make_hook(dir.script("a.sh", ": > '" + first + "'; exit 1")),
        make_hook(dir.script("b.sh", ": > '" + second + "'"))};

    auto result = hooks::run_hooks(Kind::CreateRuntime, list, "{}");
    REQUIRE(!result);
    CHECK(result.error().text().find("error running createRuntime hook #0: hook ") == 0);
    CHECK(exists(first));
    CHECK(!exists(second));
    check_no_children();
}

TEST_CASE("hooks: run_hooks runs every poststop hook and only warns")
{
    TempDir dir;
    std::string first = dir.file("first"), second = dir.file("second");
    std::vector<oci::Hook> list = {make_hook(dir.script("a.sh", ": > '" + first + "'; exit 1")),
        make_hook(dir.file("missing")), make_hook(dir.script("b.sh", ": > '" + second + "'"))};

    CHECK(hooks::run_hooks(Kind::Poststop, list, "{}"));
    CHECK(exists(first));
    CHECK(exists(second));
    check_no_children();
}

TEST_CASE("hooks: the hook starts with an empty signal mask and default dispositions")
{
    TempDir dir;
    std::string out = dir.file("status");
    std::string cmd = "grep -E '^Sig(Blk|Ign)' /proc/self/status > '" + out + "'";

    sigset_t blocked, saved;
    sigemptyset(&blocked);
    sigaddset(&blocked, SIGTERM);
    REQUIRE(::sigprocmask(SIG_BLOCK, &blocked, &saved) == 0);
    auto old_handler = ::signal(SIGHUP, SIG_IGN);
    auto result = hooks::run_hook(make_hook("/bin/sh", {"sh", "-c", "exec " + cmd}, {k_path_env}), "{}");
    ::signal(SIGHUP, old_handler);
    ::sigprocmask(SIG_SETMASK, &saved, nullptr);

    REQUIRE(result);
    CHECK(contents(out) == "SigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\n");
    check_no_children();
}
