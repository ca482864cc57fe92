// OCI lifecycle hooks (config.md "POSIX-platform Hooks", runtime.md "Lifecycle").
//
// This module owns running one hook program and running a list of them with the spec's failure
// semantics. It does not decide where a hook runs: the caller does. The runtime process (hull
// itself, as the invoking user, usually root, in the runtime namespaces) runs prestart,
// createRuntime, poststart and poststop hooks; the container init runs createContainer and
// startContainer hooks, in the container's namespaces, before it drops capabilities, so those
// hooks keep the init's privilege.
//
// A hook is fork+execve'd with exactly its own argv and environment (for a startContainer hook
// without one, the container process's: with_default_env), the container state JSON on stdin,
// every other fd closed, an empty signal mask, default signal dispositions and a process group
// of its own. Its stdout and stderr are captured (the last few KiB) for the error text. No
// signal handler or thread is used: the parent polls the pipes and a pidfd, which also carries
// the timeout.
#pragma once

#include "hull/error.hpp"
#include "hull/oci/spec.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace hull::hooks {

enum class Kind { Prestart, CreateRuntime, CreateContainer, StartContainer, Poststart, Poststop };

// The spec's name of a hook kind: "prestart", "createRuntime", "createContainer",
// "startContainer", "poststart", "poststop".
const char* to_string(Kind kind);

// Runs one hook to completion. Fails when it cannot be started (errno kept), exits non-zero,
// is killed by a signal, or outlives hook.timeout seconds (it is then SIGKILLed, with every
// process still in the process group of its own it runs in). The child is always reaped before
// this returns.
Result<void> run_hook(const oci::Hook& hook, std::string_view state_json);

// Runs `hooks` in order. For prestart, createRuntime, createContainer and startContainer the
// first failure stops the list and is returned with the context "<kind> hook #<index>"; so it
// does for poststart, after which the caller stops the container (runc's behaviour; runtime.md
// asks only for a warning). For poststop every hook runs; failures are logged as warnings and
// ok is returned.
Result<void> run_hooks(Kind kind, const std::vector<oci::Hook>& hooks, std::string_view state_json);

// `hooks` with `env` given to each hook whose own env is empty: startContainer hooks run with
// the container process's environment unless they name one (runc's SetDefaultEnv).
std::vector<oci::Hook> with_default_env(std::vector<oci::Hook> hooks, const std::vector<std::string>& env);

} // namespace hull::hooks
