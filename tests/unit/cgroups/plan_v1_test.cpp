#include "hull/cgroups/plan.hpp"

#include <doctest/doctest.h>
#include <limits>

using namespace hull;
using namespace hull::cgroups;

namespace {

using V = std::vector<std::string>;

V v1(const oci::Resources& r, const Current& cur = {})
{
    auto plan = plan_v1(r, cur);
    if (!plan)
        return {"error: " + plan.error().text()};
    V out;
    for (const auto& w : plan.value())
        out.push_back(w.file + "=" + w.value);
    return out;
}

oci::Resources memory(std::optional<int64_t> limit, std::optional<int64_t> swap)
{
    oci::Resources r;
    r.memory = oci::Memory {};
    r.memory->limit = limit;
    r.memory->swap = swap;
    return r;
}

} // namespace

TEST_CASE("v1 memory: the limit and memsw order follows the current limit")
{
    Current cur;
    cur.memory_limit = 1u << 20;
    // Growing memory+swap above the current limit: memsw first.
    CHECK(v1(memory(4 << 20, 8 << 20), cur)
        == V {"memory.memsw.limit_in_bytes=8388608", "memory.limit_in_bytes=4194304"});
    cur.memory_limit = 16u << 20;
    CHECK(v1(memory(4 << 20, 8 << 20), cur)
        == V {"memory.limit_in_bytes=4194304", "memory.memsw.limit_in_bytes=8388608"});
    CHECK(v1(memory(4 << 20, -1), cur)
        == V {"memory.memsw.limit_in_bytes=-1", "memory.limit_in_bytes=4194304"});
    // Unlimited memory alone makes swap unlimited too, if swap is accounted.
    CHECK(v1(memory(-1, {}), cur) == V {"memory.memsw.limit_in_bytes=-1", "memory.limit_in_bytes=-1"});
    cur.memsw = false;
    CHECK(v1(memory(-1, {}), cur) == V {"memory.limit_in_bytes=-1"});
    CHECK(v1(memory(0, 0), cur).empty());
    auto plan = plan_v1(memory(4096, {}), cur).value();
    CHECK(plan[0].flags == Write::MemoryLimit);
}

TEST_CASE("v1 memory: reservation, OOM killer, swappiness; kernel memory ignored")
{
    oci::Resources r;
    r.memory = oci::Memory {};
    r.memory->reservation = 1024;
    r.memory->disableOOMKiller = true;
    r.memory->swappiness = 60;
    r.memory->kernel = 4096;
    r.memory->kernelTCP = 4096;
    CHECK(v1(r) == V {"memory.soft_limit_in_bytes=1024", "memory.oom_control=1", "memory.swappiness=60"});
    r.memory->disableOOMKiller = false;
    r.memory->swappiness = std::numeric_limits<uint64_t>::max(); // -1 in Go: leave alone
    CHECK(v1(r) == V {"memory.soft_limit_in_bytes=1024"});
    r.memory->swappiness = 101;
    CHECK(v1(r) == V {"error: invalid memory swappiness value: 101 (valid range is 0-100)"});
}

TEST_CASE("v1 cpu: shares, CFS and RT values with the EINVAL retry for periods")
{
    oci::Resources r;
    r.cpu = oci::Cpu {};
    r.cpu->shares = 512;
    r.cpu->quota = 50000;
    r.cpu->period = 100000;
    r.cpu->burst = 1000;
    r.cpu->idle = 0;
    r.cpu->realtimeRuntime = 950000;
    r.cpu->realtimePeriod = 1000000;
    auto plan = plan_v1(r, {}).value();
    CHECK(v1(r)
        == V {"cpu.shares=512", "cpu.cfs_period_us=100000", "cpu.cfs_burst_us=1000", "cpu.cfs_quota_us=50000",
            "cpu.idle=0", "cpu.rt_period_us=1000000", "cpu.rt_runtime_us=950000"});
    CHECK(plan[0].flags == Write::VerifyShares);
    CHECK(plan[1].flags == Write::RetryOnEinval);
    CHECK(plan[2].flags == (Write::IgnoreMissing | Write::RetryOnEinval));
    CHECK(plan[5].flags == Write::RetryOnEinval);
    // Without a quota the period error is final; a lone quota keeps the old period (v1 files).
    r.cpu->quota.reset();
    r.cpu->realtimeRuntime.reset();
    plan = plan_v1(r, {}).value();
    CHECK(plan[1].flags == 0);
    CHECK(plan[2].flags == Write::IgnoreMissing);
    oci::Resources q;
    q.cpu = oci::Cpu {};
    q.cpu->quota = -1;
    q.cpu->shares = 0;
    CHECK(v1(q) == V {"cpu.cfs_quota_us=-1"});
}

TEST_CASE("v1 cpuset, pids, hugetlb, net_cls, net_prio, rdma")
{
    oci::Resources r;
    r.cpu = oci::Cpu {};
    r.cpu->cpus = "0-1";
    r.cpu->mems = "0";
    r.pids = oci::Pids {0};
    r.hugepageLimits = {{"2MB", 4194304}};
    r.network = oci::Network {1048577, {{"eth0", 500}, {"lo", 1}}};
    r.rdma["mlx4_0"] = oci::Rdma {{}, 1000};
    CHECK(v1(r)
        == V {"cpuset.cpus=0-1", "cpuset.mems=0", "pids.max=1", "hugetlb.2MB.limit_in_bytes=4194304",
            "hugetlb.2MB.rsvd.limit_in_bytes=4194304", "net_cls.classid=1048577",
            "net_prio.ifpriomap=eth0 500", "net_prio.ifpriomap=lo 1", "rdma.max=mlx4_0 hca_object=1000"});
    Current noprefix;
    noprefix.cpuset_prefix = false;
    CHECK(v1(r, noprefix)[0] == "cpus=0-1");
    r.pids->limit = -1;
    CHECK(v1(r)[2] == "pids.max=max");
    r.network->classID = 0;
    CHECK(v1(r)[5] == "net_prio.ifpriomap=eth0 500");
}

TEST_CASE("v1 blkio: weights (or their BFQ names), leaf weights, throttles")
{
    oci::Resources r;
    r.blockIO = oci::BlockIo {};
    r.blockIO->weight = 500;
    r.blockIO->leafWeight = 300;
    r.blockIO->weightDevice = {{8, 0, 600, 300}, {8, 16, {}, 200}};
    r.blockIO->throttleReadBpsDevice = {{8, 0, 600}};
    r.blockIO->throttleWriteBpsDevice = {{8, 0, 700}};
    r.blockIO->throttleReadIOPSDevice = {{8, 16, 30}};
    r.blockIO->throttleWriteIOPSDevice = {{8, 16, 40}};
    CHECK(v1(r)
        == V {"blkio.weight=500", "blkio.leaf_weight=300", "blkio.weight_device=8:0 600",
            "blkio.leaf_weight_device=8:0 300", "blkio.leaf_weight_device=8:16 200",
            "blkio.throttle.read_bps_device=8:0 600", "blkio.throttle.write_bps_device=8:0 700",
            "blkio.throttle.read_iops_device=8:16 30", "blkio.throttle.write_iops_device=8:16 40"});
    Current bfq;
    bfq.blkio_weight = false;
    auto out = v1(r, bfq);
    CHECK(out[0] == "blkio.bfq.weight=500");
    CHECK(out[2] == "blkio.bfq.weight_device=8:0 600");
    r.blockIO = oci::BlockIo {};
    r.blockIO->weight = 0;
    CHECK(v1(r).empty());
}

TEST_CASE("v1 refuses unified, as runc")
{
    oci::Resources r;
    r.unified["memory.high"] = "1";
    CHECK(v1(r) == V {"error: invalid configuration: cannot use unified on cgroup v1"});
}
