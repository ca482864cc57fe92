// The typed model of an OCI bundle's config.json (runtime-spec 1.3: config.md, config-linux.md).
//
// Pure data, shared by every module: members carry the JSON field names exactly, so
// `spec.linux->namespaces[0].type` reads like the document it came from. Fields the spec
// marks optional are std::optional when "absent" and "zero" mean different things, and plain
// values (empty string, empty vector, empty map) when the spec treats absent and empty alike.
// The declaration order of each struct is the one hull's code uses for designated
// initialisers; the JSON order for `hull spec` output lives in serialize.cpp.
// Non-Linux platform sections (solaris, windows, vm, zos, freebsd) are not modelled: they are
// accepted on input and ignored.
#pragma once

// With -std=gnu++20 GCC predefines the macro `linux` to 1, which would turn the member
// `Spec::linux` into `Spec::1`. Nothing in hull uses that macro (use __linux__ instead).
#ifdef linux
#undef linux
#endif

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hull::oci {

// config.md "Process": consoleSize.
struct ConsoleSize {
    uint32_t height = 0;
    uint32_t width = 0;

    bool operator==(const ConsoleSize&) const = default;
};

// config.md "User" (POSIX platforms); username is Windows-only but kept for round-trips.
struct User {
    uint32_t uid = 0, gid = 0;
    std::optional<uint32_t> umask {};
    std::vector<uint32_t> additionalGids {};
    std::string username {};

    bool operator==(const User&) const = default;
};

// config.md "Linux process": capabilities. Unset and empty differ: runc adds ambient caps
// on `exec --cap` only when inheritable is present.
struct Capabilities {
    std::optional<std::vector<std::string>> bounding {}, effective {}, inheritable {}, permitted {},
        ambient {};

    bool operator==(const Capabilities&) const = default;
};

// config.md "POSIX process": rlimits; type is an RLIMIT_* name.
struct Rlimit {
    std::string type {};
    uint64_t hard = 0, soft = 0;

    bool operator==(const Rlimit&) const = default;
};

// config.md "Linux process": ioPriority. class is IOPRIO_CLASS_RT, _BE or _IDLE.
struct IoPriority {
    std::string class_ {}; // JSON "class" (a C++ keyword).
    int priority = 0;

    bool operator==(const IoPriority&) const = default;
};

// config.md "Linux process": scheduler (sched_setattr(2)).
struct Scheduler {
    std::string policy {};
    int32_t nice = 0;
    int32_t priority = 0;
    std::vector<std::string> flags {};
    uint64_t runtime = 0;
    uint64_t deadline = 0;
    uint64_t period = 0;

    bool operator==(const Scheduler&) const = default;
};

// config.md "Linux process": execCPUAffinity, cpu lists such as "0-3,7".
struct ExecCpuAffinity {
    std::string initial {};
    std::string final {};

    bool operator==(const ExecCpuAffinity&) const = default;
};

struct Process {
    bool terminal = false;
    std::optional<ConsoleSize> consoleSize {};
    User user {};
    std::vector<std::string> args {};
    std::string commandLine {};
    std::vector<std::string> env {};
    std::string cwd {};
    std::optional<Capabilities> capabilities {};
    std::vector<Rlimit> rlimits {};
    bool noNewPrivileges = false;
    std::string apparmorProfile {};
    std::optional<int> oomScoreAdj {};
    std::string selinuxLabel {};
    std::optional<IoPriority> ioPriority {};
    std::optional<Scheduler> scheduler {};
    std::optional<ExecCpuAffinity> execCPUAffinity {};

    bool operator==(const Process&) const = default;
};

struct Root {
    std::string path {};
    bool readonly = false;

    bool operator==(const Root&) const = default;
};

// config-linux.md "User namespace mappings"; also used by idmapped mounts.
struct IdMapping {
    uint32_t containerID = 0;
    uint32_t hostID = 0;
    uint32_t size = 0;

    bool operator==(const IdMapping&) const = default;
};

struct Mount {
    std::string destination {};
    std::string type {};
    std::string source {};
    std::vector<std::string> options {};
    std::vector<IdMapping> uidMappings {}, gidMappings {};

    bool operator==(const Mount&) const = default;
};

// config.md "POSIX-platform Hooks". timeout is in seconds and must be > 0 when set.
struct Hook {
    std::string path {};
    std::vector<std::string> args {};
    std::vector<std::string> env {};
    std::optional<int> timeout {};

    bool operator==(const Hook&) const = default;
};

struct Hooks {
    std::vector<Hook> prestart {}, createRuntime {}, createContainer {}, startContainer {}, poststart {},
        poststop {};

    bool operator==(const Hooks&) const = default;
};

enum class NamespaceType { Pid, Network, Mount, Ipc, Uts, User, Cgroup, Time };

// The spec's name for a namespace type: "pid", "network", "mount", "ipc", "uts", "user",
// "cgroup", "time".
std::string_view to_string(NamespaceType type);
// The inverse of to_string; nullopt for an unknown name.
std::optional<NamespaceType> namespace_type_from_string(std::string_view name);

// An empty path means "create a new namespace"; a path means "join this one".
struct Namespace {
    NamespaceType type = NamespaceType::Pid;
    std::string path {};

    bool operator==(const Namespace&) const = default;
};

// config-linux.md "Devices": type is "c", "b", "u" or "p".
struct Device {
    std::string type {};
    std::string path {};
    int64_t major = 0, minor = 0;
    std::optional<uint32_t> fileMode {};
    std::optional<uint32_t> uid {}, gid {};

    bool operator==(const Device&) const = default;
};

// config-linux.md "Device allowlist": an unset major/minor means "all" (-1, "*").
struct DeviceCgroup {
    bool allow = false;
    std::string type {}; // "a", "c" or "b"; empty means "a".
    std::optional<int64_t> major {}, minor {};
    std::string access {}; // a combination of "r", "w", "m".

    bool operator==(const DeviceCgroup&) const = default;
};

struct Memory {
    std::optional<int64_t> limit {};
    std::optional<int64_t> reservation {};
    std::optional<int64_t> swap {};
    std::optional<int64_t> kernel {};
    std::optional<int64_t> kernelTCP {};
    std::optional<uint64_t> swappiness {};
    std::optional<bool> disableOOMKiller {};
    std::optional<bool> useHierarchy {};
    std::optional<bool> checkBeforeUpdate {};

    bool operator==(const Memory&) const = default;
};

struct Cpu {
    std::optional<uint64_t> shares {};
    std::optional<int64_t> quota {};
    std::optional<uint64_t> burst {};
    std::optional<uint64_t> period {};
    std::optional<int64_t> realtimeRuntime {};
    std::optional<uint64_t> realtimePeriod {};
    std::string cpus {};
    std::string mems {};
    std::optional<int64_t> idle {};

    bool operator==(const Cpu&) const = default;
};

struct Pids {
    std::optional<int64_t> limit {};

    bool operator==(const Pids&) const = default;
};

struct WeightDevice {
    int64_t major = 0, minor = 0;
    std::optional<uint16_t> weight {};
    std::optional<uint16_t> leafWeight {};

    bool operator==(const WeightDevice&) const = default;
};

struct ThrottleDevice {
    int64_t major = 0, minor = 0;
    uint64_t rate = 0;

    bool operator==(const ThrottleDevice&) const = default;
};

struct BlockIo {
    std::optional<uint16_t> weight {};
    std::optional<uint16_t> leafWeight {};
    std::vector<WeightDevice> weightDevice {};
    std::vector<ThrottleDevice> throttleReadBpsDevice {};
    std::vector<ThrottleDevice> throttleWriteBpsDevice {};
    std::vector<ThrottleDevice> throttleReadIOPSDevice {};
    std::vector<ThrottleDevice> throttleWriteIOPSDevice {};

    bool operator==(const BlockIo&) const = default;
};

// pageSize is the kernel's "2MB"/"1GB" form; limit is in bytes.
struct HugepageLimit {
    std::string pageSize {};
    uint64_t limit = 0;

    bool operator==(const HugepageLimit&) const = default;
};

struct InterfacePriority {
    std::string name {};
    uint32_t priority = 0;

    bool operator==(const InterfacePriority&) const = default;
};

struct Network {
    std::optional<uint32_t> classID {};
    std::vector<InterfacePriority> priorities {};

    bool operator==(const Network&) const = default;
};

struct Rdma {
    std::optional<uint32_t> hcaHandles {};
    std::optional<uint32_t> hcaObjects {};

    bool operator==(const Rdma&) const = default;
};

// config-linux.md "Control groups": one member per controller; absent means "leave alone".
struct Resources {
    std::vector<DeviceCgroup> devices {};
    std::optional<Memory> memory {};
    std::optional<Cpu> cpu {};
    std::optional<Pids> pids {};
    std::optional<BlockIo> blockIO {};
    std::vector<HugepageLimit> hugepageLimits {};
    std::optional<Network> network {};
    std::map<std::string, Rdma> rdma {}; // keyed by device name
    std::map<std::string, std::string> unified {}; // cgroup v2 file name -> value

    bool operator==(const Resources&) const = default;
};

// config-linux.md "Seccomp": one argument comparison. op is SCMP_CMP_*.
struct SeccompArg {
    uint32_t index = 0;
    uint64_t value = 0;
    uint64_t valueTwo = 0;
    std::string op {};

    bool operator==(const SeccompArg&) const = default;
};

struct SyscallRule {
    std::vector<std::string> names {};
    std::string action {}; // SCMP_ACT_*
    std::optional<uint32_t> errnoRet {};
    std::vector<SeccompArg> args {};

    bool operator==(const SyscallRule&) const = default;
};

struct Seccomp {
    std::string defaultAction {}; // SCMP_ACT_*
    std::optional<uint32_t> defaultErrnoRet {};
    std::vector<std::string> architectures {}; // SCMP_ARCH_*
    std::vector<std::string> flags {}; // SECCOMP_FILTER_FLAG_*
    std::string listenerPath {};
    std::string listenerMetadata {};
    std::vector<SyscallRule> syscalls {};

    bool operator==(const Seccomp&) const = default;
};

// config-linux.md "IntelRdt" (resctrl).
struct IntelRdt {
    std::string closID {};
    std::vector<std::string> schemata {};
    std::string l3CacheSchema {};
    std::string memBwSchema {};
    bool enableMonitoring = false;

    bool operator==(const IntelRdt&) const = default;
};

// config-linux.md "Personality": domain is "LINUX" or "LINUX32".
struct Personality {
    std::string domain {};
    std::vector<std::string> flags {};

    bool operator==(const Personality&) const = default;
};

// config-linux.md "Time offsets", keyed by clock name ("monotonic", "boottime").
struct TimeOffset {
    int64_t secs = 0;
    uint32_t nanosecs = 0;

    bool operator==(const TimeOffset&) const = default;
};

// config-linux.md "Memory policy" (set_mempolicy(2)): mode is MPOL_*, flags MPOL_F_*.
struct MemoryPolicy {
    std::string mode {};
    std::string nodes {};
    std::vector<std::string> flags {};

    bool operator==(const MemoryPolicy&) const = default;
};

// config-linux.md "Network devices": keyed by host interface name; name renames it inside.
struct NetDevice {
    std::string name {};

    bool operator==(const NetDevice&) const = default;
};

struct Linux {
    std::vector<IdMapping> uidMappings {}, gidMappings {};
    std::map<std::string, std::string> sysctl {};
    std::optional<Resources> resources {};
    std::string cgroupsPath {};
    std::vector<Namespace> namespaces {};
    std::vector<Device> devices {};
    std::optional<Seccomp> seccomp {};
    std::string rootfsPropagation {};
    std::vector<std::string> maskedPaths {}, readonlyPaths {};
    std::string mountLabel {};
    std::optional<IntelRdt> intelRdt {};
    std::optional<Personality> personality {};
    std::map<std::string, TimeOffset> timeOffsets {};
    std::optional<MemoryPolicy> memoryPolicy {};
    std::map<std::string, NetDevice> netDevices {};

    bool operator==(const Linux&) const = default;
};

struct Spec {
    std::string ociVersion {};
    std::optional<Process> process {};
    std::optional<Root> root {};
    std::string hostname {};
    std::string domainname {};
    std::vector<Mount> mounts {};
    std::optional<Hooks> hooks {};
    std::map<std::string, std::string> annotations {};
    std::optional<Linux> linux {};

    bool operator==(const Spec&) const = default;
};

// Every struct compares member-wise (round-trip tests, `update` comparing resources).

// The namespace entry of the given type in spec.linux, or nullptr when there is none.
const Namespace* find_namespace(const Spec& spec, NamespaceType type);

} // namespace hull::oci
