#include "container/lifecycle.hpp"

#include "container/cgroup.hpp"
#include "container/signal.hpp"
#include "hooks/hooks.hpp"
#include "hull/fault.hpp"
#include "hull/log.hpp"
#include "hull/oci/parse.hpp"

#include <csignal>
#include <unistd.h>

namespace hull::container {

Result<void> destroy_container(StateDir& dir, const ContainerRecord& record)
{
    auto cg = TRY(container_cgroup(record));
    if (cg)
        TRY(cg->destroy().context("remove the container's cgroup"));
    TRY(fault::hit(fault::Point::DeleteCgroupRemoved));
    return dir.destroy();
}

oci::State state_of(const ContainerRecord& record, Status status)
{
    oci::State s;
    s.ociVersion = std::string(oci::oci_version);
    s.id = record.id;
    s.status = to_string(status);
    s.pid = status == Status::Stopped ? 0 : record.pid;
    s.bundle = record.bundle;
    s.rootfs = record.rootfs;
    s.created = record.created;
    s.annotations = record.annotations;
    return s;
}

namespace {

Result<void> run_bundle_hooks(
    hooks::Kind kind, const std::vector<oci::Hook>& list, const ContainerRecord& record, Status status)
{
    if (list.empty())
        return ok();
    if (::chdir(record.bundle.c_str()) < 0)
        return Error::from_errno("chdir", record.bundle);
    return hooks::run_hooks(kind, list, oci::state_to_json(state_of(record, status)));
}

} // namespace

Result<void> run_poststart_hooks(const ContainerRecord& record)
{
    auto r = run_bundle_hooks(hooks::Kind::Poststart, record.poststart, record, Status::Running);
    if (!r)
        (void)signal_container(record, SIGKILL, true);
    return r;
}

void run_poststop_hooks(const ContainerRecord& record)
{
    if (auto r = run_bundle_hooks(hooks::Kind::Poststop, record.poststop, record, Status::Stopped); !r)
        log::warning(r.error().text());
}

} // namespace hull::container
