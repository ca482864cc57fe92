// Table lookup shared by the process-attribute parsers (attributes.cpp, mempolicy.cpp).
#pragma once

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

} // namespace hull::process::text
