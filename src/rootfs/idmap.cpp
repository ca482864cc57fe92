#include "rootfs/idmap.hpp"

#include "rootfs/detached.hpp"

#include "hull/namespaces/plan.hpp"
#include "hull/oci/mount_options.hpp"

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
    Sys& sys, const std::vector<oci::IdMapping>& uids, const std::vector<oci::IdMapping>& gids)
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
    std::string proc = "/proc/" + std::to_string(pid);
    TRY(sys.write_file_at(AT_FDCWD, proc + "/uid_map", ns::id_map_text(uids)).context("write idmap uid map"));
    TRY(sys.write_file_at(AT_FDCWD, proc + "/gid_map", ns::id_map_text(gids)).context("write idmap gid map"));
    UniqueFd fd(::open((proc + "/ns/user").c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd)
        return Error::from_errno("open", proc + "/ns/user");
    return fd;
}

Result<std::map<size_t, IdmapPlan>> plan_idmapped_mounts(Sys& sys, const oci::Spec& spec)
{
    std::map<size_t, IdmapPlan> plans;
    for (size_t i = 0; i < spec.mounts.size(); ++i) {
        const auto& m = spec.mounts[i];
        if (!wants_idmap(m))
            continue;
        IdmapPlan plan;
        plan.what = "idmapped mount " + m.destination;
        plan.source = m.source;
        auto mf = TRY(oci::parse_mount_options(m.options));
        if (!(mf.bind || m.type == "bind"))
            return Error::message(plan.what + ": only bind mounts can be idmapped");
        const auto* uids = &m.uidMappings;
        const auto* gids = &m.gidMappings;
        if (uids->empty() && spec.linux) {
            uids = &spec.linux->uidMappings;
            gids = &spec.linux->gidMappings;
        }
        if (uids->empty() || gids->empty())
            return Error::message(plan.what + ": no uidMappings/gidMappings on the mount or the container");
        plan.recursive = mf.idmap_recursive;
        plan.userns = TRY(user_namespace_with(sys, *uids, *gids).context(plan.what));
        MountAttr top = mount_attr_of(mf.flags);
        plan.top_set = top.set;
        plan.top_clr = top.clr;
        plan.rec_set = mf.attr_set;
        plan.rec_clr = mf.attr_clr;
        plans.emplace(i, std::move(plan));
    }
    return plans;
}

Result<void> apply_idmap(Sys& sys, int tree, const IdmapPlan& plan)
{
    TRY(sys.mount_setattr(tree, plan.recursive, {MOUNT_ATTR_IDMAP, 0, 0, plan.userns.get()}, plan.source)
            .context(plan.what));
    if (plan.top_set || plan.top_clr)
        TRY(sys.mount_setattr(tree, false, {plan.top_set, plan.top_clr, 0}, plan.source).context(plan.what));
    if (plan.rec_set || plan.rec_clr)
        TRY(sys.mount_setattr(tree, true, {plan.rec_set, plan.rec_clr, 0}, plan.source).context(plan.what));
    return ok();
}

} // namespace hull::rootfs
