// Whether hull runs inside a user namespace, where the kernel refuses some cgroup writes
// (device rules) that the manager then skips, as runc does.
#pragma once

namespace hull::cgroups::detail {

// Whether this process is in a user namespace other than the initial one (/proc/self/uid_map
// is not the identity over the whole range).
bool in_user_namespace();

} // namespace hull::cgroups::detail
