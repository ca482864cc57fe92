// Container ID validation (runc's utils.go validateID rule and error text).
#include "hull/oci/id.hpp"

namespace hull::oci {

Result<void> validate_container_id(std::string_view id)
{
    auto allowed = [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'
            || c == '+' || c == '-' || c == '.';
    };
    bool valid = !id.empty() && id != "." && id != "..";
    for (char c : id)
        valid = valid && allowed(c);
    if (!valid)
        return Error::message("invalid container ID format");
    return ok();
}

} // namespace hull::oci
