#include "hull/cgroups/path.hpp"

#include <doctest/doctest.h>

using namespace hull;
using namespace hull::cgroups;

namespace {

HostCgroups v2_host()
{
    return {Layout::V2, {{"/sys/fs/cgroup", true, {}, "/"}}};
}

// The development machine: v1 controllers, name=systemd, cgroup2 at unified.
HostCgroups hybrid_host()
{
    return {Layout::Hybrid,
        {{"/sys/fs/cgroup/cpu", false, {"cpu"}, "/"}, {"/sys/fs/cgroup/memory", false, {"memory"}, "/"},
            {"/sys/fs/cgroup/devices", false, {"devices"}, "/"},
            {"/sys/fs/cgroup/pids", false, {"pids"}, "/"},
            {"/sys/fs/cgroup/systemd", false, {"name=systemd"}, "/"},
            {"/sys/fs/cgroup/unified", true, {}, "/"}}};
}

OwnCgroups own_hybrid()
{
    return parse_proc_cgroup(
        "9:name=systemd:/\n8:pids:/\n5:devices:/\n4:memory:/process_api/abc\n1:cpu:/\n0::/\n");
}

std::string resolve_v2(const std::string& path, const std::string& own = "/user.slice/session-1.scope",
    Driver driver = Driver::Cgroupfs)
{
    PathRequest r {path, "ctr", driver};
    auto s = resolve_path(r, v2_host(), parse_proc_cgroup("0::" + own + "\n"));
    if (!s)
        return "error: " + s.error().text();
    REQUIRE(s.value().dirs.size() == 1);
    CHECK(s.value().dirs[0].v2);
    return s.value().dirs[0].path;
}

std::string path_of(const CgroupState& s, const std::string& mount)
{
    for (const auto& d : s.dirs)
        if (d.mount_point == mount)
            return d.path;
    return "(none)";
}

} // namespace

TEST_CASE("/proc/self/cgroup is parsed per controller, the cgroup2 entry under \"\"")
{
    auto own = parse_proc_cgroup("12:cpu,cpuacct:/a\n4:memory:/process_api/x\n1:name=systemd:/s\n0::/u\n");
    CHECK(own["cpu"] == "/a");
    CHECK(own["cpuacct"] == "/a");
    CHECK(own["memory"] == "/process_api/x");
    CHECK(own["name=systemd"] == "/s");
    CHECK(own[""] == "/u");
}

TEST_CASE("lexical cleaning, refusing to climb above the start")
{
    std::string out;
    CHECK(clean_path("a//b/./c/../d", out));
    CHECK(out == "a/b/d");
    CHECK(clean_path("/x/../y/", out));
    CHECK(out == "/y");
    CHECK(clean_path("a/..", out));
    CHECK(out == "");
    CHECK_FALSE(clean_path("../x", out));
    CHECK_FALSE(clean_path("/../x", out));
    CHECK_FALSE(clean_path("a/../../x", out));
}

TEST_CASE("v2 cgroupfs placement (runc fs2 defaultpath)")
{
    // Absolute: under the mount. Relative or empty (= id): under the parent of our own cgroup.
    CHECK(resolve_v2("/docker/ctr") == "/sys/fs/cgroup/docker/ctr");
    CHECK(resolve_v2("/default//ctr/") == "/sys/fs/cgroup/default/ctr");
    CHECK(resolve_v2("") == "/sys/fs/cgroup/user.slice/ctr");
    CHECK(resolve_v2("pod/ctr") == "/sys/fs/cgroup/user.slice/pod/ctr");
    CHECK(resolve_v2("", "/") == "/sys/fs/cgroup/ctr");
    CHECK(resolve_v2("a/./b/../c", "/") == "/sys/fs/cgroup/a/c");
}

TEST_CASE("paths that escape or name no cgroup are refused")
{
    CHECK(resolve_v2("../x") == "error: invalid cgroupsPath \"../x\": \"..\" climbs above its root");
    CHECK(resolve_v2("/../../etc")
        == "error: invalid cgroupsPath \"/../../etc\": \"..\" climbs above its root");
    CHECK(
        resolve_v2("a/../../b") == "error: invalid cgroupsPath \"a/../../b\": \"..\" climbs above its root");
    CHECK(resolve_v2("/") == "error: invalid cgroupsPath \"/\": it names no cgroup of its own");
    CHECK(resolve_v2("a/..") == "error: invalid cgroupsPath \"a/..\": it names no cgroup of its own");
}

TEST_CASE("systemd form on cgroupfs: <expanded slice>/<prefix>-<name>.scope")
{
    CHECK(resolve_v2("system.slice:docker:abc", "/", Driver::Systemd)
        == "/sys/fs/cgroup/system.slice/docker-abc.scope");
    CHECK(resolve_v2("machine-libpod_pod_1.slice:libpod:abc", "/", Driver::Systemd)
        == "/sys/fs/cgroup/machine.slice/machine-libpod_pod_1.slice/libpod-abc.scope");
    CHECK(resolve_v2("", "/", Driver::Systemd) == "/sys/fs/cgroup/system.slice/runc-ctr.scope");
    CHECK(resolve_v2(":crio:abc", "/", Driver::Systemd) == "/sys/fs/cgroup/system.slice/crio-abc.scope");
    CHECK(resolve_v2("-.slice:p:n", "/", Driver::Systemd) == "/sys/fs/cgroup/p-n.scope");
    CHECK(resolve_v2("a-b.slice:p:c-d.slice", "/", Driver::Systemd)
        == "/sys/fs/cgroup/a.slice/a-b.slice/c-d.slice");
    CHECK(resolve_v2("/docker/abc", "/", Driver::Systemd)
        == "error: expected cgroupsPath to be of format \"slice:prefix:name\" for systemd cgroups, got "
           "\"/docker/abc\" instead");
    CHECK(resolve_v2("a:b", "/", Driver::Systemd)
        == "error: expected cgroupsPath to be of format \"slice:prefix:name\" for systemd cgroups, got "
           "\"a:b\" "
           "instead");
    CHECK(resolve_v2("bad:p:n", "/", Driver::Systemd) == "error: invalid slice name: bad");
    CHECK(resolve_v2("a--b.slice:p:n", "/", Driver::Systemd) == "error: invalid slice name: a--b.slice");

    PathRequest rootless {"", "ctr", Driver::Systemd, true};
    auto s = resolve_path(rootless, v2_host(), parse_proc_cgroup("0::/\n"));
    REQUIRE(s.ok());
    CHECK(s.value().dirs[0].path == "/sys/fs/cgroup/user.slice/runc-ctr.scope");
}

TEST_CASE("slice expansion")
{
    CHECK(expand_slice("a-b-c.slice").value() == "/a.slice/a-b.slice/a-b-c.slice");
    CHECK(expand_slice("system.slice").value() == "/system.slice");
    CHECK(expand_slice("-.slice").value() == "/");
    CHECK_FALSE(expand_slice(".slice").ok());
    CHECK_FALSE(expand_slice("-a.slice").ok());
    CHECK_FALSE(expand_slice("a/b.slice").ok());
    CHECK_FALSE(expand_slice("a.scope").ok());
}

TEST_CASE("hybrid: relative paths go beneath our own cgroup of each v1 hierarchy")
{
    PathRequest r {"", "ctr"};
    auto s = resolve_path(r, hybrid_host(), own_hybrid());
    REQUIRE(s.ok());
    CHECK(s.value().layout == Layout::Hybrid);
    CHECK(path_of(s.value(), "/sys/fs/cgroup/memory") == "/sys/fs/cgroup/memory/process_api/abc/ctr");
    CHECK(path_of(s.value(), "/sys/fs/cgroup/pids") == "/sys/fs/cgroup/pids/ctr");
    CHECK(path_of(s.value(), "/sys/fs/cgroup/systemd") == "/sys/fs/cgroup/systemd/ctr");
    // The cgroup2 side of a hybrid host is <mount>/<path> for relative paths too (runc's "").
    CHECK(path_of(s.value(), "/sys/fs/cgroup/unified") == "/sys/fs/cgroup/unified/ctr");
    const CgroupDir* u = s.value().unified();
    REQUIRE(u);
    CHECK(u->optional);
    CHECK(s.value().find("memory")->path == "/sys/fs/cgroup/memory/process_api/abc/ctr");
    CHECK_FALSE(s.value().find("memory")->optional);
    CHECK(s.value().find("name=systemd")->optional);
    CHECK(s.value().find("hugetlb") == nullptr);
}

TEST_CASE("hybrid: absolute paths go under each mount, unless the hierarchy is confined")
{
    PathRequest r {"/default/ctr", "ctr"};
    auto s = resolve_path(r, hybrid_host(), own_hybrid());
    REQUIRE(s.ok());
    CHECK(path_of(s.value(), "/sys/fs/cgroup/memory") == "/sys/fs/cgroup/memory/default/ctr");
    CHECK(path_of(s.value(), "/sys/fs/cgroup/unified") == "/sys/fs/cgroup/unified/default/ctr");
    r.confine = {"memory"};
    s = resolve_path(r, hybrid_host(), own_hybrid());
    REQUIRE(s.ok());
    CHECK(path_of(s.value(), "/sys/fs/cgroup/memory") == "/sys/fs/cgroup/memory/process_api/abc/default/ctr");
    CHECK(path_of(s.value(), "/sys/fs/cgroup/pids") == "/sys/fs/cgroup/pids/default/ctr");

    PathRequest sd {"system.slice:docker:x", "x", Driver::Systemd};
    s = resolve_path(sd, hybrid_host(), own_hybrid());
    REQUIRE(s.ok());
    CHECK(path_of(s.value(), "/sys/fs/cgroup/cpu") == "/sys/fs/cgroup/cpu/system.slice/docker-x.scope");
}

TEST_CASE("v1: a nested mount root is taken off our own cgroup; no devices hierarchy is fatal")
{
    HostCgroups host {Layout::V1,
        {{"/sys/fs/cgroup/devices", false, {"devices"}, "/lxc/c1"},
            {"/sys/fs/cgroup/cpu,cpuacct", false, {"cpu", "cpuacct"}, "/"},
            {"/sys/fs/cgroup/foo", false, {"name=foo"}, "/"}}};
    auto own = parse_proc_cgroup("3:devices:/lxc/c1/sub\n2:cpu,cpuacct:/x\n1:name=foo:/\n");
    auto s = resolve_path({"ctr", "ctr"}, host, own);
    REQUIRE(s.ok());
    REQUIRE(s.value().dirs.size() == 2); // name=foo is not a hierarchy runc joins
    CHECK(path_of(s.value(), "/sys/fs/cgroup/devices") == "/sys/fs/cgroup/devices/sub/ctr");
    CHECK(path_of(s.value(), "/sys/fs/cgroup/cpu,cpuacct") == "/sys/fs/cgroup/cpu,cpuacct/x/ctr");
    CHECK(s.value().find("cpuacct")->path == "/sys/fs/cgroup/cpu,cpuacct/x/ctr");

    HostCgroups nodev {Layout::V1, {{"/sys/fs/cgroup/pids", false, {"pids"}, "/"}}};
    auto e = resolve_path({"/x", "x"}, nodev, own);
    REQUIRE_FALSE(e.ok());
    CHECK(e.error().text() == "mountpoint for devices not found");
    CHECK(resolve_path({"/x", "x"}, HostCgroups {}, own).error().text()
        == "no cgroup mount found in mountinfo");
}

TEST_CASE("the state round-trips through JSON and a tampered path is refused")
{
    auto s = resolve_path({"", "ctr"}, hybrid_host(), own_hybrid());
    REQUIRE(s.ok());
    std::string text = state_to_json(s.value());
    auto back = state_from_json(text);
    REQUIRE(back.ok());
    CHECK(back.value() == s.value());
    CHECK(text.find("\"driver\":\"cgroupfs\",\"layout\":\"hybrid\"") != std::string::npos);

    auto bad = [](const std::string& path) {
        return state_from_json(R"({"driver":"cgroupfs","layout":"v2","dirs":[{"mount":"/sys/fs/cgroup",)"
                               R"("controllers":[],"v2":true,"path":")"
            + path + R"(","optional":false}]})");
    };
    CHECK(bad("/sys/fs/cgroup/ok").ok());
    CHECK_FALSE(bad("/sys/fs/cgroup").ok());
    CHECK_FALSE(bad("/sys/fs/cgroup/../../etc").ok());
    CHECK_FALSE(bad("/sys/fs/cgroupx/a").ok());
    CHECK_FALSE(bad("relative").ok());
    CHECK_FALSE(state_from_json("{").ok());
    CHECK_FALSE(state_from_json(R"({"driver":"x","layout":"v2","dirs":[]})").ok());
}

TEST_CASE("own_directory: a process's cgroup directory in each hierarchy, relative to the mount's root")
{
    auto own = parse_proc_cgroup("12:cpu,cpuacct:/a/ctr\n4:memory:/process_api/x/ctr\n0::/ctr\n");
    CHECK(own_directory({"/sys/fs/cgroup/memory", false, {"memory"}, "/"}, own)
        == "/sys/fs/cgroup/memory/process_api/x/ctr");
    CHECK(own_directory({"/sys/fs/cgroup/cpu,cpuacct", false, {"cpu", "cpuacct"}, "/"}, own)
        == "/sys/fs/cgroup/cpu,cpuacct/a/ctr");
    CHECK(own_directory({"/sys/fs/cgroup/unified", true, {}, "/"}, own) == "/sys/fs/cgroup/unified/ctr");
    // a mount of a sub-cgroup (a nested runtime's view): the path below its root
    CHECK(own_directory({"/sys/fs/cgroup/memory", false, {"memory"}, "/process_api/x"}, own)
        == "/sys/fs/cgroup/memory/ctr");
    CHECK(own_directory({"/sys/fs/cgroup/memory", false, {"memory"}, "/process_api/x/ctr"}, own)
        == "/sys/fs/cgroup/memory");
    CHECK(own_directory({"/sys/fs/cgroup/pids", false, {"pids"}, "/"}, own).empty());
}

TEST_CASE("parse_sub_cgroups: one path for all, or paths per controller, in runc's words")
{
    auto one = parse_sub_cgroups({"a//b/"});
    REQUIRE(one.ok());
    CHECK(one.value().all == std::optional<std::string>("a/b"));
    CHECK(one.value().by_controller.empty());
    // "/" is the container's cgroup itself; a leading slash is relative to it.
    CHECK(parse_sub_cgroups({"/"}).value().all == std::optional<std::string>(""));
    CHECK(parse_sub_cgroups({"/sub/x/.."}).value().all == std::optional<std::string>("sub"));
    CHECK(parse_sub_cgroups({}).value().empty());

    auto each = parse_sub_cgroups({"memory:submem", "cpu,cpuacct:/subcpu", "pids:/"});
    REQUIRE(each.ok());
    CHECK_FALSE(each.value().all);
    CHECK(each.value().by_controller
        == std::map<std::string, std::string> {
            {"memory", "submem"}, {"cpu", "subcpu"}, {"cpuacct", "subcpu"}, {"pids", ""}});
    // Only the first colon separates: the rest belongs to the path.
    CHECK(parse_sub_cgroups({"memory:a:b"}).value().by_controller.at("memory") == "a:b");

    auto err = [](std::vector<std::string> args) { return parse_sub_cgroups(args).error().text(); };
    CHECK(err({"a", "b"}) == "invalid --cgroup argument: a (missing <controller>: prefix)");
    CHECK(err({"memory:x", "b"}) == "invalid --cgroup argument: b (missing <controller>: prefix)");
    CHECK(err({":x"}) == "invalid --cgroup argument: :x (empty <controller> prefix)");
    CHECK(err({"memory,:x"}) == "invalid --cgroup argument: memory,:x (empty <controller> prefix)");
    CHECK(err({"memory:x", "cpu,memory:y"})
        == "invalid --cgroup argument(s): controller memory specified multiple times");
    CHECK(err({".."}) == "bad sub cgroup path: .. is not a sub cgroup path");
    CHECK(err({"/.."}) == "bad sub cgroup path: /.. is not a sub cgroup path");
    CHECK(err({"memory:../escape"}) == "bad sub cgroup path: ../escape is not a sub cgroup path");
}
