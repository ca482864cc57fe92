// Folding update's resources into the saved config.json (update_merge.hpp), at the level of the
// saved JSON so everything update does not own stays as the user wrote it.
#include "container/update_merge.hpp"
#include "hull/oci/parse.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdint>
#include <exception>
#include <initializer_list>
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

// What identifies an entry of a list: the page size in hugepageLimits, the interface name in
// network.priorities, major:minor in blockIO's weightDevice and throttle lists.
Match match_for(const std::string& list)
{
    if (list == "hugepageLimits")
        return same_page_size;
    if (list == "priorities")
        return same_name;
    return same_device;
}

// Each given entry merged into the entry of obj[key] it matches, or appended.
void merge_entries(Json& obj, const std::string& key, const Json& given)
{
    Json& list = obj[key];
    if (!list.is_array())
        list = Json::array();
    Match match = match_for(key);
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

// `patch` written into `target` member by member: objects recursively (unified and rdma key by
// key), lists entry by entry, values replaced. An empty object adds nothing.
void merge_value(Json& target, const Json& patch)
{
    for (const auto& [k, v] : patch.items()) {
        if (v.is_object()) {
            if (!v.empty())
                merge_value(object_at(target, k), v);
        } else if (v.is_array()) {
            merge_entries(target, k, v);
        } else {
            target[k] = v;
        }
    }
}

// The given fields that write nothing to the cgroup, and so leave the saved value: the plain
// integers for which zero means "unset" (empty cpuset strings are already left out).
void drop_unset(Json& patch, const char* group, std::initializer_list<const char*> fields)
{
    auto it = patch.find(group);
    if (it == patch.end() || !it->is_object())
        return;
    for (const char* f : fields)
        if (auto v = it->find(f); v != it->end() && v->is_number() && *v == 0)
            it->erase(v);
}

// update's resources as a patch of the saved linux.resources.
Json patch_of(const oci::Resources& given)
{
    Json patch = Json::parse(oci::resources_to_json(given));
    patch.erase("devices"); // update leaves the device rules alone, as runc does
    drop_unset(patch, "memory", {"limit", "reservation", "swap"});
    drop_unset(patch, "cpu", {"shares", "quota", "period", "realtimeRuntime", "realtimePeriod"});
    drop_unset(patch, "blockIO", {"weight", "leafWeight"});
    drop_unset(patch, "network", {"classID"});
    // runc update.go: an unlimited memory with no swap value means unlimited swap too.
    if (auto m = patch.find("memory");
        m != patch.end() && m->value("limit", int64_t {0}) == -1 && !m->contains("swap"))
        (*m)["swap"] = -1;
    return patch;
}

Result<Json> merged_resources(Json stored, const oci::Resources& given)
{
    if (stored.is_null())
        stored = Json::object();
    if (!stored.is_object())
        return Error::message("linux.resources is not an object");
    try {
        merge_value(stored, patch_of(given));
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
