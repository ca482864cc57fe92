// The seccomp(2) filter flags, with the values of the newer ones for build hosts whose kernel
// headers predate them (WAIT_KILLABLE_RECV is Linux 5.19, TSYNC_ESRCH 5.7): compile() sets
// them and load() passes them on, and the running kernel decides whether it knows them.
#pragma once

#include <linux/seccomp.h>

#ifndef SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
#define SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (1UL << 5)
#endif
#ifndef SECCOMP_FILTER_FLAG_TSYNC_ESRCH
#define SECCOMP_FILTER_FLAG_TSYNC_ESRCH (1UL << 4)
#endif
