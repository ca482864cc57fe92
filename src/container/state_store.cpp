#include "container/state_store.hpp"

#include "container/cgroup.hpp"
#include "hull/fault.hpp"
#include "hull/oci/id.hpp"

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <dirent.h>
#include <fcntl.h>
#include <nlohmann/json.hpp>
#include <poll.h>
#include <stdexcept>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <utility>

namespace hull::container {

const char* to_string(Status status)
{
    switch (status) {
    case Status::Created:
        return "created";
    case Status::Running:
        return "running";
    case Status::Paused:
        return "paused";
    case Status::Stopped:
        return "stopped";
    }
    return "stopped";
}

namespace {

nlohmann::json hooks_to_json(const std::vector<oci::Hook>& hooks)
{
    auto out = nlohmann::json::array();
    for (const auto& h : hooks) {
        nlohmann::json j = {{"path", h.path}, {"args", h.args}, {"env", h.env}};
        if (h.timeout)
            j["timeout"] = *h.timeout;
        out.push_back(std::move(j));
    }
    return out;
}

// The integer field `key` of `j`, refused unless it is a JSON integer that fits in T: nlohmann's
// get<T> converts anything numeric, a float out of T's range with undefined behaviour and a larger
// integer by wrapping it to another pid or start time.
template <typename T> T integer_at(const nlohmann::json& j, const char* key)
{
    const nlohmann::json& value = j.at(key);
    if (value.is_number_unsigned() && std::in_range<T>(value.get<uint64_t>()))
        return static_cast<T>(value.get<uint64_t>());
    if (value.is_number_integer() && !value.is_number_unsigned() && std::in_range<T>(value.get<int64_t>()))
        return static_cast<T>(value.get<int64_t>());
    throw std::out_of_range(std::string(key) + " is not an integer in range");
}

std::vector<oci::Hook> hooks_from_json(const nlohmann::json& j)
{
    std::vector<oci::Hook> out;
    for (const auto& h : j) {
        oci::Hook hook;
        hook.path = h.at("path").get<std::string>();
        hook.args = h.at("args").get<std::vector<std::string>>();
        hook.env = h.at("env").get<std::vector<std::string>>();
        if (h.contains("timeout"))
            hook.timeout = integer_at<int>(h, "timeout");
        out.push_back(std::move(hook));
    }
    return out;
}

// The cgroup as state.json holds it: an object, or a string holding the object's text (the form
// a record may have been written in before the object form, still read so that such a container
// can be deleted).
Result<cgroups::CgroupState> cgroup_from_json(const nlohmann::json& value)
{
    std::string text = value.is_string() ? value.get<std::string>() : value.dump();
    return cgroups::state_from_json(text).context("state.json");
}

} // namespace

std::string record_to_json(const ContainerRecord& r)
{
    nlohmann::ordered_json j;
    j["id"] = r.id;
    j["pid"] = r.pid;
    j["start_time"] = r.start_time;
    j["bundle"] = r.bundle;
    j["rootfs"] = r.rootfs;
    j["created"] = r.created;
    j["annotations"] = r.annotations;
    j["own_pid_namespace"] = r.own_pid_namespace;
    j["no_new_keyring"] = r.no_new_keyring;
    j["own_mount_namespace"] = r.own_mount_namespace;
    j["has_process"] = r.has_process;
    if (r.cgroup)
        j["cgroup"] = nlohmann::ordered_json::parse(cgroups::state_to_json(*r.cgroup));
    j["poststart"] = hooks_to_json(r.poststart);
    j["poststop"] = hooks_to_json(r.poststop);
    return j.dump();
}

Result<ContainerRecord> record_from_json(std::string_view text)
{
    try {
        auto j = nlohmann::json::parse(text);
        ContainerRecord r;
        r.id = j.at("id").get<std::string>();
        r.pid = integer_at<pid_t>(j, "pid");
        r.start_time = integer_at<uint64_t>(j, "start_time");
        r.bundle = j.at("bundle").get<std::string>();
        r.rootfs = j.at("rootfs").get<std::string>();
        r.created = j.at("created").get<std::string>();
        r.annotations = j.at("annotations").get<std::map<std::string, std::string>>();
        r.own_pid_namespace = j.value("own_pid_namespace", true);
        r.no_new_keyring = j.value("no_new_keyring", false);
        r.own_mount_namespace = j.value("own_mount_namespace", true);
        r.has_process = j.value("has_process", true);
        if (j.contains("cgroup"))
            r.cgroup = TRY(cgroup_from_json(j["cgroup"]));
        if (j.contains("poststart"))
            r.poststart = hooks_from_json(j.at("poststart"));
        if (j.contains("poststop"))
            r.poststop = hooks_from_json(j.at("poststop"));
        return r;
    } catch (const std::exception& e) {
        return Error::message(std::string("state.json: ") + e.what());
    }
}

Result<ProcStat> parse_proc_stat(std::string_view text)
{
    // "pid (comm) S ppid ...": comm may contain ") ", so split at the last ')'.
    auto close = text.rfind(')');
    if (close == std::string_view::npos || close + 2 >= text.size())
        return Error::message("malformed /proc stat");
    std::string_view rest = text.substr(close + 2);
    ProcStat st;
    st.state = rest[0];
    // After comm, field 3 is the state; start time is field 22, i.e. the 20th field of `rest`.
    int field = 3;
    size_t pos = 0;
    while (field < 22) {
        pos = rest.find(' ', pos);
        if (pos == std::string_view::npos)
            return Error::message("malformed /proc stat: too few fields");
        ++pos;
        ++field;
    }
    uint64_t v = 0;
    bool any = false;
    for (; pos < rest.size() && rest[pos] >= '0' && rest[pos] <= '9'; ++pos) {
        v = v * 10 + static_cast<uint64_t>(rest[pos] - '0');
        any = true;
    }
    if (!any)
        return Error::message("malformed /proc stat: start time");
    st.start_time = v;
    return st;
}

Result<ProcStat> read_proc_stat(pid_t pid)
{
    std::string path = "/proc/" + std::to_string(pid) + "/stat";
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd)
        return Error::from_errno("open", path);
    char buf[1024];
    ssize_t n = ::read(fd.get(), buf, sizeof buf - 1);
    if (n < 0)
        return Error::from_errno("read", path);
    return parse_proc_stat(std::string_view(buf, static_cast<size_t>(n)));
}

std::string default_state_root()
{
    if (geteuid() != 0) {
        if (const char* xdg = getenv("XDG_RUNTIME_DIR"); xdg && *xdg)
            return std::string(xdg) + "/hull";
    }
    return "/run/hull";
}

namespace {

// mkdir -p with `mode` for every directory it makes (Go's os.MkdirAll, which runc uses for the
// state root: containerd's and Docker's roots arrive with missing parents).
Result<void> mkdir_all(const std::string& path, mode_t mode)
{
    for (size_t pos = path.find('/', 1);; pos = path.find('/', pos + 1)) {
        std::string prefix = pos == std::string::npos ? path : path.substr(0, pos);
        if (!prefix.empty() && ::mkdir(prefix.c_str(), mode) < 0 && errno != EEXIST)
            return Error::from_errno("mkdir", prefix);
        if (pos == std::string::npos)
            return ok();
    }
}

// The state root and every container directory must be the caller's own and closed to
// everyone else: whoever can add or rename entries in them chooses the hooks hull runs.
Result<void> check_private_dir(int fd, std::string_view what, const std::string& path)
{
    struct stat st;
    if (::fstat(fd, &st) < 0)
        return Error::from_errno("stat", path);
    const uid_t euid = ::geteuid();
    if (st.st_uid == euid && (st.st_mode & (S_IWGRP | S_IWOTH)) == 0)
        return ok();
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return Error::message(std::string(what) + " " + path + ": owned by uid " + std::to_string(st.st_uid)
        + ", mode " + mode + ": must be owned by uid " + std::to_string(euid)
        + " and not writable by group or others");
}

} // namespace

Result<UniqueFd> open_state_root(const std::string& root, MakeRoot make)
{
    if (make == MakeRoot::Yes)
        TRY(mkdir_all(root, 0700));
    // A symbolic link is followed, as runc does (/var/run is one on Debian): what is checked,
    // and used from here on, is the directory it leads to, through this fd.
    UniqueFd fd(::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!fd)
        return Error::from_errno("open state root", root);
    TRY(check_private_dir(fd.get(), "state root", root));
    return fd;
}

namespace {

constexpr std::string_view kNewPrefix = ".new:";

} // namespace

// Nothing is written into a ".new:" directory before its rename, so each is empty.
void remove_abandoned_creates(int rootfd)
{
    int dup = ::openat(rootfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dup < 0)
        return;
    DIR* dir = ::fdopendir(dup);
    if (!dir) {
        ::close(dup);
        return;
    }
    while (struct dirent* e = ::readdir(dir)) {
        std::string_view name = e->d_name;
        if (name.substr(0, kNewPrefix.size()) != kNewPrefix)
            continue;
        // The maker's pid: while it lives the directory may still be on its way to a lock.
        pid_t maker = static_cast<pid_t>(std::strtol(e->d_name + kNewPrefix.size(), nullptr, 10));
        if (maker <= 0 || ::kill(maker, 0) == 0 || errno != ESRCH)
            continue;
        UniqueFd fd(::openat(rootfd, e->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW));
        if (fd && ::flock(fd.get(), LOCK_EX | LOCK_NB) == 0)
            (void)::unlinkat(rootfd, e->d_name, AT_REMOVEDIR);
    }
    ::closedir(dir);
}

void remove_abandoned_creates(const std::string& root)
{
    if (auto fd = open_state_root(root, MakeRoot::No))
        remove_abandoned_creates(fd.value().get());
}

Result<StateDir> StateDir::create(const std::string& root, const std::string& id)
{
    StateDir d;
    d.m_root_fd = TRY(open_state_root(root, MakeRoot::Yes));
    d.m_id = id;
    d.m_path = root + "/" + id;
    // Made and locked under a name that is no valid ID (':' is outside the ID alphabet), then
    // renamed into place: no other verb sees it under the ID before its create holds the lock.
    // The name does not hold the ID, which may already be NAME_MAX long.
    const int rootfd = d.m_root_fd.get();
    uint64_t nonce = 0;
    if (::getrandom(&nonce, sizeof nonce, 0) != sizeof nonce)
        return Error::from_errno("getrandom");
    remove_abandoned_creates(rootfd);
    const std::string tmp
        = std::string(kNewPrefix) + std::to_string(::getpid()) + ":" + std::to_string(nonce);
    if (::mkdirat(rootfd, tmp.c_str(), 0711) < 0)
        return Error::from_errno("mkdir", root + "/" + tmp).context("make " + d.m_path);
    ScopeExit remove_tmp([&] { ::unlinkat(rootfd, tmp.c_str(), AT_REMOVEDIR); });
    d.m_fd.reset(::openat(rootfd, tmp.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW));
    if (!d.m_fd)
        return Error::from_errno("open", root + "/" + tmp);
    // mkdir honours the umask; the mode is part of the contract.
    if (::fchmod(d.m_fd.get(), 0711) < 0)
        return Error::from_errno("chmod", root + "/" + tmp);
    while (::flock(d.m_fd.get(), LOCK_EX) < 0) {
        if (errno != EINTR)
            return Error::from_errno("flock", root + "/" + tmp);
    }
    TRY(fault::hit(fault::Point::CreateStateDirUnnamed));
    if (::renameat2(rootfd, tmp.c_str(), rootfd, id.c_str(), RENAME_NOREPLACE) < 0) {
        if (errno == EEXIST)
            return Error::message("container with given ID already exists");
        return Error::from_errno("rename", d.m_path);
    }
    remove_tmp.dismiss();
    return d;
}

Result<StateDir> StateDir::open_dir(const std::string& root, const std::string& id, bool lock)
{
    StateDir d;
    auto root_fd = open_state_root(root, MakeRoot::No);
    if (!root_fd) {
        if (root_fd.error().code() == ENOENT)
            return Error::message("container does not exist");
        return std::move(root_fd).error();
    }
    d.m_root_fd = std::move(root_fd.value());
    d.m_id = id;
    d.m_path = root + "/" + id;
    d.m_fd.reset(::openat(d.m_root_fd.get(), id.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW));
    if (!d.m_fd) {
        if (errno == ENOENT || errno == ENOTDIR || errno == ELOOP)
            return Error::message("container does not exist");
        return Error::from_errno("open", d.m_path);
    }
    TRY(check_private_dir(d.m_fd.get(), "container directory", d.m_path));
    if (lock)
        TRY(d.lock_linked());
    return d;
}

// A verb that held the lock before this one may have removed the directory meanwhile (and a
// create may have made a new one under the same ID): once the lock is held, the directory
// must still be the one the ID names.
Result<void> StateDir::lock_linked()
{
    while (::flock(m_fd.get(), LOCK_EX) < 0) {
        if (errno != EINTR)
            return Error::from_errno("flock", m_path);
    }
    struct stat held, named;
    if (::fstat(m_fd.get(), &held) < 0)
        return Error::from_errno("stat", m_path);
    if (::fstatat(m_root_fd.get(), m_id.c_str(), &named, AT_SYMLINK_NOFOLLOW) < 0
        || named.st_dev != held.st_dev || named.st_ino != held.st_ino)
        return Error::message("container does not exist");
    return ok();
}

Result<StateDir> StateDir::open_locked(const std::string& root, const std::string& id)
{
    return open_dir(root, id, true);
}

Result<StateDir> StateDir::open_unlocked(const std::string& root, const std::string& id)
{
    return open_dir(root, id, false);
}

Result<void> StateDir::write_record(const ContainerRecord& record)
{
    return replace_file(kStateFile, record_to_json(record));
}

Result<void> StateDir::replace_file(const char* name, std::string_view content)
{
    auto staged = TRY(stage_file(name, content));
    return staged.commit();
}

Result<StagedFile> StateDir::stage_file(const char* name, std::string_view content)
{
    StagedFile staged;
    staged.m_name = name;
    staged.m_tmp = std::string(".") + name + ".tmp";
    staged.m_path = m_path + "/" + name;
    ::unlinkat(m_fd.get(), staged.m_tmp.c_str(), 0);
    UniqueFd fd(::openat(
        m_fd.get(), staged.m_tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600));
    if (!fd)
        return Error::from_errno("create", m_path + "/" + staged.m_tmp);
    staged.m_dirfd = m_fd.get();
    TRY(write_all(fd.get(), content, m_path + "/" + staged.m_tmp));
    TRY(fd.close());
    return staged;
}

StagedFile::StagedFile(StagedFile&& other) noexcept
    : m_dirfd(std::exchange(other.m_dirfd, -1))
    , m_name(std::move(other.m_name))
    , m_tmp(std::move(other.m_tmp))
    , m_path(std::move(other.m_path))
{
}

StagedFile& StagedFile::operator=(StagedFile&& other) noexcept
{
    if (this != &other) {
        discard();
        m_dirfd = std::exchange(other.m_dirfd, -1);
        m_name = std::move(other.m_name);
        m_tmp = std::move(other.m_tmp);
        m_path = std::move(other.m_path);
    }
    return *this;
}

void StagedFile::discard()
{
    if (m_dirfd >= 0)
        ::unlinkat(m_dirfd, m_tmp.c_str(), 0);
    m_dirfd = -1;
}

Result<void> StagedFile::commit()
{
    if (m_dirfd < 0)
        return Error::message("commit " + m_path + ": nothing staged");
    if (::renameat(m_dirfd, m_tmp.c_str(), m_dirfd, m_name.c_str()) < 0)
        return Error::from_errno("rename", m_path);
    m_dirfd = -1;
    return ok();
}

Result<void> StateDir::write_new_file(const char* name, std::string_view content)
{
    UniqueFd fd(::openat(m_fd.get(), name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600));
    if (!fd)
        return Error::from_errno("create", m_path + "/" + name);
    return write_all(fd.get(), content, m_path + "/" + name);
}

Result<ContainerRecord> StateDir::read_record() const
{
    UniqueFd fd(::openat(m_fd.get(), kStateFile, O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
    if (!fd) {
        if (errno == ENOENT)
            return Error::message("container does not exist");
        return Error::from_errno("open", m_path + "/" + kStateFile);
    }
    auto text = TRY(read_all(fd.get(), m_path + "/" + kStateFile));
    return record_from_json(text);
}

Result<std::optional<std::string>> StateDir::read_optional_file(const char* name) const
{
    UniqueFd fd(::openat(m_fd.get(), name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
    if (!fd) {
        if (errno == ENOENT)
            return std::optional<std::string>();
        return Error::from_errno("open", m_path + "/" + name);
    }
    return std::optional<std::string>(TRY(read_all(fd.get(), m_path + "/" + name)));
}

bool StateDir::has_record() const
{
    struct stat st;
    return ::fstatat(m_fd.get(), kStateFile, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

bool StateDir::has_exec_fifo() const
{
    struct stat st;
    return ::fstatat(m_fd.get(), kExecFifo, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

Result<void> StateDir::destroy()
{
    // The directory holds only files hull made (no subdirectories).
    int dup = ::openat(m_fd.get(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dup < 0)
        return Error::from_errno("open", m_path);
    DIR* dir = ::fdopendir(dup);
    if (!dir) {
        ::close(dup);
        return Error::from_errno("fdopendir", m_path);
    }
    while (struct dirent* e = ::readdir(dir)) {
        std::string_view name = e->d_name;
        if (name == "." || name == "..")
            continue;
        if (::unlinkat(m_fd.get(), e->d_name, 0) < 0 && errno != ENOENT) {
            int err = errno;
            ::closedir(dir);
            return Error::from_code(err, "unlink", m_path + "/" + e->d_name);
        }
    }
    ::closedir(dir);
    if (::unlinkat(m_root_fd.get(), m_id.c_str(), AT_REMOVEDIR) < 0 && errno != ENOENT)
        return Error::from_errno("rmdir", m_path);
    return ok();
}

UniqueFd open_running_init(const ContainerRecord& record)
{
    if (record.pid <= 0)
        return UniqueFd();
    UniqueFd fd(static_cast<int>(::syscall(SYS_pidfd_open, record.pid, 0)));
    if (!fd)
        return fd;
    // The pidfd pins the process: the start time read after it is the pinned one's.
    auto st = read_proc_stat(record.pid);
    if (!st || st.value().start_time != record.start_time)
        return UniqueFd();
    if (st.value().state != 'Z' && st.value().state != 'X')
        return fd;
    struct pollfd p = {fd.get(), POLLIN, 0};
    int rc;
    do {
        rc = ::poll(&p, 1, 0);
    } while (rc < 0 && errno == EINTR);
    if (rc != 0)
        fd.reset();
    return fd;
}

Status derive_status(const ContainerRecord& record, const StateDir& dir)
{
    if (!open_running_init(record))
        return Status::Stopped;
    // A frozen cgroup reads as paused, whether the init has started or not (runc).
    if (record.cgroup) {
        auto cg = container_cgroup(record);
        if (cg && cg.value()) {
            auto frozen = cg.value()->freezer_state();
            if (frozen && frozen.value() == cgroups::FreezerState::Frozen)
                return Status::Paused;
        }
    }
    if (dir.has_exec_fifo())
        return Status::Created;
    return Status::Running;
}

Result<void> write_file_atomic(const std::string& path, std::string_view content, mode_t mode)
{
    auto slash = path.rfind('/');
    std::string dir = slash == std::string::npos ? "." : path.substr(0, slash == 0 ? 1 : slash);
    std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
    std::string tmp = dir + "/." + base;
    ::unlink(tmp.c_str());
    UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode));
    if (!fd)
        return Error::from_errno("create", tmp);
    if (auto r = write_all(fd.get(), content, tmp); !r) {
        ::unlink(tmp.c_str());
        return r;
    }
    if (auto r = fd.close(); !r) {
        ::unlink(tmp.c_str());
        return r;
    }
    if (::rename(tmp.c_str(), path.c_str()) < 0) {
        int err = errno;
        ::unlink(tmp.c_str());
        return Error::from_code(err, "rename", path);
    }
    return ok();
}

Result<std::vector<std::string>> list_ids(const std::string& root)
{
    std::vector<std::string> ids;
    UniqueFd root_fd = TRY(open_state_root(root, MakeRoot::No));
    DIR* dir = ::fdopendir(root_fd.get());
    if (!dir)
        return Error::from_errno("fdopendir", root);
    (void)root_fd.release(); // closedir closes it
    while (struct dirent* e = ::readdir(dir)) {
        // A directory still being made by a create has a name that is no valid ID.
        if (e->d_type != DT_DIR || !oci::validate_container_id(e->d_name))
            continue;
        ids.emplace_back(e->d_name);
    }
    ::closedir(dir);
    return ids;
}

} // namespace hull::container
