#include "caps/caps.hpp"

#include "hull/log.hpp"

#include <algorithm>
#include <cctype>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <vector>

namespace hull::caps {

namespace {

// Resolves names to values the running kernel knows; names beyond the kernel's last
// capability are skipped (as runc does), unknown names were rejected by validation.
std::vector<cap_value_t> resolve(const std::optional<std::vector<std::string>>& names)
{
    std::vector<cap_value_t> out;
    if (!names)
        return out;
    int max = static_cast<int>(cap_max_bits());
    for (const auto& name : *names) {
        std::string lower = name;
        std::transform(
            lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
        cap_value_t v;
        if (cap_from_name(lower.c_str(), &v) == 0 && v < max)
            out.push_back(v);
    }
    return out;
}

// A capability as runc names it in its messages ("CAP_CHOWN").
std::string display_name(cap_value_t c)
{
    char* raw = cap_to_name(c);
    std::string name = raw ? raw : std::to_string(c);
    cap_free(raw);
    std::transform(name.begin(), name.end(), name.begin(), [](unsigned char ch) { return std::toupper(ch); });
    return name;
}

} // namespace

Result<void> drop_bounding(const oci::Capabilities& caps)
{
    auto keep = resolve(caps.bounding);
    int max = static_cast<int>(cap_max_bits());
    for (cap_value_t c = 0; c < max; ++c) {
        if (std::find(keep.begin(), keep.end(), c) != keep.end())
            continue;
        if (cap_drop_bound(c) < 0)
            return Error::from_errno("drop bounding capability", cap_to_name(c));
    }
    return ok();
}

Result<void> apply_sets(const oci::Capabilities& caps)
{
    cap_t state = cap_init();
    if (!state)
        return Error::from_errno("cap_init");
    auto set = [&](cap_flag_t flag, const std::optional<std::vector<std::string>>& names) {
        auto values = resolve(names);
        return values.empty()
            ? 0
            : cap_set_flag(state, flag, static_cast<int>(values.size()), values.data(), CAP_SET);
    };
    if (set(CAP_EFFECTIVE, caps.effective) < 0 || set(CAP_PERMITTED, caps.permitted) < 0
        || set(CAP_INHERITABLE, caps.inheritable) < 0) {
        cap_free(state);
        return Error::from_errno("cap_set_flag");
    }
    int rc = cap_set_proc(state);
    int err = errno;
    cap_free(state);
    if (rc < 0)
        return Error::from_code(err, "capset");
    // One prctl: libcap's cap_reset_ambient first asks about every capability in turn.
    if (::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
        return Error::from_errno("reset ambient capabilities");
    for (cap_value_t c : resolve(caps.ambient)) {
        // The kernel raises an ambient cap only when it is permitted and inheritable. Configs
        // list others (runc 1.1's `spec` does): not an error, and a debug record only, as
        // runc 1.1 is silent about it.
        if (cap_set_ambient(c, CAP_SET) < 0)
            log::debug(Error::from_errno("can't raise ambient capability", display_name(c)).text());
    }
    return ok();
}

} // namespace hull::caps
