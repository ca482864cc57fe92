// The cgroup v2 device filter: program builder (runc devicefilter.go) and raw bpf(2) loader
// (runc ebpf_linux.go, without libbpf).
#include "hull/cgroups/devices.hpp"
#include "hull/fd.hpp"
#include "hull/text.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace hull::cgroups {

namespace {

bpf_insn insn(uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm)
{
    bpf_insn i {};
    i.code = code;
    i.dst_reg = dst & 0xf;
    i.src_reg = src & 0xf;
    i.off = off;
    i.imm = imm;
    return i;
}

// The context is struct bpf_cgroup_dev_ctx { u32 access_type; u32 major; u32 minor; }, with
// the device type in the low 16 bits of access_type and the access in the high 16.
void prologue(std::vector<bpf_insn>& p)
{
    p.push_back(insn(BPF_LDX | BPF_MEM | BPF_W, BPF_REG_2, BPF_REG_1, 0, 0)); // r2 = type
    p.push_back(insn(BPF_ALU | BPF_AND | BPF_K, BPF_REG_2, 0, 0, 0xffff));
    p.push_back(insn(BPF_LDX | BPF_MEM | BPF_W, BPF_REG_3, BPF_REG_1, 0, 0)); // r3 = access
    p.push_back(insn(BPF_ALU | BPF_RSH | BPF_K, BPF_REG_3, 0, 0, 16));
    p.push_back(insn(BPF_LDX | BPF_MEM | BPF_W, BPF_REG_4, BPF_REG_1, 4, 0)); // r4 = major
    p.push_back(insn(BPF_LDX | BPF_MEM | BPF_W, BPF_REG_5, BPF_REG_1, 8, 0)); // r5 = minor
}

void ret(std::vector<bpf_insn>& p, bool allow)
{
    p.push_back(insn(BPF_ALU | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, allow ? 1 : 0));
    p.push_back(insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0));
}

// One exception: every test jumps to the next block when it does not match.
Result<void> append_rule(std::vector<bpf_insn>& p, const DeviceRule& r)
{
    int32_t type = 0;
    if (r.type == 'c')
        type = BPF_DEVCG_DEV_CHAR;
    else if (r.type == 'b')
        type = BPF_DEVCG_DEV_BLOCK;
    else
        return Error::message("device filter: invalid type " + go_quote(std::string(1, r.type)));
    if (r.major > 0xffffffffLL || r.minor > 0xffffffffLL)
        return Error::message("device filter: invalid device number in " + go_quote(r.cgroup_string()));
    int32_t access = 0;
    for (char c : r.access) {
        if (c == 'r')
            access |= BPF_DEVCG_ACC_READ;
        else if (c == 'w')
            access |= BPF_DEVCG_ACC_WRITE;
        else if (c == 'm')
            access |= BPF_DEVCG_ACC_MKNOD;
        else
            return Error::message("device filter: unknown device access " + go_quote(r.access));
    }
    std::vector<size_t> jumps;
    auto jump_next = [&](bpf_insn i) {
        jumps.push_back(p.size());
        p.push_back(i);
    };
    jump_next(insn(BPF_JMP | BPF_JNE | BPF_K, BPF_REG_2, 0, 0, type));
    if (access != (BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE | BPF_DEVCG_ACC_MKNOD)) {
        // The requested access must be within the rule's: (r3 & access) == r3.
        p.push_back(insn(BPF_ALU | BPF_MOV | BPF_X, BPF_REG_1, BPF_REG_3, 0, 0));
        p.push_back(insn(BPF_ALU | BPF_AND | BPF_K, BPF_REG_1, 0, 0, access));
        jump_next(insn(BPF_JMP | BPF_JNE | BPF_X, BPF_REG_1, BPF_REG_3, 0, 0));
    }
    if (r.major >= 0)
        jump_next(insn(BPF_JMP | BPF_JNE | BPF_K, BPF_REG_4, 0, 0, static_cast<int32_t>(r.major)));
    if (r.minor >= 0)
        jump_next(insn(BPF_JMP | BPF_JNE | BPF_K, BPF_REG_5, 0, 0, static_cast<int32_t>(r.minor)));
    ret(p, r.allow);
    for (size_t j : jumps)
        p[j].off = static_cast<int16_t>(p.size() - (j + 1));
    return ok();
}

long sys_bpf(int cmd, bpf_attr& attr)
{
    return ::syscall(SYS_bpf, cmd, &attr, sizeof attr);
}

// bpf(2) treats fd 0 as "none": keep program fds above the standard ones.
Result<UniqueFd> bpf_fd(int cmd, bpf_attr& attr, const char* what)
{
    long fd = -1;
    for (int tries = 0; tries < 30; ++tries) {
        fd = sys_bpf(cmd, attr);
        // The verifier can be interrupted by a signal (EAGAIN).
        if (fd >= 0 || (errno != EAGAIN && errno != EINTR))
            break;
    }
    if (fd < 0)
        return Error::from_errno(what);
    UniqueFd owned(static_cast<int>(fd));
    if (fd < 3) {
        UniqueFd high(::fcntl(owned.get(), F_DUPFD_CLOEXEC, 3));
        if (!high)
            return Error::from_errno("dup bpf fd");
        return high;
    }
    return owned;
}

Result<UniqueFd> load(const std::vector<bpf_insn>& program)
{
    static const char license[] = "Apache";
    bpf_attr attr;
    std::memset(&attr, 0, sizeof attr);
    attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
    attr.insn_cnt = static_cast<uint32_t>(program.size());
    attr.insns = reinterpret_cast<uintptr_t>(program.data());
    attr.license = reinterpret_cast<uintptr_t>(license);
    auto fd = bpf_fd(BPF_PROG_LOAD, attr, "bpf BPF_PROG_LOAD");
    if (fd)
        return fd;
    // Again with the verifier's log, to say why.
    std::string log(64 * 1024, '\0');
    attr.log_level = 1;
    attr.log_size = static_cast<uint32_t>(log.size());
    attr.log_buf = reinterpret_cast<uintptr_t>(log.data());
    auto again = bpf_fd(BPF_PROG_LOAD, attr, "bpf BPF_PROG_LOAD");
    if (again)
        return again;
    log.resize(std::strlen(log.c_str()));
    while (!log.empty() && log.back() == '\n')
        log.pop_back();
    Error e = std::move(fd).error();
    if (!log.empty())
        e = Error::from_code(e.code(), "bpf BPF_PROG_LOAD (verifier: " + log + ")");
    return e;
}

// The programs attached to the cgroup now (skipping those an LSM hides from us).
Result<std::vector<UniqueFd>> attached(int dirfd, const std::string& dir)
{
    std::vector<uint32_t> ids(64);
    for (int tries = 0; tries < 10; ++tries) {
        bpf_attr attr;
        std::memset(&attr, 0, sizeof attr);
        attr.query.target_fd = static_cast<uint32_t>(dirfd);
        attr.query.attach_type = BPF_CGROUP_DEVICE;
        attr.query.prog_ids = reinterpret_cast<uintptr_t>(ids.data());
        attr.query.prog_cnt = static_cast<uint32_t>(ids.size());
        if (sys_bpf(BPF_PROG_QUERY, attr) < 0) {
            if (errno == ENOSPC) {
                ids.resize(attr.query.prog_cnt);
                continue;
            }
            return Error::from_errno("bpf BPF_PROG_QUERY", dir);
        }
        std::vector<UniqueFd> fds;
        for (uint32_t i = 0; i < attr.query.prog_cnt && i < ids.size(); ++i) {
            bpf_attr get;
            std::memset(&get, 0, sizeof get);
            get.prog_id = ids[i];
            auto fd = bpf_fd(BPF_PROG_GET_FD_BY_ID, get, "bpf BPF_PROG_GET_FD_BY_ID");
            if (!fd) {
                if (fd.error().code() == EPERM || fd.error().code() == EACCES)
                    continue;
                return std::move(fd).error();
            }
            fds.push_back(std::move(fd).value());
        }
        return fds;
    }
    return Error::message(
        "bpf BPF_PROG_QUERY " + dir + ": could not get the complete list of device programs");
}

} // namespace

Result<std::vector<bpf_insn>> device_filter(const std::vector<DeviceRule>& rules)
{
    DeviceEmulator emu;
    for (const auto& r : rules)
        TRY(emu.apply(r));
    bool default_allow = emu.default_allow();
    std::vector<bpf_insn> p;
    prologue(p);
    auto clean = emu.rules();
    for (size_t i = 0; i < clean.size(); ++i) {
        const DeviceRule& r = clean[i];
        if (r.type == 'a') {
            // Only a leading "a" rule that sets the default mode; the program's epilogue does that.
            if (i != 0 || r.allow != default_allow)
                return Error::message(
                    "device filter: internal error: stray wildcard rule " + r.cgroup_string());
            continue;
        }
        if (r.allow == default_allow)
            return Error::message("device filter: internal error: no-op rule " + r.cgroup_string());
        TRY(append_rule(p, r));
    }
    ret(p, default_allow);
    return p;
}

Result<void> attach_device_filter(int dirfd, const std::string& dir, const std::vector<bpf_insn>& program)
{
    auto old = TRY(attached(dirfd, dir));
    auto prog = TRY(load(program).context("failed to load the device filter for " + dir));
    bpf_attr attr;
    std::memset(&attr, 0, sizeof attr);
    attr.target_fd = static_cast<uint32_t>(dirfd);
    attr.attach_bpf_fd = static_cast<uint32_t>(prog.get());
    attr.attach_type = BPF_CGROUP_DEVICE;
    attr.attach_flags = BPF_F_ALLOW_MULTI;
    if (sys_bpf(BPF_PROG_ATTACH, attr) < 0)
        return Error::from_errno("bpf BPF_PROG_ATTACH", dir);
    // The new filter is in place: the old ones can go (runc's fallback without BPF_F_REPLACE).
    for (const auto& fd : old) {
        bpf_attr detach;
        std::memset(&detach, 0, sizeof detach);
        detach.target_fd = static_cast<uint32_t>(dirfd);
        detach.attach_bpf_fd = static_cast<uint32_t>(fd.get());
        detach.attach_type = BPF_CGROUP_DEVICE;
        if (sys_bpf(BPF_PROG_DETACH, detach) < 0)
            return Error::from_errno("bpf BPF_PROG_DETACH (old device filter)", dir);
    }
    return ok();
}

} // namespace hull::cgroups
