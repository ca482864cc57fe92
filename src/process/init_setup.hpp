// Step 3 of the create handshake (protocol.hpp), init side: the container set up around the
// init, up to the process it will execve. Runs in the init, as root in the container's
// namespaces, from clone until ChildReady.
#pragma once

#include "hull/cgroups/path.hpp"
#include "hull/error.hpp"
#include "hull/sys.hpp"
#include "process/create_sequence.hpp"
#include "process/init_process.hpp"

#include <string>

namespace hull::process {

class Channel;

// Becomes the user namespace's root, so what hull creates is owned by container root.
Result<void> become_namespace_root(Sys& sys);

// Steps 2a-3. State at entry: new namespaces of the plan, root in them, the host's root
// filesystem still visible, the runtime's fds inherited (all O_CLOEXEC). Returns what step 8
// executes; `state_json` gets the state the runtime sent for createContainer hooks.
Result<ExecTarget> set_up_container(Sys& sys, InitRequest& req, Channel& channel, std::string& state_json);

// The init's side of the handshake steps set_up_container goes through, defined in
// create_sequence.cpp beside the runtime's side of the same step.
// Steps 2a-2b: waits for the id maps and the placement the plan asks for, joins the namespaces
// given by path, and returns the init's cgroups as they are once it is placed.
Result<cgroups::OwnCgroups> wait_for_placement(Sys& sys, const InitRequest& req, Channel& channel);
// Step 3a: asks for the runtime's hooks when the plan has create hooks, then runs
// createContainer hooks; `state_json` gets the state for them and for startContainer hooks.
Result<void> run_create_hooks(const InitRequest& req, Channel& channel, std::string& state_json);

} // namespace hull::process
