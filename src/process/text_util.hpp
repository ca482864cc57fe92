// Text helpers of src/process (attributes.cpp, mempolicy.cpp, channel.cpp): table lookup,
// whole-string decimal numbers and the kernel's "0-3,7" list syntax.
#pragma once

#include "hull/error.hpp"
#include "hull/text.hpp"

#include <charconv>
#include <string_view>
#include <vector>

namespace hull::process::text {

// The entry of a {name, value} table whose name is `name`, or nullptr.
template <typename Table> auto find_named(const Table& table, std::string_view name) -> decltype(&table[0])
{
    for (const auto& entry : table)
        if (entry.name == name)
            return &entry;
    return nullptr;
}

// A whole-string decimal number without sign or blanks that fits in T; false for anything else
// (overflow included), rather than a number strtol would wrap or cut to fit.
template <typename T> bool parse_decimal(std::string_view text, T& out)
{
    if (text.empty() || text.front() < '0' || text.front() > '9')
        return false;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
    return ec == std::errc() && end == text.data() + text.size();
}

// One item of a "0-3,7" list: the item, and its first and last number as written (the same
// text for a single number), blanks (spaces and tabs) trimmed from each.
struct RangeText {
    std::string_view item;
    std::string_view first;
    std::string_view last;
};

// The comma-separated items of a cpu or node list; fails with "empty item" for an item that
// is blank. The caller refuses a blank list first, with its own words.
inline Result<std::vector<RangeText>> split_ranges(std::string_view list)
{
    std::vector<RangeText> out;
    std::string_view rest = list;
    while (true) {
        size_t comma = rest.find(',');
        std::string_view item = trim(rest.substr(0, comma), " \t");
        if (item.empty())
            return Error::message("empty item");
        size_t dash = item.find('-');
        std::string_view first = trim(item.substr(0, dash), " \t");
        std::string_view last = dash == std::string_view::npos ? first : trim(item.substr(dash + 1), " \t");
        out.push_back({item, first, last});
        if (comma == std::string_view::npos)
            return out;
        rest.remove_prefix(comma + 1);
    }
}

} // namespace hull::process::text
