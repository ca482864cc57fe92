// The container's cgroup, between the verbs and the cgroup manager (cgroups/manager.hpp):
// where it goes (resolved once at create, then stored in state.json so later commands use the
// same directories whatever flags they get, cli-contract.md §10) and loading it back.
#pragma once

#include "container/options.hpp"
#include "container/state_store.hpp"
#include "hull/cgroups/manager.hpp"
#include "hull/oci/spec.hpp"

#include <optional>
#include <string>

namespace hull::container {

// The container's directories from linux.cgroupsPath and the driver (--systemd-cgroup).
// HULL_CGROUP_CONFINE (a comma list of v1 controllers, e.g. "memory") keeps those hierarchies
// beneath the runtime's own cgroup even for an absolute path: for hosts whose supervisor puts
// every process in a memory cgroup it must not leave (the development and CI machines).
Result<cgroups::CgroupState> resolve_container_cgroup(const oci::Spec& spec, const std::string& id,
    const GlobalOptions& global, const cgroups::HostCgroups& host);

// The manager of a recorded container; nullopt when it was created without cgroups.
Result<std::optional<cgroups::Manager>> container_cgroup(const ContainerRecord& record);

} // namespace hull::container
