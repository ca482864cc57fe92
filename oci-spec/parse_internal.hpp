// Private to oci-spec: the readers for each part of config.json, shared by the parse_*.cpp
// files. Each takes the JSON value and its pointer and throws detail::ParseFailure.
#pragma once

#include "hull/oci/spec.hpp"
#include "json_util.hpp"

namespace hull::oci::detail {

Process read_process(const Json& value, const std::string& pointer);
Linux read_linux(const Json& value, const std::string& pointer);
Resources read_resources(const Json& value, const std::string& pointer);
IdMapping read_id_mapping(const Json& value, const std::string& pointer);

} // namespace hull::oci::detail
