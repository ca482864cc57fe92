// The namespace plan: from linux.namespaces, what the container gets at clone time, what it
// joins by path, and who joins it.
//
// Namespaces without a path are created by clone3() flags, so the init starts inside all of
// them at once. Namespaces with a path are joined with setns(2):
//   - pid and time: by the runtime process itself, before clone. setns on these changes only
//     pid_for_children/time_for_children, so the init is born inside the target namespace and
//     no intermediate process is needed;
//   - the others: by the init, first thing after clone, user namespace first (so the
//     following joins are checked against the joined user namespace's capabilities).
// plan_namespaces is pure and exhaustively unit-tested; apply_* is a short loop over Sys.
#pragma once

#include "hull/error.hpp"
#include "hull/fd.hpp"
#include "hull/oci/spec.hpp"
#include "hull/sys.hpp"

#include <string>
#include <vector>

namespace hull::ns {

// CLONE_NEW* value of a namespace type (also the nstype argument of setns).
int clone_flag(oci::NamespaceType type);

struct Join {
    oci::NamespaceType type;
    std::string path;
};

enum class Joiner { Runtime, Init };

struct NsPlan {
    int clone_flags = 0; // CLONE_NEW* for every namespace created at clone
    std::vector<Join> runtime_joins; // joined by the runtime before clone (pid, time)
    std::vector<Join> init_joins; // joined by the init after clone, user first
    uint32_t present = 0; // bit per NamespaceType listed in the config

    bool creates(oci::NamespaceType type) const { return (clone_flags & clone_flag(type)) != 0; }
    bool lists(oci::NamespaceType type) const { return present & (1u << static_cast<unsigned>(type)); }
};

NsPlan plan_namespaces(const oci::Spec& spec);

// A namespace file opened for setns, checked to be a namespace of the expected type.
Result<UniqueFd> open_namespace(const Join& join);

// setns each join in order. Opens every path first, so a missing or wrong-type path fails
// before any namespace changes.
Result<void> apply_joins(Sys& sys, const std::vector<Join>& joins);

} // namespace hull::ns
