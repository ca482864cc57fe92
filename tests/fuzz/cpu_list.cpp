// The kernel's "0-3,7" lists: process.execCPUAffinity (parse_cpu_list), linux.memoryPolicy.nodes
// (plan_mempolicy) and linux.resources.cpu.cpus/mems (the oci-spec validator, reached through
// parse_resources as `update --resources` reads it).
#include "fuzz.hpp"
#include "hull/oci/parse.hpp"
#include "process/attributes.hpp"
#include "process/mempolicy.hpp"

#include <nlohmann/json.hpp>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    std::string list(fuzz::text(data, size));
    (void)hull::process::parse_cpu_list(list);
    for (const char* mode : {"MPOL_BIND", "MPOL_PREFERRED"})
        (void)hull::process::plan_mempolicy(hull::oci::MemoryPolicy {mode, list, {}});
    // dump() refuses invalid UTF-8 (it throws); the validator sees only what JSON can carry.
    std::string quoted = nlohmann::json(list).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    (void)hull::oci::parse_resources(R"({"cpu":{"cpus":)" + quoted + R"(,"mems":)" + quoted + "}}");
    return 0;
}
