#include "tree.hpp"

#include <doctest/doctest.h>
#include <limits>

using namespace hull;
using namespace hull::cgroups;
using cgtest::Tree;

namespace {

ManagerOptions sizes()
{
    ManagerOptions o;
    o.hugepage_sizes = {"2MB"};
    return o;
}

} // namespace

TEST_CASE("huge page size names")
{
    CHECK(hugepage_size_name("hugepages-2048kB") == "2MB");
    CHECK(hugepage_size_name("hugepages-1048576kB") == "1GB");
    CHECK(hugepage_size_name("hugepages-64kB") == "64KB");
    CHECK(hugepage_size_name("other") == "");
    CHECK(hugepage_size_name("hugepages-12MB") == "");
}

TEST_CASE("v2 stats and their JSON, runc's shape")
{
    Tree t;
    std::string d = "cg/ctr/";
    t.file(d + "pids.current", "3\n");
    t.file(d + "pids.max", "max\n");
    t.file(d + "memory.stat", "anon 1024\nfile 4096\nkernel 512\n");
    t.file(d + "memory.current", "8192\n");
    t.file(d + "memory.max", "max\n");
    t.file(d + "memory.peak", "10000\n");
    t.file(d + "memory.swap.current", "0\n");
    t.file(d + "memory.swap.max", "max\n");
    t.file(d + "memory.pressure",
        "some avg10=0.00 avg60=0.00 avg300=0.00 total=12\nfull avg10=1.50 avg60=0.00 avg300=0.00 total=3\n");
    t.file(d + "cpu.stat",
        "usage_usec 1000\nuser_usec 600\nsystem_usec 400\nnr_periods 5\nnr_throttled 1\nthrottled_usec 20\n");
    t.file(d + "io.stat", "8:0 rbytes=100 wbytes=200 rios=1 wios=2 dbytes=0 dios=0\n");
    t.file(d + "hugetlb.2MB.current", "0\n");
    t.file(d + "hugetlb.2MB.events", "max 0\n");
    CgroupState s;
    s.layout = Layout::V2;
    s.dirs = {{t.at("cg"), {}, true, t.at("cg/ctr"), false}};
    auto st = Manager(s, sizes()).stats();
    REQUIRE_MESSAGE(st.ok(), cgtest::why(st));
    const Stats& v = st.value();
    CHECK(v.pids.current == 3);
    CHECK(v.pids.limit == 0);
    CHECK(v.memory.usage.limit == std::numeric_limits<uint64_t>::max());
    CHECK(v.memory.swap.usage == 8192); // memory + swap, as v1 reported it
    CHECK(v.cpu.total == 1000000);
    CHECK(stats_to_json(v)
        == R"({"cpu":{"usage":{"total":1000000,"kernel":400000,"user":600000},)"
           R"("throttling":{"periods":5,"throttledPeriods":1,"throttledTime":20000}},)"
           R"("cpuset":{"cpu_exclusive":0,"mem_hardwall":0,"mem_exclusive":0,"memory_migrate":0,)"
           R"("memory_spread_page":0,"memory_spread_slab":0,"memory_pressure":0,"sched_load_balance":0,)"
           R"("sched_relax_domain_level":0},)"
           R"("memory":{"cache":4096,"usage":{"limit":18446744073709551615,"usage":8192,"max":10000,"failcnt":0},)"
           R"("swap":{"limit":18446744073709551615,"usage":8192,"failcnt":0},)"
           R"("raw":{"anon":1024,"file":4096,"kernel":512},)"
           R"("psi":{"some":{"avg10":0,"avg60":0,"avg300":0,"total":12},"full":{"avg10":1.5,"avg60":0,"avg300":0,"total":3}}},)"
           R"("pids":{"current":3},)"
           R"("blkio":{"ioServiceBytesRecursive":[{"major":8,"op":"Read","value":100},{"major":8,"op":"Write","value":200}],)"
           R"("ioServicedRecursive":[{"major":8,"op":"Read","value":1},{"major":8,"op":"Write","value":2}]},)"
           R"("hugetlb":{"2MB":{"failcnt":0}},"intel_rdt":{},"network_interfaces":null})");
}

TEST_CASE("stats of an empty cgroup: zero values are left out")
{
    Stats s;
    CHECK(stats_to_json(s)
        == R"({"cpu":{},"cpuset":{"cpu_exclusive":0,"mem_hardwall":0,"mem_exclusive":0,"memory_migrate":0,)"
           R"("memory_spread_page":0,"memory_spread_slab":0,"memory_pressure":0,"sched_load_balance":0,)"
           R"("sched_relax_domain_level":0},"memory":{},"pids":{},"blkio":{},"hugetlb":{},"intel_rdt":{},)"
           R"("network_interfaces":null})");
}

TEST_CASE("v1 stats from each hierarchy")
{
    Tree t;
    t.file("cpuset/ctr/cpuset.cpus", "0-2,5\n");
    t.file("cpuset/ctr/cpuset.mems", "0\n");
    t.file("cpuset/ctr/cpuset.cpu_exclusive", "0\n");
    t.file("cpuset/ctr/cpuset.sched_load_balance", "1\n");
    t.file("cpuset/ctr/cpuset.sched_relax_domain_level", "-1\n");
    t.file("memory/ctr/memory.stat", "cache 100\nrss 200\n");
    t.file("memory/ctr/memory.usage_in_bytes", "300\n");
    t.file("memory/ctr/memory.max_usage_in_bytes", "400\n");
    t.file("memory/ctr/memory.failcnt", "1\n");
    t.file("memory/ctr/memory.limit_in_bytes", "9223372036854771712\n");
    t.file("memory/ctr/memory.kmem.usage_in_bytes", "10\n");
    t.file("memory/ctr/memory.kmem.max_usage_in_bytes", "20\n");
    t.file("memory/ctr/memory.kmem.failcnt", "0\n");
    t.file("cpu/ctr/cpu.stat", "nr_periods 2\nnr_throttled 1\nthrottled_time 99\n");
    t.file("cpuacct/ctr/cpuacct.stat", "user 3\nsystem 1\n");
    t.file("cpuacct/ctr/cpuacct.usage", "50000000\n");
    t.file("cpuacct/ctr/cpuacct.usage_percpu", "30000000 20000000 \n");
    t.file("cpuacct/ctr/cpuacct.usage_all", "cpu user system\n0 20000000 10000000\n1 15000000 5000000\n");
    t.file("pids/ctr/pids.current", "2\n");
    t.file("pids/ctr/pids.max", "100\n");
    t.file("blkio/ctr/blkio.throttle.io_serviced_recursive", "8:0 Read 4\n8:0 Write 5\nTotal 9\n");
    t.file("blkio/ctr/blkio.throttle.io_service_bytes_recursive", "8:0 Read 4096\n8:0 Write 0\nTotal 4096\n");
    CgroupState s;
    s.layout = Layout::V1;
    for (std::string c : {"cpuset", "memory", "cpu", "cpuacct", "pids", "blkio"})
        s.dirs.push_back({t.at(c), {c}, false, t.at(c + "/ctr"), false});
    auto st = Manager(s, sizes()).stats();
    REQUIRE_MESSAGE(st.ok(), cgtest::why(st));
    const Stats& v = st.value();
    CHECK(v.cpuset.cpus == std::vector<uint16_t> {0, 1, 2, 5});
    CHECK(v.cpuset.sched_load_balance == 1);
    CHECK(v.cpuset.sched_relax_domain_level == -1);
    CHECK(v.memory.cache == 100);
    CHECK(v.memory.usage.usage == 300);
    CHECK(v.memory.usage.max == 400);
    CHECK(v.memory.usage.failcnt == 1);
    CHECK(v.memory.swap.usage == 0); // no memsw accounting
    CHECK(v.memory.kernel.usage == 10);
    CHECK(v.memory.kernel.limit == 0); // kmem limit file gone from newer kernels
    CHECK(v.cpu.throttled_time == 99);
    CHECK(v.cpu.user == 30000000);
    CHECK(v.cpu.kernel == 10000000);
    CHECK(v.cpu.total == 50000000);
    CHECK(v.cpu.percpu == std::vector<uint64_t> {30000000, 20000000});
    CHECK(v.cpu.percpu_user == std::vector<uint64_t> {20000000, 15000000});
    CHECK(v.cpu.percpu_kernel == std::vector<uint64_t> {10000000, 5000000});
    CHECK(v.pids.limit == 100);
    REQUIRE(v.blkio.serviced.size() == 2);
    CHECK(v.blkio.serviced[1].op == "Write");
    CHECK(v.blkio.service_bytes[0].value == 4096);
    std::string json = stats_to_json(v);
    CHECK(json.find(R"("cpuset":{"cpus":[0,1,2,5],"cpu_exclusive":0,"mems":[0],)") != std::string::npos);
    CHECK(json.find(
              R"("ioServiceBytesRecursive":[{"major":8,"op":"Read","value":4096},{"major":8,"op":"Write"}])")
        != std::string::npos);
    CHECK(json.find(R"("kernel":{"limit":0,"usage":10,"max":20,"failcnt":0})") != std::string::npos);
}
