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
// A new time namespace is made by the runtime too (unshare, then linux.timeOffsets written to
// /proc/self/timens_offsets), because offsets can only be set before any process is inside;
// the init is then born into it. The runtime restores its own *_for_children afterwards.
// A new user namespace is created at clone; the runtime writes its id maps right after.
// plan_namespaces is pure and exhaustively unit-tested; apply_* is a short loop over Sys.
#pragma once

#include "hull/error.hpp"
#include "hull/fd.hpp"
#include "hull/oci/spec.hpp"
#include "hull/sys.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace hull::ns {

// CLONE_NEW* value of a namespace type (also the nstype argument of setns).
int clone_flag(oci::NamespaceType type);
// The file name under /proc/PID/ns/: "pid", "net", "mnt", "ipc", "uts", "user", "cgroup", "time".
const char* proc_name(oci::NamespaceType type);

struct Join {
    oci::NamespaceType type;
    std::string path;
};

enum class Joiner { Runtime, Init };

struct NsPlan {
    int clone_flags = 0; // CLONE_NEW* for every namespace created at clone
    bool new_time = false; // a new time namespace, made by the runtime before clone
    std::vector<Join> runtime_joins; // joined by the runtime before clone (pid, time)
    std::vector<Join> init_joins; // joined by the init after clone, user first
    uint32_t present = 0; // bit per NamespaceType listed in the config

    bool creates(oci::NamespaceType type) const
    {
        return type == oci::NamespaceType::Time ? new_time : (clone_flags & clone_flag(type)) != 0;
    }
    // A new user namespace together with namespaces joined by path: an intermediate process
    // joins them first (while it has the runtime's privilege), then unshares the user
    // namespace and the other new ones, and forks the init (CLONE_PARENT, so the init is
    // still the runtime's child).
    bool needs_intermediate() const { return creates(oci::NamespaceType::User) && !init_joins.empty(); }
    // The init lives in a user namespace other than the runtime's (new or joined).
    bool user_namespace() const { return creates(oci::NamespaceType::User) || joins_user(); }
    bool joins_user() const
    {
        return !init_joins.empty() && init_joins.front().type == oci::NamespaceType::User;
    }
    bool lists(oci::NamespaceType type) const { return present & (1u << static_cast<unsigned>(type)); }
};

NsPlan plan_namespaces(const oci::Spec& spec);

// The text for /proc/self/timens_offsets ("monotonic S N\nboottime S N\n"); empty when
// the config sets no offsets.
std::string time_offsets_text(const oci::Spec& spec);

// "containerID hostID size\n" per mapping, one write's worth for /proc/PID/{uid,gid}_map.
std::string id_map_text(const std::vector<oci::IdMapping>& mappings);

// One of the runtime's own namespaces, held open while the runtime enters another one of that
// type for its children only (setns on pid and time changes only what its children get).
// Destroying it sets the saved one back; an empty one sets nothing.
class SavedNamespace {
public:
    SavedNamespace() = default;
    // Opens `path` (a /proc/self/ns file) to set back with setns(`nstype`) later.
    static Result<SavedNamespace> open(const char* path, int nstype);
    ~SavedNamespace();
    SavedNamespace(SavedNamespace&&) = default;
    // Sets back the namespace this one holds, if any, before taking `other`'s.
    SavedNamespace& operator=(SavedNamespace&& other) noexcept;

private:
    void set_back();

    UniqueFd m_fd;
    int m_nstype = 0;
};

// The runtime side of the plan, around clone: joins pid/time namespaces by path and makes a
// new time namespace with its offsets, for the runtime's children only. Destroying the guard
// puts the runtime's own pid_for_children and time_for_children back.
class RuntimeNamespaces {
public:
    static Result<RuntimeNamespaces> enter(Sys& sys, const NsPlan& plan, const oci::Spec& spec);
    RuntimeNamespaces(RuntimeNamespaces&&) = default;
    RuntimeNamespaces& operator=(RuntimeNamespaces&&) = default;

private:
    RuntimeNamespaces() = default;
    // Members are destroyed in reverse: the pid namespace is set back first, then the time one.
    SavedNamespace m_own_time;
    SavedNamespace m_own_pid;
};

// A namespace file opened for setns, checked to be a namespace of the expected type.
Result<UniqueFd> open_namespace(const Join& join);

// A namespace's identity: the device and inode of its /proc/PID/ns file.
struct NamespaceId {
    uint64_t dev = 0;
    uint64_t ino = 0;
    bool operator==(const NamespaceId&) const = default;
};
// The calling process's namespace of that type.
Result<NamespaceId> own_namespace_id(oci::NamespaceType type);

// Whether a namespace file is the runtime's own namespace of that type (the host's, for a
// runtime run on the host): sysctls must not be written into it.
bool is_own_namespace(const Join& join);

// setns each join in order. Opens every path first, so a missing or wrong-type path fails
// before any namespace changes.
Result<void> apply_joins(Sys& sys, const std::vector<Join>& joins);

} // namespace hull::ns
