// Capabilities of the container process (process.capabilities), with libcap.
//
// Runs in the init, as root in the container. Split in two around the uid/gid change:
// drop_bounding() before it (dropping from the bounding set needs CAP_SETPCAP), with
// PR_SET_KEEPCAPS so permitted survives setresuid; apply_sets() after it sets effective,
// permitted and inheritable, then raises ambient caps (only those also in inheritable and
// permitted; the kernel refuses others, and each refusal is a debug record). A set absent from
// the spec is cleared, as runc does.
#pragma once

#include "hull/error.hpp"
#include "hull/oci/spec.hpp"

namespace hull::caps {

Result<void> drop_bounding(const oci::Capabilities& caps);
Result<void> apply_sets(const oci::Capabilities& caps);

} // namespace hull::caps
