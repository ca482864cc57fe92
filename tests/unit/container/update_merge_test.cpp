// update_merge: the resources given to `update` folded into the saved config.json, and the
// values cgroup v2 needs completed from it.
#include "container/update_merge.hpp"
#include "hull/cgroups/plan.hpp"
#include "hull/oci/parse.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <string>

using namespace hull;
using namespace hull::container;
using Json = nlohmann::ordered_json;

namespace {

oci::Resources given(const std::string& json)
{
    auto r = oci::parse_resources(json);
    REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().text()));
    return r.value();
}

// merge_resources(stored, given) as JSON, checked to re-parse as resources.
Json merged(const std::string& stored, const oci::Resources& g)
{
    auto text = merge_resources(stored, g);
    REQUIRE_MESSAGE(text.ok(), (text.ok() ? "" : text.error().text()));
    auto reparsed = oci::parse_resources(text.value());
    REQUIRE_MESSAGE(reparsed.ok(), (reparsed.ok() ? "" : reparsed.error().text()));
    return Json::parse(text.value());
}

Json merged(const std::string& stored, const std::string& g)
{
    return merged(stored, given(g));
}

// A valid config.json with the given linux.resources (or none for "").
std::string config_with(const std::string& resources)
{
    Json doc = Json::parse(oci::to_json(oci::default_spec()));
    if (resources.empty())
        doc["linux"].erase("resources");
    else
        doc["linux"]["resources"] = Json::parse(resources);
    doc["annotations"] = {{"z.last", "1"}, {"a.first", "2"}};
    return doc.dump(1, '\t');
}

} // namespace

TEST_CASE("a given field replaces the saved one; its siblings are kept")
{
    Json m = merged(R"({"memory": {"limit": 67108864, "reservation": 33554432, "swappiness": 10},
                        "pids": {"limit": 42}})",
        R"({"memory": {"limit": 134217728}})");
    CHECK(m["memory"]["limit"] == 134217728);
    CHECK(m["memory"]["reservation"] == 33554432);
    CHECK(m["memory"]["swappiness"] == 10);
    CHECK(m["pids"]["limit"] == 42);
    CHECK(m.size() == 2);
}

TEST_CASE("nested groups: a new one is added, the others are left as they are")
{
    Json m = merged(R"({"cpu": {"shares": 512, "cpus": "0"},
                        "blockIO": {"weight": 300, "throttleReadBpsDevice": [{"major": 8, "minor": 0, "rate": 1024}]}})",
        R"({"pids": {"limit": 50}, "blockIO": {"weight": 500}, "cpu": {"mems": "0"}})");
    CHECK(m["pids"]["limit"] == 50);
    CHECK(m["cpu"]["shares"] == 512);
    CHECK(m["cpu"]["cpus"] == "0");
    CHECK(m["cpu"]["mems"] == "0");
    CHECK(m["blockIO"]["weight"] == 500);
    REQUIRE(m["blockIO"]["throttleReadBpsDevice"].size() == 1);
    CHECK(m["blockIO"]["throttleReadBpsDevice"][0]["rate"] == 1024);
    // Member order of the saved object is kept; new groups come last.
    std::vector<std::string> keys;
    for (const auto& [k, v] : m.items())
        keys.push_back(k);
    CHECK(keys == std::vector<std::string> {"cpu", "blockIO", "pids"});
}

TEST_CASE("nothing saved: the given resources become the saved ones")
{
    for (const char* stored : {"", "null", "{}"}) {
        CAPTURE(stored);
        Json m = merged(stored, R"({"pids": {"limit": 7}, "unified": {"memory.high": "1000"}})");
        CHECK(m == Json::parse(R"({"pids": {"limit": 7}, "unified": {"memory.high": "1000"}})"));
    }
}

TEST_CASE("unified is merged key by key")
{
    Json m = merged(R"({"unified": {"memory.high": "100", "memory.oom.group": "1"}})",
        R"({"unified": {"memory.high": "200", "io.weight": "50"}})");
    CHECK(
        m["unified"] == Json::parse(R"({"memory.high": "200", "memory.oom.group": "1", "io.weight": "50"})"));
}

TEST_CASE("array entries are matched by device, page size, interface or rdma device")
{
    Json m = merged(R"({
        "blockIO": {
            "weightDevice": [{"major": 8, "minor": 0, "weight": 100, "leafWeight": 200}],
            "throttleReadBpsDevice": [{"major": 8, "minor": 0, "rate": 1}, {"major": 8, "minor": 16, "rate": 2}],
            "throttleWriteIOPSDevice": [{"major": 8, "minor": 0, "rate": 3}]},
        "hugepageLimits": [{"pageSize": "2MB", "limit": 2097152}, {"pageSize": "1GB", "limit": 0}],
        "network": {"classID": 5, "priorities": [{"name": "eth0", "priority": 1}]},
        "rdma": {"mlx4_0": {"hcaHandles": 2, "hcaObjects": 10}, "rxe0": {"hcaHandles": 1}}})",
        R"({
        "blockIO": {
            "weightDevice": [{"major": 8, "minor": 0, "weight": 500}],
            "throttleReadBpsDevice": [{"major": 8, "minor": 16, "rate": 20}, {"major": 253, "minor": 0, "rate": 30}]},
        "hugepageLimits": [{"pageSize": "2MB", "limit": 4194304}],
        "network": {"priorities": [{"name": "lo", "priority": 9}, {"name": "eth0", "priority": 2}]},
        "rdma": {"mlx4_0": {"hcaObjects": 20}, "mlx5_1": {"hcaHandles": 4}}})");
    const Json& b = m["blockIO"];
    CHECK(
        b["weightDevice"] == Json::parse(R"([{"major": 8, "minor": 0, "weight": 500, "leafWeight": 200}])"));
    CHECK(b["throttleReadBpsDevice"]
        == Json::parse(R"([{"major": 8, "minor": 0, "rate": 1}, {"major": 8, "minor": 16, "rate": 20},
                           {"major": 253, "minor": 0, "rate": 30}])"));
    CHECK(b["throttleWriteIOPSDevice"] == Json::parse(R"([{"major": 8, "minor": 0, "rate": 3}])"));
    CHECK(m["hugepageLimits"]
        == Json::parse(R"([{"pageSize": "2MB", "limit": 4194304}, {"pageSize": "1GB", "limit": 0}])"));
    CHECK(m["network"]
        == Json::parse(
            R"({"classID": 5, "priorities": [{"name": "eth0", "priority": 2}, {"name": "lo", "priority": 9}]})"));
    CHECK(
        m["rdma"] == Json::parse(R"({"mlx4_0": {"hcaHandles": 2, "hcaObjects": 20}, "rxe0": {"hcaHandles": 1},
                           "mlx5_1": {"hcaHandles": 4}})"));
}

TEST_CASE("a lone cpu quota keeps the saved period, and a lone period the saved quota")
{
    const char* stored = R"({"cpu": {"quota": 300000, "period": 100000}})";
    Json q = merged(stored, R"({"cpu": {"quota": 250000}})");
    CHECK(q["cpu"] == Json::parse(R"({"quota": 250000, "period": 100000})"));
    Json p = merged(stored, R"({"cpu": {"period": 200000}})");
    CHECK(p["cpu"] == Json::parse(R"({"quota": 300000, "period": 200000})"));
    // runc's flags: parsed onto an empty Resources, so only the quota is there.
    oci::Resources flags;
    flags.cpu.emplace();
    flags.cpu->quota = -1;
    Json f = merged(stored, flags);
    CHECK(f["cpu"] == Json::parse(R"({"quota": -1, "period": 100000})"));
}

TEST_CASE("devices are never changed by update")
{
    const char* stored = R"({"devices": [{"allow": false, "access": "rwm"},
                                          {"allow": true, "type": "c", "major": 1, "minor": 3, "access": "rw"}]})";
    Json m = merged(stored, R"({"devices": [{"allow": true, "access": "rwm"}], "pids": {"limit": 5}})");
    CHECK(m["devices"] == Json::parse(stored)["devices"]);
    CHECK(m["pids"]["limit"] == 5);
    Json none = merged("{}", R"({"devices": [{"allow": true, "access": "rwm"}]})");
    CHECK_FALSE(none.contains("devices"));
}

TEST_CASE("values that write nothing (zero, empty cpuset, null) keep the saved ones")
{
    // Docker sends 0 for "not set"; the cgroup writers skip it, so the saved value stays true.
    Json m = merged(R"({"cpu": {"shares": 512, "quota": 1000, "cpus": "0-1"}, "memory": {"limit": 1048576},
                        "blockIO": {"weight": 300}})",
        R"({"cpu": {"shares": 0, "quota": 0, "period": 0, "cpus": ""}, "memory": {"limit": 0, "swap": null},
            "blockIO": {"weight": 0}})");
    CHECK(m["cpu"] == Json::parse(R"({"shares": 512, "quota": 1000, "cpus": "0-1"})"));
    CHECK(m["memory"] == Json::parse(R"({"limit": 1048576})"));
    CHECK(m["blockIO"] == Json::parse(R"({"weight": 300})"));
    // pids.limit 0 is a real limit, and pointer-like fields are written when present.
    Json z = merged(
        R"({"pids": {"limit": 9}, "cpu": {"idle": 1}})", R"({"pids": {"limit": 0}, "cpu": {"idle": 0}})");
    CHECK(z["pids"]["limit"] == 0);
    CHECK(z["cpu"]["idle"] == 0);
}

TEST_CASE("an unlimited memory without a swap value saves unlimited swap, as runc does")
{
    Json m = merged(R"({"memory": {"limit": 1048576, "swap": 2097152}})", R"({"memory": {"limit": -1}})");
    CHECK(m["memory"] == Json::parse(R"({"limit": -1, "swap": -1})"));
    Json kept = merged(R"({"memory": {"limit": 1048576, "swap": 2097152}})",
        R"({"memory": {"limit": -1, "swap": 4194304}})");
    CHECK(kept["memory"] == Json::parse(R"({"limit": -1, "swap": 4194304})"));
}

TEST_CASE("a merge that would save an invalid config is refused")
{
    oci::Resources flags; // runc's flags are not checked by a parser
    flags.blockIO.emplace();
    flags.blockIO->weight = 5;
    auto r = merge_resources("{}", flags);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().text().find("/blockIO/weight") != std::string::npos);
    // burst above the new quota
    auto b = merge_resources(
        R"({"cpu": {"quota": 10000, "burst": 5000}})", given(R"({"cpu": {"quota": 1000}})"));
    REQUIRE_FALSE(b.ok());
    CHECK(b.error().text().find("burst") != std::string::npos);
    CHECK_FALSE(merge_resources("[1]", oci::Resources {}).ok());
    CHECK_FALSE(merge_resources("{", oci::Resources {}).ok());
}

TEST_CASE("merge_into_config: only linux.resources changes, and the config still parses")
{
    std::string config = config_with(R"({"memory": {"limit": 67108864}, "pids": {"limit": 42},
                                         "devices": [{"allow": false, "access": "rwm"}]})");
    auto out = merge_into_config(config, given(R"({"pids": {"limit": 50}, "cpu": {"shares": 512}})"));
    REQUIRE(out.ok());
    auto spec = oci::parse_config(out.value());
    REQUIRE_MESSAGE(spec.ok(), (spec.ok() ? "" : spec.error().text()));
    const auto& res = *spec.value().linux->resources;
    CHECK(res.pids->limit == 50);
    CHECK(res.memory->limit == 67108864);
    CHECK(res.cpu->shares == 512);
    CHECK(res.devices.size() == 1);
    Json before = Json::parse(config), after = Json::parse(out.value());
    after["linux"].erase("resources");
    before["linux"].erase("resources");
    CHECK(after == before); // everything else, member order included
}

TEST_CASE("merge_into_config: no resources saved, or nothing to change")
{
    std::string bare = config_with("");
    auto out = merge_into_config(bare, given(R"({"pids": {"limit": 3}})"));
    REQUIRE(out.ok());
    CHECK(Json::parse(out.value())["linux"]["resources"] == Json::parse(R"({"pids": {"limit": 3}})"));
    // An empty update, or one of zeros, leaves the text byte for byte.
    CHECK(merge_into_config(bare, oci::Resources {}).value() == bare);
    std::string with = config_with(R"({"cpu": {"shares": 512}})");
    CHECK(merge_into_config(with, given(R"({"cpu": {"shares": 0}})")).value() == with);
    CHECK(merge_into_config(with, given(R"({"cpu": {"shares": 512}})")).value() == with);
    CHECK_FALSE(merge_into_config("not json", oci::Resources {}).ok());
    CHECK_FALSE(merge_into_config("[]", oci::Resources {}).ok());
}

TEST_CASE("saved_resources: linux.resources of the saved config")
{
    auto r = saved_resources(config_with(R"({"memory": {"limit": 1048576, "swap": 2097152}})"));
    REQUIRE(r.ok());
    CHECK(r.value().memory->limit == 1048576);
    CHECK(r.value().memory->swap == 2097152);
    auto none = saved_resources(config_with(""));
    REQUIRE(none.ok());
    CHECK(none.value() == oci::Resources {});
    CHECK(saved_resources("{}").value() == oci::Resources {});
    CHECK_FALSE(saved_resources("{").ok());
}

namespace {

oci::Resources memory(std::optional<int64_t> limit, std::optional<int64_t> swap)
{
    oci::Resources r;
    r.memory.emplace();
    r.memory->limit = limit;
    r.memory->swap = swap;
    return r;
}

// The memory.swap.max and memory.max plan_v2 writes for the completed resources ("" = none).
std::pair<std::string, std::string> v2_files(const oci::Resources& r)
{
    auto plan = cgroups::plan_v2(r, cgroups::Current {});
    REQUIRE_MESSAGE(plan.ok(), (plan.ok() ? "" : plan.error().text()));
    std::pair<std::string, std::string> out;
    for (const auto& w : plan.value()) {
        if (w.file == "memory.swap.max")
            out.first = w.value;
        if (w.file == "memory.max")
            out.second = w.value;
    }
    return out;
}

} // namespace

TEST_CASE("v2: a lone swap is converted with the saved memory limit")
{
    auto r = resources_for_kernel(memory({}, 268435456), memory(134217728, {}), true);
    REQUIRE(r.ok());
    CHECK(r.value().memory->limit == 134217728);
    CHECK(v2_files(r.value()) == std::pair<std::string, std::string> {"134217728", "134217728"});
    // A saved unlimited memory: the swap alone, as runc's fs2 conversion.
    auto u = resources_for_kernel(memory({}, 268435456), memory(-1, {}), true);
    REQUIRE(u.ok());
    CHECK(v2_files(u.value()).first == "268435456");
    // -1 needs no memory limit.
    auto m = resources_for_kernel(memory({}, -1), oci::Resources {}, true);
    REQUIRE(m.ok());
    CHECK(v2_files(m.value()) == std::pair<std::string, std::string> {"max", ""});
}

TEST_CASE("v2: a lone swap with no memory limit saved or given keeps runc's error")
{
    auto r = resources_for_kernel(memory({}, 268435456), oci::Resources {}, true);
    REQUIRE(r.ok());
    CHECK_FALSE(r.value().memory->limit);
    auto plan = cgroups::plan_v2(r.value(), cgroups::Current {});
    REQUIRE_FALSE(plan.ok());
    CHECK(plan.error().text() == "unable to set swap limit without memory limit");
}

TEST_CASE("v2: a lone memory limit re-derives memory.swap.max from the saved memory+swap")
{
    auto r = resources_for_kernel(memory(100663296, {}), memory(67108864, 134217728), true);
    REQUIRE(r.ok());
    CHECK(v2_files(r.value()) == std::pair<std::string, std::string> {"33554432", "100663296"});
    // Unlimited swap saved: stays unlimited.
    auto u = resources_for_kernel(memory(100663296, {}), memory(67108864, -1), true);
    REQUIRE(u.ok());
    CHECK(v2_files(u.value()).first == "max");
    // Above the saved memory+swap: refused with what to do, before anything is written.
    auto over = resources_for_kernel(memory(268435456, {}), memory(67108864, 134217728), true);
    REQUIRE_FALSE(over.ok());
    CHECK(over.error().text().find("--memory-swap") != std::string::npos);
    // An unlimited memory takes unlimited swap with it (runc), not the saved swap.
    auto unl = resources_for_kernel(memory(-1, {}), memory(67108864, 134217728), true);
    REQUIRE(unl.ok());
    CHECK(v2_files(unl.value()) == std::pair<std::string, std::string> {"max", "max"});
}

TEST_CASE("v1, and updates without memory, are written as given")
{
    oci::Resources g = memory({}, 268435456);
    auto v1 = resources_for_kernel(g, memory(134217728, 201326592), false);
    REQUIRE(v1.ok());
    CHECK(v1.value() == g);
    auto lim = resources_for_kernel(memory(100663296, {}), memory(67108864, 134217728), false);
    REQUIRE(lim.ok());
    CHECK(lim.value() == memory(100663296, {}));
    oci::Resources pids;
    pids.pids.emplace();
    pids.pids->limit = 5;
    CHECK(resources_for_kernel(pids, memory(1, 2), true).value() == pids);
    // Both given: as given.
    CHECK(resources_for_kernel(memory(1048576, 2097152), memory(67108864, 134217728), true).value()
        == memory(1048576, 2097152));
}
