#include "hull/seccomp/version.hpp"

#include <seccomp.h>

namespace hull::seccomp {

std::string library_version()
{
    const scmp_version* v = seccomp_version();
    return std::to_string(v->major) + "." + std::to_string(v->minor) + "." + std::to_string(v->micro);
}

} // namespace hull::seccomp
