// The state store: one directory per container under the state root.
//
//   <root>/                 the caller's own and not writable by group or others: checked on an
//                           O_NOFOLLOW dirfd by every verb before it reads or writes anything
//   <root>/<id>/            mode 0711, under the same rule as the root, locked with
//                           flock(LOCK_EX) by verbs that change it; it appears already locked
//                           by its create (made under a name that is no valid ID, then
//                           renamed), so a directory without state.json whose lock is free is
//                           what a create killed half-way left; one killed before the rename
//                           leaves <root>/.new:PID:NONCE, which the next create or
//                           `delete --force` of a missing ID removes
//   <root>/<id>/state.json  hull's record of the container, written to a temp file and renamed
//   <root>/<id>/exec.fifo   present from create until start (its presence means "created")
//   <root>/<id>/config.json the bundle's config.json as create read it
//   <root>/<id>/seccomp.bpf its seccomp filter, compiled (when it has one)
//   <root>/<id>/cgroup.json the container's cgroup, written before create makes it: a create
//                           killed before state.json leaves the cgroup named here for `delete`
//
// Nothing here trusts state.json for the status: it is re-derived from the live system on
// every read (init gone, a zombie, or a different start time → stopped; fifo present →
// created; else running), so a reused pid reads as stopped.
// Runs in the runtime process, with the caller's privileges.
#pragma once

#include "hull/cgroups/path.hpp"
#include "hull/error.hpp"
#include "hull/fd.hpp"
#include "hull/oci/spec.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <sys/types.h>
#include <vector>

namespace hull::container {

inline constexpr const char* kStateFile = "state.json";
inline constexpr const char* kExecFifo = "exec.fifo";
// The config.json create ran with, for `exec` (the bundle may change or go away).
inline constexpr const char* kSavedConfig = "config.json";
// linux.seccomp compiled at create (seccomp::serialize), loaded by `exec` without libseccomp.
inline constexpr const char* kSavedSeccomp = "seccomp.bpf";
// The cgroup create is about to make (cgroups::state_to_json), written before the first mkdir:
// state.json, which records the cgroup too, exists only from step 5 of the handshake on.
inline constexpr const char* kPendingCgroup = "cgroup.json";

enum class Status { Created, Running, Paused, Stopped };
const char* to_string(Status status);

// What hull records about a container at create time (state.json).
struct ContainerRecord {
    std::string id;
    pid_t pid = 0;
    uint64_t start_time = 0; // field 22 of /proc/<pid>/stat when the init was created
    std::string bundle; // absolute
    std::string rootfs; // absolute
    std::string created; // RFC 3339, nanoseconds, UTC
    std::map<std::string, std::string> annotations;
    bool own_pid_namespace = true; // signals to the init reach every process of the container
    bool no_new_keyring = false; // --no-new-keyring: exec keeps the caller's session keyring too
    // false: the init shares the caller's mount namespace, chrooted into the rootfs, and an
    // exec'd process is chrooted into the init's root the same way.
    bool own_mount_namespace = true;
    bool has_process = true; // config.json has a process: start refuses a container without one
    // The container's cgroup, stored in state.json as the object cgroups::state_to_json writes.
    std::optional<cgroups::CgroupState> cgroup;
    // The hooks that run after create, kept so start and delete never re-read config.json.
    std::vector<oci::Hook> poststart, poststop;
};

std::string record_to_json(const ContainerRecord& record);
Result<ContainerRecord> record_from_json(std::string_view text);

// /proc/<pid>/stat as far as status derivation needs it.
struct ProcStat {
    char state = 0; // R, S, D, Z, X, ...
    uint64_t start_time = 0; // clock ticks since boot
};
Result<ProcStat> read_proc_stat(pid_t pid);
// Parses the text of /proc/<pid>/stat (the comm field may hold spaces and parentheses).
Result<ProcStat> parse_proc_stat(std::string_view text);

// The state root: --root if given, else /run/hull for root, else $XDG_RUNTIME_DIR/hull.
std::string default_state_root();

// Opens the state root with O_DIRECTORY|O_NOFOLLOW and refuses it unless it is owned by the
// effective uid and not writable by group or others: its state.json files name hooks that hull
// runs with the caller's privileges. A missing root is made first (0700, with its parents, as
// runc's MkdirAll) only with MakeRoot::Yes; otherwise ENOENT is returned with the root's name.
enum class MakeRoot { No, Yes };
Result<UniqueFd> open_state_root(const std::string& root, MakeRoot make);

// Removes the directories of creates killed before they named theirs (<root>/.new:PID:NONCE)
// whose maker is gone and whose lock is free. Best effort: what cannot be removed now stays for
// the next call.
void remove_abandoned_creates(int rootfd);
void remove_abandoned_creates(const std::string& root);

// A file's replacement written in full beside it (".<name>.tmp", 0600): commit() renames it
// into place, and an uncommitted one is removed when this goes. A verb that records a change
// stages the record first, so a state root that is full or read-only stops it before the
// change is made, and the record is never left half-written.
class StagedFile {
public:
    StagedFile() = default;
    StagedFile(StagedFile&& other) noexcept;
    StagedFile& operator=(StagedFile&& other) noexcept;
    StagedFile(const StagedFile&) = delete;
    StagedFile& operator=(const StagedFile&) = delete;
    ~StagedFile() { discard(); }

    Result<void> commit();

private:
    friend class StateDir;
    void discard();

    int m_dirfd = -1; // the StateDir's, which outlives this
    std::string m_name, m_tmp, m_path;
};

class StateDir {
public:
    // Makes <root>/<id> (and the root, 0700) and locks it. The id must be validated first.
    // EEXIST → "container with given ID already exists".
    static Result<StateDir> create(const std::string& root, const std::string& id);
    // Opens and locks an existing one, still linked under its ID once the lock is held; a
    // directory without state.json reads as "container does not exist" to read_record.
    static Result<StateDir> open_locked(const std::string& root, const std::string& id);
    // Opens without locking, for readers (state, list, kill).
    static Result<StateDir> open_unlocked(const std::string& root, const std::string& id);

    int fd() const { return m_fd.get(); }
    const std::string& path() const { return m_path; }
    const std::string& id() const { return m_id; }

    Result<void> write_record(const ContainerRecord& record);
    // Replaces a file of the directory atomically (stage_file, then commit).
    Result<void> replace_file(const char* name, std::string_view content);
    // Writes a replacement for a file of the directory, to be committed by the caller.
    Result<StagedFile> stage_file(const char* name, std::string_view content);
    // Writes a new file in the directory (O_EXCL, 0600).
    Result<void> write_new_file(const char* name, std::string_view content);
    Result<ContainerRecord> read_record() const;
    // The content of a file of the directory; nullopt when it does not exist.
    Result<std::optional<std::string>> read_optional_file(const char* name) const;
    bool has_record() const;
    bool has_exec_fifo() const;

    // Removes everything in the directory and the directory itself.
    Result<void> destroy();

private:
    static Result<StateDir> open_dir(const std::string& root, const std::string& id, bool lock);
    Result<void> lock_linked();

    UniqueFd m_root_fd;
    UniqueFd m_fd;
    std::string m_path;
    std::string m_id;
};

// A pidfd of the recorded init while its process runs; an invalid fd once it has exited or
// its pid names another process (start time). A thread-group leader reads "Z" in
// /proc/<pid>/stat while its other threads live on: after its main thread has exited, and for
// a moment in every execve made by another thread (the leader is reaped and its pid handed to
// the thread that execs). The pidfd, which polls readable only once the whole thread group has
// exited, decides then.
UniqueFd open_running_init(const ContainerRecord& record);

// The status of a recorded container, re-derived from the live system.
Status derive_status(const ContainerRecord& record, const StateDir& dir);

// Writes `content` to `path` atomically: ".<basename>" next to it with O_EXCL, then rename.
Result<void> write_file_atomic(const std::string& path, std::string_view content, mode_t mode);

// IDs of every directory under the root (unsorted).
Result<std::vector<std::string>> list_ids(const std::string& root);

} // namespace hull::container
