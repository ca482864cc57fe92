// linux.seccomp to BPF: the input is the seccomp object of a config.json, which goes through
// parse_config as create reads it, then compile() (libseccomp) as create runs it before clone,
// and serialize()/deserialize() as the state directory keeps it for exec.
#include "hull/seccomp/seccomp.hpp"
#include "fuzz.hpp"
#include "hull/oci/parse.hpp"

#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    std::string config = R"({"ociVersion":"1.2.0","root":{"path":"rootfs"},"linux":{"seccomp":)";
    config.append(fuzz::text(data, size));
    config += "}}";
    auto spec = hull::oci::parse_config(config);
    if (!spec || !spec.value().linux || !spec.value().linux->seccomp)
        return 0;
    auto filter = hull::seccomp::compile(*spec.value().linux->seccomp);
    if (!filter)
        return 0;
    auto loaded = hull::seccomp::deserialize(hull::seccomp::serialize(filter.value()));
    fuzz::check(loaded.ok() && hull::seccomp::same_program(loaded.value(), filter.value())
        && loaded.value().flags == filter.value().flags && loaded.value().notify == filter.value().notify);
    return 0;
}
