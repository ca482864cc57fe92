// Protection of the host hull binary against CVE-2019-5736 (security.md P1). Runs in the hull
// process first of all, from main(), before the command line is parsed, with the caller's
// privilege; it is the only code that runs before the process may re-execute itself.
//
// Why hull needs a re-exec at all: hull has no `init` binary. The container init is a clone3()
// child of the hull process and an `exec` child is a fork of it, so until they call execve
// their /proc/<pid>/exe (and the mapped text, /proc/<pid>/map_files) is whatever the hull CLI
// process runs from. If that is the installed binary, a container can reach its inode: a
// privileged container process reads /proc/<init>/exe during setup, or the entrypoint is a
// script with `#!/proc/self/exe`, which makes the kernel run the host binary as the container
// process; an O_PATH handle on it, reopened for writing once no hull runs any more, replaces
// the runtime on the host.
//
// So the verbs that put hull's code inside a container (create, run, exec, restore) first make
// the process run from a copy the container cannot write through, re-executing argv with the
// same pid, environment, fds, signal mask and cwd. In order of preference:
//   1. overlay: a private, detached overlayfs (fsopen, never attached to any mount namespace)
//      whose only layers are lower layers: the binary's directory and an unrelated directory
//      (overlayfs needs two lowers to mount without an upper layer). Such a superblock is
//      read-only and has no upper layer to remount; writes fail with EROFS. Nothing is copied:
//      the page cache of the real file is shared. Needs CAP_SYS_ADMIN for the mount (runc >= 1.2
//      does the same; runc@515f09f7b). Measured: +0.7 ms per invocation, mostly the second exec.
//   2. memfd: a copy of the binary in memfd_create(MFD_CLOEXEC|MFD_ALLOW_SEALING[|MFD_EXEC]),
//      mode 0511, sealed with F_SEAL_EXEC where the kernel has it and F_SEAL_SEAL|SHRINK|GROW|
//      WRITE (never F_SEAL_FUTURE_WRITE ourselves: buggy before Linux 5.5, runc@c43ea7d62; 6.3+
//      implies it with F_SEAL_EXEC). Measured: +3.5 ms per invocation (the copy, then faulting
//      and freeing it) and the whole binary (4.7 MB) in shmem for as long as a process runs it.
//   3. tmpfile: an unlinked copy (O_TMPFILE, else mkstemp + unlink) in /run, /tmp, /var/tmp or
//      /dev/shm, reopened O_PATH so no writable handle survives. Not sealable, but a write
//      reaches only that copy.
// `HULL_EXESEAL=memfd|tmpfile` starts the list at that method (tests and benchmarks); there is
// no value that turns the protection off.
//
// The re-executed process finds `_HULL_EXESEAL=<method>:<comm>` in its environment, removes it
// (so no hook or container inherits it), checks that /proc/self/exe really is what the method
// makes and restores its comm. A process already running from a sealed memfd is left alone.
#pragma once

#include "hull/error.hpp"
#include "hull/fd.hpp"

#include <string_view>

namespace hull::selfexe {

enum class Method { Overlay, Memfd, Tmpfile };

std::string_view method_name(Method method);

// The argument of argv that names a verb putting hull's code into a container ("create",
// "run", "exec", "restore"), or empty. Any argument counts, not only the parsed command: a
// container called "run" costs a needless copy, but no flag value can hide the real command.
std::string_view container_verb(int argc, char* const* argv);

// Makes this process run from a sealed copy of its binary. Returns when it already does;
// otherwise re-executes argv from the copy and does not return. An Error means no method
// worked, and the verb must not run.
Result<void> ensure_sealed(char* const* argv);

// ---- The methods (seal.cpp) ----------------------------------------------------------------------

// Each returns an fd to execveat(AT_EMPTY_PATH). `exe` is /proc/self/exe opened O_RDONLY and
// `exe_path` its link text.
Result<UniqueFd> overlay_copy(int exe, std::string_view exe_path);
Result<UniqueFd> memfd_copy(int exe);
Result<UniqueFd> tmpfile_copy(int exe);

// Whether an open file is a memfd with the four base seals.
bool is_sealed_memfd(int fd);
// Whether an open file was made by `method` (after a re-exec, for /proc/self/exe).
bool made_by(Method method, int fd);

} // namespace hull::selfexe
