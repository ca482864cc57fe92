// JSON pointers (RFC 6901) that name a config.json value in error messages, for oci-spec's
// parsers and for the modules that validate a part of the spec themselves.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace hull::oci {

// "/linux" + "sysctl" -> "/linux/sysctl", with '~' and '/' in the key escaped as ~0 and ~1.
std::string pointer_child(const std::string& pointer, std::string_view key);
std::string pointer_child(const std::string& pointer, size_t index);

} // namespace hull::oci
