// The process attributes of the container init: everything of config.json's `process`
// that is applied inside the container after the rootfs is ready, and the final execve.
//
// Runs in the init (child), after pivot_root, still root in the container's namespaces.
// Order: cwd creation, scheduling, the HOME lookup, then rlimits (after the last file hull opens,
// so a soft RLIMIT_NOFILE of 4 still starts; before the user change, as raising a hard limit
// needs privilege), bounding set, keep-caps, groups and ids, caps, cwd, umask, no_new_privs,
// executable lookup.
#pragma once

#include "hull/error.hpp"
#include "hull/oci/spec.hpp"
#include "hull/seccomp/seccomp.hpp"
#include "hull/sys.hpp"

#include <functional>

#include <string>
#include <string_view>
#include <vector>

namespace hull::process {

// What execve needs, resolved at create time so that a missing binary fails `create`
// with the wording podman and Docker map to exit codes 126/127 (cli-contract.md §5).
struct ExecTarget {
    std::string path;
    std::vector<std::string> args;
    std::vector<std::string> env;
    // Loaded by exec_process as the very last step (no_new_privs is set, so no privilege is
    // needed); see SeccompTiming.
    const seccomp::CompiledFilter* seccomp = nullptr;
};

// When the container's seccomp filter is loaded (runc's standard_init order, security.md
// §2.8c): with no_new_privs, as late as possible, right before execve, so a profile that
// blocks setuid or capset still starts; without it loading needs CAP_SYS_ADMIN, so before the
// user and capability change. A notify listener must reach the runtime during setup, so with
// one the filter is loaded at the end of setup (or before the user change).
enum class SeccompTiming { None, BeforeUserChange, EndOfSetup, BeforeExec };
SeccompTiming seccomp_timing(const seccomp::CompiledFilter* filter, bool no_new_privileges);

// Go's exec.LookPath, against the container's filesystem and the process env's PATH:
//   exec: "foo": executable file not found in $PATH
//   exec: "/x": stat /x: no such file or directory
//   exec: "/etc": is a directory / exec: "/etc/passwd": permission denied
Result<std::string> look_path(const std::string& file, const std::vector<std::string>& env);

// Whether `env` ("KEY=value" entries) sets `key`.
bool env_has(const std::vector<std::string>& env, std::string_view key);

// RLIMIT_* name → resource number; -1 when unknown.
int rlimit_resource(const std::string& name);

// The init creates a missing cwd (as runc does); `exec` requires it to exist.
enum class MissingCwd { Create, Fail };

struct PrepareOptions {
    MissingCwd missing_cwd = MissingCwd::Create;
    // Run as root in the container, after rlimits and scheduling, right before the user change.
    std::function<Result<void>()> before_user_change {};
};

// Applies rlimits, user and groups, capabilities, cwd, umask, no_new_privs, and resolves the
// executable. HOME is added from the container's /etc/passwd when the env lacks it.
Result<ExecTarget> prepare_process(Sys& sys, const oci::Process& process, const PrepareOptions& options);

// runc's default (unless --no-new-keyring): a new session keyring named after the container,
// so the container does not share the caller's session keys, made searchable by its owner.
// ENOSYS (no keyring support) is not an error.
Result<void> join_session_keyring(const std::string& name);

// P3 for a process cloned from the runtime: it holds every fd the runtime had (O_CLOEXEC only
// helps at execve, and paths such as /proc/self/fd/N/.. resolve before that, CVE-2024-21626).
// Closes every fd from 3 + preserve_fds up except those in `keep` (and the log's).
void close_inherited_fds(unsigned preserve_fds, std::vector<int> keep);

// P2 for a process cloned from the runtime: the runtime is non-dumpable while this lives, so a
// child cloned meanwhile inherits it and is non-dumpable from its first instruction; no
// container process can ptrace it or open its /proc files before it runs its own code. The
// destructor gives the runtime back its own setting (never run in the child, which execs).
class NonDumpableScope {
public:
    NonDumpableScope();
    ~NonDumpableScope();
    NonDumpableScope(const NonDumpableScope&) = delete;
    NonDumpableScope& operator=(const NonDumpableScope&) = delete;

private:
    int m_previous;
};

// Closes every fd from 3 + preserve_fds up (CLOSE_RANGE_CLOEXEC), restores the signal mask,
// loads target.seccomp if set, and calls execve. Only returns on failure.
Error exec_process(const ExecTarget& target, unsigned preserve_fds);

} // namespace hull::process
