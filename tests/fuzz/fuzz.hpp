// What every fuzz target shares: the entry point's declaration, the input as text, and the
// splitting of one input into the several strings a target needs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace fuzz {

inline std::string_view text(const uint8_t* data, size_t size)
{
    return {reinterpret_cast<const char*>(data), size};
}

// The pieces of `input` between `separator` bytes (an input without one is a single piece).
inline std::vector<std::string> split(std::string_view input, char separator)
{
    std::vector<std::string> out;
    while (true) {
        size_t at = input.find(separator);
        out.emplace_back(input.substr(0, at));
        if (at == std::string_view::npos)
            return out;
        input.remove_prefix(at + 1);
    }
}

// An invariant of the code under test failed: a crash the fuzzer records, in every build.
inline void check(bool condition)
{
    if (!condition)
        std::abort();
}

} // namespace fuzz
