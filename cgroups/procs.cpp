// The processes of a cgroup and of its subtree.
#include "procs.hpp"

#include "fscommon.hpp"
#include "hull/text.hpp"

#include <dirent.h>
#include <memory>

namespace hull::cgroups::detail {

namespace {

Result<void> parse_pids(const std::string& text, const std::string& what, std::vector<pid_t>& out)
{
    std::string_view rest = text;
    while (!rest.empty()) {
        size_t nl = rest.find('\n');
        std::string_view line = trim(rest.substr(0, nl));
        rest = nl == std::string_view::npos ? std::string_view {} : rest.substr(nl + 1);
        if (line.empty())
            continue;
        int64_t pid = 0;
        if (!parse_int(line, pid) || pid <= 0)
            return Error::message("parse " + what + ": invalid pid " + go_quote(line));
        out.push_back(static_cast<pid_t>(pid));
    }
    return ok();
}

} // namespace

Result<std::vector<pid_t>> read_procs(const std::string& dir)
{
    auto fd = TRY(open_dir(dir, O_PATH));
    auto text = read_file(fd.get(), dir, "cgroup.procs");
    if (!text && text.error().code() == EOPNOTSUPP)
        text = read_file(fd.get(), dir, "cgroup.threads");
    if (!text)
        return std::move(text).error();
    std::vector<pid_t> pids;
    TRY(parse_pids(text.value(), join(dir, "cgroup.procs"), pids));
    return pids;
}

Result<std::vector<std::string>> child_dirs(const std::string& dir)
{
    std::unique_ptr<DIR, int (*)(DIR*)> d(::opendir(dir.c_str()), ::closedir);
    if (!d)
        return Error::from_errno("opendir", dir);
    std::vector<std::string> children;
    while (dirent* e = ::readdir(d.get())) {
        std::string_view name = e->d_name;
        if (e->d_type == DT_DIR && name != "." && name != "..")
            children.emplace_back(name);
    }
    return children;
}

namespace {

bool removed(int code)
{
    return code == ENOENT || code == ENODEV;
}

Result<void> walk_pids(const std::string& dir, bool top, std::vector<pid_t>& out)
{
    auto pids = read_procs(dir);
    if (!pids) {
        if (!top && removed(pids.error().code()))
            return ok();
        return std::move(pids).error();
    }
    out.insert(out.end(), pids.value().begin(), pids.value().end());
    auto children = child_dirs(dir);
    if (!children) {
        if (!top && removed(children.error().code()))
            return ok();
        return std::move(children).error();
    }
    for (const auto& c : children.value())
        TRY(walk_pids(join(dir, c), false, out));
    return ok();
}

} // namespace

Result<std::vector<pid_t>> all_pids(const std::string& dir)
{
    std::vector<pid_t> out;
    TRY(walk_pids(dir, true, out));
    return out;
}

} // namespace hull::cgroups::detail
