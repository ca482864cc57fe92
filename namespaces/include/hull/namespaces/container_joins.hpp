// Joining the namespaces of a running container (`exec`), through its init's pidfd.
//
// setns(2) on a pidfd (Linux 5.8), never through /proc/<pid>/ns files: the pidfd names the init
// itself, so a process that has taken over its pid number after it died is never joined (the
// join fails with ESRCH). One setns call joins every namespace atomically; the kernel installs
// the user namespace first and checks the others with the credentials it gives, so no join
// order is needed. The pid namespace is entered by the runtime for its children only, before
// the fork, like the pid namespace a new container joins by path (RuntimeNamespaces).
#pragma once

#include "hull/error.hpp"
#include "hull/namespaces/plan.hpp"
#include "hull/sys.hpp"

#include <sys/types.h>

namespace hull::ns {

// The CLONE_NEW* flags of the namespaces of `init` that differ from the runtime's own (the
// ones `exec` joins), compared through /proc/<init>/ns by pid number: the caller re-checks the
// init's pidfd afterwards. Types the kernel lacks (no /proc/<pid>/ns/time) are left out.
Result<int> differing_namespaces(pid_t init);

// setns(2) on the init's pidfd with `flags`. ESRCH: the init is gone (its pid number may be
// another process's by now), told as "container not running". Errors say "join the
// container's <what>".
Result<void> join_through_pidfd(Sys& sys, int init_pidfd, int flags, const std::string& what);

// Joins every namespace in `flags` but pid (entered for the runtime's children before the
// fork: enter_pid_namespace_for_children) at once; nothing when that leaves none.
Result<void> join_container_namespaces(Sys& sys, int init_pidfd, int flags);

// With CLONE_NEWPID in `flags`: enters the init's pid namespace for the runtime's children
// only; the returned guard goes back. Without it: an empty guard.
Result<SavedNamespace> enter_pid_namespace_for_children(Sys& sys, int init_pidfd, int flags);

} // namespace hull::ns
