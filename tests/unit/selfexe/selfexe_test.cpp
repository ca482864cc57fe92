// The pieces of the CVE-2019-5736 protection that need no re-exec: which argv needs it, and the
// copies the methods make (of this test binary). No root needed; the overlay case checks what
// it can as the user it runs as.
#include "selfexe/selfexe.hpp"
#include "skip.hpp"

#include <cerrno>
#include <doctest/doctest.h>
#include <fcntl.h>
#include <string>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

using namespace hull;
using namespace hull::selfexe;

namespace {

std::string_view verb_of(std::vector<const char*> args)
{
    args.push_back(nullptr);
    return container_verb(static_cast<int>(args.size() - 1), const_cast<char* const*>(args.data()));
}

UniqueFd open_self()
{
    UniqueFd exe(::open("/proc/self/exe", O_RDONLY | O_CLOEXEC));
    REQUIRE(exe);
    return exe;
}

std::string self_path()
{
    char buf[4096];
    ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf);
    REQUIRE(n > 0);
    return std::string(buf, static_cast<size_t>(n));
}

struct stat stat_of(int fd)
{
    struct stat st;
    REQUIRE(::fstat(fd, &st) == 0);
    return st;
}

} // namespace

TEST_CASE("container_verb: create, run, exec and restore anywhere in argv, exact words only")
{
    CHECK(verb_of({"hull", "run", "c"}) == "run");
    CHECK(verb_of({"hull", "--root", "/r", "--log=/l", "create", "--bundle", "b", "c"}) == "create");
    CHECK(verb_of({"hull", "exec", "-d", "c", "true"}) == "exec");
    CHECK(verb_of({"hull", "restore", "c"}) == "restore");
    // A flag value or container ID that is a verb costs a copy; nothing can hide the command.
    CHECK(verb_of({"hull", "kill", "run"}) == "run");
    CHECK(verb_of({"hull", "state", "c"}).empty());
    CHECK(verb_of({"hull", "--version"}).empty());
    CHECK(verb_of({"hull", "delete", "--force", "running"}).empty());
    CHECK(verb_of({"run"}).empty()); // argv[0] is the program
    CHECK(verb_of({}).empty());
}

TEST_CASE("memfd_copy: the whole binary, mode 0511, with the four base seals")
{
    UniqueFd exe = open_self();
    auto copy = memfd_copy(exe.get());
    REQUIRE(copy.ok());
    int fd = copy.value().get();
    CHECK(is_sealed_memfd(fd));
    CHECK(made_by(Method::Memfd, fd));
    CHECK_FALSE(made_by(Method::Overlay, fd));
    struct stat st = stat_of(fd);
    CHECK(st.st_size == stat_of(exe.get()).st_size);
    CHECK((st.st_mode & 07777) == 0511);
    // No write of any kind gets through the seals.
    CHECK(::write(fd, "x", 1) < 0);
    CHECK(::ftruncate(fd, 0) < 0);
    CHECK(::fcntl(fd, F_ADD_SEALS, 0) < 0); // F_SEAL_SEAL
    CHECK_FALSE(is_sealed_memfd(exe.get()));
}

TEST_CASE("tmpfile_copy: an unlinked copy held only through O_PATH")
{
    UniqueFd exe = open_self();
    auto copy = tmpfile_copy(exe.get());
    REQUIRE(copy.ok());
    int fd = copy.value().get();
    CHECK(made_by(Method::Tmpfile, fd));
    CHECK_FALSE(made_by(Method::Tmpfile, exe.get())); // the binary itself has a name
    struct stat st = stat_of(fd);
    CHECK(st.st_nlink == 0);
    CHECK(st.st_size == stat_of(exe.get()).st_size);
    CHECK((::fcntl(fd, F_GETFL) & O_PATH) == O_PATH);
}

TEST_CASE("overlay_copy: a read-only overlay showing this very file, or a clean refusal" * HULL_HOST)
{
    UniqueFd exe = open_self();
    std::string path = self_path();
    auto copy = overlay_copy(exe.get(), path);
    if (!copy.ok()) {
        // Unprivileged, the caller falls back to the memfd; as root the overlay must work.
        REQUIRE_MESSAGE(::geteuid() != 0, "overlay_copy as root: " << copy.error().text());
        HULL_SKIP("mounting the overlay needs root: " + copy.error().text());
    }
    int fd = copy.value().get();
    CHECK(made_by(Method::Overlay, fd));
    struct stat seen = stat_of(fd), real = stat_of(exe.get());
    CHECK(seen.st_ino == real.st_ino);
    CHECK(seen.st_dev != real.st_dev);
    std::string again = "/proc/self/fd/" + std::to_string(fd);
    CHECK(::open(again.c_str(), O_WRONLY | O_CLOEXEC) < 0);
    CHECK(errno == EROFS);
}

TEST_CASE("overlay_copy refuses a binary without a directory to take as a layer")
{
    UniqueFd exe = open_self();
    CHECK_FALSE(overlay_copy(exe.get(), "/memfd:hull_cloned (deleted)").ok());
    CHECK_FALSE(overlay_copy(exe.get(), "relative/hull").ok());
    CHECK_FALSE(overlay_copy(exe.get(), self_path() + " (deleted)").ok());
}
