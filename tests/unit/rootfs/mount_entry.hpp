// One config.json mount planned and applied, as prepare_rootfs does for each entry, for the tests
// that look at the calls of the whole: with `later`, a read-only may be deferred into it; a
// `source` fd stands for the one the runtime opens for a bind (sources.hpp).
#pragma once

#include "rootfs/mount_plan.hpp"

#include <fcntl.h>
#include <vector>

namespace hull::test {

inline Result<void> mount_entry(Sys& sys, int root, const oci::Mount& m, rootfs::RootfsOptions opts = {},
    std::vector<rootfs::ReadonlyLater>* later = nullptr, int source = -1)
{
    const std::vector<size_t> first {0};
    if (source >= 0) {
        opts.runtime_sources = &first;
        opts.runtime_source = [source](size_t) -> Result<UniqueFd> {
            UniqueFd fd(::fcntl(source, F_DUPFD_CLOEXEC, 0));
            if (!fd)
                return Error::from_errno("dup", "source");
            return fd;
        };
    }
    auto defer = later ? rootfs::DeferReadonly::Yes : rootfs::DeferReadonly::No;
    auto plan = TRY(rootfs::plan_mount(m, 0, opts, defer));
    std::vector<rootfs::ReadonlyLater> none;
    return rootfs::apply_mount(sys, root, plan, opts, later ? *later : none);
}

} // namespace hull::test
