// compile() merges identical rules before libseccomp sees them, and refuses a profile past
// kMaxRules or kMaxArgConditions. The merged filter is checked against a reference that hands
// libseccomp every rule as listed, both loaded in forked children and probed with the same calls.
#include "sc_helpers.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <random>
#include <seccomp.h>
#include <sys/mman.h>
#include <sys/syscall.h>

using namespace hull;
using namespace sc_test;

namespace {

std::string compile_error(const oci::Seccomp& s)
{
    auto r = seccomp::compile(s);
    return r.ok() ? std::string("(compiled)") : r.error().text();
}

// The filter of `s` as libseccomp makes it from every rule in the profile's order, unmerged
// (default action ALLOW, native architecture, rules of ERRNO actions with at most one condition
// per argument); nullopt where libseccomp refuses a rule.
std::optional<seccomp::CompiledFilter> unmerged_reference(const oci::Seccomp& s)
{
    std::unique_ptr<void, void (*)(scmp_filter_ctx)> ctx(seccomp_init(SCMP_ACT_ALLOW), seccomp_release);
    REQUIRE(ctx);
    for (const oci::SyscallRule& rule : s.syscalls) {
        std::vector<scmp_arg_cmp> conds;
        for (const oci::SeccompArg& a : rule.args) {
            scmp_compare op = a.op == "SCMP_CMP_EQ" ? SCMP_CMP_EQ
                : a.op == "SCMP_CMP_NE"             ? SCMP_CMP_NE
                : a.op == "SCMP_CMP_GT"             ? SCMP_CMP_GT
                                                    : SCMP_CMP_MASKED_EQ;
            conds.push_back({a.index, op, a.value, a.valueTwo});
        }
        for (const std::string& name : rule.names) {
            int rc = seccomp_rule_add_array(ctx.get(), SCMP_ACT_ERRNO(*rule.errnoRet),
                seccomp_syscall_resolve_name(name.c_str()), static_cast<unsigned>(conds.size()),
                conds.data());
            if (rc < 0)
                return std::nullopt;
        }
    }
    UniqueFd fd(memfd_create("reference-bpf", MFD_CLOEXEC));
    REQUIRE(fd);
    REQUIRE(seccomp_export_bpf(ctx.get(), fd.get()) == 0);
    REQUIRE(lseek(fd.get(), 0, SEEK_SET) == 0);
    auto bytes = read_all(fd.get(), "reference-bpf");
    REQUIRE(bytes.ok());
    seccomp::CompiledFilter out;
    out.program.resize(bytes.value().size() / sizeof(sock_filter));
    std::memcpy(out.program.data(), bytes.value().data(), bytes.value().size());
    return out;
}

// getppid and getuid (which ignore their arguments) called with a0, a1 in 0..3 under `f`: the 32
// errnos (0..3), two bits each.
long probe(const seccomp::CompiledFilter& f)
{
    auto out = run_filtered(f, [](Report& r, int) {
        long bits = 0;
        int shift = 0;
        for (long nr : {long(SYS_getppid), long(SYS_getuid)})
            for (long a0 = 0; a0 < 4; ++a0)
                for (long a1 = 0; a1 < 4; ++a1, shift += 2)
                    bits |= (err(syscall(nr, a0, a1)) & 3) << shift;
        r.add(bits);
    });
    REQUIRE(out.exited_ok());
    REQUIRE(out.values.size() == 1);
    return out.values[0];
}

// A random profile over getppid and getuid: ERRNO 1..3 actions, up to two conditions on distinct
// arguments, and copies of earlier rules (with their conditions in the other order, and now and
// then another errno).
oci::Seccomp random_profile(std::mt19937& rng)
{
    auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
    // No SCMP_CMP_GT: libseccomp 2.5.4 loops forever in seccomp_rule_add on some sequences of GT
    // and NE conditions on two arguments, merged or not (runc hangs on them too).
    const char* ops[] = {"SCMP_CMP_EQ", "SCMP_CMP_NE", "SCMP_CMP_MASKED_EQ"};
    oci::Seccomp s = profile("SCMP_ACT_ALLOW");
    int count = 2 + pick(16);
    for (int i = 0; i < count; ++i) {
        if (!s.syscalls.empty() && pick(3) == 0) {
            oci::SyscallRule copy
                = s.syscalls[static_cast<size_t>(pick(static_cast<int>(s.syscalls.size())))];
            std::reverse(copy.args.begin(), copy.args.end());
            // now and then a near copy: another errno, the rest identical
            if (pick(4) == 0)
                copy.errnoRet = 1 + (*copy.errnoRet % 3);
            s.syscalls.push_back(copy);
            continue;
        }
        std::vector<oci::SeccompArg> args;
        int first = pick(2);
        int nargs = pick(3);
        for (int k = 0; k < nargs; ++k)
            args.push_back(arg(static_cast<uint32_t>((first + k) % 2), static_cast<uint64_t>(pick(3)),
                ops[pick(3)], static_cast<uint64_t>(pick(2))));
        std::vector<std::string> names
            = pick(2) ? std::vector<std::string> {"getppid"} : std::vector<std::string> {"getppid", "getuid"};
        s.syscalls.push_back(rule(names, "SCMP_ACT_ERRNO", static_cast<uint32_t>(1 + pick(3)), args));
    }
    return s;
}

} // namespace

TEST_CASE("identical rules compile to the program of one copy, whatever the order of their conditions")
{
    auto one = profile("SCMP_ACT_ALLOW",
        {rule({"getppid"}, "SCMP_ACT_ERRNO", 2, {arg(0, 1, "SCMP_CMP_EQ"), arg(1, 3, "SCMP_CMP_GT")})});
    auto many = one;
    for (int i = 0; i < 5000; ++i) {
        many.syscalls.push_back(one.syscalls[0]);
        many.syscalls.push_back(
            rule({"getppid"}, "SCMP_ACT_ERRNO", 2, {arg(1, 3, "SCMP_CMP_GT"), arg(0, 1, "SCMP_CMP_EQ")}));
    }
    auto a = seccomp::compile(one);
    auto b = seccomp::compile(many);
    REQUIRE(a.ok());
    REQUIRE_MESSAGE(b.ok(), b.error().text());
    CHECK(seccomp::same_program(a.value(), b.value()));
}

TEST_CASE("rules that differ in action, errno or any condition field are not merged")
{
    auto base = rule({"getppid"}, "SCMP_ACT_ERRNO", 2, {arg(0, 1, "SCMP_CMP_EQ")});
    auto other_errno = rule({"getppid"}, "SCMP_ACT_ERRNO", 3, {arg(0, 1, "SCMP_CMP_EQ")});
    auto other_value = rule({"getppid"}, "SCMP_ACT_ERRNO", 2, {arg(0, 2, "SCMP_CMP_EQ")});
    auto other_index = rule({"getppid"}, "SCMP_ACT_ERRNO", 2, {arg(1, 1, "SCMP_CMP_EQ")});
    auto masked = rule({"getppid"}, "SCMP_ACT_ERRNO", 2, {arg(0, 3, "SCMP_CMP_MASKED_EQ", 1)});
    auto masked_other = rule({"getppid"}, "SCMP_ACT_ERRNO", 2, {arg(0, 3, "SCMP_CMP_MASKED_EQ", 2)});
    auto pair = rule({"getppid"}, "SCMP_ACT_ERRNO", 2, {arg(0, 3, "SCMP_CMP_EQ"), arg(1, 1, "SCMP_CMP_EQ")});
    auto pair_other
        = rule({"getppid"}, "SCMP_ACT_ERRNO", 2, {arg(0, 3, "SCMP_CMP_EQ"), arg(1, 2, "SCMP_CMP_EQ")});
    auto f = seccomp::compile(
        profile("SCMP_ACT_ALLOW", {base, other_value, other_index, masked, masked_other, pair, pair_other}));
    REQUIRE(f.ok());
    auto out = run_filtered(f.value(), [](Report& r, int) {
        r.add(err(syscall(SYS_getppid, 1, 0))); // base
        r.add(err(syscall(SYS_getppid, 2, 0))); // other value
        r.add(err(syscall(SYS_getppid, 0, 1))); // other index
        r.add(err(syscall(SYS_getppid, 5, 0))); // 5 & 3 == 1: masked
        r.add(err(syscall(SYS_getppid, 6, 0))); // 6 & 3 == 2: masked_other
        r.add(err(syscall(SYS_getppid, 3, 2))); // pair_other
        r.add(err(syscall(SYS_getppid, 4, 4))); // none
    });
    REQUIRE(out.exited_ok());
    CHECK(out.values == std::vector<long> {2, 2, 2, 2, 2, 2, 0});
    // Same conditions, another errno: libseccomp's conflict error still names the rule.
    CHECK(compile_error(profile("SCMP_ACT_ALLOW", {base, other_errno}))
        == "config.json: /linux/seccomp/syscalls/1: seccomp_rule_add getppid: file exists");
}

TEST_CASE("merged filters behave as libseccomp's from the unmerged rules (random profiles)")
{
    std::mt19937 rng(20261207);
    int compared = 0, refused = 0;
    for (int trial = 0; trial < 300; ++trial) {
        oci::Seccomp s = random_profile(rng);
        CAPTURE(trial);
        auto merged = seccomp::compile(s);
        auto reference = unmerged_reference(s);
        REQUIRE(merged.ok() == reference.has_value());
        if (!reference) {
            ++refused;
            continue;
        }
        CHECK(probe(merged.value()) == probe(*reference));
        ++compared;
    }
    // Both outcomes were exercised.
    CHECK(compared > 50);
    CHECK(refused > 0);
}

TEST_CASE("a profile past kMaxArgConditions or kMaxRules is refused with the count, before libseccomp")
{
    oci::Seccomp s = profile("SCMP_ACT_ALLOW");
    for (uint64_t v = 0; v < seccomp::kMaxArgConditions; ++v)
        s.syscalls.push_back(rule({"personality"}, "SCMP_ACT_ERRNO", 1, {arg(0, v, "SCMP_CMP_EQ")}));
    CHECK(seccomp::compile(s).ok());
    // Copies of a rule cost nothing: they are merged first.
    for (int i = 0; i < 1000; ++i)
        s.syscalls.push_back(s.syscalls[0]);
    CHECK(seccomp::compile(s).ok());
    s.syscalls.push_back(rule({"personality"}, "SCMP_ACT_ERRNO", 1, {arg(0, 1 << 20, "SCMP_CMP_EQ")}));
    CHECK(compile_error(s)
        == "config.json: /linux/seccomp/syscalls: 257 argument conditions (identical rules merged), more "
           "than "
           "the 256 hull compiles");

    // Rules: one per syscall name and action; unknown names do not count.
    oci::Seccomp r = profile("SCMP_ACT_ALLOW");
    std::vector<std::string> names = {"getppid", "getuid", "getgid", "geteuid", "getegid", "not_a_syscall"};
    for (uint32_t e = 1; r.syscalls.size() * 5 <= seccomp::kMaxRules; ++e)
        r.syscalls.push_back(rule(names, "SCMP_ACT_ERRNO", e));
    CHECK(compile_error(r)
        == "config.json: /linux/seccomp/syscalls: " + std::to_string(r.syscalls.size() * 5)
            + " rules (one per syscall name, identical ones merged), more than the 4096 hull compiles");
}
