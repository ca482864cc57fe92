// The -ENOSYS stub (see enosys.hpp). Layout, with `filter` the first instruction after it:
//
//   ld [4]                          ; seccomp_data.arch
//   jeq #ARCH_1, 0, 1 ; ja sec_1    ; one pair per architecture (no 8-bit jump limit)
//   ...
//   ja filter                       ; any other architecture
// sec_i:
//   ld [0]                          ; seccomp_data.nr
//   [s390] jeq #0, enosys_i
//   [x86_64] jset #0x40000000, x32_i     ; x32 ABI numbers have bit 30 set
//   jgt #MAX, enosys_i ; ja filter
//   [x86_64] x32_i: jgt #X32MAX, enosys_i ; ja filter
// enosys_i:
//   ret #SECCOMP_RET_ERRNO|ENOSYS
//
// Conditional jumps stay inside their section (a handful of instructions), and every long
// jump is a `ja` with a 32-bit offset, so the stub is valid whatever the number of sections.
#include "enosys.hpp"

#include <cerrno>
#include <cstddef>
#include <linux/audit.h>
#include <linux/seccomp.h>

namespace hull::seccomp::detail {

namespace {

constexpr uint32_t kX32Bit = 0x40000000u;
constexpr uint32_t kArchOffset = offsetof(seccomp_data, arch);
constexpr uint32_t kNrOffset = offsetof(seccomp_data, nr);

// A few-instruction assembler with labels; `next` means "the following instruction".
class Assembler {
public:
    static constexpr int next = -1;

    int label()
    {
        m_labels.push_back(-1);
        return static_cast<int>(m_labels.size() - 1);
    }
    void bind(int label) { m_labels[static_cast<size_t>(label)] = static_cast<long>(m_ops.size()); }

    void load_word(uint32_t offset) { emit(BPF_LD | BPF_W | BPF_ABS, offset); }
    void ret(uint32_t value) { emit(BPF_RET | BPF_K, value); }
    void jump(int target) { m_ops.push_back({{BPF_JMP | BPF_JA, 0, 0, 0}, next, next, target}); }
    void jump_if(uint16_t cond, uint32_t k, int if_true, int if_false)
    {
        m_ops.push_back({{static_cast<uint16_t>(BPF_JMP | cond | BPF_K), 0, 0, k}, if_true, if_false, next});
    }

    Result<std::vector<sock_filter>> finish() const
    {
        std::vector<sock_filter> out;
        out.reserve(m_ops.size());
        for (size_t i = 0; i < m_ops.size(); ++i) {
            sock_filter insn = m_ops[i].insn;
            if (m_ops[i].ja != next)
                insn.k = TRY(distance(i, m_ops[i].ja));
            uint32_t jt = TRY(distance(i, m_ops[i].jt));
            uint32_t jf = TRY(distance(i, m_ops[i].jf));
            if (jt > 255 || jf > 255)
                return Error::message("seccomp: -ENOSYS stub: conditional jump out of range");
            insn.jt = static_cast<uint8_t>(jt);
            insn.jf = static_cast<uint8_t>(jf);
            out.push_back(insn);
        }
        return out;
    }

private:
    struct Op {
        sock_filter insn;
        int jt;
        int jf;
        int ja;
    };

    void emit(uint16_t code, uint32_t k) { m_ops.push_back({{code, 0, 0, k}, next, next, next}); }

    Result<uint32_t> distance(size_t from, int label) const
    {
        if (label == next)
            return 0u;
        long to = m_labels[static_cast<size_t>(label)];
        if (to <= static_cast<long>(from))
            return Error::message("seccomp: -ENOSYS stub: unbound or backward jump");
        return static_cast<uint32_t>(to - static_cast<long>(from) - 1);
    }

    std::vector<Op> m_ops;
    std::vector<long> m_labels;
};

void emit_section(Assembler& a, const EnosysArch& arch, int filter)
{
    int enosys = a.label();
    a.load_word(kNrOffset);
    if (arch.s390_multiplex)
        a.jump_if(BPF_JEQ, 0, enosys, Assembler::next);
    if (arch.audit_arch == AUDIT_ARCH_X86_64) {
        int x32 = a.label();
        a.jump_if(BPF_JSET, kX32Bit, x32, Assembler::next);
        if (arch.max)
            a.jump_if(BPF_JGT, *arch.max, enosys, Assembler::next);
        a.jump(filter);
        a.bind(x32);
        if (arch.x32_max)
            a.jump_if(BPF_JGT, *arch.x32_max, enosys, Assembler::next);
        a.jump(filter);
    } else {
        a.jump_if(BPF_JGT, *arch.max, enosys, Assembler::next);
        a.jump(filter);
    }
    a.bind(enosys);
    a.ret(SECCOMP_RET_ERRNO | (ENOSYS & SECCOMP_RET_DATA));
}

} // namespace

Result<std::vector<sock_filter>> enosys_stub(const std::vector<EnosysArch>& archs)
{
    std::vector<const EnosysArch*> used;
    for (const EnosysArch& arch : archs) {
        bool x86_64 = arch.audit_arch == AUDIT_ARCH_X86_64;
        if (arch.max || (x86_64 && arch.x32_max))
            used.push_back(&arch);
    }
    if (used.empty())
        return std::vector<sock_filter> {};

    Assembler a;
    int filter = a.label();
    std::vector<int> sections;
    a.load_word(kArchOffset);
    for (const EnosysArch* arch : used) {
        int section = a.label();
        int skip = a.label();
        sections.push_back(section);
        a.jump_if(BPF_JEQ, arch->audit_arch, Assembler::next, skip);
        a.jump(section);
        a.bind(skip);
    }
    a.jump(filter);
    for (size_t i = 0; i < used.size(); ++i) {
        a.bind(sections[i]);
        emit_section(a, *used[i], filter);
    }
    a.bind(filter);
    return a.finish();
}

} // namespace hull::seccomp::detail
