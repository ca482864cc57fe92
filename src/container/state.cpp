// `state` and `list`: the recorded container with its status re-derived from the live system
// (cli-contract.md §4.1, §4.2).
#include "hull/oci/state.hpp"
#include "container/lifecycle.hpp"
#include "container/load.hpp"
#include "container/verbs.hpp"
#include "hull/log.hpp"
#include "hull/oci/parse.hpp"
#include "process/userdb.hpp"

#include <algorithm>
#include <cstdio>
#include <map>
#include <sys/stat.h>
#include <unistd.h>

namespace hull::container {

namespace {

// The owner's name, looked up in /etc/passwd once per uid: a list of a thousand containers of
// one user reads the file once.
std::string owner_of(const StateDir& dir, std::map<uid_t, std::string>& names)
{
    struct stat st;
    if (::fstat(dir.fd(), &st) < 0)
        return "";
    auto known = names.find(st.st_uid);
    if (known != names.end())
        return known->second;
    std::string name = "#" + std::to_string(st.st_uid);
    if (auto entry = process::lookup_uid("/etc/passwd", st.st_uid))
        name = entry->name;
    return names.emplace(st.st_uid, std::move(name)).first->second;
}

// Go's text/tabwriter as runc configures it (minwidth 12, padding 3): every column but the
// last is padded to its widest cell plus 3, and to at least 12.
std::string tabulate(const std::vector<std::vector<std::string>>& rows)
{
    std::vector<size_t> widths;
    for (const auto& row : rows)
        for (size_t i = 0; i + 1 < row.size(); ++i) {
            if (widths.size() <= i)
                widths.push_back(0);
            widths[i] = std::max(widths[i], row[i].size());
        }
    std::string out;
    for (const auto& row : rows) {
        for (size_t i = 0; i < row.size(); ++i) {
            out += row[i];
            if (i + 1 < row.size())
                out.append(std::max<size_t>(widths[i] + 3, 12) - row[i].size(), ' ');
        }
        out += '\n';
    }
    return out;
}

} // namespace

Result<void> print(std::string_view text)
{
    return write_all(STDOUT_FILENO, text, "standard output");
}

Result<int> state(const GlobalOptions& global, const StateOptions& opts)
{
    auto c = TRY(load_container(global, opts.id, Lock::None));
    TRY(print(oci::state_to_json(state_of(c.record, c.status))));
    return 0;
}

Result<int> list(const GlobalOptions& global, const ListOptions& opts)
{
    std::string root = state_root(global);
    auto ids = list_ids(root);
    if (!ids) {
        // A missing default root is simply empty; a missing explicit --root is an error.
        if (ids.error().code() != ENOENT || global.root_given)
            return std::move(ids).error();
        ids = std::vector<std::string> {};
    }
    std::sort(ids.value().begin(), ids.value().end());
    std::vector<oci::State> states;
    std::map<uid_t, std::string> owners;
    for (const auto& id : ids.value()) {
        auto c = load_container(global, id, Lock::None);
        if (!c) {
            log::warning("load container " + id + ": " + c.error().text());
            continue;
        }
        auto s = state_of(c.value().record, c.value().status);
        s.owner = owner_of(c.value().dir, owners);
        states.push_back(std::move(s));
    }
    if (opts.quiet) {
        std::string ids;
        for (const auto& s : states)
            ids += s.id + "\n";
        TRY(print(ids));
    } else if (opts.format == "json") {
        TRY(print(oci::states_to_json_line(states)));
    } else if (opts.format == "table") {
        std::vector<std::vector<std::string>> rows = {{"ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER"}};
        for (const auto& s : states)
            rows.push_back({s.id, std::to_string(s.pid), s.status, s.bundle, s.created, s.owner});
        TRY(print(tabulate(rows)));
    } else {
        return Error::message("invalid format option");
    }
    return 0;
}

} // namespace hull::container
