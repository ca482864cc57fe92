#include "tree.hpp"

#include <csignal>
#include <cstring>
#include <doctest/doctest.h>
#include <poll.h>
#include <sys/wait.h>

using namespace hull;
using namespace hull::cgroups;
using cgtest::Recorder;
using cgtest::Tree;
using V = std::vector<std::string>;

namespace {

const V kCgroupFiles = {"cgroup.type", "cgroup.procs", "cgroup.subtree_control", "cgroup.controllers",
    "cgroup.freeze", "cgroup.kill", "cgroup.events"};

// mount "cg" holding "a" holding the container "a/ctr", each with the core files.
void v2_tree(const Tree& t)
{
    t.file("cg/cgroup.controllers", "cpuset cpu io memory hugetlb pids\n");
    t.file("cg/cgroup.subtree_control", "");
    for (const char* d : {"cg/a", "cg/a/ctr"}) {
        t.files(d, kCgroupFiles);
        t.file(std::string(d) + "/cgroup.type", "domain\n");
        t.file(std::string(d) + "/cgroup.freeze", "0\n");
        t.file(std::string(d) + "/cgroup.events", "populated 0\nfrozen 0\n");
    }
    t.file("cg/a/ctr/cgroup.controllers", "cpuset cpu io memory hugetlb pids\n");
    t.files("cg/a/ctr",
        {"pids.max", "memory.max", "memory.low", "memory.swap.max", "cpu.weight", "cpu.max", "cpu.max.burst",
            "cpu.idle", "io.max", "io.weight", "cpuset.cpus", "cpuset.mems", "hugetlb.2MB.max", "memory.high",
            "memory.current"});
}

CgroupState v2_state(const Tree& t)
{
    CgroupState s;
    s.layout = Layout::V2;
    s.dirs = {{t.at("cg"), {}, true, t.at("cg/a/ctr"), false}};
    return s;
}

} // namespace

TEST_CASE("v2 create enables the root's controllers down to the parent, not in the leaf")
{
    Tree t;
    v2_tree(t);
    Recorder rec {t};
    Manager m(v2_state(t), rec.options());
    auto r = m.create(nullptr);
    REQUIRE_MESSAGE(r.ok(), cgtest::why(r));
    CHECK(rec.writes
        == V {"cg/cgroup.subtree_control=+cpuset +cpu +io +memory +hugetlb +pids",
            "cg/a/cgroup.subtree_control=+cpuset +cpu +io +memory +hugetlb +pids"});
}

TEST_CASE("v2 create makes missing directories and removes them again on failure")
{
    Tree t;
    t.file("cg/cgroup.controllers", "memory\n");
    t.file("cg/cgroup.subtree_control", "");
    CgroupState s;
    s.layout = Layout::V2;
    s.dirs = {{t.at("cg"), {}, true, t.at("cg/x/y"), false}};
    Recorder rec {t};
    Manager m(s, rec.options());
    // In a plain directory the new "x" has no cgroup.subtree_control: the write fails, is
    // ignored (a controller that cannot be enabled shows later), and both dirs are made.
    REQUIRE(m.create(nullptr).ok());
    CHECK(t.exists("cg/x/y"));
    CHECK(rec.writes == V {"cg/cgroup.subtree_control=+memory"});

    Tree u;
    u.file("cg/cgroup.controllers", "memory\n");
    u.file("cg/cgroup.subtree_control", "");
    u.file("cg/x/cgroup.type", "domain threaded\n");
    CgroupState s2;
    s2.layout = Layout::V2;
    s2.dirs = {{u.at("cg"), {}, true, u.at("cg/x/y/z"), false}};
    Manager m2(s2);
    oci::Resources mem;
    mem.memory = oci::Memory {};
    mem.memory->limit = 1 << 20;
    auto r = m2.create(&mem);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().text()
        == "create cgroup " + u.at("cg/x/y/z") + ": cannot enter cgroupv2 \"" + u.at("cg/x")
            + "\" with domain controllers -- it is in domain threaded mode");
    CHECK(u.exists("cg/x"));
    CHECK_FALSE(u.exists("cg/x/y")); // made by this create, removed again
}

TEST_CASE("v2 create: a domain-invalid ancestor turns threaded when no domain controller is needed")
{
    Tree t;
    v2_tree(t);
    t.file("cg/a/cgroup.type", "domain invalid\n");
    Recorder rec {t};
    Manager m(v2_state(t), rec.options());
    oci::Resources pids;
    pids.pids = oci::Pids {10};
    REQUIRE(m.create(&pids).ok());
    CHECK(rec.writes[1] == "cg/a/cgroup.type=threaded");
    oci::Resources mem;
    mem.memory = oci::Memory {};
    mem.memory->limit = 4096;
    t.file("cg/a/cgroup.type", "domain invalid\n");
    auto r = Manager(v2_state(t)).create(&mem);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().text().find("with domain controllers -- it is in an invalid state") != std::string::npos);
}

TEST_CASE("create refuses a cgroup with processes (sub-cgroups included) or a frozen one")
{
    Tree t;
    v2_tree(t);
    t.file("cg/a/ctr/cgroup.procs", "123\n456\n");
    t.file("cg/a/ctr/sub/cgroup.procs", "789\n");
    auto r = Manager(v2_state(t)).create(nullptr);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().text() == "container's cgroup is not empty: 3 process(es) found");

    Tree f;
    v2_tree(f);
    f.file("cg/a/ctr/cgroup.freeze", "1\n");
    r = Manager(v2_state(f)).create(nullptr);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().text() == "container's cgroup unexpectedly frozen");
}

TEST_CASE("v2 apply writes the plan; update keeps the other half of cpu.max")
{
    Tree t;
    v2_tree(t);
    t.file("cg/a/ctr/cpu.max", "30000 250000\n");
    Recorder rec {t};
    Manager m(v2_state(t), rec.options());
    oci::Resources r;
    r.pids = oci::Pids {64};
    r.memory = oci::Memory {};
    r.memory->limit = 1 << 20;
    r.cpu = oci::Cpu {};
    r.cpu->quota = 40000;
    r.cpu->shares = 1024;
    r.hugepageLimits = {{"2MB", 0}}; // the rsvd file is missing here: skipped
    r.unified["memory.high"] = "max";
    auto ok = m.apply(r);
    REQUIRE_MESSAGE(ok.ok(), cgtest::why(ok));
    CHECK(rec.writes
        == V {"cg/a/ctr/pids.max=64", "cg/a/ctr/memory.max=1048576", "cg/a/ctr/cpu.weight=100",
            "cg/a/ctr/cpu.max=40000 250000", "cg/a/ctr/hugetlb.2MB.max=0", "cg/a/ctr/memory.high=max"});
    CHECK(t.read("cg/a/ctr/cpu.max") == "40000 250000");

    // A missing file that is not optional is an error naming the file and the data.
    oci::Resources rdma;
    rdma.rdma["mlx5_0"] = oci::Rdma {1, {}};
    auto e = m.apply(rdma);
    REQUIRE_FALSE(e.ok());
    CHECK(e.error().text()
        == "set cgroup resources: write \"mlx5_0 hca_handle=1\" to " + t.at("cg/a/ctr/rdma.max")
            + ": no such file or directory");
    // A unified key for a controller this cgroup does not have.
    oci::Resources u;
    u.unified["rdma.max"] = "x";
    e = m.apply(u);
    REQUIRE_FALSE(e.ok());
    CHECK(e.error().text()
        == "set cgroup resources: unified resource \"rdma.max\" can't be set: controller \"rdma\" not "
           "available");
}

TEST_CASE("v2 io: BFQ is detected from io.bfq.weight")
{
    Tree t;
    v2_tree(t);
    t.file("cg/a/ctr/io.bfq.weight", "default 100\n");
    Recorder rec {t};
    Manager m(v2_state(t), rec.options());
    oci::BlockIo io;
    io.weight = 200;
    io.weightDevice = {{8, 0, 300, {}}};
    oci::Resources r;
    r.blockIO = io;
    REQUIRE(m.apply(r).ok());
    CHECK(rec.writes == V {"cg/a/ctr/io.bfq.weight=200", "cg/a/ctr/io.bfq.weight=8:0 300\n"});
}

TEST_CASE("v2 devices: the program goes to the loader; a failure is an error unless nothing is denied")
{
    Tree t;
    v2_tree(t);
    Recorder rec {t};
    Manager m(v2_state(t), rec.options());
    auto rules = device_rules(nullptr, {}).value();
    REQUIRE(m.set_devices(rules).ok());
    REQUIRE(rec.programs.size() == 1);
    auto expected = device_filter(rules).value();
    REQUIRE(rec.programs[0].size() == expected.size());
    CHECK(std::memcmp(rec.programs[0].data(), expected.data(), expected.size() * sizeof(bpf_insn)) == 0);

    ManagerOptions failing;
    failing.load_device_filter = [](int, const std::string&, const std::vector<bpf_insn>&) -> Result<void> {
        return Error::from_code(EPERM, "bpf BPF_PROG_LOAD");
    };
    auto r = Manager(v2_state(t), failing).set_devices(rules);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().text() == "set device rules: bpf BPF_PROG_LOAD: operation not permitted");
    CHECK(Manager(v2_state(t), failing).set_devices({{'a', -1, -1, "rwm", true}}).ok());
}

TEST_CASE("v2 clone fd, add_pid, freeze and thaw")
{
    Tree t;
    v2_tree(t);
    Recorder rec {t};
    Manager m(v2_state(t), rec.options());
    auto fd = m.open_clone_fd();
    REQUIRE(fd.ok());
    CHECK(fd.value().get() >= 0);
    REQUIRE(m.add_pid(42).ok());
    CHECK(rec.writes.back() == "cg/a/ctr/cgroup.procs=42");
    // --cgroup on v2: one path, "/" being the container's cgroup; no controller prefix.
    t.file("cg/a/ctr/sub/cgroup.procs", "");
    REQUIRE(m.add_pid(43, parse_sub_cgroups({"sub"}).value()).ok());
    CHECK(rec.writes.back() == "cg/a/ctr/sub/cgroup.procs=43");
    REQUIRE(m.add_pid(44, parse_sub_cgroups({"/"}).value()).ok());
    CHECK(rec.writes.back() == "cg/a/ctr/cgroup.procs=44");
    auto missing = m.add_pid(45, parse_sub_cgroups({"nonexistent"}).value());
    REQUIRE_FALSE(missing.ok());
    CHECK(missing.error().text()
        == "open " + t.at("cg/a/ctr/nonexistent/cgroup.procs") + ": no such file or directory");
    auto by_controller = parse_sub_cgroups({"memory:sub"}).value();
    CHECK(m.check_sub_cgroups(by_controller).error().text()
        == "unknown controller memory: on cgroup v2 the sub-cgroup path has no controller prefix");
    CHECK_FALSE(m.add_pid(46, by_controller).ok());
    CHECK(rec.writes.back() == "cg/a/ctr/cgroup.procs=44");

    // The kernel says "frozen 1" in cgroup.events once done.
    t.file("cg/a/ctr/cgroup.events", "populated 1\nfrozen 1\n");
    REQUIRE(m.freeze().ok());
    CHECK(m.freezer_state().value() == FreezerState::Frozen);
    REQUIRE(m.thaw().ok());
    CHECK(m.freezer_state().value() == FreezerState::Thawed);
    t.file("cg/a/ctr/cgroup.events", "populated 1\nfrozen 0\n");
    auto r = m.freeze();
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().text() == "timeout of 0s reached waiting for the cgroup to freeze");
}

TEST_CASE("v2 kill_all: cgroup.kill for SIGKILL, otherwise freeze, signal each pid, thaw")
{
    Tree t;
    v2_tree(t);
    t.file("cg/a/ctr/cgroup.events", "populated 1\nfrozen 1\n");
    Recorder rec {t};
    Manager m(v2_state(t), rec.options());
    REQUIRE(m.kill_all(SIGKILL).ok());
    CHECK(rec.writes == V {"cg/a/ctr/cgroup.kill=1"});

    pid_t child = cgtest::spawn_pausing_child();
    REQUIRE(child > 0);
    t.file("cg/a/ctr/cgroup.procs", std::to_string(child) + "\n");
    rec.writes.clear();
    REQUIRE(m.kill_all(SIGTERM).ok());
    int status = 0;
    REQUIRE(::waitpid(child, &status, 0) == child);
    CHECK(WIFSIGNALED(status));
    CHECK(WTERMSIG(status) == SIGTERM);
    CHECK(rec.writes == V {"cg/a/ctr/cgroup.freeze=1", "cg/a/ctr/cgroup.freeze=0"});

    Tree gone;
    CgroupState s;
    s.layout = Layout::V2;
    s.dirs = {{gone.at("cg"), {}, true, gone.at("cg/none"), false}};
    auto r = Manager(s).kill_all(SIGKILL);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code() == ENOENT);
}

TEST_CASE("destroy removes sub-cgroups first and tolerates a missing cgroup")
{
    Tree t;
    t.dir("cg/a/ctr/sub/deeper");
    CgroupState s;
    s.layout = Layout::V2;
    s.dirs = {{t.at("cg"), {}, true, t.at("cg/a/ctr"), false}};
    Manager m(s);
    auto r = m.destroy();
    REQUIRE_MESSAGE(r.ok(), cgtest::why(r));
    CHECK_FALSE(t.exists("cg/a/ctr"));
    CHECK(t.exists("cg/a")); // parents stay, as with runc
    CHECK(m.destroy().ok());
}

TEST_CASE("v2 OOM: inotify on memory.events and cgroup.events")
{
    Tree t;
    v2_tree(t);
    t.file("cg/a/ctr/memory.events", "low 0\nhigh 0\nmax 0\noom 0\noom_kill 1\n");
    t.file("cg/a/ctr/cgroup.events", "populated 1\nfrozen 0\n");
    Manager m(v2_state(t));
    CHECK(m.oom_kill_count().value() == 1);
    auto w = m.watch_oom();
    REQUIRE(w.ok());
    t.file("cg/a/ctr/memory.events", "low 0\nhigh 0\nmax 3\noom 3\noom_kill 3\n");
    pollfd p {w.value().fd(), POLLIN, 0};
    REQUIRE(::poll(&p, 1, 1000) == 1);
    auto e = w.value().read();
    REQUIRE(e.ok());
    CHECK(e.value().ooms == 2);
    CHECK_FALSE(e.value().gone);
    t.file("cg/a/ctr/cgroup.events", "populated 0\nfrozen 0\n");
    REQUIRE(::poll(&p, 1, 1000) == 1);
    e = w.value().read();
    REQUIRE(e.ok());
    CHECK(e.value().ooms == 0);
    CHECK(e.value().gone);
}
