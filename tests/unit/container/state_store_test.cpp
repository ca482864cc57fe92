#include "container/signal.hpp"
#include "container/state_store.hpp"

#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <doctest/doctest.h>
#include <fcntl.h>
#include <nlohmann/json.hpp>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace hull;
using namespace hull::container;

namespace {

struct TempRoot {
    std::string path;
    TempRoot()
    {
        char tmpl[] = "/tmp/hull-unit-XXXXXX";
        path = ::mkdtemp(tmpl);
        path += "/state";
    }
    ~TempRoot() { std::system(("rm -rf " + path.substr(0, path.rfind('/'))).c_str()); }
};

ContainerRecord record_for(pid_t pid)
{
    ContainerRecord r;
    r.id = "abc";
    r.pid = pid;
    r.start_time = read_proc_stat(pid).value().start_time;
    r.bundle = "/b";
    r.rootfs = "/b/rootfs";
    r.created = "2026-11-28T00:00:00.000000000Z";
    r.annotations = {{"k", "v"}};
    return r;
}

} // namespace

TEST_CASE("the state dir is 0711, and a second create of the same ID is refused")
{
    TempRoot root;
    auto dir = StateDir::create(root.path, "abc");
    REQUIRE(dir.ok());
    struct stat st;
    REQUIRE(::stat((root.path + "/abc").c_str(), &st) == 0);
    CHECK((st.st_mode & 07777) == 0711);
    auto again = StateDir::create(root.path, "abc");
    REQUIRE_FALSE(again.ok());
    CHECK(again.error().text() == "container with given ID already exists");
}

TEST_CASE("a state root with missing parents is made, as runc's MkdirAll does (Docker, containerd)")
{
    TempRoot root;
    std::string nested = root.path + "/runtime-runc/moby";
    auto dir = StateDir::create(nested, "abc");
    REQUIRE(dir.ok());
    struct stat st;
    REQUIRE(::stat(nested.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0700);
    CHECK(::stat((nested + "/abc").c_str(), &st) == 0);
}

TEST_CASE("a directory without state.json reads as a container that does not exist")
{
    TempRoot root;
    auto dir = StateDir::create(root.path, "abc");
    REQUIRE(dir.ok());
    auto rec = dir.value().read_record();
    REQUIRE_FALSE(rec.ok());
    CHECK(rec.error().text() == "container does not exist");
    auto missing = StateDir::open_unlocked(root.path, "nope");
    REQUIRE_FALSE(missing.ok());
    CHECK(missing.error().text() == "container does not exist");
}

TEST_CASE("state.json is replaced atomically and round-trips")
{
    TempRoot root;
    auto dir = StateDir::create(root.path, "abc");
    REQUIRE(dir.ok());
    auto rec = record_for(::getpid());
    REQUIRE(dir.value().write_record(rec).ok());
    rec.bundle = "/other";
    REQUIRE(dir.value().write_record(rec).ok());
    auto back = dir.value().read_record();
    REQUIRE(back.ok());
    CHECK(back.value().bundle == "/other");
    CHECK(back.value().annotations.at("k") == "v");
    CHECK(back.value().start_time == rec.start_time);
    // No temporary file is left next to it.
    CHECK(::access((root.path + "/abc/.state.json.tmp").c_str(), F_OK) != 0);
}

TEST_CASE("a staged file replaces the old one only at commit, and is removed when dropped")
{
    TempRoot root;
    auto dir = StateDir::create(root.path, "abc");
    REQUIRE(dir.ok());
    REQUIRE(dir.value().replace_file("config.json", "old").ok());
    const std::string tmp = root.path + "/abc/.config.json.tmp";
    {
        auto staged = dir.value().stage_file("config.json", "dropped");
        REQUIRE(staged.ok());
        CHECK(::access(tmp.c_str(), F_OK) == 0);
    }
    CHECK(::access(tmp.c_str(), F_OK) != 0);
    auto staged = dir.value().stage_file("config.json", "new");
    REQUIRE(staged.ok());
    CHECK(read_file_at(dir.value().fd(), "config.json").value() == "old");
    REQUIRE(staged.value().commit().ok());
    CHECK(read_file_at(dir.value().fd(), "config.json").value() == "new");
    CHECK(::access(tmp.c_str(), F_OK) != 0);
}

namespace {

cgroups::CgroupState v2_cgroup()
{
    cgroups::CgroupState s;
    s.layout = cgroups::Layout::V2;
    s.dirs.push_back({"/sys/fs/cgroup", {}, true, "/sys/fs/cgroup/hull/abc", false});
    return s;
}

} // namespace

TEST_CASE("the cgroup is stored as an object in state.json and read back")
{
    auto rec = record_for(::getpid());
    rec.cgroup = v2_cgroup();
    auto j = nlohmann::json::parse(record_to_json(rec));
    REQUIRE(j.at("cgroup").is_object());
    CHECK(j.at("cgroup").at("layout") == "v2");
    auto back = record_from_json(j.dump());
    REQUIRE(back.ok());
    REQUIRE(back.value().cgroup.has_value());
    CHECK(*back.value().cgroup == v2_cgroup());

    rec.cgroup.reset();
    CHECK_FALSE(nlohmann::json::parse(record_to_json(rec)).contains("cgroup"));
    auto none = record_from_json(record_to_json(rec));
    REQUIRE(none.ok());
    CHECK_FALSE(none.value().cgroup.has_value());
}

TEST_CASE("a state.json holding the cgroup as a string of JSON text still loads")
{
    auto rec = record_for(::getpid());
    auto j = nlohmann::json::parse(record_to_json(rec));
    j["cgroup"] = cgroups::state_to_json(v2_cgroup());
    REQUIRE(j.at("cgroup").is_string());
    auto back = record_from_json(j.dump());
    REQUIRE(back.ok());
    REQUIRE(back.value().cgroup.has_value());
    CHECK(*back.value().cgroup == v2_cgroup());
}

TEST_CASE("a state.json whose cgroup path leaves its mount is refused, in either form")
{
    auto rec = record_for(::getpid());
    auto bad = v2_cgroup();
    bad.dirs[0].path = "/etc";
    auto j = nlohmann::json::parse(record_to_json(rec));
    j["cgroup"] = nlohmann::json::parse(cgroups::state_to_json(bad));
    auto as_object = record_from_json(j.dump());
    REQUIRE_FALSE(as_object.ok());
    CHECK(as_object.error().text().find("state.json: cgroup state: path \"/etc\"") == 0);
    j["cgroup"] = cgroups::state_to_json(bad);
    CHECK_FALSE(record_from_json(j.dump()).ok());
}

TEST_CASE("a state.json number that does not fit its field is refused, never converted")
{
    // A float out of range has no conversion to an integer (undefined behaviour), and a larger
    // integer would wrap to another pid or start time.
    auto rec = record_for(::getpid());
    rec.poststart = {oci::Hook {"/bin/true", {}, {}, 5}};
    const std::vector<std::pair<std::vector<std::string>, nlohmann::json>> cases = {
        {{"pid"}, nlohmann::json::parse("4.2e33")},
        {{"pid"}, 1099511627776},
        {{"pid"}, 1.5},
        {{"start_time"}, -1},
        {{"start_time"}, nlohmann::json::parse("1e300")},
        {{"poststart", "0", "timeout"}, nlohmann::json::parse("-4.2e33")},
        {{"poststart", "0", "timeout"}, 4294967296},
    };
    for (const auto& [path, value] : cases) {
        auto j = nlohmann::json::parse(record_to_json(rec));
        nlohmann::json* field = &j;
        for (const auto& key : path)
            field = field->is_array() ? &(*field)[std::stoul(key)] : &(*field)[key];
        *field = value;
        CAPTURE(j.dump());
        auto back = record_from_json(j.dump());
        REQUIRE_FALSE(back.ok());
        CHECK(back.error().text() == "state.json: " + path.back() + " is not an integer in range");
    }
}

TEST_CASE("status is derived from the live process, the start time and the fifo")
{
    TempRoot root;
    auto dir = StateDir::create(root.path, "abc");
    REQUIRE(dir.ok());
    pid_t child = ::fork();
    if (child == 0) {
        ::pause();
        ::_exit(0);
    }
    auto rec = record_for(child);
    CHECK(derive_status(rec, dir.value()) == Status::Running);
    REQUIRE(::mkfifoat(dir.value().fd(), kExecFifo, 0622) == 0);
    CHECK(derive_status(rec, dir.value()) == Status::Created);

    // The same pid with another start time is a reused pid: stopped.
    auto reused = rec;
    reused.start_time += 1;
    CHECK(derive_status(reused, dir.value()) == Status::Stopped);

    // A zombie is stopped too.
    ::kill(child, SIGKILL);
    siginfo_t info;
    ::waitid(P_PID, static_cast<id_t>(child), &info, WEXITED | WNOWAIT);
    CHECK(derive_status(rec, dir.value()) == Status::Stopped);
    ::waitpid(child, nullptr, 0);
    CHECK(derive_status(rec, dir.value()) == Status::Stopped);
}

TEST_CASE("destroy removes the directory and everything in it")
{
    TempRoot root;
    auto dir = StateDir::create(root.path, "abc");
    REQUIRE(dir.ok());
    REQUIRE(dir.value().write_record(record_for(::getpid())).ok());
    REQUIRE(::mkfifoat(dir.value().fd(), kExecFifo, 0622) == 0);
    REQUIRE(dir.value().destroy().ok());
    CHECK(::access((root.path + "/abc").c_str(), F_OK) != 0);
}

TEST_CASE("the state dir lock serialises operations on one ID")
{
    TempRoot root;
    auto dir = StateDir::create(root.path, "abc");
    REQUIRE(dir.ok());
    pid_t child = ::fork();
    if (child == 0) {
        // flock belongs to the open file description: drop the copy fork gave us first (the
        // container init does the same), then block until the parent lets go.
        ::close(dir.value().fd());
        auto again = StateDir::open_locked(root.path, "abc");
        ::_exit(again.ok() ? 0 : 1);
    }
    ::usleep(100000);
    int status;
    CHECK(::waitpid(child, &status, WNOHANG) == 0); // still waiting for the lock
    dir.value() = StateDir(); // closing the directory releases the lock
    REQUIRE(::waitpid(child, &status, 0) == child);
    CHECK(WEXITSTATUS(status) == 0);
}

TEST_CASE("a verb that waited for the lock of a directory removed meanwhile finds no container")
{
    TempRoot root;
    auto dir = StateDir::create(root.path, "abc");
    REQUIRE(dir.ok());
    pid_t child = ::fork();
    if (child == 0) {
        ::close(dir.value().fd());
        auto again = StateDir::open_locked(root.path, "abc");
        ::_exit(!again.ok() && again.error().text() == "container does not exist" ? 0 : 1);
    }
    ::usleep(100000);
    // The ID now names a new container, made and locked by a create, not the directory the child
    // waits on.
    REQUIRE(dir.value().destroy().ok());
    auto fresh = StateDir::create(root.path, "abc");
    REQUIRE(fresh.ok());
    dir.value() = StateDir();
    int status;
    REQUIRE(::waitpid(child, &status, 0) == child);
    CHECK(WEXITSTATUS(status) == 0);
    CHECK(::access((root.path + "/abc").c_str(), F_OK) == 0);
}

TEST_CASE("a create's directory appears under its ID already locked")
{
    TempRoot root;
    auto dir = StateDir::create(root.path, "abc");
    REQUIRE(dir.ok());
    UniqueFd other(::open((root.path + "/abc").c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    REQUIRE(other);
    CHECK(::flock(other.get(), LOCK_EX | LOCK_NB) < 0);
    CHECK(errno == EWOULDBLOCK);
    // nothing else is left in the root, and a second create of the ID cleans up after itself
    CHECK_FALSE(StateDir::create(root.path, "abc").ok());
    auto ids = list_ids(root.path);
    REQUIRE(ids.ok());
    CHECK(ids.value() == std::vector<std::string> {"abc"});
    CHECK(std::system(("test \"$(ls -A " + root.path + ")\" = abc").c_str()) == 0);
    // an ID as long as a file name may be
    CHECK(StateDir::create(root.path, std::string(255, 'x')).ok());
}

TEST_CASE("/proc stat parsing survives hostile command names")
{
    std::string fields;
    for (int i = 4; i <= 21; ++i)
        fields += " " + std::to_string(i);
    auto st = parse_proc_stat("42 (a) b (c) S) R" + fields + " 123456 99 0");
    REQUIRE(st.ok());
    CHECK(st.value().state == 'R');
    CHECK(st.value().start_time == 123456);
    CHECK_FALSE(parse_proc_stat("42 (x").ok());
    CHECK_FALSE(parse_proc_stat("42 (x) S 1 2").ok());
}

TEST_CASE("pid files are written atomically with no trailing newline")
{
    TempRoot root;
    ::mkdir(root.path.c_str(), 0700);
    std::string path = root.path + "/init.pid";
    REQUIRE(write_file_atomic(path, "1234", 0644).ok());
    CHECK(read_file(path).value() == "1234");
    REQUIRE(write_file_atomic(path, "99", 0644).ok());
    CHECK(read_file(path).value() == "99");
    CHECK(::access((root.path + "/.init.pid").c_str(), F_OK) != 0);
}

TEST_CASE("list_ids returns the container directories only")
{
    TempRoot root;
    REQUIRE(StateDir::create(root.path, "a").ok());
    REQUIRE(StateDir::create(root.path, "b").ok());
    ::close(::open((root.path + "/file").c_str(), O_CREAT | O_WRONLY, 0600));
    // what a create leaves if it is killed before renaming its directory into place
    REQUIRE(::mkdir((root.path + "/.new:42:c").c_str(), 0711) == 0);
    auto ids = list_ids(root.path);
    REQUIRE(ids.ok());
    std::sort(ids.value().begin(), ids.value().end());
    CHECK(ids.value() == std::vector<std::string> {"a", "b"});
    CHECK_FALSE(list_ids(root.path + "/missing").ok());
}

TEST_CASE("a state root or container directory others may write to is refused by name and mode")
{
    TempRoot root;
    REQUIRE(StateDir::create(root.path, "abc").ok());
    const std::string uid = std::to_string(::geteuid());
    auto refusal = [&](const std::string& what, const std::string& path, const char* mode) {
        return what + " " + path + ": owned by uid " + uid + ", mode " + mode + ": must be owned by uid "
            + uid + " and not writable by group or others";
    };
    REQUIRE(::chmod(root.path.c_str(), 0770) == 0);
    const std::string bad_root = refusal("state root", root.path, "0770");
    CHECK(StateDir::open_unlocked(root.path, "abc").error().text() == bad_root);
    CHECK(StateDir::open_locked(root.path, "abc").error().text() == bad_root);
    CHECK(StateDir::create(root.path, "def").error().text() == bad_root);
    CHECK(list_ids(root.path).error().text() == bad_root);
    CHECK(::access((root.path + "/def").c_str(), F_OK) != 0);
    REQUIRE(::chmod(root.path.c_str(), 01777) == 0);
    CHECK(
        StateDir::open_unlocked(root.path, "abc").error().text() == refusal("state root", root.path, "1777"));

    REQUIRE(::chmod(root.path.c_str(), 0700) == 0);
    REQUIRE(::chmod((root.path + "/abc").c_str(), 0777) == 0);
    CHECK(StateDir::open_locked(root.path, "abc").error().text()
        == refusal("container directory", root.path + "/abc", "0777"));
    REQUIRE(::chmod((root.path + "/abc").c_str(), 0711) == 0);
    CHECK(StateDir::open_locked(root.path, "abc").ok());
}

TEST_CASE("a state root that is a symbolic link is followed and its directory checked; a missing one is not "
          "made by readers")
{
    TempRoot root;
    REQUIRE(StateDir::create(root.path, "abc").ok());
    std::string link = root.path + ".link";
    REQUIRE(::symlink(root.path.c_str(), link.c_str()) == 0);
    CHECK(StateDir::open_unlocked(link, "abc").ok());
    REQUIRE(::chmod(root.path.c_str(), 0777) == 0);
    auto opened = StateDir::open_unlocked(link, "abc");
    REQUIRE_FALSE(opened.ok());
    const std::string uid = std::to_string(::geteuid());
    CHECK(opened.error().text()
        == "state root " + link + ": owned by uid " + uid + ", mode 0777: must be owned by uid " + uid
            + " and not writable by group or others");
    REQUIRE(::chmod(root.path.c_str(), 0700) == 0);
    ::unlink(link.c_str());
    auto missing = StateDir::open_unlocked(root.path + "/none", "abc");
    CHECK(missing.error().text() == "container does not exist");
    CHECK(::access((root.path + "/none").c_str(), F_OK) != 0);
}

TEST_CASE("signals parse as numbers and names, with or without SIG, in any case")
{
    CHECK(parse_signal("9").value() == SIGKILL);
    CHECK(parse_signal("KILL").value() == SIGKILL);
    CHECK(parse_signal("SIGKILL").value() == SIGKILL);
    CHECK(parse_signal("term").value() == SIGTERM);
    CHECK(parse_signal("SigUsr1").value() == SIGUSR1);
    CHECK(parse_signal("WINCH").value() == SIGWINCH);
    for (const char* bad : {"", "65", "SIGFOO", "-9", "9x"}) {
        auto r = parse_signal(bad);
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().text() == std::string("unknown signal \"") + bad + "\"");
    }
}

TEST_CASE("signal 0 parses: runc's liveness probe")
{
    CHECK(parse_signal("0").value() == 0);
    CHECK(parse_signal("00").value() == 0);
    CHECK_FALSE(parse_signal("SIG0").ok());
}

TEST_CASE("the default state root follows runc's rule")
{
    if (::geteuid() == 0)
        CHECK(default_state_root() == "/run/hull");
    ::setenv("XDG_RUNTIME_DIR", "/run/user/1000", 1);
    if (::geteuid() != 0)
        CHECK(default_state_root() == "/run/user/1000/hull");
    ::unsetenv("XDG_RUNTIME_DIR");
}
