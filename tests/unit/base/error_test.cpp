#include "hull/error.hpp"
#include "hull/fd.hpp"
#include "hull/log.hpp"
#include "hull/mountinfo.hpp"
#include "hull/text.hpp"

#include <csignal>
#include <cstring>
#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace hull;

namespace {

Result<int> fails_with(int code)
{
    return Error::from_code(code, "open", "/x");
}

Result<int> adds_context()
{
    int v = TRY(fails_with(ENOENT).context("prepare rootfs"));
    return v + 1;
}

Result<int> passes_value()
{
    int v = TRY(Result<int>(41));
    return v + 1;
}

} // namespace

TEST_CASE("error text is outermost context first, then op, then strerror")
{
    auto e = Error::from_code(EPERM, "mount", "/proc");
    e.context("prepare rootfs").context("create abc");
    CHECK(e.text() == "create abc: prepare rootfs: mount /proc: operation not permitted");
    CHECK(e.code() == EPERM);
    CHECK(Error::message("invalid container ID format").text() == "invalid container ID format");
}

TEST_CASE("from_errno captures errno at the call site")
{
    errno = EACCES;
    auto e = Error::from_errno("open", "/etc/shadow");
    CHECK(e.code() == EACCES);
    CHECK(e.op() == "open /etc/shadow");
}

TEST_CASE("TRY propagates errors with context and yields values")
{
    auto r = adds_context();
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().text() == "prepare rootfs: open /x: no such file or directory");
    auto v = passes_value();
    REQUIRE(v.ok());
    CHECK(v.value() == 42);
}

TEST_CASE("errors survive serialisation across the init channel")
{
    auto e = Error::from_code(ENOENT, "open", "/bin/sh");
    e.context("resolve executable").context("container init");
    Error back;
    REQUIRE(Error::deserialize(e.serialize(), back));
    CHECK(back.code() == ENOENT);
    CHECK(back.text() == e.text());
}

TEST_CASE("deserialisation rejects truncated and inflated packets")
{
    std::string wire = Error::from_code(EIO, "read", "x").context("a").serialize();
    Error out;
    for (size_t n = 0; n < wire.size(); ++n)
        CHECK_FALSE(Error::deserialize(std::string_view(wire).substr(0, n), out));
    CHECK_FALSE(Error::deserialize(wire + "junk", out));
    // code 0, empty op, then a frame count far larger than the bytes that follow: rejected
    // before anything is allocated for it.
    std::string inflated(8, '\0');
    uint32_t many = 0x7fffffff;
    inflated.append(reinterpret_cast<const char*>(&many), 4);
    CHECK_FALSE(Error::deserialize(inflated, out));
}

TEST_CASE("UniqueFd closes exactly once and release gives up ownership")
{
    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    {
        UniqueFd a(fds[0]);
        UniqueFd b(std::move(a));
        CHECK_FALSE(a);
        CHECK(b.get() == fds[0]);
    }
    CHECK(::fcntl(fds[0], F_GETFD) < 0);
    UniqueFd w(fds[1]);
    int raw = w.release();
    CHECK_FALSE(w);
    CHECK(::fcntl(raw, F_GETFD) >= 0);
    ::close(raw);
}

TEST_CASE("FdPair ends are close-on-exec and closed explicitly")
{
    auto pair = FdPair::socketpair(SOCK_SEQPACKET);
    REQUIRE(pair.ok());
    CHECK((::fcntl(pair.value().parent_end().get(), F_GETFD) & FD_CLOEXEC) != 0);
    pair.value().close_child_end();
    CHECK_FALSE(pair.value().child_end());
    char c;
    // With the child end gone, the parent end reads EOF instead of blocking.
    CHECK(::recv(pair.value().parent_end().get(), &c, 1, 0) == 0);
}

TEST_CASE("ChildProcess kills and reaps unless released")
{
    pid_t pid = ::fork();
    if (pid == 0) {
        ::pause();
        ::_exit(0);
    }
    {
        ChildProcess child(pid);
    }
    CHECK(::kill(pid, 0) < 0);
}

TEST_CASE("ScopeExit runs unless dismissed")
{
    int runs = 0;
    {
        ScopeExit a([&] { ++runs; });
    }
    {
        ScopeExit b([&] { ++runs; });
        b.dismiss();
    }
    CHECK(runs == 1);
}

TEST_CASE("log times are RFC 3339 and messages JSON-quoted")
{
    CHECK(log::rfc3339(0, 5, true) == "1970-01-01T00:00:00.000000005Z");
    CHECK(log::rfc3339(1795850000, 0, false) == "2026-11-28T07:13:20Z");
    // Leap days, century years and a time before the epoch.
    CHECK(log::rfc3339(951782400, 0, false) == "2000-02-29T00:00:00Z");
    CHECK(log::rfc3339(951868800, 0, false) == "2000-03-01T00:00:00Z");
    CHECK(log::rfc3339(1709251199, 0, false) == "2024-02-29T23:59:59Z");
    CHECK(log::rfc3339(4107542400, 0, false) == "2100-03-01T00:00:00Z");
    CHECK(log::rfc3339(-1, 0, false) == "1969-12-31T23:59:59Z");
    CHECK(log::rfc3339(253402300799, 0, false) == "9999-12-31T23:59:59Z");
    CHECK(json_quote("a\"b\\c\n\x01") == "\"a\\\"b\\\\c\\n\\u0001\"");
}

TEST_CASE("mountinfo lines are parsed, escapes undone, optional fields skipped")
{
    std::string text
        = "36 35 98:0 /mnt1 /mnt\\040with\\040space rw,noatime master:1 - ext3 /dev/root rw,errors=continue\n"
          "40 30 0:31 / /sys/fs/cgroup/memory rw,nosuid shared:14 - cgroup cgroup rw,memory\n"
          "garbage line\n";
    auto mounts = parse_mountinfo(text);
    REQUIRE(mounts.size() == 2);
    CHECK(mounts[0].mount_point == "/mnt with space");
    CHECK(mounts[0].root == "/mnt1");
    CHECK(mounts[0].fstype == "ext3");
    CHECK(mounts[1].super_options == "rw,memory");
    CHECK(cgroup_v1_subsystems("rw,nosuid,cpu,cpuacct") == std::vector<std::string> {"cpu", "cpuacct"});
    CHECK(cgroup_v1_subsystems("rw,xattr,release_agent=/x,name=systemd")
        == std::vector<std::string> {"name=systemd"});
}
