// The libseccomp hull runs with (for `hull --version` and `features`). Compiling
// linux.seccomp to BPF in the parent comes with the security issue.
#pragma once

#include <string>

namespace hull::seccomp {

// "major.minor.micro" of the libseccomp loaded at run time.
std::string library_version();

} // namespace hull::seccomp
