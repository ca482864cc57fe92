// to_json, state_to_json, states_to_json_line and features_to_json output formats.
#include "hull/oci/features.hpp"
#include "hull/oci/known.hpp"
#include "hull/oci/mount_options.hpp"
#include "hull/oci/parse.hpp"
#include "hull/oci/state.hpp"

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

using namespace hull::oci;

TEST_CASE("default_spec matches runc spec with hull's name")
{
    Spec s = default_spec();
    CHECK(s.ociVersion == "1.3.0");
    CHECK(s.hostname == "hull");
    REQUIRE(s.process);
    CHECK(s.process->terminal);
    CHECK(s.process->args == std::vector<std::string> {"sh"});
    CHECK(s.process->cwd == "/");
    CHECK(s.process->noNewPrivileges);
    REQUIRE(s.process->capabilities);
    CHECK(s.process->capabilities->bounding->size() == 3);
    CHECK_FALSE(s.process->capabilities->inheritable);
    CHECK_FALSE(s.process->capabilities->ambient);
    CHECK(s.mounts.size() == 7);
    CHECK(s.mounts[2].options
        == std::vector<std::string> {
            "nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"});
    REQUIRE(s.linux);
    CHECK(s.linux->namespaces.size() == 6);
    CHECK(s.linux->maskedPaths.size() == 10);
    CHECK(s.linux->readonlyPaths.size() == 5);
    CHECK(validate(s).ok());
}

TEST_CASE("default_spec and rootless_spec round-trip through to_json")
{
    for (const Spec& s : {default_spec(), rootless_spec(1000, 1001)}) {
        auto parsed = parse_config(to_json(s));
        REQUIRE_MESSAGE(parsed.ok(), (parsed.ok() ? "" : parsed.error().text()));
        CHECK(parsed.value() == s);
    }
}

TEST_CASE("rootless_spec follows runc's ToRootless")
{
    Spec s = rootless_spec(1000, 1001);
    CHECK_FALSE(find_namespace(s, NamespaceType::Network));
    REQUIRE(find_namespace(s, NamespaceType::User));
    CHECK(s.linux->namespaces.back().type == NamespaceType::User);
    CHECK(s.linux->uidMappings == std::vector<IdMapping> {{0, 1000, 1}});
    CHECK(s.linux->gidMappings == std::vector<IdMapping> {{0, 1001, 1}});
    CHECK_FALSE(s.linux->resources);
    CHECK(s.mounts[5].type == "none");
    CHECK(s.mounts[5].source == "/sys");
    CHECK(s.mounts[5].options == std::vector<std::string> {"rbind", "nosuid", "noexec", "nodev", "ro"});
    CHECK(s.mounts[2].options
        == std::vector<std::string> {"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"});
}

TEST_CASE("to_json is tab-indented in Go struct order with empty fields left out")
{
    Spec s;
    s.ociVersion = "1.3.0";
    s.root = Root {.path = "rootfs"};
    s.process = Process {.user = {}, .args = {"a<b"}, .cwd = "/"};
    s.linux = Linux {.namespaces = {Namespace {.type = NamespaceType::Pid, .path = ""}}};
    std::string expected = "{\n"
                           "\t\"ociVersion\": \"1.3.0\",\n"
                           "\t\"process\": {\n"
                           "\t\t\"user\": {\n"
                           "\t\t\t\"uid\": 0,\n"
                           "\t\t\t\"gid\": 0\n"
                           "\t\t},\n"
                           "\t\t\"args\": [\n"
                           "\t\t\t\"a\\u003cb\"\n"
                           "\t\t],\n"
                           "\t\t\"cwd\": \"/\"\n"
                           "\t},\n"
                           "\t\"root\": {\n"
                           "\t\t\"path\": \"rootfs\"\n"
                           "\t},\n"
                           "\t\"linux\": {\n"
                           "\t\t\"namespaces\": [\n"
                           "\t\t\t{\n"
                           "\t\t\t\t\"type\": \"pid\"\n"
                           "\t\t\t}\n"
                           "\t\t]\n"
                           "\t}\n"
                           "}";
    CHECK(to_json(s) == expected);
}

TEST_CASE("to_json of the default spec keeps runc's key order")
{
    auto doc = nlohmann::ordered_json::parse(to_json(default_spec()));
    std::vector<std::string> keys;
    for (auto it = doc.begin(); it != doc.end(); ++it)
        keys.push_back(it.key());
    CHECK(keys == std::vector<std::string> {"ociVersion", "process", "root", "hostname", "mounts", "linux"});
    std::vector<std::string> linux_keys;
    for (auto it = doc["linux"].begin(); it != doc["linux"].end(); ++it)
        linux_keys.push_back(it.key());
    CHECK(linux_keys == std::vector<std::string> {"resources", "namespaces", "maskedPaths", "readonlyPaths"});
    CHECK(doc["process"]["rlimits"][0].dump() == R"({"type":"RLIMIT_NOFILE","hard":1024,"soft":1024})");
    CHECK(doc["mounts"][0].dump() == R"({"destination":"/proc","type":"proc","source":"proc"})");
    CHECK(doc["linux"]["resources"].dump() == R"({"devices":[{"allow":false,"access":"rwm"}]})");
}

TEST_CASE("state_to_json matches runc state output")
{
    State st {.ociVersion = "1.3.0",
        .id = "abc",
        .status = "running",
        .pid = 4242,
        .bundle = "/b",
        .rootfs = "/b/rootfs",
        .created = "2026-08-22T10:11:12.123456789Z",
        .annotations = {},
        .owner = ""};
    CHECK(state_to_json(st)
        == "{\n"
           "  \"ociVersion\": \"1.3.0\",\n"
           "  \"id\": \"abc\",\n"
           "  \"pid\": 4242,\n"
           "  \"status\": \"running\",\n"
           "  \"bundle\": \"/b\",\n"
           "  \"rootfs\": \"/b/rootfs\",\n"
           "  \"created\": \"2026-08-22T10:11:12.123456789Z\",\n"
           "  \"owner\": \"\"\n"
           "}");

    st.annotations = {{"bundle", "/swallowed"}};
    CHECK(state_to_json(st).find("annotations") == std::string::npos);

    st.annotations = {{"bundle", "/swallowed"}, {"org.example", "x&y"}};
    std::string with = state_to_json(st);
    CHECK(with.find("  \"annotations\": {\n    \"org.example\": \"x\\u0026y\"\n  },\n  \"owner\": \"\"\n}")
        != std::string::npos);
    CHECK(with.find("/swallowed") == std::string::npos);
    CHECK(with.back() == '}');

    auto back = parse_state(with);
    REQUIRE(back.ok());
    CHECK(back.value().pid == 4242);
    CHECK(back.value().annotations.at("org.example") == "x&y");
}

TEST_CASE("states_to_json_line prints one line, or null when empty")
{
    CHECK(states_to_json_line({}) == "null\n");
    State st {.ociVersion = "1.3.0", .id = "a", .status = "stopped", .pid = 0, .owner = "root"};
    CHECK(states_to_json_line({st})
        == R"([{"ociVersion":"1.3.0","id":"a","pid":0,"status":"stopped","bundle":"","rootfs":"","created":"","owner":"root"}])"
           "\n");
}

TEST_CASE("features_to_json uses a 4-space indent and Go key order")
{
    Features f;
    f.ociVersionMin = "1.0.0";
    f.ociVersionMax = "1.3.0";
    f.hooks = known_hooks();
    f.mountOptions = {"ro", "rro"};
    Features::Linux linux;
    linux.namespaces = {"pid", "user"};
    linux.cgroup
        = Features::Cgroup {.v1 = true, .v2 = true, .systemd = false, .systemdUser = false, .rdma = false};
    linux.seccomp = Features::Seccomp {.enabled = true, .actions = {"SCMP_ACT_ALLOW"}};
    linux.apparmor = Features::Enabled {false};
    linux.mountExtensions = Features::MountExtensions {.idmap = Features::Enabled {true}};
    f.linux = linux;
    f.annotations = {{"org.opencontainers.runc.version", "hull"}};
    f.potentiallyUnsafeConfigAnnotations = {"bundle"};
    std::string out = features_to_json(f);
    CHECK(out.back() == '\n');
    CHECK(out.rfind("{\n    \"ociVersionMin\": \"1.0.0\",\n    \"ociVersionMax\": \"1.3.0\",\n    \"hooks\": "
                    "[\n        \"prestart\",",
              0)
        == 0);
    auto doc = nlohmann::ordered_json::parse(out);
    std::vector<std::string> keys;
    for (auto it = doc.begin(); it != doc.end(); ++it)
        keys.push_back(it.key());
    CHECK(keys
        == std::vector<std::string> {"ociVersionMin", "ociVersionMax", "hooks", "mountOptions", "linux",
            "annotations", "potentiallyUnsafeConfigAnnotations"});
    CHECK(doc["linux"]["cgroup"].dump()
        == R"({"v1":true,"v2":true,"systemd":false,"systemdUser":false,"rdma":false})");
    CHECK(doc["linux"]["mountExtensions"].dump() == R"({"idmap":{"enabled":true}})");
    CHECK(doc["linux"]["apparmor"].dump() == R"({"enabled":false})");
    CHECK_FALSE(doc["linux"].contains("selinux"));
    CHECK(doc["linux"]["seccomp"].dump() == R"({"enabled":true,"actions":["SCMP_ACT_ALLOW"]})");

    Features empty;
    CHECK(features_to_json(empty) == "{}\n");
}

TEST_CASE("resources_to_json: linux.resources alone, read back as it was")
{
    std::string text = R"({"memory": {"limit": 67108864, "swap": 0}, "cpu": {"shares": 512, "cpus": "0-1"},
        "pids": {"limit": 0}, "blockIO": {"throttleReadBpsDevice": [{"major": 7, "minor": 0, "rate": 5}]},
        "hugepageLimits": [{"pageSize": "2MB", "limit": 4194304}], "rdma": {"rxe0": {"hcaHandles": 2}},
        "unified": {"memory.high": "1"}, "devices": [{"allow": false, "access": "rwm"}]})";
    auto r = hull::oci::parse_resources(text);
    REQUIRE(r.ok());
    std::string out = hull::oci::resources_to_json(r.value());
    auto j = nlohmann::json::parse(out);
    // Pointer fields stay when zero (swap 0, pids 0): present means given.
    CHECK(j["memory"] == nlohmann::json {{"limit", 67108864}, {"swap", 0}});
    CHECK(j["pids"]["limit"] == 0);
    auto back = hull::oci::parse_resources(out);
    REQUIRE(back.ok());
    CHECK(back.value() == r.value());
}
