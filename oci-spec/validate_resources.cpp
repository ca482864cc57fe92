// validate(): the constraints of config-linux.md "Control groups" that do not depend on the
// host (whether a controller exists is the cgroups module's business).
#include "hull/oci/parse.hpp"
#include "json_util.hpp"
#include "parse_internal.hpp"
#include "validate_internal.hpp"

namespace hull::oci {

namespace detail {

namespace {

Error invalid(const std::string& pointer, std::string reason)
{
    return pointer_error(pointer, reason);
}

Result<void> check_weight(const std::optional<uint16_t>& weight, const std::string& pointer)
{
    // 0 means "unset": Docker sends blockIO.weight 0 as runc does.
    if (weight && *weight != 0 && (*weight < 10 || *weight > 1000))
        return invalid(pointer, "must be between 10 and 1000 (or 0 for unset)");
    return ok();
}

Result<void> check_device_rules(const std::vector<DeviceCgroup>& rules, const std::string& pointer)
{
    for (size_t i = 0; i < rules.size(); ++i) {
        const DeviceCgroup& r = rules[i];
        std::string at = child(pointer, i);
        if (!r.type.empty() && r.type != "a" && r.type != "c" && r.type != "b")
            return invalid(
                child(at, "type"), "invalid device type " + in_quotes(r.type) + " (expected a, c or b)");
        // Letters other than r, w and m grant nothing and are ignored, as runc ignores them
        // ("rwa" is in its own tests); cgroups::device_rules() drops them.
        if ((r.major && *r.major < -1) || (r.minor && *r.minor < -1))
            return invalid(at, "device numbers must be -1 (all) or non-negative");
    }
    return ok();
}

Result<void> check_block_io(const BlockIo& b, const std::string& pointer)
{
    TRY(check_weight(b.weight, child(pointer, "weight")));
    TRY(check_weight(b.leafWeight, child(pointer, "leafWeight")));
    for (size_t i = 0; i < b.weightDevice.size(); ++i) {
        const WeightDevice& d = b.weightDevice[i];
        std::string at = child(child(pointer, "weightDevice"), i);
        if (!d.weight && !d.leafWeight)
            return invalid(at, "at least one of weight or leafWeight must be specified");
        TRY(check_weight(d.weight, child(at, "weight")));
        TRY(check_weight(d.leafWeight, child(at, "leafWeight")));
    }
    return ok();
}

// The size names a cgroup file (hugetlb.<size>.limit_in_bytes): digits and a unit, nothing
// that could become a path.
bool is_page_size(const std::string& size)
{
    size_t digits = 0;
    while (digits < size.size() && size[digits] >= '0' && size[digits] <= '9')
        ++digits;
    return digits > 0 && digits <= 20 && size.size() == digits + 2
        && size.find_first_of("KMG", digits) == digits && size.back() == 'B';
}

} // namespace

Result<void> validate_resources_at(const Resources& r, const std::string& pointer)
{
    TRY(check_device_rules(r.devices, child(pointer, "devices")));
    if (r.memory && r.memory->swappiness && *r.memory->swappiness > 100)
        return invalid(child(child(pointer, "memory"), "swappiness"), "must be between 0 and 100");
    if (r.cpu) {
        const Cpu& c = *r.cpu;
        std::string at = child(pointer, "cpu");
        if (c.burst && c.quota && *c.quota > 0 && *c.burst > static_cast<uint64_t>(*c.quota))
            return invalid(child(at, "burst"), "must not be larger than quota");
        if (!c.cpus.empty() && !is_cpu_list(c.cpus))
            return invalid(child(at, "cpus"), "invalid cpu list " + in_quotes(c.cpus));
        if (!c.mems.empty() && !is_cpu_list(c.mems))
            return invalid(child(at, "mems"), "invalid node list " + in_quotes(c.mems));
        if (c.idle && *c.idle != 0 && *c.idle != 1)
            return invalid(child(at, "idle"), "must be 0 or 1");
    }
    if (r.blockIO)
        TRY(check_block_io(*r.blockIO, child(pointer, "blockIO")));
    for (size_t i = 0; i < r.hugepageLimits.size(); ++i)
        if (const std::string& size = r.hugepageLimits[i].pageSize; !is_page_size(size))
            return invalid(child(child(child(pointer, "hugepageLimits"), i), "pageSize"),
                "invalid hugepage size " + in_quotes(size) + " (expected a number and KB, MB or GB, as 2MB)");
    for (const auto& [device, limits] : r.rdma)
        if (!limits.hcaHandles && !limits.hcaObjects)
            return invalid(child(child(pointer, "rdma"), device),
                "at least one of hcaHandles or hcaObjects must be specified");
    for (const auto& [key, value] : r.unified) {
        std::string at = child(child(pointer, "unified"), key);
        if (key.empty() || key.find('/') != std::string::npos || key == "." || key == "..")
            return invalid(at, "invalid cgroup file name " + in_quotes(key));
        TRY(check_no_nul(value, at));
    }
    return ok();
}

} // namespace detail

} // namespace hull::oci
