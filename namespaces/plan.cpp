#include "hull/namespaces/plan.hpp"

#include <fcntl.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/stat.h>

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

namespace hull::ns {

int clone_flag(oci::NamespaceType type)
{
    using T = oci::NamespaceType;
    switch (type) {
    case T::Pid:
        return CLONE_NEWPID;
    case T::Network:
        return CLONE_NEWNET;
    case T::Mount:
        return CLONE_NEWNS;
    case T::Ipc:
        return CLONE_NEWIPC;
    case T::Uts:
        return CLONE_NEWUTS;
    case T::User:
        return CLONE_NEWUSER;
    case T::Cgroup:
        return CLONE_NEWCGROUP;
    case T::Time:
        return CLONE_NEWTIME;
    }
    return 0;
}

NsPlan plan_namespaces(const oci::Spec& spec)
{
    NsPlan plan;
    if (!spec.linux)
        return plan;
    std::vector<Join> user_join, other_joins;
    for (const auto& ns : spec.linux->namespaces) {
        plan.present |= 1u << static_cast<unsigned>(ns.type);
        if (ns.path.empty()) {
            if (ns.type == oci::NamespaceType::Time)
                plan.new_time = true;
            else
                plan.clone_flags |= clone_flag(ns.type);
            continue;
        }
        Join join {ns.type, ns.path};
        if (ns.type == oci::NamespaceType::Pid || ns.type == oci::NamespaceType::Time)
            plan.runtime_joins.push_back(std::move(join));
        else if (ns.type == oci::NamespaceType::User)
            user_join.push_back(std::move(join));
        else
            other_joins.push_back(std::move(join));
    }
    plan.init_joins = std::move(user_join);
    for (auto& j : other_joins)
        plan.init_joins.push_back(std::move(j));
    return plan;
}

std::string time_offsets_text(const oci::Spec& spec)
{
    std::string out;
    if (!spec.linux)
        return out;
    for (const auto& [clock, off] : spec.linux->timeOffsets)
        out += clock + " " + std::to_string(off.secs) + " " + std::to_string(off.nanosecs) + "\n";
    return out;
}

std::string id_map_text(const std::vector<oci::IdMapping>& mappings)
{
    std::string out;
    for (const auto& m : mappings)
        out += std::to_string(m.containerID) + " " + std::to_string(m.hostID) + " " + std::to_string(m.size)
            + "\n";
    return out;
}

Result<SavedNamespace> SavedNamespace::open(const char* path, int nstype)
{
    SavedNamespace saved;
    saved.m_fd.reset(::open(path, O_RDONLY | O_CLOEXEC));
    if (!saved.m_fd)
        return Error::from_errno("open", path);
    saved.m_nstype = nstype;
    return saved;
}

SavedNamespace::~SavedNamespace()
{
    set_back();
}

SavedNamespace& SavedNamespace::operator=(SavedNamespace&& other) noexcept
{
    if (this != &other) {
        set_back();
        m_fd = std::move(other.m_fd);
        m_nstype = other.m_nstype;
    }
    return *this;
}

void SavedNamespace::set_back()
{
    // setns to our own namespace only resets what our future children get.
    if (m_fd)
        ::setns(m_fd.get(), m_nstype);
    m_fd.reset();
}

Result<RuntimeNamespaces> RuntimeNamespaces::enter(Sys& sys, const NsPlan& plan, const oci::Spec& spec)
{
    RuntimeNamespaces guard;
    bool pid = false, time = plan.new_time;
    for (const auto& j : plan.runtime_joins)
        (j.type == oci::NamespaceType::Pid ? pid : time) = true;
    if (pid)
        guard.m_own_pid = TRY(SavedNamespace::open("/proc/self/ns/pid", CLONE_NEWPID));
    if (time)
        guard.m_own_time = TRY(SavedNamespace::open("/proc/self/ns/time", CLONE_NEWTIME));
    TRY(apply_joins(sys, plan.runtime_joins));
    if (plan.new_time) {
        TRY(sys.unshare(CLONE_NEWTIME).context("new time namespace"));
        if (std::string offsets = time_offsets_text(spec); !offsets.empty())
            TRY(sys.write_file_at(AT_FDCWD, "/proc/self/timens_offsets", offsets)
                    .context("set time offsets"));
    }
    return guard;
}

Result<UniqueFd> open_namespace(const Join& join)
{
    std::string what = std::string(oci::to_string(join.type)) + " namespace " + join.path;
    UniqueFd fd(::open(join.path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd)
        return Error::from_errno("open", what);
    // NS_GET_NSTYPE (Linux 4.11) tells a namespace file of the right type from anything else.
    int type = ::ioctl(fd.get(), NS_GET_NSTYPE);
    if (type < 0)
        return Error::from_code(errno == ENOTTY ? EINVAL : errno, "not a namespace file:", what);
    if (type != clone_flag(join.type))
        return Error::message(what + " is a namespace of another type");
    return fd;
}

const char* proc_name(oci::NamespaceType type)
{
    static const char* names[] = {"pid", "net", "mnt", "ipc", "uts", "user", "cgroup", "time"};
    return names[static_cast<unsigned>(type)];
}

Result<NamespaceId> own_namespace_id(oci::NamespaceType type)
{
    std::string own = std::string("/proc/self/ns/") + proc_name(type);
    struct stat st;
    if (::stat(own.c_str(), &st) < 0)
        return Error::from_errno("stat", own);
    return NamespaceId {static_cast<uint64_t>(st.st_dev), static_cast<uint64_t>(st.st_ino)};
}

bool is_own_namespace(const Join& join)
{
    struct stat st;
    auto own = own_namespace_id(join.type);
    return own && ::stat(join.path.c_str(), &st) == 0
        && own.value() == NamespaceId {static_cast<uint64_t>(st.st_dev), static_cast<uint64_t>(st.st_ino)};
}

Result<void> apply_joins(Sys& sys, const std::vector<Join>& joins)
{
    std::vector<UniqueFd> fds;
    fds.reserve(joins.size());
    for (const auto& j : joins)
        fds.push_back(TRY(open_namespace(j)));
    for (size_t i = 0; i < joins.size(); ++i)
        TRY(sys.setns(fds[i].get(), clone_flag(joins[i].type))
                .context(
                    "join " + std::string(oci::to_string(joins[i].type)) + " namespace " + joins[i].path));
    return ok();
}

} // namespace hull::ns
