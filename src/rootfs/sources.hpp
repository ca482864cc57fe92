// Bind sources the runtime opens for the init (runc's mount sources).
//
// In a user namespace the init resolves paths as the container's root, whose host uid may not
// search the directories on the way to a source (a parent that only host root can enter). The
// runtime, still root on the host, opens those sources for it: when the init asks, in config
// order, resolved inside the init's own root (/proc/PID/root, RESOLVE_IN_ROOT), so a source
// beneath an earlier mount of the same config sees that mount, as it would from the init. The
// init clones the tree from the O_PATH fd it gets exactly as it would from the path.
#pragma once

#include "hull/error.hpp"
#include "hull/fd.hpp"
#include "hull/oci/spec.hpp"

#include <string>
#include <sys/types.h>
#include <vector>

namespace hull::rootfs {

// The indices, in config order, of the mounts whose sources the runtime opens when
// `runtime_reaches_more` (a user namespace, and a runtime that is root on the host): every bind,
// idmapped or not, that is not a cgroup mount.
std::vector<size_t> sources_opened_by_runtime(const oci::Spec& spec, bool runtime_reaches_more);

// Mount `m`'s source as process `init` sees it: `m.source` (relative to `bundle` when it is
// relative) resolved in the init's root, opened O_PATH with the caller's credentials. Errors
// name the source as the config writes it.
Result<UniqueFd> open_source_for_init(pid_t init, const std::string& bundle, const oci::Mount& m);

} // namespace hull::rootfs
