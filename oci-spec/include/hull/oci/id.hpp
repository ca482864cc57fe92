// Container ID validation, done before an ID becomes part of a state-directory path.
#pragma once

#include "hull/error.hpp"

#include <string_view>

namespace hull::oci {

// Accepts a non-empty ID of [A-Za-z0-9_+.-] that is neither "." nor "..", as runc does; the
// error text is runc's `invalid container ID format`, which clients match.
Result<void> validate_container_id(std::string_view id);

} // namespace hull::oci
