// load() in the container init, and the binary form of a compiled filter kept for `exec`.
#include "hull/seccomp/seccomp.hpp"
#include "kernel_flags.hpp"

#include <cstring>
#include <sys/syscall.h>
#include <unistd.h>

namespace hull::seccomp {

namespace {

// Every flag compile() can produce; deserialize() refuses any other bit.
constexpr uint32_t kKnownFlags = SECCOMP_FILTER_FLAG_TSYNC | SECCOMP_FILTER_FLAG_LOG
    | SECCOMP_FILTER_FLAG_SPEC_ALLOW | SECCOMP_FILTER_FLAG_TSYNC_ESRCH
    | SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV;

// Blob: magic, version, flags, notify, count, count x {u16 code, u8 jt, u8 jf, u32 k}, then a
// 64-bit FNV-1a of everything before it. Host byte order: it never leaves the machine.
constexpr char kMagic[8] = {'H', 'U', 'L', 'L', 'B', 'P', 'F', '\n'};
constexpr uint32_t kVersion = 1;
constexpr size_t kHeader = sizeof kMagic + 4 * sizeof(uint32_t);
constexpr size_t kInsn = 8;

uint64_t fnv1a(std::string_view data)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (unsigned char c : data) {
        h ^= c;
        h *= 0x100000001b3ull;
    }
    return h;
}

template <typename T> void put(std::string& out, T v)
{
    out.append(reinterpret_cast<const char*>(&v), sizeof v);
}

template <typename T> T get(std::string_view data, size_t offset)
{
    T v;
    std::memcpy(&v, data.data() + offset, sizeof v);
    return v;
}

Error bad_blob(const std::string& why)
{
    return Error::message("invalid seccomp filter: " + why);
}

} // namespace

Result<int> load(const CompiledFilter& filter)
{
    if (filter.program.empty() || filter.program.size() > BPF_MAXINSNS)
        return Error::from_code(EINVAL, "seccomp", "empty or oversized program");
    sock_fprog prog {};
    prog.len = static_cast<unsigned short>(filter.program.size());
    prog.filter = const_cast<sock_filter*>(filter.program.data());
    unsigned long flags = filter.flags;
    if (filter.notify)
        flags |= SECCOMP_FILTER_FLAG_NEW_LISTENER;
    long rc = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog);
    if (rc < 0)
        return Error::from_errno("seccomp", "SECCOMP_SET_MODE_FILTER");
    if (filter.notify)
        return static_cast<int>(rc);
    // With TSYNC (and no TSYNC_ESRCH) a positive value is a thread that could not be synced.
    if (rc > 0)
        return Error::from_code(EBUSY, "seccomp", "SECCOMP_FILTER_FLAG_TSYNC: thread " + std::to_string(rc));
    return -1;
}

std::string serialize(const CompiledFilter& filter)
{
    std::string out;
    out.reserve(kHeader + filter.program.size() * kInsn + sizeof(uint64_t));
    out.append(kMagic, sizeof kMagic);
    put<uint32_t>(out, kVersion);
    put<uint32_t>(out, filter.flags);
    put<uint32_t>(out, filter.notify ? 1 : 0);
    put<uint32_t>(out, static_cast<uint32_t>(filter.program.size()));
    for (const sock_filter& insn : filter.program) {
        put<uint16_t>(out, insn.code);
        put<uint8_t>(out, insn.jt);
        put<uint8_t>(out, insn.jf);
        put<uint32_t>(out, insn.k);
    }
    put<uint64_t>(out, fnv1a(out));
    return out;
}

Result<CompiledFilter> deserialize(std::string_view blob)
{
    if (blob.size() < kHeader + sizeof(uint64_t))
        return bad_blob("truncated header");
    if (std::memcmp(blob.data(), kMagic, sizeof kMagic) != 0)
        return bad_blob("bad magic");
    if (get<uint32_t>(blob, 8) != kVersion)
        return bad_blob("unsupported version " + std::to_string(get<uint32_t>(blob, 8)));
    uint32_t count = get<uint32_t>(blob, 20);
    if (count == 0 || count > BPF_MAXINSNS)
        return bad_blob("bad instruction count " + std::to_string(count));
    size_t expected = kHeader + size_t(count) * kInsn + sizeof(uint64_t);
    if (blob.size() != expected)
        return bad_blob(blob.size() < expected ? "truncated program" : "trailing bytes");
    size_t body = blob.size() - sizeof(uint64_t);
    if (get<uint64_t>(blob, body) != fnv1a(blob.substr(0, body)))
        return bad_blob("checksum mismatch");

    CompiledFilter out;
    out.flags = get<uint32_t>(blob, 12);
    uint32_t notify = get<uint32_t>(blob, 16);
    if ((out.flags & ~kKnownFlags) != 0 || notify > 1)
        return bad_blob("bad flags");
    out.notify = notify == 1;
    out.program.resize(count);
    for (uint32_t i = 0; i < count; ++i) {
        size_t at = kHeader + size_t(i) * kInsn;
        out.program[i].code = get<uint16_t>(blob, at);
        out.program[i].jt = get<uint8_t>(blob, at + 2);
        out.program[i].jf = get<uint8_t>(blob, at + 3);
        out.program[i].k = get<uint32_t>(blob, at + 4);
    }
    return out;
}

} // namespace hull::seccomp
