// Against the real kernel, as root: a container cgroup beneath our own cgroup of each v1
// hierarchy (the memory one included, so nothing leaves the machine's accounting), and the
// eBPF device filter, freezer and cgroup.kill on a child of the host's cgroup2 hierarchy. Only
// cgroups these tests create are touched, and they are removed again.
#include "skip.hpp"
#include "tree.hpp"

#include <cerrno>
#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>

using namespace hull;
using namespace hull::cgroups;

namespace {

std::string unique(const char* what)
{
    static int n = 0;
    return std::string("hull-unit-") + what + "-" + std::to_string(::getpid()) + "-" + std::to_string(n++);
}

std::string slurp(const std::string& path)
{
    auto r = hull::read_file(path);
    return r ? std::string(r.value()) : "";
}

bool is_dir(const std::string& path)
{
    struct stat st { };
    return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

void reap(pid_t pid)
{
    if (pid > 0) {
        ::kill(pid, SIGKILL);
        ::waitpid(pid, nullptr, 0);
    }
}

// A child that joins the cgroup2 directory `dir`, then reports as its exit code whether it
// could open /dev/null (bit 0) and /dev/zero (bit 1), the latter failing with EPERM (bit 2).
int probe_devices(const std::string& dir)
{
    pid_t child = ::fork();
    if (child == 0) {
        int fd = ::open((dir + "/cgroup.procs").c_str(), O_WRONLY);
        std::string me = std::to_string(::getpid());
        if (fd < 0 || ::write(fd, me.data(), me.size()) < 0)
            ::_exit(100);
        ::close(fd);
        int code = 0;
        if (int n = ::open("/dev/null", O_RDWR); n >= 0)
            code |= 1, ::close(n);
        if (int z = ::open("/dev/zero", O_RDONLY); z >= 0)
            code |= 2, ::close(z);
        else if (errno == EPERM)
            code |= 4;
        ::_exit(code);
    }
    int status = 0;
    ::waitpid(child, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

} // namespace

TEST_CASE(
    "root: a v1/hybrid container cgroup beneath our own, with limits, devices, freezer, kill" * HULL_HOST)
{
    if (::geteuid() != 0)
        HULL_SKIP("needs root");
    auto host = detect_host();
    REQUIRE(host.ok());
    if (host.value().layout != Layout::Hybrid && host.value().layout != Layout::V1)
        HULL_SKIP("the host is not v1 or hybrid");
    auto own = read_own_cgroups();
    REQUIRE(own.ok());
    std::string id = unique("v1");
    auto state = resolve_path({"", id}, host.value(), own.value());
    REQUIRE_MESSAGE(state.ok(), cgtest::why(state));
    const CgroupDir* mem = state.value().find("memory");
    REQUIRE(mem);
    CHECK(mem->path
        == mem->mount_point + (own.value()["memory"] == "/" ? "" : own.value()["memory"]) + "/" + id);

    Manager m(state.value());
    pid_t child = -1;
    ScopeExit cleanup([&] {
        reap(child);
        (void)m.destroy();
    });
    oci::Resources r;
    r.memory = oci::Memory {};
    r.memory->limit = 64 << 20;
    r.pids = oci::Pids {16};
    r.cpu = oci::Cpu {};
    r.cpu->shares = 512;
    r.cpu->quota = 200000;
    r.cpu->period = 100000;
    r.cpu->cpus = "0";
    auto created = m.create(&r);
    REQUIRE_MESSAGE(created.ok(), cgtest::why(created));
    auto applied = m.apply(r);
    REQUIRE_MESSAGE(applied.ok(), cgtest::why(applied));
    auto devices = m.set_devices(device_rules(&r, {}).value());
    REQUIRE_MESSAGE(devices.ok(), cgtest::why(devices));

    CHECK(slurp(mem->path + "/memory.limit_in_bytes") == "67108864\n");
    if (const CgroupDir* p = state.value().find("pids"))
        CHECK(slurp(p->path + "/pids.max") == "16\n");
    if (const CgroupDir* c = state.value().find("cpu")) {
        CHECK(slurp(c->path + "/cpu.shares") == "512\n");
        CHECK(slurp(c->path + "/cpu.cfs_quota_us") == "200000\n");
    }
    if (const CgroupDir* c = state.value().find("cpuset"))
        CHECK(slurp(c->path + "/cpuset.cpus") == "0\n");
    std::string list = slurp(state.value().find("devices")->path + "/devices.list");
    CHECK(list.find("c 1:3 rwm") != std::string::npos);
    CHECK(list.find("a *:* rwm") == std::string::npos);

    // An update with a quota alone keeps the period.
    oci::Resources upd;
    upd.cpu = oci::Cpu {};
    upd.cpu->quota = 300000;
    REQUIRE(m.apply(upd).ok());
    if (const CgroupDir* c = state.value().find("cpu"))
        CHECK(slurp(c->path + "/cpu.cfs_period_us") == "100000\n");

    child = cgtest::spawn_pausing_child();
    REQUIRE(child > 0);
    REQUIRE(m.add_pid(child).ok());
    CHECK(slurp("/proc/" + std::to_string(child) + "/cgroup")
              .find(":memory:" + mem->path.substr(mem->mount_point.size()))
        != std::string::npos);
    CHECK(m.pids().value() == std::vector<pid_t> {child});
    CHECK(Manager(state.value()).create(nullptr).error().text()
        == "container's cgroup is not empty: 1 process(es) found");

    REQUIRE(m.freeze().ok());
    CHECK(m.freezer_state().value() == FreezerState::Frozen);
    REQUIRE(m.thaw().ok());
    CHECK(m.freezer_state().value() == FreezerState::Thawed);

    auto stats = m.stats();
    REQUIRE_MESSAGE(stats.ok(), cgtest::why(stats));
    CHECK(stats.value().pids.current == 1);
    CHECK(stats.value().memory.usage.limit == 64u << 20);
    CHECK(stats_to_json(stats.value()).find("\"pids\":{\"current\":1,\"limit\":16}") != std::string::npos);
    CHECK(m.oom_kill_count().ok());
    CHECK(m.watch_oom().ok());

    // SIGTERM takes the freeze/signal/thaw path on v1.
    REQUIRE(m.kill_all(SIGTERM).ok());
    int status = 0;
    REQUIRE(::waitpid(child, &status, 0) == child);
    child = -1;
    CHECK(WIFSIGNALED(status));
    CHECK(WTERMSIG(status) == SIGTERM);

    REQUIRE(m.destroy().ok());
    for (const auto& d : state.value().dirs)
        CHECK_FALSE(is_dir(d.path));
    CHECK(is_dir(mem->mount_point + own.value()["memory"])); // our own cgroup stays
}

TEST_CASE("root: eBPF device filter, freezer and cgroup.kill on the cgroup2 hierarchy" * HULL_HOST)
{
    if (::geteuid() != 0)
        HULL_SKIP("needs root");
    auto host = detect_host();
    REQUIRE(host.ok());
    const Hierarchy* v2 = nullptr;
    for (const auto& h : host.value().hierarchies)
        if (h.v2)
            v2 = &h;
    if (!v2)
        HULL_SKIP("no cgroup2 hierarchy");
    auto own = read_own_cgroups();
    REQUIRE(own.ok());
    // A child of our own cgroup2 cgroup: made here rather than by Manager::create, which
    // would enable controllers in the host's cgroup.subtree_control files.
    std::string base = v2->mount_point + (own.value()[""] == "/" ? "" : own.value()[""]);
    std::string dir = base + "/" + unique("v2");
    REQUIRE(::mkdir(dir.c_str(), 0755) == 0);
    CgroupState s;
    s.layout = Layout::V2;
    s.dirs = {{v2->mount_point, {}, true, dir, false}};
    Manager m(s);
    pid_t child = -1;
    ScopeExit cleanup([&] {
        reap(child);
        (void)m.destroy();
    });

    // Only /dev/null.
    auto set = m.set_devices({{'a', -1, -1, "rwm", false}, {'c', 1, 3, "rwm", true}});
    REQUIRE_MESSAGE(set.ok(), cgtest::why(set));
    CHECK(probe_devices(dir) == (1 | 4));
    // Replaced (not stacked): /dev/zero allowed now.
    REQUIRE(
        m.set_devices({{'a', -1, -1, "rwm", false}, {'c', 1, 3, "rwm", true}, {'c', 1, 5, "r", true}}).ok());
    CHECK(probe_devices(dir) == (1 | 2));
    REQUIRE(m.set_devices(device_rules(nullptr, {}).value()).ok());
    CHECK(probe_devices(dir) == (1 | 2));

    child = cgtest::spawn_pausing_child();
    REQUIRE(child > 0);
    REQUIRE(m.add_pid(child).ok());
    CHECK(m.pids().value() == std::vector<pid_t> {child});
    if (slurp(dir + "/cgroup.freeze").empty()) {
        MESSAGE("this kernel has no cgroup2 freezer");
    } else {
        REQUIRE(m.freeze().ok());
        CHECK(m.freezer_state().value() == FreezerState::Frozen);
        REQUIRE(m.thaw().ok());
        CHECK(m.freezer_state().value() == FreezerState::Thawed);
    }
    REQUIRE(m.kill_all(SIGKILL).ok());
    int status = 0;
    REQUIRE(::waitpid(child, &status, 0) == child);
    child = -1;
    CHECK(WTERMSIG(status) == SIGKILL);
    REQUIRE(m.destroy().ok());
    CHECK_FALSE(is_dir(dir));
}
