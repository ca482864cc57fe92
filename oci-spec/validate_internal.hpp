// Private to oci-spec: the parts of validate(), split by section of the spec. Each returns the
// first violation as "/pointer: reason".
#pragma once

#include "hull/error.hpp"
#include "hull/oci/spec.hpp"
#include "hull/text.hpp"

#include <string>
#include <string_view>

namespace hull::oci::detail {

Result<void> validate_process_at(const Process& process, const std::string& pointer);
Result<void> validate_linux_at(const Spec& spec, const std::string& pointer);
Result<void> validate_resources_at(const Resources& resources, const std::string& pointer);

inline bool has_nul(std::string_view s)
{
    return s.find('\0') != std::string_view::npos;
}
inline bool is_absolute(std::string_view s)
{
    return !s.empty() && s.front() == '/';
}
// A kernel cpu/node list such as "0-3,7"; empty is not a list.
bool is_cpu_list(std::string_view s);
// Fails with "/pointer: must be an absolute path" or "/pointer: contains a NUL byte".
Result<void> check_absolute(std::string_view path, const std::string& pointer);
Result<void> check_no_nul(std::string_view value, const std::string& pointer);

} // namespace hull::oci::detail
