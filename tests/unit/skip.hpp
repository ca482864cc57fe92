// Test cases that depend on the machine they run on (root, a NUMA node, an LSM, overlayfs, IA32
// emulation) are in the doctest test suite "host" (HULL_HOST): CTest runs them as their own entry,
// unit/<folder>/host, so a skip there never hides the folder's other cases.
//
// HULL_SKIP(reason) ends such a case when the machine lacks what it needs. doctest_main.cpp then
// prints every reason and exits with kSkipExitCode when nothing failed, which CTest reports as
// skipped (SKIP_RETURN_CODE in tests/CMakeLists.txt), never as passed.
#pragma once

#include <doctest/doctest.h>
#include <string>

namespace hull::test {

inline constexpr int kSkipExitCode = 77;

void record_skip(const std::string& reason, const char* file, int line);

} // namespace hull::test

#define HULL_HOST doctest::test_suite("host")

#define HULL_SKIP(reason)                                                                                    \
    do {                                                                                                     \
        ::hull::test::record_skip((reason), __FILE__, __LINE__);                                             \
        return;                                                                                              \
    } while (0)
