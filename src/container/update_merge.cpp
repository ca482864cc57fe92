// Folding update's resources into the saved config.json (update_merge.hpp), at the level of the
// saved JSON so everything update does not own stays as the user wrote it.
#include "container/update_merge.hpp"
#include "hull/oci/parse.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <exception>
#include <optional>
#include <utility>
#include <vector>

namespace hull::container {

namespace {

using Json = nlohmann::ordered_json;

Result<Json> parse_json(std::string_view text, const char* what)
{
    try {
        return Json::parse(text.begin(), text.end());
    } catch (const std::exception& e) {
        return Error::message(std::string("parse ") + what + ": " + e.what());
    }
}

std::string dump(const Json& value)
{
    return value.dump(2, ' ', false, Json::error_handler_t::replace);
}

// obj[key] as an object: made (or replaced, if null or not an object) when needed.
Json& object_at(Json& obj, const std::string& key)
{
    Json& v = obj[key];
    if (!v.is_object())
        v = Json::object();
    return v;
}

// Members of a patch: a field present in the input.
template <typename T> void put(Json& patch, const char* key, const std::optional<T>& v)
{
    if (v)
        patch[key] = *v;
}

// A plain integer for which zero means "unset" (nothing is written to the cgroup).
template <typename T> void put_set(Json& patch, const char* key, const std::optional<T>& v)
{
    if (v && *v != 0)
        patch[key] = *v;
}

void put_set(Json& patch, const char* key, const std::string& v)
{
    if (!v.empty())
        patch[key] = v;
}

// The members of `patch` written into obj[key] (made when absent); nothing when it is empty.
void merge_members(Json& obj, const std::string& key, const Json& patch)
{
    if (patch.empty())
        return;
    Json& target = object_at(obj, key);
    for (const auto& [k, v] : patch.items())
        target[k] = v;
}

using Match = bool (*)(const Json& stored, const Json& given);

bool same_member(const Json& a, const Json& b, const char* key)
{
    return a.is_object() && a.contains(key) && b.contains(key) && a[key] == b[key];
}

bool same_device(const Json& stored, const Json& given)
{
    return same_member(stored, given, "major") && same_member(stored, given, "minor");
}

bool same_page_size(const Json& stored, const Json& given)
{
    return same_member(stored, given, "pageSize");
}

bool same_name(const Json& stored, const Json& given)
{
    return same_member(stored, given, "name");
}

// Each given entry merged into the entry of obj[key] it matches, or appended.
void merge_entries(Json& obj, const char* key, const std::vector<Json>& given, Match match)
{
    if (given.empty())
        return;
    Json& list = obj[key];
    if (!list.is_array())
        list = Json::array();
    for (const Json& entry : given) {
        auto it = std::find_if(list.begin(), list.end(), [&](const Json& s) { return match(s, entry); });
        if (it == list.end()) {
            list.push_back(entry);
            continue;
        }
        for (const auto& [k, v] : entry.items())
            (*it)[k] = v;
    }
}

Json throttle_entry(const oci::ThrottleDevice& t)
{
    Json e = Json::object();
    e["major"] = t.major;
    e["minor"] = t.minor;
    e["rate"] = t.rate;
    return e;
}

void merge_memory(Json& res, oci::Memory m)
{
    // runc update.go: an unlimited memory with no swap value means unlimited swap too.
    if (m.limit.value_or(0) == -1 && m.swap.value_or(0) == 0)
        m.swap = -1;
    Json p = Json::object();
    put_set(p, "limit", m.limit);
    put_set(p, "reservation", m.reservation);
    put_set(p, "swap", m.swap);
    put(p, "kernel", m.kernel);
    put(p, "kernelTCP", m.kernelTCP);
    put(p, "swappiness", m.swappiness);
    put(p, "disableOOMKiller", m.disableOOMKiller);
    put(p, "useHierarchy", m.useHierarchy);
    put(p, "checkBeforeUpdate", m.checkBeforeUpdate);
    merge_members(res, "memory", p);
}

void merge_cpu(Json& res, const oci::Cpu& c)
{
    Json p = Json::object();
    put_set(p, "shares", c.shares);
    put_set(p, "quota", c.quota);
    put(p, "burst", c.burst);
    put_set(p, "period", c.period);
    put_set(p, "realtimeRuntime", c.realtimeRuntime);
    put_set(p, "realtimePeriod", c.realtimePeriod);
    put_set(p, "cpus", c.cpus);
    put_set(p, "mems", c.mems);
    put(p, "idle", c.idle);
    merge_members(res, "cpu", p);
}

void merge_block_io(Json& res, const oci::BlockIo& b)
{
    Json p = Json::object();
    put_set(p, "weight", b.weight);
    put_set(p, "leafWeight", b.leafWeight);
    std::vector<Json> weights;
    for (const auto& d : b.weightDevice) {
        Json e = Json::object();
        e["major"] = d.major;
        e["minor"] = d.minor;
        put(e, "weight", d.weight);
        put(e, "leafWeight", d.leafWeight);
        weights.push_back(std::move(e));
    }
    std::pair<const char*, const std::vector<oci::ThrottleDevice>*> throttles[] = {
        {"throttleReadBpsDevice", &b.throttleReadBpsDevice},
        {"throttleWriteBpsDevice", &b.throttleWriteBpsDevice},
        {"throttleReadIOPSDevice", &b.throttleReadIOPSDevice},
        {"throttleWriteIOPSDevice", &b.throttleWriteIOPSDevice},
    };
    bool any = !p.empty() || !weights.empty();
    for (const auto& [key, list] : throttles)
        any = any || !list->empty();
    if (!any)
        return;
    Json& target = object_at(res, "blockIO");
    for (const auto& [k, v] : p.items())
        target[k] = v;
    merge_entries(target, "weightDevice", weights, same_device);
    for (const auto& [key, list] : throttles) {
        std::vector<Json> entries;
        for (const auto& t : *list)
            entries.push_back(throttle_entry(t));
        merge_entries(target, key, entries, same_device);
    }
}

void merge_network(Json& res, const oci::Network& n)
{
    Json p = Json::object();
    put_set(p, "classID", n.classID);
    std::vector<Json> priorities;
    for (const auto& i : n.priorities) {
        Json e = Json::object();
        e["name"] = i.name;
        e["priority"] = i.priority;
        priorities.push_back(std::move(e));
    }
    if (p.empty() && priorities.empty())
        return;
    Json& target = object_at(res, "network");
    for (const auto& [k, v] : p.items())
        target[k] = v;
    merge_entries(target, "priorities", priorities, same_name);
}

void merge_into(Json& res, const oci::Resources& given)
{
    // given.devices: never (update leaves the device rules alone, as runc does).
    if (given.memory)
        merge_memory(res, *given.memory);
    if (given.cpu)
        merge_cpu(res, *given.cpu);
    if (given.pids) {
        Json p = Json::object();
        put(p, "limit", given.pids->limit);
        merge_members(res, "pids", p);
    }
    if (given.blockIO)
        merge_block_io(res, *given.blockIO);
    std::vector<Json> pages;
    for (const auto& h : given.hugepageLimits) {
        Json e = Json::object();
        e["pageSize"] = h.pageSize;
        e["limit"] = h.limit;
        pages.push_back(std::move(e));
    }
    merge_entries(res, "hugepageLimits", pages, same_page_size);
    if (given.network)
        merge_network(res, *given.network);
    for (const auto& [device, limits] : given.rdma) {
        Json p = Json::object();
        put(p, "hcaHandles", limits.hcaHandles);
        put(p, "hcaObjects", limits.hcaObjects);
        if (!p.empty())
            merge_members(object_at(res, "rdma"), device, p);
    }
    if (!given.unified.empty()) {
        Json& u = object_at(res, "unified");
        for (const auto& [key, value] : given.unified)
            u[key] = value;
    }
}

Result<Json> merged_resources(Json stored, const oci::Resources& given)
{
    if (stored.is_null())
        stored = Json::object();
    if (!stored.is_object())
        return Error::message("linux.resources is not an object");
    try {
        merge_into(stored, given);
    } catch (const std::exception& e) {
        return Error::message(std::string("merge the resources: ") + e.what());
    }
    // What is saved must stay a valid config for later commands (exec parses it).
    TRY(oci::parse_resources(dump(stored)).context("the updated linux.resources"));
    return stored;
}

} // namespace

Result<std::string> merge_resources(std::string_view stored, const oci::Resources& given)
{
    Json s = stored.empty() ? Json() : TRY(parse_json(stored, "the saved linux.resources"));
    return dump(TRY(merged_resources(std::move(s), given)));
}

Result<std::string> merge_into_config(std::string_view config, const oci::Resources& given)
{
    Json doc = TRY(parse_json(config, "the saved config.json"));
    if (!doc.is_object())
        return Error::message("the saved config.json is not an object");
    Json& linux = object_at(doc, "linux");
    Json before = linux.contains("resources") ? linux["resources"] : Json();
    Json after = TRY(merged_resources(before, given));
    if (after == before || (before.is_null() && after.empty()))
        return std::string(config);
    linux["resources"] = std::move(after);
    return dump(doc);
}

Result<oci::Resources> saved_resources(std::string_view config)
{
    Json doc = TRY(parse_json(config, "the saved config.json"));
    if (!doc.is_object() || !doc.contains("linux") || !doc["linux"].is_object())
        return oci::Resources {};
    const Json& linux = doc["linux"];
    if (!linux.contains("resources") || linux["resources"].is_null())
        return oci::Resources {};
    return oci::parse_resources(dump(linux["resources"])).context("the saved config.json: linux");
}

Result<oci::Resources> resources_for_kernel(
    const oci::Resources& given, const oci::Resources& saved, bool memory_v2)
{
    oci::Resources out = given;
    if (!memory_v2 || !given.memory)
        return out;
    int64_t limit = given.memory->limit.value_or(0), swap = given.memory->swap.value_or(0);
    int64_t saved_limit = saved.memory ? saved.memory->limit.value_or(0) : 0;
    int64_t saved_swap = saved.memory ? saved.memory->swap.value_or(0) : 0;
    if (swap > 0 && limit == 0 && saved_limit != 0) {
        // memory.swap.max = swap - memory: the memory is the saved one.
        out.memory->limit = saved_limit;
    } else if (limit > 0 && swap == 0 && saved_swap != 0) {
        // A new memory limit moves memory.swap.max under the saved memory+swap.
        if (saved_swap > 0 && saved_swap < limit)
            return Error::message("memory limit " + std::to_string(limit)
                + " is above the container's memory+swap limit " + std::to_string(saved_swap)
                + "; give the memory+swap limit (--memory-swap) too");
        out.memory->swap = saved_swap;
    }
    return out;
}

} // namespace hull::container
