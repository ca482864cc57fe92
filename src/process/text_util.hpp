// Small text helpers shared by the process-attribute parsers (attributes.cpp, mempolicy.cpp).
#pragma once

#include <string>
#include <string_view>

namespace hull::process::text {

// The entry of a {name, value} table whose name is `name`, or nullptr.
template <typename Table> auto find_named(const Table& table, std::string_view name) -> decltype(&table[0])
{
    for (const auto& entry : table)
        if (entry.name == name)
            return &entry;
    return nullptr;
}

// "text", as the spec's error messages quote values.
inline std::string quoted(std::string_view text)
{
    std::string out = "\"";
    out += text;
    out += '"';
    return out;
}

// `text` without leading and trailing blanks (spaces and tabs), as list syntaxes allow them.
inline std::string_view trim_blanks(std::string_view text)
{
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t'))
        text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t'))
        text.remove_suffix(1);
    return text;
}

} // namespace hull::process::text
