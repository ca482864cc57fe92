// Fault points for the crash-consistency suite (tests/crash/): named places in each handshake
// (create, start, exec, delete, update, pause, resume; the runtime's side and the init's or exec
// child's) where a test build makes hull die or fail on request.
//
// Compiled in only with the CMake option HULL_FAULTS (the Makefile's asan target); without it
// hit() is an inline ok() and every point compiles to nothing. With it, the environment variable
// HULL_FAULT=POINT:ACTION[@N] picks one point:
//   kill   the process SIGKILLs itself the N-th time (default: the first) it reaches the point
//   error  the point returns an Error there, which takes the normal error path
// HULL_FAULT=list makes `hull` print every point, one a line, and exit 0: the suite enumerates
// them from the binary, never from a copy of this list.
#pragma once

#include "hull/error.hpp"

namespace hull::fault {

// X(enumerator, "verb.side.place"): the order of each handshake. "init" and "exec-child" points
// run in the child process.
#define HULL_FAULT_POINTS(X)                                                                                 \
    X(CreateStateDirUnnamed, "create.state-dir-unnamed")                                                     \
    X(CreateStateDir, "create.state-dir")                                                                    \
    X(CreateCgroup, "create.cgroup")                                                                         \
    X(CreateFiles, "create.files")                                                                           \
    X(CreateAfterClone, "create.after-clone")                                                                \
    X(CreateMapsRequest, "create.step-2i-maps-request")                                                      \
    X(CreateIdMaps, "create.step-2a-id-maps")                                                                \
    X(CreateHandOver, "create.step-2i-hand-over")                                                            \
    X(CreatePlacement, "create.step-2b-placement")                                                           \
    X(CreateMountSources, "create.step-3m-mount-sources")                                                    \
    X(CreateHooks, "create.step-3a-hooks")                                                                   \
    X(CreateSeccompListener, "create.step-3c-seccomp-listener")                                              \
    X(CreateReady, "create.step-4-ready")                                                                    \
    X(CreateRecorded, "create.step-5-recorded")                                                              \
    X(CreateDetached, "create.step-6-detached")                                                              \
    X(CreatePidFile, "create.pid-file")                                                                      \
    X(CreateIntermediateCloned, "create.intermediate.cloned")                                                \
    X(CreateInitCloned, "create.init.cloned")                                                                \
    X(CreateInitPlaced, "create.init.placed")                                                                \
    X(CreateInitRootfs, "create.init.rootfs")                                                                \
    X(CreateInitReady, "create.init.ready")                                                                  \
    X(CreateInitDetached, "create.init.detached")                                                            \
    X(StartLoaded, "start.loaded")                                                                           \
    X(StartReleased, "start.released")                                                                       \
    X(StartFifoRemoved, "start.fifo-removed")                                                                \
    X(StartInitReleased, "start.init.released")                                                              \
    X(ExecLoaded, "exec.loaded")                                                                             \
    X(ExecAfterClone, "exec.after-clone")                                                                    \
    X(ExecPlaced, "exec.placed")                                                                             \
    X(ExecChildCloned, "exec.exec-child.cloned")                                                             \
    X(ExecChildJoined, "exec.exec-child.joined")                                                             \
    X(ExecChildReady, "exec.exec-child.ready")                                                               \
    X(DeleteLoaded, "delete.loaded")                                                                         \
    X(DeleteKilled, "delete.killed")                                                                         \
    X(DeleteCgroupRemoved, "delete.cgroup-removed")                                                          \
    X(UpdateLoaded, "update.loaded")                                                                         \
    X(UpdateApplied, "update.applied")                                                                       \
    X(PauseLoaded, "pause.loaded")                                                                           \
    X(PauseFrozen, "pause.frozen")                                                                           \
    X(ResumeLoaded, "resume.loaded")                                                                         \
    X(ResumeThawed, "resume.thawed")

#define HULL_FAULT_ENUMERATOR(e, name) e,
enum class Point { HULL_FAULT_POINTS(HULL_FAULT_ENUMERATOR) };
#undef HULL_FAULT_ENUMERATOR

#if HULL_FAULTS
// Reached `point`: dies or fails there when HULL_FAULT names it, else ok().
Result<void> hit(Point point);
// Reads HULL_FAULT at the start of main: with "list", prints every point to stdout and returns
// true; an unknown point or action is reported on stderr (a test's typo must not pass as a point
// never reached).
bool start();
#else
inline Result<void> hit(Point)
{
    return ok();
}
inline bool start()
{
    return false;
}
#endif

} // namespace hull::fault
