#include "skip.hpp"
#include "tree.hpp"

#include <doctest/doctest.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace hull;
using namespace hull::cgroups;
using cgtest::Recorder;
using cgtest::Tree;
using V = std::vector<std::string>;

namespace {

// A hybrid host in a temp dir: v1 cpuset, memory, cpu, devices, freezer, pids; a name=systemd
// hierarchy that is not mounted; cgroup2 at "unified" offering only hugetlb.
void hybrid_tree(const Tree& t)
{
    t.file("cpuset/cpuset.cpus", "0-1\n");
    t.file("cpuset/cpuset.mems", "0\n");
    t.files("cpuset/a", {"cpuset.cpus", "cpuset.mems", "cgroup.procs"});
    t.files("cpuset/a/ctr", {"cpuset.cpus", "cpuset.mems", "cgroup.procs"});
    t.files("memory/p/ctr",
        {"cgroup.procs", "memory.memsw.limit_in_bytes", "memory.soft_limit_in_bytes", "memory.swappiness",
            "memory.oom_control", "cgroup.event_control"});
    t.file("memory/p/ctr/memory.limit_in_bytes", "9223372036854771712\n");
    t.files("cpu/ctr", {"cgroup.procs", "cpu.shares", "cpu.cfs_quota_us", "cpu.cfs_period_us"});
    t.files("devices/ctr", {"cgroup.procs", "devices.allow", "devices.deny"});
    t.file("devices/ctr/devices.list", "a *:* rwm\n");
    t.files("freezer/ctr", {"cgroup.procs"});
    t.file("freezer/ctr/freezer.state", "THAWED\n");
    t.file("freezer/ctr/freezer.self_freezing", "0\n");
    t.files("pids/ctr", {"cgroup.procs", "pids.max"});
    t.file("unified/cgroup.controllers", "hugetlb\n");
    t.file("unified/cgroup.subtree_control", "");
    t.files("unified/ctr", {"cgroup.procs", "hugetlb.2MB.max"});
}

CgroupState hybrid_state(const Tree& t)
{
    CgroupState s;
    s.layout = Layout::Hybrid;
    auto v1 = [&](const std::string& name, const std::string& path, bool optional = false) {
        std::string ctl = name == "systemd" ? "name=systemd" : name;
        s.dirs.push_back({t.at(name), {ctl}, false, t.at(name + "/" + path), optional});
    };
    v1("cpuset", "a/ctr");
    v1("memory", "p/ctr");
    v1("cpu", "ctr");
    v1("devices", "ctr");
    v1("freezer", "ctr");
    v1("pids", "ctr");
    v1("systemd", "ctr", true);
    s.dirs.push_back({t.at("unified"), {}, true, t.at("unified/ctr"), true});
    return s;
}

} // namespace

TEST_CASE("v1 create copies cpuset cpus and mems down; optional hierarchies may fail")
{
    Tree t;
    hybrid_tree(t);
    Recorder rec {t};
    Manager m(hybrid_state(t), rec.options());
    auto r = m.create(nullptr);
    REQUIRE_MESSAGE(r.ok(), cgtest::why(r));
    CHECK(rec.writes
        == V {"cpuset/a/cpuset.cpus=0-1\n", "cpuset/a/cpuset.mems=0\n", "cpuset/a/ctr/cpuset.cpus=0-1\n",
            "cpuset/a/ctr/cpuset.mems=0\n"});
    CHECK_FALSE(t.exists("systemd"));
}

TEST_CASE("v1 create refuses a populated cgroup in any hierarchy")
{
    Tree t;
    hybrid_tree(t);
    t.file("pids/ctr/cgroup.procs", "1\n");
    auto r = Manager(hybrid_state(t)).create(nullptr);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().text() == "container's cgroup is not empty: 1 process(es) found");
    Tree f;
    hybrid_tree(f);
    f.file("freezer/ctr/freezer.state", "FROZEN\n");
    f.file("freezer/ctr/freezer.self_freezing", "1\n");
    CHECK(
        Manager(hybrid_state(f)).create(nullptr).error().text() == "container's cgroup unexpectedly frozen");
    // Frozen only through an ancestor does not count.
    f.file("freezer/ctr/freezer.self_freezing", "0\n");
    CHECK(Manager(hybrid_state(f)).create(nullptr).ok());
}

TEST_CASE("hybrid apply: v1 files per hierarchy, hugetlb through the cgroup2 side")
{
    Tree t;
    hybrid_tree(t);
    Recorder rec {t};
    Manager m(hybrid_state(t), rec.options());
    oci::Resources r;
    r.memory = oci::Memory {};
    r.memory->limit = 1 << 20;
    r.memory->swap = 2 << 20;
    r.memory->swappiness = 0;
    r.cpu = oci::Cpu {};
    r.cpu->shares = 512;
    r.cpu->quota = 20000;
    r.cpu->cpus = "1";
    r.pids = oci::Pids {-1};
    r.hugepageLimits = {{"2MB", 2097152}};
    auto ok = m.apply(r);
    REQUIRE_MESSAGE(ok.ok(), cgtest::why(ok));
    // hugetlb is enabled on the cgroup2 side while planning. memory.limit_in_bytes is high
    // now: the limit goes down first, then memory+swap.
    CHECK(rec.writes
        == V {"unified/cgroup.subtree_control=+hugetlb", "cpuset/a/ctr/cpuset.cpus=1",
            "memory/p/ctr/memory.limit_in_bytes=1048576", "memory/p/ctr/memory.memsw.limit_in_bytes=2097152",
            "memory/p/ctr/memory.swappiness=0", "cpu/ctr/cpu.shares=512", "cpu/ctr/cpu.cfs_quota_us=20000",
            "pids/ctr/pids.max=max", "unified/ctr/hugetlb.2MB.max=2097152"});

    oci::Resources net;
    net.network = oci::Network {1, {}};
    auto e = m.apply(net);
    REQUIRE_FALSE(e.ok());
    CHECK(e.error().text()
        == "set cgroup resources: cannot set net_cls limit: container could not join or create cgroup");
    oci::Resources uni;
    uni.unified["memory.high"] = "1";
    CHECK(m.apply(uni).error().text()
        == "set cgroup resources: invalid configuration: cannot use unified on cgroup v1");
}

TEST_CASE("v1 devices: transition writes from devices.list")
{
    Tree t;
    hybrid_tree(t);
    Recorder rec {t};
    Manager m(hybrid_state(t), rec.options());
    oci::Resources r;
    r.devices = {{false, "", {}, {}, "rwm"}, {true, "c", 10, 229, "rw"}};
    REQUIRE(m.set_devices(device_rules(&r, {}).value()).ok());
    CHECK(rec.writes
        == V {"devices/ctr/devices.deny=a *:* rwm", "devices/ctr/devices.allow=b *:* m",
            "devices/ctr/devices.allow=c *:* m", "devices/ctr/devices.allow=c 1:3 rwm",
            "devices/ctr/devices.allow=c 1:5 rwm", "devices/ctr/devices.allow=c 1:7 rwm",
            "devices/ctr/devices.allow=c 1:8 rwm", "devices/ctr/devices.allow=c 1:9 rwm",
            "devices/ctr/devices.allow=c 5:0 rwm", "devices/ctr/devices.allow=c 5:2 rwm",
            "devices/ctr/devices.allow=c 10:200 rwm", "devices/ctr/devices.allow=c 10:229 rw",
            "devices/ctr/devices.allow=c 136:* rwm"});
    // With runc's final check a fake devices.list (unchanged) does not match the target.
    auto strict = Manager(hybrid_state(t)).set_devices(device_rules(&r, {}).value());
    REQUIRE_FALSE(strict.ok());
    CHECK(strict.error().text() == "resulting devices cgroup doesn't precisely match target");
}

TEST_CASE("v1 add_pid, clone fd on the cgroup2 side, freezer")
{
    Tree t;
    hybrid_tree(t);
    Recorder rec {t};
    Manager m(hybrid_state(t), rec.options());
    REQUIRE(m.add_pid(77).ok());
    CHECK(rec.writes
        == V {"cpuset/a/ctr/cgroup.procs=77", "memory/p/ctr/cgroup.procs=77", "cpu/ctr/cgroup.procs=77",
            "devices/ctr/cgroup.procs=77", "freezer/ctr/cgroup.procs=77", "pids/ctr/cgroup.procs=77",
            "unified/ctr/cgroup.procs=77"});
    CHECK(m.open_clone_fd().ok());

    rec.writes.clear();
    REQUIRE(m.freeze().ok());
    CHECK(rec.writes == V {"freezer/ctr/freezer.state=FROZEN"});
    t.file("freezer/ctr/freezer.self_freezing", "1\n");
    CHECK(m.freezer_state().value() == FreezerState::Frozen);
    REQUIRE(m.thaw().ok());
    CHECK(m.freezer_state().value() == FreezerState::Thawed);

    // A sub-cgroup (exec --cgroup) made in the v1 hierarchies only: on the optional cgroup2 side
    // the process goes to the container's own cgroup; missing from a v1 hierarchy, it fails.
    for (const char* d :
        {"cpuset/a/ctr", "memory/p/ctr", "cpu/ctr", "devices/ctr", "freezer/ctr", "pids/ctr"})
        t.file(std::string(d) + "/sub/cgroup.procs", "");
    rec.writes.clear();
    REQUIRE(m.add_pid(78, parse_sub_cgroups({"sub"}).value()).ok());
    CHECK(rec.writes
        == V {"cpuset/a/ctr/sub/cgroup.procs=78", "memory/p/ctr/sub/cgroup.procs=78",
            "cpu/ctr/sub/cgroup.procs=78", "devices/ctr/sub/cgroup.procs=78",
            "freezer/ctr/sub/cgroup.procs=78", "pids/ctr/sub/cgroup.procs=78",
            "unified/ctr/cgroup.procs=78"});
    CHECK(m.add_pid(79, parse_sub_cgroups({"nosuch"}).value()).error().text()
        == "open " + t.at("cpuset/a/ctr/nosuch/cgroup.procs") + ": no such file or directory");

    // Per controller (runc's "memory:submem --cgroup cpu:subcpu"): the hierarchies not named,
    // the cgroup2 side too, stay at the container's own cgroup.
    t.file("memory/p/ctr/submem/cgroup.procs", "");
    t.file("cpu/ctr/subcpu/cgroup.procs", "");
    rec.writes.clear();
    REQUIRE(m.add_pid(80, parse_sub_cgroups({"memory:submem", "cpu:/subcpu", "pids:/"}).value()).ok());
    CHECK(rec.writes
        == V {"cpuset/a/ctr/cgroup.procs=80", "memory/p/ctr/submem/cgroup.procs=80",
            "cpu/ctr/subcpu/cgroup.procs=80", "devices/ctr/cgroup.procs=80", "freezer/ctr/cgroup.procs=80",
            "pids/ctr/cgroup.procs=80", "unified/ctr/cgroup.procs=80"});
    auto unknown = parse_sub_cgroups({"whaaat:/"}).value();
    CHECK(m.check_sub_cgroups(unknown).error().text() == "unknown controller whaaat");
    rec.writes.clear();
    CHECK_FALSE(m.add_pid(81, unknown).ok());
    CHECK(rec.writes.empty());
    CHECK(m.check_sub_cgroups(parse_sub_cgroups({"name=systemd:/"}).value()).ok());
    CHECK(m.add_pid(82, parse_sub_cgroups({"cpu:nonexistent"}).value()).error().text()
        == "open " + t.at("cpu/ctr/nonexistent/cgroup.procs") + ": no such file or directory");

    // A co-mounted hierarchy is one directory: its controllers take one path.
    CgroupState comounted = hybrid_state(t);
    comounted.dirs[2].controllers = {"cpu", "cpuacct"};
    Manager cm(comounted, rec.options());
    CHECK(cm.check_sub_cgroups(parse_sub_cgroups({"cpu,cpuacct:subcpu"}).value()).ok());
    CHECK(cm.check_sub_cgroups(parse_sub_cgroups({"cpu:subcpu", "cpuacct:other"}).value()).error().text()
        == "controllers cpu and cpuacct share one cgroup hierarchy: give them the same sub-cgroup path");

    // A missing non-optional hierarchy makes add_pid fail.
    Tree bare;
    hybrid_tree(bare);
    std::system(("rm -rf " + bare.at("pids/ctr")).c_str());
    CHECK_FALSE(Manager(hybrid_state(bare)).add_pid(1).ok());
}

TEST_CASE("v1 kill_all without cgroup.kill: freeze, signal, thaw")
{
    Tree t;
    hybrid_tree(t);
    pid_t child = cgtest::spawn_pausing_child();
    REQUIRE(child > 0);
    t.file("devices/ctr/cgroup.procs", std::to_string(child) + "\n");
    Recorder rec {t};
    Manager m(hybrid_state(t), rec.options());
    REQUIRE(m.pids().value() == std::vector<pid_t> {child});
    REQUIRE(m.kill_all(SIGKILL).ok());
    int status = 0;
    REQUIRE(::waitpid(child, &status, 0) == child);
    CHECK(WIFSIGNALED(status));
    CHECK(WTERMSIG(status) == SIGKILL);
    CHECK(rec.writes == V {"freezer/ctr/freezer.state=FROZEN", "freezer/ctr/freezer.state=THAWED"});

    // With cgroup.kill on the cgroup2 side it is used (as runc does on hybrid hosts), and the
    // v1 hierarchies are still read: a process they hold may be outside the cgroup2 companion.
    pid_t other = cgtest::spawn_pausing_child();
    REQUIRE(other > 0);
    t.file("devices/ctr/cgroup.procs", std::to_string(other) + "\n");
    t.file("unified/ctr/cgroup.kill", "");
    rec.writes.clear();
    REQUIRE(m.kill_all(SIGKILL).ok());
    REQUIRE(::waitpid(other, &status, 0) == other);
    CHECK(WIFSIGNALED(status));
    CHECK(rec.writes
        == V {"unified/ctr/cgroup.kill=1", "freezer/ctr/freezer.state=FROZEN",
            "freezer/ctr/freezer.state=THAWED"});
}

TEST_CASE("the runtime's own cgroup is never signalled or removed" * HULL_HOST)
{
    auto own = read_own_cgroups();
    REQUIRE(own.ok());
    Tree t;
    std::string mine = own.value().count("memory") ? own.value()["memory"] : own.value()[""];
    if (mine == "/")
        HULL_SKIP("this process is in a root memory cgroup: no cgroup of its own to protect");
    // A container "cgroup" that is an ancestor of (or equal to) our own, in a fake mount.
    std::string parent = mine.substr(0, mine.rfind('/'));
    t.dir("memory" + mine);
    CgroupState s;
    s.layout = Layout::V1;
    s.dirs = {{t.at("memory"), {"memory"}, false, t.at("memory" + (parent.empty() ? mine : parent)), false}};
    Manager m(s);
    auto r = m.destroy();
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().text().find("it holds the runtime itself") != std::string::npos);
    CHECK(t.exists("memory" + mine));
    CHECK_FALSE(m.kill_all(SIGKILL).ok());
}

TEST_CASE("v1 OOM: an eventfd registered on memory.oom_control")
{
    Tree t;
    hybrid_tree(t);
    t.file("memory/p/ctr/memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 4\n");
    Manager m(hybrid_state(t));
    CHECK(m.oom_kill_count().value() == 4);
    auto w = m.watch_oom();
    REQUIRE(w.ok());
    std::string line = t.read("memory/p/ctr/cgroup.event_control");
    size_t sp = line.find(' ');
    REQUIRE(sp != std::string::npos);
    CHECK(std::stoi(line.substr(0, sp)) == w.value().fd());
    CHECK(std::stoi(line.substr(sp + 1)) > 2);
}

TEST_CASE("v1 self join: the tasks files of the v1 hierarchies, \"0\" to each; add_pid for cgroup2 alone")
{
    Tree t;
    hybrid_tree(t);
    for (const char* d :
        {"cpuset/a/ctr", "memory/p/ctr", "cpu/ctr", "devices/ctr", "freezer/ctr", "pids/ctr"})
        t.file(std::string(d) + "/tasks", "");
    Recorder rec {t};
    Manager m(hybrid_state(t), rec.options());
    // The optional name=systemd hierarchy has no directory here: left out, as add_pid ignores it.
    auto self = m.open_self_join();
    REQUIRE(self.ok());
    V paths;
    for (const auto& target : self.value().targets)
        paths.push_back(target.path);
    CHECK(paths
        == V {t.at("cpuset/a/ctr/tasks"), t.at("memory/p/ctr/tasks"), t.at("cpu/ctr/tasks"),
            t.at("devices/ctr/tasks"), t.at("freezer/ctr/tasks"), t.at("pids/ctr/tasks")});
    REQUIRE(join_self(self.value()).ok());
    CHECK(t.read("pids/ctr/tasks") == "0");
    CHECK(t.read("cpuset/a/ctr/tasks") == "0");

    REQUIRE(m.add_pid(81, {}, Hierarchies::Cgroup2).ok());
    CHECK(rec.writes == V {"unified/ctr/cgroup.procs=81"});

    // A v1 hierarchy that is not optional must be joinable: its path is named.
    ::unlink(t.at("pids/ctr/tasks").c_str());
    auto missing = m.open_self_join();
    REQUIRE_FALSE(missing.ok());
    CHECK(missing.error().text() == "open " + t.at("pids/ctr/tasks") + ": no such file or directory");
}
