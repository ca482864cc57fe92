// The device cgroup: linux.resources.devices and linux.devices of a config.json (the input before
// the first NUL byte is the config's "linux" object) become the rule list (device_rules), the v2
// eBPF program (device_filter) and, against the devices.list text after the NUL byte, the v1
// writes (plan_v1_devices), as the cgroup manager plans them before writing anything.
#include "hull/cgroups/devices.hpp"
#include "fuzz.hpp"
#include "hull/oci/parse.hpp"

#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    std::string_view input = fuzz::text(data, size);
    size_t nul = input.find('\0');
    std::string config = R"({"ociVersion":"1.2.0","root":{"path":"rootfs"},"linux":)";
    config.append(input.substr(0, nul));
    config += "}";
    std::string_view devices_list = nul == std::string_view::npos ? "a *:* rwm\n" : input.substr(nul + 1);
    (void)hull::cgroups::DeviceEmulator::from_list(devices_list);
    auto spec = hull::oci::parse_config(config);
    if (!spec || !spec.value().linux)
        return 0;
    const auto& linux = *spec.value().linux;
    auto rules = hull::cgroups::device_rules(linux.resources ? &*linux.resources : nullptr, linux.devices);
    if (!rules)
        return 0;
    (void)hull::cgroups::device_filter(rules.value());
    (void)hull::cgroups::can_skip_device_filter_error(rules.value());
    (void)hull::cgroups::plan_v1_devices(devices_list, rules.value());
    return 0;
}
