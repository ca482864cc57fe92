// The process attributes of the container init: everything of config.json's `process`
// that is applied inside the container after the rootfs is ready, and the final execve.
//
// Runs in the init (child), after pivot_root, still root in the container's namespaces.
// Order: cwd creation and chdir (verified inside the root), scheduling, the environment and
// HOME lookup, executable lookup, then rlimits (after the last file hull opens, so a soft
// RLIMIT_NOFILE of 4 still starts; before the user change, as raising a hard limit needs
// privilege), umask, no_new_privs, bounding set, keep-caps, groups and gid, the privileged
// filter hook, uid, the cwd retry as the user, caps. Every call a seccomp profile may block
// comes before the filter; only the uid and capability calls (and, for a cwd refused to root,
// its chdir, getcwd and the executable lookup as the user) can follow a filter loaded without
// no_new_privs.
#pragma once

#include "hull/error.hpp"
#include "hull/oci/spec.hpp"
#include "hull/seccomp/seccomp.hpp"
#include "hull/sys.hpp"
#include "process/protocol.hpp"

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
    // needed), or right before startContainer hooks when there are any; see SeccompTiming.
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

// runc's prepareEnv: each variable once, where its last occurrence is, with its last value
// ("ONE=two", "ONE=" gives "ONE="). An empty HOME is dropped, so that the caller fills it in
// from the container's passwd as when it is absent.
std::vector<std::string> dedupe_env(const std::vector<std::string>& env);

// RLIMIT_* name → resource number; -1 when unknown.
int rlimit_resource(const std::string& name);

// The init creates a missing cwd (as runc does); `exec` requires it to exist.
enum class MissingCwd { Create, Fail };

struct PrepareOptions {
    MissingCwd missing_cwd = MissingCwd::Create;
    // Run as uid 0 in the container with every effective capability, after every check hull
    // makes and after the gid change, right before the uid change: where a seccomp filter is
    // loaded without no_new_privs.
    std::function<Result<void>()> before_user_change {};
};

// Applies cwd, rlimits, umask, no_new_privs, user and groups, capabilities, and resolves the
// executable. The cwd is entered as root first, and again as the user only when root is
// refused. The env is deduplicated (dedupe_env); HOME is added from the container's
// /etc/passwd when it is absent or empty.
Result<ExecTarget> prepare_process(Sys& sys, const oci::Process& process, const PrepareOptions& options);

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

// clone3 puts the child in every new namespace of `flags`, and in its cgroup (CLONE_INTO_CGROUP,
// when `cgroup_fd` is a cgroup2 directory), at once. When the kernel refuses that directory,
// the runtime places the child by pid. clone(2) is the fallback when clone3 fails
// with ENOSYS: every kernel hull runs on has clone3 (5.3; hull needs 5.12), but a seccomp
// profile around hull may answer ENOSYS for it, as Docker's default profile does. Neither
// shares memory: the child runs on a copy of this stack. `*into_cgroup` tells whether the
// child was born in its cgroup.
pid_t clone_child(int flags, int cgroup_fd, bool* into_cgroup);

// The last steps before execve: closes every fd from 3 + preserve_fds up (CLOSE_RANGE_CLOEXEC),
// restores the signal mask and loads target.seccomp if set.
Result<void> finish_exec_setup(const ExecTarget& target, unsigned preserve_fds);

// execve of the target. Returns only on failure, with runc's words: "exec PATH: ERROR".
Error execute(const ExecTarget& target);

// finish_exec_setup, then execute. Only returns on failure.
Error exec_process(const ExecTarget& target, unsigned preserve_fds);

} // namespace hull::process
