#include "userns.hpp"

#include "hull/fd.hpp"
#include "hull/text.hpp"

#include <vector>

namespace hull::cgroups::detail {

bool in_user_namespace()
{
    auto map = hull::read_file("/proc/self/uid_map");
    if (!map)
        return false;
    std::string_view t = trim(map.value());
    // "0 0 4294967295", however the columns are padded.
    std::vector<std::string_view> fields;
    while (!t.empty()) {
        size_t sp = t.find_first_of(" \t\n");
        fields.push_back(t.substr(0, sp));
        t = sp == std::string_view::npos ? std::string_view {} : trim(t.substr(sp));
    }
    return !(fields.size() == 3 && fields[0] == "0" && fields[1] == "0" && fields[2] == "4294967295");
}

} // namespace hull::cgroups::detail
