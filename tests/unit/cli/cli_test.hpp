// Helpers shared by the CLI unit tests: parse an argv (without the program name) against a fixed
// current directory and pull out the request or the print-and-exit outcome.
#pragma once

#include "cli/cli.hpp"

#include <doctest/doctest.h>

#include <string>
#include <variant>
#include <vector>

namespace hull::cli::test {

inline const std::string cwd = "/home/user/work";

inline Invocation parse_args(std::vector<std::string> args)
{
    args.insert(args.begin(), "hull");
    Result<Invocation> result = parse(args, cwd);
    REQUIRE(result.ok());
    return std::move(result).value();
}

// Parses and expects the request of type T.
template <typename T> T request(std::vector<std::string> args)
{
    Invocation inv = parse_args(std::move(args));
    if (const Exit* exit = std::get_if<Exit>(&inv.request))
        FAIL("unexpected exit ", exit->code, ": ", exit->error);
    REQUIRE(std::holds_alternative<T>(inv.request));
    return std::get<T>(inv.request);
}

// Parses and expects a print-and-exit outcome.
inline Exit exit_of(std::vector<std::string> args)
{
    Invocation inv = parse_args(std::move(args));
    REQUIRE(std::holds_alternative<Exit>(inv.request));
    return std::get<Exit>(inv.request);
}

inline bool contains(const std::string& haystack, const std::string& needle)
{
    return haystack.find(needle) != std::string::npos;
}

} // namespace hull::cli::test
