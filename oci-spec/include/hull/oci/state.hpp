// The container state as `hull state` and `hull list --format json` print it (runtime.md
// "State", runc's containerState).
#pragma once

#include "hull/error.hpp"

#include <map>
#include <string>
#include <vector>

namespace hull::oci {

struct State {
    std::string ociVersion {};
    std::string id {};
    std::string status {}; // created, running, paused, stopped
    int pid = 0; // 0 once stopped
    std::string bundle {};
    std::string rootfs {};
    std::string created {}; // RFC 3339 with nanoseconds, UTC
    std::map<std::string, std::string> annotations {};
    std::string owner {};

    bool operator==(const State&) const = default;
};

// `hull state` output: 2-space indent, keys ociVersion, id, pid, status, bundle, rootfs,
// created, annotations (left out when empty; an annotation named "bundle" is dropped, as runc
// stores the bundle path under that label), owner. No trailing newline.
std::string state_to_json(const State& state);

// `hull list --format json` output: the states on one line followed by a newline, or "null\n"
// when there are none (runc encodes a nil slice).
std::string states_to_json_line(const std::vector<State>& states);

// Reads state_to_json output back (for tests and tools); unknown keys are ignored.
Result<State> parse_state(std::string_view json);

} // namespace hull::oci
