// The init's own helpers: executable lookup, rlimit names, and the non-dumpable scope around clone.
#include "process/init_process.hpp"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <string>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

using namespace hull;

TEST_CASE("executable lookup uses Go's wording, which engines map to exit codes")
{
    std::vector<std::string> env = {"PATH=/nonexistent:/usr/bin:/bin"};
    CHECK(process::look_path("sh", env).value() == "/usr/bin/sh");
    auto missing = process::look_path("no-such-binary", env);
    CHECK(missing.error().text() == "exec: \"no-such-binary\": executable file not found in $PATH");
    CHECK(process::look_path("/nope", env).error().text()
        == "exec: \"/nope\": stat /nope: no such file or directory");
    CHECK(process::look_path("/etc", env).error().text() == "exec: \"/etc\": permission denied");
    char plain[] = "/tmp/hull-plain-XXXXXX";
    ::close(::mkstemp(plain)); // mode 0600: no execute bit
    CHECK(process::look_path(plain, env).error().text()
        == "exec: \"" + std::string(plain) + "\": permission denied");
    ::unlink(plain);
    CHECK(process::look_path("sh", {}).error().text() == "exec: \"sh\": executable file not found in $PATH");
}

TEST_CASE("rlimit names map to resources")
{
    CHECK(process::rlimit_resource("RLIMIT_NOFILE") == RLIMIT_NOFILE);
    CHECK(process::rlimit_resource("RLIMIT_RTTIME") == RLIMIT_RTTIME);
    CHECK(process::rlimit_resource("RLIMIT_BOGUS") == -1);
}

TEST_CASE("NonDumpableScope: a child forked inside it is non-dumpable; the runtime's setting comes back")
{
    REQUIRE(::prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) == 0);
    pid_t pid;
    {
        process::NonDumpableScope scope;
        CHECK(::prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) == 0);
        pid = ::fork();
        if (pid == 0)
            ::_exit(::prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) == 0 ? 0 : 1);
    }
    REQUIRE(pid > 0);
    int status = 0;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
    CHECK(::prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) == 1);
}
