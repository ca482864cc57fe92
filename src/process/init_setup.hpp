// Steps 2a-3 of the create handshake (protocol.hpp), init side: the container set up around the
// init, up to the process it will execve.
#pragma once

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
Result<ExecTarget> set_up_container(const InitRequest& req, Channel& channel, std::string& state_json);

} // namespace hull::process
