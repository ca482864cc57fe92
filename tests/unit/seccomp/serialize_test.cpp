// The binary form of a compiled filter: round trip, and every damaged blob refused.
#include "sc_helpers.hpp"

#include <doctest/doctest.h>
#include <linux/seccomp.h>

using namespace hull;
using namespace sc_test;

namespace {

seccomp::CompiledFilter sample()
{
    auto s = profile("SCMP_ACT_ERRNO",
        {rule({"write", "exit_group"}, "SCMP_ACT_ALLOW"), rule({"mkdir"}, "SCMP_ACT_NOTIFY"),
            rule({"personality"}, "SCMP_ACT_ERRNO", EACCES, {arg(0, 8, "SCMP_CMP_EQ")})});
    s.listenerPath = "/run/agent.sock";
    s.flags = {"SECCOMP_FILTER_FLAG_LOG"};
    auto r = seccomp::compile(s);
    REQUIRE(r.ok());
    return r.value();
}

} // namespace

TEST_CASE("serialize/deserialize round-trips program, flags and notify")
{
    auto f = sample();
    REQUIRE(f.notify);
    REQUIRE(f.flags == SECCOMP_FILTER_FLAG_LOG);
    auto back = seccomp::deserialize(seccomp::serialize(f));
    REQUIRE(back.ok());
    CHECK(seccomp::same_program(f, back.value()));
    CHECK(back.value().notify);
    CHECK(back.value().flags == SECCOMP_FILTER_FLAG_LOG);
}

TEST_CASE("a truncated blob is refused at every length")
{
    std::string blob = seccomp::serialize(sample());
    for (size_t n = 0; n < blob.size(); ++n) {
        auto r = seccomp::deserialize(std::string_view(blob).substr(0, n));
        CAPTURE(n);
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().text().rfind("invalid seccomp filter: ", 0) == 0);
    }
    CHECK_FALSE(seccomp::deserialize(blob + "x").ok());
}

TEST_CASE("a corrupted blob is refused whichever byte changed")
{
    std::string blob = seccomp::serialize(sample());
    for (size_t i = 0; i < blob.size(); ++i) {
        std::string bad = blob;
        bad[i] = static_cast<char>(bad[i] ^ 0x5a);
        CAPTURE(i);
        CHECK_FALSE(seccomp::deserialize(bad).ok());
    }
    auto r = seccomp::deserialize(std::string(64, '\0'));
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().text() == "invalid seccomp filter: bad magic");
}

TEST_CASE("an instruction count beyond the kernel's limit is refused before any allocation")
{
    std::string blob = seccomp::serialize(sample());
    uint32_t huge = 0xffffffffu;
    blob.replace(20, 4, reinterpret_cast<const char*>(&huge), 4);
    auto r = seccomp::deserialize(blob);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().text().find("bad instruction count 4294967295") != std::string::npos);
}

TEST_CASE("load refuses an empty program")
{
    auto r = seccomp::load(seccomp::CompiledFilter {});
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code() == EINVAL);
}
