#include "hull/namespaces/container_joins.hpp"

#include <cerrno>
#include <sched.h>
#include <string>
#include <sys/stat.h>

namespace hull::ns {

namespace {

constexpr oci::NamespaceType kAllTypes[] = {oci::NamespaceType::User, oci::NamespaceType::Mount,
    oci::NamespaceType::Network, oci::NamespaceType::Ipc, oci::NamespaceType::Uts, oci::NamespaceType::Cgroup,
    oci::NamespaceType::Time, oci::NamespaceType::Pid};

} // namespace

Result<int> differing_namespaces(pid_t init)
{
    int flags = 0;
    std::string dir = "/proc/" + std::to_string(init) + "/ns/";
    for (auto type : kAllTypes) {
        std::string name = proc_name(type);
        struct stat theirs;
        if (::stat((dir + name).c_str(), &theirs) < 0) {
            if (errno == ENOENT && type == oci::NamespaceType::Time)
                continue;
            return Error::from_errno("stat", dir + name);
        }
        // For pid: the namespace the runtime's children would get is its own.
        const NamespaceId ours = TRY(own_namespace_id(type));
        if (NamespaceId {static_cast<uint64_t>(theirs.st_dev), static_cast<uint64_t>(theirs.st_ino)} != ours)
            flags |= clone_flag(type);
    }
    return flags;
}

Result<void> join_through_pidfd(Sys& sys, int init_pidfd, int flags, const std::string& what)
{
    auto joined = sys.setns(init_pidfd, flags);
    if (!joined && joined.error().code() == ESRCH)
        return Error::from_code(ESRCH, "container not running").context("join the container's " + what);
    return std::move(joined).context("join the container's " + what);
}

Result<void> join_container_namespaces(Sys& sys, int init_pidfd, int flags)
{
    flags &= ~CLONE_NEWPID;
    if (flags == 0)
        return ok();
    return join_through_pidfd(sys, init_pidfd, flags, "namespaces");
}

Result<SavedNamespace> enter_pid_namespace_for_children(Sys& sys, int init_pidfd, int flags)
{
    if (!(flags & CLONE_NEWPID))
        return SavedNamespace {};
    auto own = TRY(SavedNamespace::open("/proc/self/ns/pid_for_children", CLONE_NEWPID));
    TRY(join_through_pidfd(sys, init_pidfd, CLONE_NEWPID, "pid namespace"));
    return own;
}

} // namespace hull::ns
