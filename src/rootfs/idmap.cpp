#include "rootfs/idmap.hpp"

#include "hull/namespaces/plan.hpp"
#include "hull/oci/mount_options.hpp"
#include "hull/sys.hpp"

#include <csignal>
#include <fcntl.h>
#include <linux/mount.h>
#include <sched.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

namespace hull::rootfs {

bool wants_idmap(const oci::Mount& m)
{
    if (!m.uidMappings.empty() || !m.gidMappings.empty())
        return true;
    for (const auto& o : m.options)
        if (o == "idmap" || o == "ridmap")
            return true;
    return false;
}

Result<UniqueFd> user_namespace_with(
    const std::vector<oci::IdMapping>& uids, const std::vector<oci::IdMapping>& gids)
{
    // The child only has to exist while its maps are written and its namespace opened.
    auto pipe = TRY(FdPair::pipe());
    pid_t pid = static_cast<pid_t>(::syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0));
    if (pid < 0)
        return Error::from_errno("clone", "idmap user namespace");
    if (pid == 0) {
        pipe.child_end().reset();
        char c;
        (void)!::read(pipe.parent_end().get(), &c, 1);
        ::_exit(0);
    }
    ChildProcess child(pid);
    pipe.parent_end().reset();
    LinuxSys sys;
    std::string proc = "/proc/" + std::to_string(pid);
    TRY(sys.write_file_at(AT_FDCWD, proc + "/uid_map", ns::id_map_text(uids)).context("write idmap uid map"));
    TRY(sys.write_file_at(AT_FDCWD, proc + "/gid_map", ns::id_map_text(gids)).context("write idmap gid map"));
    UniqueFd fd(::open((proc + "/ns/user").c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd)
        return Error::from_errno("open", proc + "/ns/user");
    return fd;
}

Result<std::map<size_t, UniqueFd>> make_idmapped_trees(const oci::Spec& spec)
{
    std::map<size_t, UniqueFd> trees;
    for (size_t i = 0; i < spec.mounts.size(); ++i) {
        const auto& m = spec.mounts[i];
        if (!wants_idmap(m))
            continue;
        std::string what = "idmapped mount " + m.destination;
        auto mf = TRY(oci::parse_mount_options(m.options));
        if (!(mf.bind || m.type == "bind"))
            return Error::message(what + ": only bind mounts can be idmapped");
        const auto* uids = &m.uidMappings;
        const auto* gids = &m.gidMappings;
        if (uids->empty() && spec.linux) {
            uids = &spec.linux->uidMappings;
            gids = &spec.linux->gidMappings;
        }
        if (uids->empty() || gids->empty())
            return Error::message(what + ": no uidMappings/gidMappings on the mount or the container");
        bool recursive = mf.recursive || mf.idmap_recursive;
        auto userns = TRY(user_namespace_with(*uids, *gids).context(what));
        unsigned flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (recursive ? AT_RECURSIVE : 0);
        UniqueFd tree(static_cast<int>(::syscall(SYS_open_tree, AT_FDCWD, m.source.c_str(), flags)));
        if (!tree)
            return Error::from_errno("open_tree", m.source).context(what);
        struct mount_attr attr = {};
        attr.attr_set = MOUNT_ATTR_IDMAP | mf.attr_set;
        attr.attr_clr = mf.attr_clr;
        attr.userns_fd = static_cast<uint64_t>(userns.get());
        if (mf.flags & MS_RDONLY)
            attr.attr_set |= MOUNT_ATTR_RDONLY;
        if (::syscall(SYS_mount_setattr, tree.get(), "", AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0),
                &attr, sizeof attr)
            < 0)
            return Error::from_errno("mount_setattr MOUNT_ATTR_IDMAP", m.source).context(what);
        trees.emplace(i, std::move(tree));
    }
    return trees;
}

} // namespace hull::rootfs
