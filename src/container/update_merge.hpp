// `update` and the container's saved config (runc update.go): the resources given to update are
// folded into linux.resources of the config.json saved at create, so later commands see the
// current limits, and values the kernel needs together (memory and memory+swap on cgroup v2)
// are completed from what is saved.
//
// What counts as given: a field present in the parsed input, except the plain integers for
// which zero means "unset" to the cgroup writers (cgroups/plan.hpp: memory limit, reservation
// and swap; cpu shares, quota, period, realtimeRuntime and realtimePeriod; blockIO weight and
// leafWeight; network classID) and the empty cpuset strings, which write nothing and so leave
// the saved value as it is. A given field replaces the saved one at leaf level:
//   - memory.limit given: only memory.limit is replaced; a lone cpu quota keeps the saved period;
//   - unified is merged key by key;
//   - entries of blockIO.weightDevice and the four throttle lists are matched by major:minor,
//     hugepageLimits by pageSize, network.priorities by name and rdma by device name: a match
//     takes the given fields, the rest are kept, and new entries are appended;
//   - devices are never changed (update does not touch them, as in runc);
//   - as runc does, an unlimited memory.limit (-1) without a swap value saves swap -1 too.
// The rest of the saved JSON is kept (member order included); it is re-serialised.
#pragma once

#include "hull/error.hpp"
#include "hull/oci/spec.hpp"

#include <string>
#include <string_view>

namespace hull::container {

// `stored` is a linux.resources object as JSON text ("" or "null": nothing saved); returns the
// merged object as JSON text.
Result<std::string> merge_resources(std::string_view stored, const oci::Resources& given);

// The saved config.json text with `given` merged into its linux.resources (made when absent).
// Returns the text unchanged when the merge changes nothing.
Result<std::string> merge_into_config(std::string_view config, const oci::Resources& given);

// linux.resources of a saved config.json, parsed (empty when it has none).
Result<oci::Resources> saved_resources(std::string_view config);

// What update writes to the cgroup: `given`, completed from `saved` where cgroup v2 needs two
// values at once. memory.swap.max is swap alone (OCI swap minus memory), so on v2 (`memory_v2`:
// the memory controller is in a cgroup2 hierarchy) a swap given without a limit is converted with
// the saved limit, and a limit given without swap re-derives memory.swap.max from the saved swap
// (the memory+swap total stays as saved, as memory.memsw.limit_in_bytes does on v1; runc leaves
// memory.swap.max as it was, changing the total). Without a saved limit, a lone swap keeps runc's error
// "unable to set swap limit without memory limit". v1 takes either file alone.
Result<oci::Resources> resources_for_kernel(
    const oci::Resources& given, const oci::Resources& saved, bool memory_v2);

} // namespace hull::container
