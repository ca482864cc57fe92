#include "hull/cgroups/devices.hpp"

#include <doctest/doctest.h>
#include <stdexcept>

using namespace hull;
using namespace hull::cgroups;

namespace {

// A BPF interpreter for the instructions the device filter uses, run on a
// struct bpf_cgroup_dev_ctx. Returns r0, or throws on anything unexpected.
uint64_t run(const std::vector<bpf_insn>& prog, char type, uint32_t major, uint32_t minor, const char* access)
{
    uint32_t acc = 0;
    for (const char* a = access; *a; ++a)
        acc |= *a == 'r' ? BPF_DEVCG_ACC_READ : *a == 'w' ? BPF_DEVCG_ACC_WRITE : BPF_DEVCG_ACC_MKNOD;
    uint32_t ctx[3] = {(acc << 16) | (type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR), major, minor};
    uint64_t reg[11] = {};
    size_t pc = 0;
    for (int steps = 0; steps < 10000; ++steps) {
        if (pc >= prog.size())
            throw std::runtime_error("fell off the program");
        const bpf_insn& i = prog[pc++];
        uint64_t& dst = reg[i.dst_reg];
        switch (i.code) {
        case BPF_LDX | BPF_MEM | BPF_W:
            // r1 is the context pointer: only word loads at 0, 4, 8 from it.
            if (i.src_reg != BPF_REG_1 || i.off % 4 || i.off < 0 || i.off > 8)
                throw std::runtime_error("bad load");
            dst = ctx[i.off / 4];
            break;
        case BPF_ALU | BPF_AND | BPF_K:
            dst = static_cast<uint32_t>(dst) & static_cast<uint32_t>(i.imm);
            break;
        case BPF_ALU | BPF_RSH | BPF_K:
            dst = static_cast<uint32_t>(dst) >> i.imm;
            break;
        case BPF_ALU | BPF_MOV | BPF_K:
            dst = static_cast<uint32_t>(i.imm);
            break;
        case BPF_ALU | BPF_MOV | BPF_X:
            dst = static_cast<uint32_t>(reg[i.src_reg]);
            break;
        case BPF_JMP | BPF_JNE | BPF_K:
            if (dst != static_cast<uint64_t>(static_cast<int64_t>(i.imm)))
                pc += i.off;
            break;
        case BPF_JMP | BPF_JNE | BPF_X:
            if (dst != reg[i.src_reg])
                pc += i.off;
            break;
        case BPF_JMP | BPF_EXIT:
            return reg[0];
        default:
            throw std::runtime_error("unexpected opcode " + std::to_string(i.code));
        }
    }
    throw std::runtime_error("no exit");
}

// One line per instruction, jumps with their absolute target ("-> 12").
std::vector<std::string> dump(const std::vector<bpf_insn>& prog)
{
    std::vector<std::string> out;
    for (size_t pc = 0; pc < prog.size(); ++pc) {
        const bpf_insn& i = prog[pc];
        std::string d = "r" + std::to_string(i.dst_reg), s = "r" + std::to_string(i.src_reg);
        std::string imm = std::to_string(i.imm), to = std::to_string(pc + 1 + i.off);
        switch (i.code) {
        case BPF_LDX | BPF_MEM | BPF_W:
            out.push_back("LdXMemW " + d + " " + s + " off " + std::to_string(i.off));
            break;
        case BPF_ALU | BPF_AND | BPF_K:
            out.push_back("AndImm32 " + d + " " + imm);
            break;
        case BPF_ALU | BPF_RSH | BPF_K:
            out.push_back("RShImm32 " + d + " " + imm);
            break;
        case BPF_ALU | BPF_MOV | BPF_K:
            out.push_back("MovImm32 " + d + " " + imm);
            break;
        case BPF_ALU | BPF_MOV | BPF_X:
            out.push_back("MovReg32 " + d + " " + s);
            break;
        case BPF_JMP | BPF_JNE | BPF_K:
            out.push_back("JNEImm " + d + " " + imm + " -> " + to);
            break;
        case BPF_JMP | BPF_JNE | BPF_X:
            out.push_back("JNEReg " + d + " " + s + " -> " + to);
            break;
        case BPF_JMP | BPF_EXIT:
            out.push_back("Exit");
            break;
        default:
            out.push_back("?");
        }
    }
    return out;
}

const std::vector<std::string> kPrologue = {"LdXMemW r2 r1 off 0", "AndImm32 r2 65535", "LdXMemW r3 r1 off 0",
    "RShImm32 r3 16", "LdXMemW r4 r1 off 4", "LdXMemW r5 r1 off 8"};

std::vector<std::string> with_prologue(std::vector<std::string> rest)
{
    auto out = kPrologue;
    out.insert(out.end(), rest.begin(), rest.end());
    return out;
}

std::vector<DeviceRule> defaults()
{
    std::vector<DeviceRule> out;
    for (const auto& d : default_allowed_devices())
        out.push_back(d.rule);
    return out;
}

std::vector<bpf_insn> program(const std::vector<DeviceRule>& rules)
{
    auto p = device_filter(rules);
    REQUIRE(p.ok());
    return p.value();
}

DeviceRule deny_all()
{
    return DeviceRule {'a', -1, -1, "rwm", false};
}

DeviceRule allow_all()
{
    return DeviceRule {'a', -1, -1, "rwm", true};
}

} // namespace

TEST_CASE("no rules: deny everything (runc TestDeviceFilter_Nil)")
{
    auto p = program({});
    CHECK(dump(p) == with_prologue({"MovImm32 r0 0", "Exit"}));
    CHECK(run(p, 'c', 1, 3, "r") == 0);
}

TEST_CASE("the default allow list compiles to runc's program (TestDeviceFilter_BuiltInAllowList)")
{
    auto p = program(defaults());
    auto block = [](int next, int type, std::vector<std::pair<int, int>> checks) {
        std::vector<std::string> b = {"JNEImm r2 " + std::to_string(type) + " -> " + std::to_string(next)};
        for (auto [reg, v] : checks)
            b.push_back(
                "JNEImm r" + std::to_string(reg) + " " + std::to_string(v) + " -> " + std::to_string(next));
        b.push_back("MovImm32 r0 1");
        b.push_back("Exit");
        return b;
    };
    std::vector<std::string> expected = kPrologue;
    auto add = [&](std::vector<std::string> b) { expected.insert(expected.end(), b.begin(), b.end()); };
    // (b *:* m), (c *:* m): type and access tests.
    add({"JNEImm r2 1 -> 12", "MovReg32 r1 r3", "AndImm32 r1 1", "JNEReg r1 r3 -> 12", "MovImm32 r0 1",
        "Exit"});
    add({"JNEImm r2 2 -> 18", "MovReg32 r1 r3", "AndImm32 r1 1", "JNEReg r1 r3 -> 18", "MovImm32 r0 1",
        "Exit"});
    add(block(23, 2, {{4, 1}, {5, 3}}));
    add(block(28, 2, {{4, 1}, {5, 5}}));
    add(block(33, 2, {{4, 1}, {5, 7}}));
    add(block(38, 2, {{4, 1}, {5, 8}}));
    add(block(43, 2, {{4, 1}, {5, 9}}));
    add(block(48, 2, {{4, 5}, {5, 0}}));
    add(block(53, 2, {{4, 5}, {5, 2}}));
    add(block(58, 2, {{4, 10}, {5, 200}}));
    add(block(62, 2, {{4, 136}}));
    add({"MovImm32 r0 0", "Exit"});
    CHECK(dump(p) == expected);
}

TEST_CASE("the default allow list, run")
{
    auto p = program(defaults());
    CHECK(run(p, 'c', 1, 3, "rw") == 1); // /dev/null
    CHECK(run(p, 'c', 1, 9, "r") == 1); // /dev/urandom
    CHECK(run(p, 'c', 136, 7, "rw") == 1); // /dev/pts/7
    CHECK(run(p, 'c', 5, 2, "rw") == 1); // /dev/ptmx
    CHECK(run(p, 'c', 10, 200, "rw") == 1); // /dev/net/tun
    CHECK(run(p, 'c', 4, 1, "m") == 1); // mknod of anything
    CHECK(run(p, 'b', 8, 0, "m") == 1);
    CHECK(run(p, 'b', 8, 0, "r") == 0); // but no access to disks
    CHECK(run(p, 'c', 4, 1, "w") == 0); // /dev/tty1
    CHECK(run(p, 'c', 10, 229, "rw") == 0); // /dev/fuse
    CHECK(run(p, 'c', 1, 1, "r") == 0); // /dev/mem
}

TEST_CASE("security.md: only c 1:3 allowed; mknod b 7:0 may succeed but opening it must not")
{
    std::vector<DeviceRule> rules = {deny_all(), {'c', 1, 3, "rwm", true}};
    oci::Resources r;
    r.devices = {{false, "", {}, {}, "rwm"}, {true, "c", 1, 3, "rwm"}};
    auto full = device_rules(&r, {});
    REQUIRE(full.ok());
    auto p = program(full.value());
    CHECK(run(p, 'b', 7, 0, "m") == 1);
    CHECK(run(p, 'b', 7, 0, "r") == 0);
    CHECK(run(p, 'b', 7, 0, "w") == 0);
    auto strict = program(rules);
    CHECK(run(strict, 'b', 7, 0, "m") == 0);
    CHECK(run(strict, 'c', 1, 3, "rw") == 1);
}

TEST_CASE("allow-all, and allow-all with exceptions (runc's privileged cases)")
{
    CHECK(dump(program({allow_all()})) == with_prologue({"MovImm32 r0 1", "Exit"}));
    auto p = program({allow_all(), {'b', 8, 0, "rwm", false}});
    CHECK(dump(p)
        == with_prologue({"JNEImm r2 1 -> 11", "JNEImm r4 8 -> 11", "JNEImm r5 0 -> 11", "MovImm32 r0 0",
            "Exit", "MovImm32 r0 1", "Exit"}));
    CHECK(run(p, 'b', 8, 0, "r") == 0);
    CHECK(run(p, 'b', 8, 1, "r") == 1);
    // TestDeviceFilter_Weird: a rule before the "a" reset is forgotten.
    auto weird = program({{'b', 8, 1, "rwm", false}, allow_all(), {'b', 8, 2, "rwm", false}});
    CHECK(run(weird, 'b', 8, 1, "r") == 1);
    CHECK(run(weird, 'b', 8, 2, "r") == 0);
    // Partial denial in allow-all mode: only the denied access.
    auto w = program({allow_all(), {'c', 1, 3, "w", false}});
    CHECK(run(w, 'c', 1, 3, "w") == 0);
    CHECK(run(w, 'c', 1, 3, "r") == 1);
    CHECK(run(w, 'c', 1, 5, "w") == 1);
    // Privileged container: runc's defaults after allow-all change nothing.
    auto all = std::vector<DeviceRule> {allow_all()};
    auto d = defaults();
    all.insert(all.end(), d.begin(), d.end());
    CHECK(dump(program(all)) == with_prologue({"MovImm32 r0 1", "Exit"}));
}

TEST_CASE("access subsets: a request must be within one exception")
{
    auto p = program({deny_all(), {'c', 1, 3, "rw", true}, {'c', 1, 3, "m", true}});
    // Exceptions for the same device are merged by the emulator.
    CHECK(run(p, 'c', 1, 3, "rwm") == 1);
    auto q = program({deny_all(), {'c', 10, -1, "r", true}});
    CHECK(run(q, 'c', 10, 229, "r") == 1);
    CHECK(run(q, 'c', 10, 229, "rw") == 0);
    CHECK(run(q, 'c', 11, 229, "r") == 0);
    CHECK(run(q, 'b', 10, 229, "r") == 0);
    // A later deny removes a previous allow.
    auto r = program({deny_all(), {'c', 1, 3, "rwm", true}, {'c', 1, 3, "w", false}});
    CHECK(run(r, 'c', 1, 3, "r") == 1);
    CHECK(run(r, 'c', 1, 3, "w") == 0);
}

TEST_CASE("punching a hole in a wildcard exception is refused")
{
    auto p = device_filter({deny_all(), {'c', -1, -1, "rwm", true}, {'c', 1, 3, "w", false}});
    REQUIRE_FALSE(p.ok());
    CHECK(p.error().text()
        == "unable to remove 'allow' exception: requested rule [c 1:3 w] not supported by devices cgroupv1 "
           "(cannot punch hole in existing wildcard rule [c *:* rwm])");
    CHECK_FALSE(device_filter({allow_all(), {'c', 5, -1, "r", false}, {'c', 5, 1, "r", true}}).ok());
}

TEST_CASE("device_rules: spec rules then the defaults, deduplicated by linux.devices paths")
{
    oci::Resources r;
    r.devices = {{false, "", {}, {}, "rwm"}, {true, "c", 10, 229, "rw"}};
    std::vector<oci::Device> devs = {{"c", "/dev/null", 1, 3}, {"c", "/dev/fuse", 10, 229}};
    auto rules = device_rules(&r, devs);
    REQUIRE(rules.ok());
    auto& v = rules.value();
    REQUIRE(v.size() == 2 + default_allowed_devices().size() - 1);
    CHECK(v[0] == DeviceRule {'a', -1, -1, "rwm", false});
    CHECK(v[1] == DeviceRule {'c', 10, 229, "rw", true});
    CHECK(v[2].cgroup_string() == "c *:* m");
    for (const auto& x : v)
        CHECK(x.cgroup_string() != "c 1:3 rwm"); // /dev/null redefined by linux.devices
    CHECK(device_rules(nullptr, {}).value().size() == default_allowed_devices().size());

    r.devices = {{true, "c", 1, 3, ""}};
    CHECK(device_rules(&r, {}).error().text() == "device access at 0 field cannot be empty");
    r.devices = {{true, "u", 1, 3, "r"}};
    CHECK(device_rules(&r, {}).error().text() == "invalid cgroup device type \"u\"");
}

TEST_CASE("device_rules: access letters other than r, w and m are dropped, as runc's emulator does")
{
    oci::Resources r;
    r.devices = {{false, "", {}, {}, "rwm"}, {false, "c", 1, 11, "rwa"}, {true, "c", 1, 12, "a"},
        {true, "b", 8, -1, "mmrx"}, {false, "a", {}, {}, "x"}};
    auto rules = device_rules(&r, {});
    REQUIRE(rules.ok());
    auto& v = rules.value();
    REQUIRE(v.size() >= 4);
    CHECK(v[0] == DeviceRule {'a', -1, -1, "rwm", false});
    CHECK(v[1] == DeviceRule {'c', 1, 11, "rw", false});
    // c 1:12 "a" grants nothing: no rule.
    CHECK(v[2] == DeviceRule {'b', 8, -1, "rm", true});
    // The kernel reads no access for type a: the reset keeps its meaning.
    CHECK(v[3] == DeviceRule {'a', -1, -1, "rwm", false});
    CHECK(device_filter(v).ok());
}

TEST_CASE("v1: transition from devices.list")
{
    auto w = [](std::string_view list, const std::vector<DeviceRule>& rules) {
        auto plan = plan_v1_devices(list, rules);
        REQUIRE(plan.ok());
        std::vector<std::string> out;
        for (const auto& x : plan.value())
            out.push_back(x.file + " " + x.value);
        return out;
    };
    // A new cgroup is allow-all: start with deny-all, then the exceptions in sorted order.
    CHECK(w("a *:* rwm\n", {deny_all(), {'c', 1, 3, "rwm", true}, {'c', -1, -1, "m", true}})
        == std::vector<std::string> {
            "devices.deny a *:* rwm", "devices.allow c *:* m", "devices.allow c 1:3 rwm"});
    // Already in the target state: nothing to write.
    CHECK(
        w("c 1:3 rwm\nc *:* m\n", {deny_all(), {'c', 1, 3, "rwm", true}, {'c', -1, -1, "m", true}}).empty());
    // Only the difference.
    CHECK(w("c 1:3 rwm\nc 1:5 rw\n", {deny_all(), {'c', 1, 3, "rw", true}, {'c', 1, 9, "r", true}})
        == std::vector<std::string> {
            "devices.deny c 1:3 m", "devices.deny c 1:5 rw", "devices.allow c 1:9 r"});
    // Allow-all target.
    CHECK(w("c 1:3 rwm\n", {allow_all()}) == std::vector<std::string> {"devices.allow a *:* rwm"});
    CHECK_FALSE(plan_v1_devices("x 1:3 rwm\n", {}).ok());
    CHECK_FALSE(plan_v1_devices("c 1:3 rwx\n", {}).ok());
}

TEST_CASE("emulator: devices.list round trip")
{
    auto e = DeviceEmulator::from_list("c 1:3 rwm\nb *:* m\nc 136:* rw\n");
    REQUIRE(e.ok());
    CHECK_FALSE(e.value().default_allow());
    std::vector<std::string> rules;
    for (const auto& r : e.value().rules())
        rules.push_back(r.cgroup_string() + (r.allow ? " allow" : " deny"));
    CHECK(rules == std::vector<std::string> {"b *:* m allow", "c 1:3 rwm allow", "c 136:* rw allow"});
    CHECK(DeviceEmulator::from_list("a *:* rwm\n").value().default_allow());
}
