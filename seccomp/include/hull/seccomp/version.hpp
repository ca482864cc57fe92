// The libseccomp hull runs with (for `hull --version` and `features`); it compiles
// linux.seccomp to BPF in the runtime, before clone.
#pragma once

#include <string>

namespace hull::seccomp {

// "major.minor.micro" of the libseccomp loaded at run time.
std::string library_version();

} // namespace hull::seccomp
