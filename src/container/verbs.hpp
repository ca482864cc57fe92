// The verbs: one function per CLI command, one file per verb in src/container/.
// Each returns the exit code hull should end with (for `run` in the foreground, the
// container's status), or an Error that the CLI reports once and turns into exit code 1
// (255 for exec).
#pragma once

#include "container/options.hpp"
#include "hull/error.hpp"
#include "hull/sys.hpp"

#include <string_view>

namespace hull::container {

Result<int> create(Sys& sys, const GlobalOptions& global, const CreateOptions& opts);
Result<int> start(const GlobalOptions& global, const StartOptions& opts);
Result<int> run(Sys& sys, const GlobalOptions& global, const RunOptions& opts);
Result<int> state(const GlobalOptions& global, const StateOptions& opts);
Result<int> list(const GlobalOptions& global, const ListOptions& opts);
Result<int> kill(const GlobalOptions& global, const KillOptions& opts);
Result<int> remove(const GlobalOptions& global, const DeleteOptions& opts); // `delete`
Result<int> spec(const GlobalOptions& global, const SpecOptions& opts);
Result<int> features(const GlobalOptions& global);

Result<int> exec(Sys& sys, const GlobalOptions& global, const ExecOptions& opts);
Result<int> ps(const GlobalOptions& global, const PsOptions& opts);
Result<int> pause(const GlobalOptions& global, const PauseOptions& opts);
Result<int> resume(const GlobalOptions& global, const ResumeOptions& opts);
Result<int> update(const GlobalOptions& global, const UpdateOptions& opts);
Result<int> events(const GlobalOptions& global, const EventsOptions& opts);
// checkpoint and restore (unimplemented.cpp) fail with "not implemented yet".
Result<int> checkpoint(const GlobalOptions& global, const CheckpointOptions& opts);
Result<int> restore(const GlobalOptions& global, const RestoreOptions& opts);

// Writes a verb's output to standard output, all of it, or fails saying so: into a pipe whose
// reader has gone, with SIGPIPE ignored, that is "write standard output: broken pipe" and exit
// status 1 rather than output silently lost.
Result<void> print(std::string_view text);

} // namespace hull::container
