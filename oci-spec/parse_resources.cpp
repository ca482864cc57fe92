// Reading "linux.resources" of config.json (config-linux.md "Control groups"), also the input
// of `update --resources`.
#include "hull/oci/parse.hpp"
#include "parse_internal.hpp"
#include "validate_internal.hpp"

namespace hull::oci {

namespace detail {

namespace {

DeviceCgroup read_device_cgroup(const Json& value, const std::string& pointer)
{
    Object o(value, pointer);
    DeviceCgroup out;
    out.allow = as_bool(o.require("allow"), o.pointer_of("allow"));
    o.read("type", out.type);
    o.read("major", out.major);
    o.read("minor", out.minor);
    o.read("access", out.access);
    return out;
}

Memory read_memory(const Json& value, const std::string& pointer)
{
    Object o(value, pointer);
    Memory out;
    o.read("limit", out.limit);
    o.read("reservation", out.reservation);
    o.read("swap", out.swap);
    o.read("kernel", out.kernel);
    o.read("kernelTCP", out.kernelTCP);
    o.read("swappiness", out.swappiness);
    o.read("disableOOMKiller", out.disableOOMKiller);
    o.read("useHierarchy", out.useHierarchy);
    o.read("checkBeforeUpdate", out.checkBeforeUpdate);
    return out;
}

Cpu read_cpu(const Json& value, const std::string& pointer)
{
    Object o(value, pointer);
    Cpu out;
    o.read("shares", out.shares);
    o.read("quota", out.quota);
    o.read("burst", out.burst);
    o.read("period", out.period);
    o.read("realtimeRuntime", out.realtimeRuntime);
    o.read("realtimePeriod", out.realtimePeriod);
    o.read("cpus", out.cpus);
    o.read("mems", out.mems);
    o.read("idle", out.idle);
    return out;
}

Pids read_pids(const Json& value, const std::string& pointer)
{
    Object o(value, pointer);
    Pids out;
    o.read("limit", out.limit);
    return out;
}

WeightDevice read_weight_device(const Json& value, const std::string& pointer)
{
    Object o(value, pointer);
    WeightDevice out;
    out.major = o.required_integer<int64_t>("major");
    out.minor = o.required_integer<int64_t>("minor");
    o.read("weight", out.weight);
    o.read("leafWeight", out.leafWeight);
    return out;
}

ThrottleDevice read_throttle_device(const Json& value, const std::string& pointer)
{
    Object o(value, pointer);
    ThrottleDevice out;
    out.major = o.required_integer<int64_t>("major");
    out.minor = o.required_integer<int64_t>("minor");
    out.rate = o.required_integer<uint64_t>("rate");
    return out;
}

BlockIo read_block_io(const Json& value, const std::string& pointer)
{
    Object o(value, pointer);
    BlockIo out;
    o.read("weight", out.weight);
    o.read("leafWeight", out.leafWeight);
    o.read_array("weightDevice", out.weightDevice, read_weight_device);
    o.read_array("throttleReadBpsDevice", out.throttleReadBpsDevice, read_throttle_device);
    o.read_array("throttleWriteBpsDevice", out.throttleWriteBpsDevice, read_throttle_device);
    o.read_array("throttleReadIOPSDevice", out.throttleReadIOPSDevice, read_throttle_device);
    o.read_array("throttleWriteIOPSDevice", out.throttleWriteIOPSDevice, read_throttle_device);
    return out;
}

HugepageLimit read_hugepage_limit(const Json& value, const std::string& pointer)
{
    Object o(value, pointer);
    HugepageLimit out;
    out.pageSize = o.required_string("pageSize");
    out.limit = o.required_integer<uint64_t>("limit");
    return out;
}

InterfacePriority read_interface_priority(const Json& value, const std::string& pointer)
{
    Object o(value, pointer);
    InterfacePriority out;
    out.name = o.required_string("name");
    out.priority = o.required_integer<uint32_t>("priority");
    return out;
}

Network read_network(const Json& value, const std::string& pointer)
{
    Object o(value, pointer);
    Network out;
    o.read("classID", out.classID);
    o.read_array("priorities", out.priorities, read_interface_priority);
    return out;
}

Rdma read_rdma(const Json& value, const std::string& pointer)
{
    Object o(value, pointer);
    Rdma out;
    o.read("hcaHandles", out.hcaHandles);
    o.read("hcaObjects", out.hcaObjects);
    return out;
}

} // namespace

Resources read_resources(const Json& value, const std::string& pointer)
{
    Object o(value, pointer);
    Resources out;
    o.read_array("devices", out.devices, read_device_cgroup);
    o.read_object("memory", out.memory, read_memory);
    o.read_object("cpu", out.cpu, read_cpu);
    o.read_object("pids", out.pids, read_pids);
    o.read_object("blockIO", out.blockIO, read_block_io);
    o.read_array("hugepageLimits", out.hugepageLimits, read_hugepage_limit);
    o.read_object("network", out.network, read_network);
    o.read_map("rdma", out.rdma, read_rdma);
    o.read("unified", out.unified);
    return out;
}

} // namespace detail

Result<Resources> parse_resources(std::string_view json)
{
    auto parsed = detail::parse_document<Resources>(
        json, "resources", [](const detail::Json& root) { return detail::read_resources(root, ""); });
    if (!parsed)
        return std::move(parsed).error();
    if (auto checked = detail::validate_resources_at(parsed.value(), ""); !checked)
        return std::move(checked).error().context("resources");
    return parsed;
}

} // namespace hull::oci
