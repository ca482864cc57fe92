#include "hull/cgroups/plan.hpp"

#include <doctest/doctest.h>

using namespace hull;
using namespace hull::cgroups;

namespace {

// "file=value" per write, for compact expectations.
std::vector<std::string> files(const std::vector<Write>& plan)
{
    std::vector<std::string> out;
    for (const auto& w : plan)
        out.push_back(w.file + "=" + w.value);
    return out;
}

std::vector<std::string> v2(const oci::Resources& r, const Current& cur = {})
{
    auto plan = plan_v2(r, cur);
    if (!plan)
        return {"error: " + plan.error().text()};
    return files(plan.value());
}

oci::Resources memory(
    std::optional<int64_t> limit, std::optional<int64_t> swap, std::optional<int64_t> reservation = {})
{
    oci::Resources r;
    r.memory = oci::Memory {};
    r.memory->limit = limit;
    r.memory->swap = swap;
    r.memory->reservation = reservation;
    return r;
}

oci::Resources cpu(std::optional<int64_t> quota, std::optional<uint64_t> period)
{
    oci::Resources r;
    r.cpu = oci::Cpu {};
    r.cpu->quota = quota;
    r.cpu->period = period;
    return r;
}

using V = std::vector<std::string>;

} // namespace

TEST_CASE("runc's conversions")
{
    CHECK(cpu_shares_to_weight(0) == 0);
    CHECK(cpu_shares_to_weight(1) == 1);
    CHECK(cpu_shares_to_weight(2) == 1);
    CHECK(cpu_shares_to_weight(3) == 2);
    CHECK(cpu_shares_to_weight(512) == 59);
    CHECK(cpu_shares_to_weight(1024) == 100);
    CHECK(cpu_shares_to_weight(2048) == 174);
    CHECK(cpu_shares_to_weight(262143) == 10000);
    CHECK(cpu_shares_to_weight(262144) == 10000);
    CHECK(cpu_shares_to_weight(1u << 20) == 10000);

    CHECK(blkio_weight_to_io_weight(0) == 0);
    CHECK(blkio_weight_to_io_weight(10) == 1);
    CHECK(blkio_weight_to_io_weight(500) == 4950);
    CHECK(blkio_weight_to_io_weight(1000) == 10000);

    // memory+swap (OCI) -> swap alone (memory.swap.max); runc's table.
    CHECK(memory_swap_to_v2(0, 0).value() == 0);
    CHECK(memory_swap_to_v2(-1, 0).value() == -1);
    CHECK(memory_swap_to_v2(300, -1).value() == 300);
    CHECK(memory_swap_to_v2(-1, -1).value() == -1);
    CHECK(memory_swap_to_v2(0, -1).value() == -1);
    CHECK(memory_swap_to_v2(-1, 1000).value() == -1);
    CHECK(memory_swap_to_v2(1000, 1000).value() == 0);
    CHECK(memory_swap_to_v2(500, 200).value() == 300);
    CHECK(memory_swap_to_v2(300, 400).error().text() == "memory+swap limit should be >= memory limit");
    CHECK(memory_swap_to_v2(300, 0).error().text() == "unable to set swap limit without memory limit");
    CHECK(memory_swap_to_v2(-2, 0).error().text() == "unable to set swap limit without memory limit");
    CHECK(memory_swap_to_v2(300, -300).error().text() == "invalid memory value: -300");
}

TEST_CASE("v2 memory: swap.max before max, -1 is max, 0 unset")
{
    CHECK(v2(memory(1048576, 2097152, 524288))
        == V {"memory.swap.max=1048576", "memory.max=1048576", "memory.low=524288"});
    CHECK(v2(memory(1048576, 1048576)) == V {"memory.swap.max=0", "memory.max=1048576"});
    CHECK(v2(memory(-1, {})) == V {"memory.swap.max=max", "memory.max=max"});
    CHECK(v2(memory(1000, -1)) == V {"memory.swap.max=max", "memory.max=1000"});
    CHECK(v2(memory(1000, {})) == V {"memory.max=1000"});
    CHECK(v2(memory(0, 0, 0)).empty());
    CHECK(v2(memory({}, {}, -1)) == V {"memory.low=max"});
    CHECK(v2(memory(2000, 1000)) == V {"error: memory+swap limit should be >= memory limit"});
    // Without swap accounting, "max" and "0" may be dropped silently.
    auto plan = plan_v2(memory(-1, {}), {}).value();
    CHECK(plan[0].flags == Write::IgnoreMissing);
    CHECK(plan_v2(memory(1000, 3000), {}).value()[0].flags == 0);
}

TEST_CASE("v2 memory: ignored knobs and checkBeforeUpdate")
{
    auto r = memory(1000, {});
    r.memory->swappiness = 10;
    r.memory->kernel = 1 << 20;
    r.memory->kernelTCP = 1 << 20;
    r.memory->disableOOMKiller = true;
    r.memory->useHierarchy = true;
    CHECK(v2(r) == V {"memory.max=1000"});

    r.memory->checkBeforeUpdate = true;
    Current cur;
    cur.memory_usage = 1000;
    CHECK(v2(r, cur) == V {"error: rejecting memory limit 1000 <= usage 1000"});
    cur.memory_usage = 999;
    CHECK(v2(r, cur) == V {"memory.max=1000"});
    auto s = memory(5000, 6000);
    s.memory->checkBeforeUpdate = true;
    cur.memory_usage = 6000;
    CHECK(v2(s, cur) == V {"error: rejecting memory+swap limit 6000 <= usage 6000"});
    cur.memory_usage.reset(); // unreadable usage: best effort, no check
    CHECK(v2(s, cur).size() == 2);
}

TEST_CASE("v2 pids: 0 is written as 1, negative as max")
{
    oci::Resources r;
    r.pids = oci::Pids {};
    CHECK(v2(r).empty());
    r.pids->limit = 32771;
    CHECK(v2(r) == V {"pids.max=32771"});
    r.pids->limit = 0;
    CHECK(v2(r) == V {"pids.max=1"});
    r.pids->limit = -1;
    CHECK(v2(r) == V {"pids.max=max"});
}

TEST_CASE("v2 cpu: weight from shares, cpu.max with the kernel's default period")
{
    oci::Resources r;
    r.cpu = oci::Cpu {};
    r.cpu->shares = 1024;
    r.cpu->quota = 50000;
    r.cpu->idle = 1;
    CHECK(v2(r) == V {"cpu.idle=1", "cpu.weight=100", "cpu.max=50000 100000"});
    CHECK(v2(cpu(200000, 100000)) == V {"cpu.max=200000 100000"});
    CHECK(v2(cpu(-1, 50000)) == V {"cpu.max=max 50000"});
    CHECK(v2(cpu({}, 50000)) == V {"cpu.max=max 50000"});
    // Docker's "unset" shares.
    oci::Resources z;
    z.cpu = oci::Cpu {};
    z.cpu->shares = 0;
    CHECK(v2(z).empty());
    // burst before cpu.max, retried after it when the kernel refuses it first.
    auto b = cpu(20000, {});
    b.cpu->burst = 10000;
    auto plan = plan_v2(b, {}).value();
    CHECK(files(plan) == V {"cpu.max.burst=10000", "cpu.max=20000 100000"});
    CHECK(plan[0].flags == Write::RetryOnEinval);
    auto only_burst = cpu({}, {});
    only_burst.cpu->burst = 0;
    CHECK(plan_v2(only_burst, {}).value()[0].flags == 0);
}

TEST_CASE("v2 cpu: a lone quota or period keeps the other (update)")
{
    Current cur;
    cur.cpu_max = "30000 250000";
    CHECK(v2(cpu(40000, {}), cur) == V {"cpu.max=40000 250000"});
    CHECK(v2(cpu({}, 50000), cur) == V {"cpu.max=30000 50000"});
    CHECK(v2(cpu(40000, 60000), cur) == V {"cpu.max=40000 60000"});
    cur.cpu_max = "max 100000";
    CHECK(v2(cpu({}, 50000), cur) == V {"cpu.max=max 50000"});
}

TEST_CASE("v2 cpu: realtime is refused, cpuset written as given")
{
    oci::Resources r;
    r.cpu = oci::Cpu {};
    r.cpu->realtimeRuntime = 950000;
    CHECK(
        v2(r).front().find("error: cpu.realtimeRuntime and cpu.realtimePeriod are not supported on cgroup v2")
        == 0);
    r.cpu->realtimeRuntime = 0; // zero is unset
    r.cpu->realtimePeriod = 0;
    r.cpu->cpus = "0-1";
    r.cpu->mems = "0";
    CHECK(v2(r) == V {"cpuset.cpus=0-1", "cpuset.mems=0"});
}

TEST_CASE("v2 io: BFQ or io.weight, per-device weights with BFQ, one io.max write per limit")
{
    oci::Resources r;
    r.blockIO = oci::BlockIo {};
    r.blockIO->weight = 500;
    r.blockIO->leafWeight = 300; // v1 only: ignored
    r.blockIO->weightDevice = {{8, 0, 600, 300}, {8, 16, {}, 200}};
    r.blockIO->throttleReadBpsDevice = {{8, 0, 600}};
    r.blockIO->throttleWriteBpsDevice = {{8, 0, 700}};
    r.blockIO->throttleReadIOPSDevice = {{8, 16, 30}};
    r.blockIO->throttleWriteIOPSDevice = {{8, 16, 40}};
    CHECK(v2(r)
        == V {"io.weight=4950", "io.max=8:0 rbps=600", "io.max=8:0 wbps=700", "io.max=8:16 riops=30",
            "io.max=8:16 wiops=40"});
    Current bfq;
    bfq.bfq = Bfq::GlobalOnly;
    CHECK(v2(r, bfq).front() == "io.bfq.weight=500");
    CHECK(v2(r, bfq).size() == 5);
    bfq.bfq = Bfq::PerDevice;
    CHECK(v2(r, bfq)
        == V {"io.bfq.weight=500", "io.bfq.weight=8:0 600\n", "io.bfq.weight=8:16 0\n", "io.max=8:0 rbps=600",
            "io.max=8:0 wbps=700", "io.max=8:16 riops=30", "io.max=8:16 wiops=40"});
    oci::Resources zero;
    zero.blockIO = oci::BlockIo {};
    zero.blockIO->weight = 0; // Docker's "unset"
    CHECK(v2(zero).empty());
}

TEST_CASE("v2 hugetlb and rdma")
{
    oci::Resources r;
    r.hugepageLimits = {{"2MB", 209715200}, {"1GB", 0}};
    r.rdma["mlx5_1"] = oci::Rdma {3, 10000};
    r.rdma["rxe3"] = oci::Rdma {{}, 100};
    auto plan = plan_v2(r, {}).value();
    CHECK(files(plan)
        == V {"hugetlb.2MB.max=209715200", "hugetlb.2MB.rsvd.max=209715200", "hugetlb.1GB.max=0",
            "hugetlb.1GB.rsvd.max=0", "rdma.max=mlx5_1 hca_handle=3 hca_object=10000",
            "rdma.max=rxe3 hca_object=100"});
    CHECK(plan[1].flags == Write::IgnoreMissing);
    CHECK(plan[0].controller == "hugetlb");
}

TEST_CASE("v2 ignores network; writes in fs2's order")
{
    oci::Resources r;
    r.network = oci::Network {1048577, {{"eth0", 5}}};
    CHECK(v2(r).empty());
    r.cpu = oci::Cpu {};
    r.cpu->shares = 2048;
    r.cpu->cpus = "0";
    r.pids = oci::Pids {100};
    r.memory = oci::Memory {};
    r.memory->limit = 4096;
    r.blockIO = oci::BlockIo {};
    r.blockIO->weight = 10;
    r.hugepageLimits = {{"2MB", 0}};
    r.unified["memory.high"] = "8192";
    CHECK(v2(r)
        == V {"pids.max=100", "memory.max=4096", "io.weight=1", "cpu.weight=174", "cpuset.cpus=0",
            "hugetlb.2MB.max=0", "hugetlb.2MB.rsvd.max=0", "memory.high=8192"});
}

TEST_CASE("v2 unified: verbatim, line by line, validated")
{
    oci::Resources r;
    r.unified["io.max"] = "259:0 rbps=2097152 wiops=120\n253:0 rbps=2097152 wiops=120";
    r.unified["cgroup.freeze"] = "0";
    auto plan = plan_v2(r, {}).value();
    REQUIRE(plan.size() == 2);
    CHECK(plan[0].controller == "cgroup");
    CHECK(plan[1].file == "io.max");
    CHECK(plan[1].value == "259:0 rbps=2097152 wiops=120\n253:0 rbps=2097152 wiops=120");
    CHECK(plan[1].flags == Write::ByLine);

    Current cur;
    cur.controllers = std::set<std::string> {"cpu", "memory", "pids"};
    CHECK(
        v2(r, cur) == V {"error: unified resource \"io.max\" can't be set: controller \"io\" not available"});
    auto one = [&](const std::string& key) {
        oci::Resources u;
        u.unified[key] = "1";
        return v2(u, cur).front();
    };
    CHECK(one("memory.high") == "memory.high=1");
    CHECK(one("cgroup.max.depth") == "cgroup.max.depth=1");
    CHECK(
        one("../memory.max") == "error: unified resource \"../memory.max\" must be a file name (no slashes)");
    CHECK(one("a/b") == "error: unified resource \"a/b\" must be a file name (no slashes)");
    CHECK(one("..") == "error: unified resource \"..\" must be in the form CONTROLLER.PARAMETER");
    CHECK(one(".hidden") == "error: unified resource \".hidden\" must be in the form CONTROLLER.PARAMETER");
    CHECK(one("nodot") == "error: unified resource \"nodot\" must be in the form CONTROLLER.PARAMETER");
}

TEST_CASE("domain controllers")
{
    oci::Resources r;
    CHECK_FALSE(needs_domain_controller(r));
    r.pids = oci::Pids {10};
    CHECK_FALSE(needs_domain_controller(r));
    r.cpu = oci::Cpu {};
    r.cpu->cpus = "0";
    CHECK_FALSE(needs_domain_controller(r));
    r.cpu->shares = 1024;
    CHECK(needs_domain_controller(r));
    CHECK(needs_domain_controller(memory(1, {})));
}
