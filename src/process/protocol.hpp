// The create handshake between the runtime (parent) and the container init (child).
//
// One AF_UNIX SOCK_SEQPACKET socketpair. A message is a header packet (the Msg byte and the
// payload's length) carrying the payload's first bytes, then, for a payload that does not fit,
// continuation packets with the rest; no packet is longer than kMaxPacket. The table is the
// whole protocol. Which of the steps marked "only" run is decided once, by the create plan
// (create_plan.hpp: CreatePlan::steps lists the runtime's side in this order, and the init reads
// the same plan); create_sequence.cpp implements both columns side by side with the same step
// numbers (the init's step 3 as a whole is set_up_container in init_setup.cpp).
//
// The create path in reading order: cli/dispatch.cpp -> container/create.cpp (checks, then the
// resources: state dir, cgroup, exec fifo, sockets; then the plan) -> process/create_plan.hpp ->
// this table -> process/create_sequence.cpp (create_init, each step's two sides) ->
// process/init_setup.cpp (step 3) -> process/init_process.cpp (the process, execve at step 8).
//
//  step  runtime (parent)                         init (child)
//  ----  ---------------------------------------  -------------------------------------------
//   1    validate config, make state dir, fifo,
//        socketpair; join pid/time ns by path
//   2    clone3(CLONE_NEW* of the plan)  ------>  born in its namespaces; closes the parent's
//        closes the child's end                   end, PDEATHSIG=SIGKILL, non-dumpable
//   2i   (only with a new user namespace AND namespaces joined by path: the clone child is an
//        intermediate; it joins them, unshares the user namespace)
//                                    <----------  ChildRequestMaps
//        (then 2a for the intermediate's pid; it becomes root, unshares the other new
//        namespaces, forks the init with CLONE_PARENT and exits)
//                                    <----------  ChildInitPid{pid}; the init goes on at 3
//   2a   with a new user namespace: writes
//        /proc/PID/{gid,uid}_map
//        ParentMapsWritten  --------------------> waits for it before anything else; then (new
//                                                 or joined user ns) becomes its root: 0:0
//   2b   writes the init's pid to cgroup.procs   (at 2, first: with v1 hierarchies, writes
//        where clone3 could not place it (a        "0" to each one's tasks file, opened by
//        cgroup2 directory it could not open),     the runtime: a thread moving itself skips
//        moves linux.netDevices into its network   the RCU grace period a pid write costs)
//        namespace; then, only with a cgroup
//        placed by pid or netDevices:
//        ParentSetupReady  ----------------------->  waits for it before its setup; makes its
//                                                 new cgroup namespace once in its cgroups
//   3                                             joins namespaces by path, sets hostname,
//                                                 mounts the rootfs
//   3m   (only with idmapped mounts, or with a user namespace and binds as root on the host:
//        CreatePlan::mount_services) for each of those mounts, in config order:
//                                    <----------  ChildRequestMountSource{index}, at its turn,
//                                                 when the runtime opens its source
//        opens the source in the init's root
//        ParentMountSource (the fd, SCM_RIGHTS) ->  clones the tree from it (or from the path)
//                                    <----------  ChildIdmapTree{index} (the detached tree), when
//                                                 the mount is idmapped
//        gives the tree its id mapping
//        ParentIdmapDone  ---------------------->  moves the tree into place
//   3a   (only when the config has prestart, createRuntime, createContainer or startContainer
//        hooks)                      <----------  ChildRequestHooks
//        runs prestart and createRuntime hooks
//        ParentHooksDone{state JSON}  ----------> runs createContainer hooks, keeps the state
//                                                 for startContainer
//   3b                                            pivot_root; with a terminal: a pty from the
//                                                 container's devpts, its slave on /dev/console
//                                                 and 0/1/2, the master sent over the console
//                                                 socket; sysctl, masks,
//                                                 resolves the executable, sets rlimits,
//                                                 user, cwd, umask, no_new_privs,
//                                                 linux.memoryPolicy; loads the
//                                                 seccomp filter here (without no_new_privs:
//                                                 before the user change; with a notify
//                                                 listener: at the end), or else at step 8
//   3c   (only with a SCMP_ACT_NOTIFY rule, right
//        after the load)             <----------  ChildSeccompListener{fd number}, by write(2)
//        takes the fd (pidfd_getfd), sends it
//        with the container process state to
//        linux.seccomp.listenerPath
//        ParentSeccompDone  -------------------->  closes its copy; only then makes another
//                                                 call the profile may send to the agent
//   4    <------------------------------------    ChildReady (or ChildError{code,op,context})
//   5    reads the init's start time, writes
//        state.json ("created")
//        ParentCreated  ------------------------> clears PDEATHSIG (it outlives create)
//   6    <------------------------------------    ChildDetached
//   7    writes the pid file, exits 0             blocks reading exec.fifo
//   8    `start`: writes one byte to exec.fifo,   reads it; with startContainer hooks:
//        removes the fifo (status → running),     loads the seccomp filter (with
//        runs poststart hooks                     no_new_privs), runs them with the process
//                                                 env; closes every fd above 2 +
//                                                 preserve-fds, loads the filter if still
//                                                 due, execve
//
// The parent tells "reported an error" (ChildError) from "died" (EOF on the socket, then
// waitpid) — never by EOF alone (runc #5087). Every message kind has a largest payload
// (max_payload); the receiver checks the announced length against the kind it got before it
// reads on or allocates, and refuses a packet longer than announced (CVE-2021-43784).
#pragma once

#include "hull/error.hpp"
#include "hull/fd.hpp"
#include "hull/oci/parse.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <sys/types.h>

namespace hull::process {

enum class Msg : uint8_t {
    ChildReady = 1,
    ChildError = 2,
    ParentCreated = 3,
    ChildDetached = 4,
    ParentMapsWritten = 5,
    ChildRequestHooks = 6,
    ParentHooksDone = 7,
    ChildRequestMaps = 8,
    ChildInitPid = 9,
    ParentSetupReady = 10,
    ChildSeccompListener = 11,
    ParentSeccompDone = 12,
    ChildRequestMountSource = 13,
    ParentMountSource = 14,
    ChildIdmapTree = 15,
    ParentIdmapDone = 16,
};

const char* to_string(Msg msg);

// The largest packet either side sends, and its header: the Msg byte, then the payload's
// length as a host-order uint32.
inline constexpr size_t kMaxPacket = 64 * 1024;
inline constexpr size_t kHeaderSize = 1 + sizeof(uint32_t);

// ChildError: an error with its context chain, cut to fit one packet (report_error).
inline constexpr size_t kMaxErrorPayload = kMaxPacket - kHeaderSize;
// ParentHooksDone: the state JSON. Its annotations come from config.json, which is at most
// oci::kMaxConfigSize bytes; the Go-style escaping of the state (<, > and & as \u003c...) can
// make one byte of them six, and the id, bundle and rootfs paths add at most a few PATH_MAX, six
// times over too.
inline constexpr size_t kMaxStatePayload = 6 * oci::kMaxConfigSize + 64 * 1024;
static_assert(kMaxStatePayload <= UINT32_MAX, "the length field is 32 bits");

// The largest payload a message of this kind may carry; 0 for the payload-free ones.
size_t max_payload(Msg msg);

// One end of the socketpair, with methods named after the protocol's steps.
class Channel {
public:
    Channel() = default;
    explicit Channel(UniqueFd fd)
        : m_fd(std::move(fd))
    {
    }

    int fd() const { return m_fd.get(); }
    void close() { m_fd.reset(); }

    // Child side.
    Result<void> report_ready() { return send(Msg::ChildReady); }
    Result<void> report_detached() { return send(Msg::ChildDetached); }
    void report_error(const Error& error); // best effort: the child exits right after
    Result<void> wait_created() { return expect(Msg::ParentCreated); }
    Result<void> wait_maps_written() { return expect(Msg::ParentMapsWritten); }
    Result<void> request_hooks() { return send(Msg::ChildRequestHooks); }
    Result<void> request_maps() { return send(Msg::ChildRequestMaps); }
    Result<void> report_init_pid(pid_t pid) { return send(Msg::ChildInitPid, std::to_string(pid)); }
    Result<void> wait_setup_ready() { return expect(Msg::ParentSetupReady); }
    // The SCMP_ACT_NOTIFY listener's fd number, sent with write(2): the first call after the
    // filter is loaded, and one no notify rule may catch (seccomp refuses it at compile).
    Result<void> report_seccomp_listener(int fd);
    Result<void> wait_seccomp_done() { return expect(Msg::ParentSeccompDone); }
    // Returns the state JSON the runtime sent for the container's own hooks.
    Result<std::string> wait_hooks_done();
    // Step 3m: asks for the source of mount `index` and returns it (an O_PATH fd); hands the
    // detached `tree` of idmapped mount `index` over and waits until it has its mapping.
    Result<UniqueFd> request_mount_source(size_t index);
    Result<void> request_idmap(size_t index, int tree);

    // Parent side. A ChildError becomes the returned Error with the child's errno and context
    // chain as sent, no frame added ("prepare rootfs: mount /proc: ..."); EOF becomes an error
    // with code ECHILD so the caller can waitpid for the reason.
    Result<void> wait_ready() { return expect(Msg::ChildReady); }
    Result<void> confirm_created() { return send(Msg::ParentCreated); }
    Result<void> confirm_maps_written() { return send(Msg::ParentMapsWritten); }
    Result<void> wait_hooks_request() { return expect(Msg::ChildRequestHooks); }
    Result<void> wait_maps_request() { return expect(Msg::ChildRequestMaps); }
    Result<pid_t> wait_init_pid();
    Result<void> confirm_hooks_done(std::string_view state_json)
    {
        return send(Msg::ParentHooksDone, state_json);
    }
    Result<void> wait_detached() { return expect(Msg::ChildDetached); }
    Result<void> confirm_setup_ready() { return send(Msg::ParentSetupReady); }
    // The listener of `sender`, taken from it with pidfd_getfd (the child keeps it open until
    // confirm_seccomp_done).
    Result<UniqueFd> wait_seccomp_listener(pid_t sender);
    Result<void> confirm_seccomp_done() { return send(Msg::ParentSeccompDone); }
    // Step 3m: the index of the mount whose source the init asks for, and the answer; the index
    // of an idmapped mount and its detached tree (*tree), and the answer.
    Result<size_t> wait_mount_source_request();
    Result<void> send_mount_source(int fd) { return send(Msg::ParentMountSource, {}, fd); }
    Result<size_t> wait_idmap_request(UniqueFd* tree);
    Result<void> confirm_idmap_done() { return send(Msg::ParentIdmapDone); }

    // The raw message operations, public for the protocol's unit tests: send() refuses a
    // payload over max_payload(msg); receive() returns the payload of a `want` message, turns a
    // ChildError into the returned Error, and stores an fd that came with it in *fd.
    Result<void> send(Msg msg, std::string_view payload = {}, int fd = -1);
    Result<std::string> receive(Msg want, UniqueFd* fd = nullptr);

private:
    Result<void> expect(Msg msg);
    Result<size_t> receive_packet(char* buf, size_t size, UniqueFd& fd, Msg want);

    UniqueFd m_fd;
};

} // namespace hull::process
