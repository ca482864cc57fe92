// compile(): linux.seccomp to a BPF program with libseccomp, in the runtime before clone, with
// runc's semantics (libcontainer/specconv SetupSeccomp, libcontainer/seccomp, patchbpf).
//
// libseccomp 2.5.4 has neither seccomp_export_bpf_mem nor SCMP_FLTATR_ACT_ENOSYS (both 2.6):
// the program is exported into a memfd and read back, and the -ENOSYS stub is generated here
// (enosys.cpp) and prefixed to it. The filter flags are not libseccomp attributes (those only
// act in seccomp_load, which hull does not use): they are kept as kernel flags for load().
#include "enosys.hpp"
#include "hull/fd.hpp"
#include "hull/oci/known.hpp"
#include "hull/seccomp/seccomp.hpp"
#include "hull/text.hpp"
#include "kernel_flags.hpp"

#include <algorithm>
#include <cstring>
#include <linux/audit.h>
#include <memory>
#include <seccomp.h>
#include <set>
#include <sys/mman.h>
#include <tuple>
#include <unistd.h>

namespace hull::seccomp {

namespace {

const std::string kPointer = "/linux/seccomp";

Error config_error(const std::string& pointer, const std::string& reason)
{
    return Error::message(pointer + ": " + reason).context("config.json");
}

std::string at(const std::string& pointer, std::string_view key)
{
    return pointer + "/" + std::string(key);
}

std::string at(const std::string& pointer, size_t index)
{
    return pointer + "/" + std::to_string(index);
}

bool is_known(const std::vector<std::string>& list, const std::string& name)
{
    return std::find(list.begin(), list.end(), name) != list.end();
}

struct NamedValue {
    const char* name;
    uint32_t value;
};

// SCMP_ARCH_* tokens of this libseccomp; the spec also lists some that 2.5.4 lacks.
const NamedValue kArchs[] = {
    {"SCMP_ARCH_X86", SCMP_ARCH_X86},
    {"SCMP_ARCH_X86_64", SCMP_ARCH_X86_64},
    {"SCMP_ARCH_X32", SCMP_ARCH_X32},
    {"SCMP_ARCH_ARM", SCMP_ARCH_ARM},
    {"SCMP_ARCH_AARCH64", SCMP_ARCH_AARCH64},
    {"SCMP_ARCH_MIPS", SCMP_ARCH_MIPS},
    {"SCMP_ARCH_MIPS64", SCMP_ARCH_MIPS64},
    {"SCMP_ARCH_MIPS64N32", SCMP_ARCH_MIPS64N32},
    {"SCMP_ARCH_MIPSEL", SCMP_ARCH_MIPSEL},
    {"SCMP_ARCH_MIPSEL64", SCMP_ARCH_MIPSEL64},
    {"SCMP_ARCH_MIPSEL64N32", SCMP_ARCH_MIPSEL64N32},
    {"SCMP_ARCH_PPC", SCMP_ARCH_PPC},
    {"SCMP_ARCH_PPC64", SCMP_ARCH_PPC64},
    {"SCMP_ARCH_PPC64LE", SCMP_ARCH_PPC64LE},
    {"SCMP_ARCH_S390", SCMP_ARCH_S390},
    {"SCMP_ARCH_S390X", SCMP_ARCH_S390X},
    {"SCMP_ARCH_PARISC", SCMP_ARCH_PARISC},
    {"SCMP_ARCH_PARISC64", SCMP_ARCH_PARISC64},
    {"SCMP_ARCH_RISCV64", SCMP_ARCH_RISCV64},
#ifdef SCMP_ARCH_LOONGARCH64
    {"SCMP_ARCH_LOONGARCH64", SCMP_ARCH_LOONGARCH64},
#endif
#ifdef SCMP_ARCH_M68K
    {"SCMP_ARCH_M68K", SCMP_ARCH_M68K},
#endif
#ifdef SCMP_ARCH_SH
    {"SCMP_ARCH_SH", SCMP_ARCH_SH},
    {"SCMP_ARCH_SHEB", SCMP_ARCH_SHEB},
#endif
};

const NamedValue kOperators[] = {
    {"SCMP_CMP_NE", SCMP_CMP_NE},
    {"SCMP_CMP_LT", SCMP_CMP_LT},
    {"SCMP_CMP_LE", SCMP_CMP_LE},
    {"SCMP_CMP_EQ", SCMP_CMP_EQ},
    {"SCMP_CMP_GE", SCMP_CMP_GE},
    {"SCMP_CMP_GT", SCMP_CMP_GT},
    {"SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ},
};

const NamedValue kFlags[] = {
    {"SECCOMP_FILTER_FLAG_TSYNC", SECCOMP_FILTER_FLAG_TSYNC},
    {"SECCOMP_FILTER_FLAG_LOG", SECCOMP_FILTER_FLAG_LOG},
    {"SECCOMP_FILTER_FLAG_SPEC_ALLOW", SECCOMP_FILTER_FLAG_SPEC_ALLOW},
    {"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV},
};

template <size_t N> const NamedValue* find(const NamedValue (&table)[N], const std::string& name)
{
    for (const NamedValue& entry : table)
        if (name == entry.name)
            return &entry;
    return nullptr;
}

template <size_t N> std::vector<std::string> names_of(const NamedValue (&table)[N])
{
    std::vector<std::string> out;
    for (const NamedValue& entry : table)
        out.emplace_back(entry.name);
    return out;
}

// The libseccomp action for an action name; errno_ret is only valid with ERRNO and TRACE and
// defaults to EPERM for both (runc's actErrno and actTrace).
Result<uint32_t> action_value(const std::string& name, const std::optional<uint32_t>& errno_ret,
    const std::string& action_pointer, const std::string& errno_pointer)
{
    bool takes_errno = name == "SCMP_ACT_ERRNO" || name == "SCMP_ACT_TRACE";
    if (errno_ret && !takes_errno && is_known(oci::known_seccomp_actions(), name))
        return config_error(errno_pointer, "only valid with SCMP_ACT_ERRNO or SCMP_ACT_TRACE");
    // The return value is 16 bits in the filter: refuse rather than truncate.
    if (errno_ret && *errno_ret > SECCOMP_RET_DATA)
        return config_error(errno_pointer, "out of range: " + std::to_string(*errno_ret));
    uint32_t data = errno_ret.value_or(EPERM);
    if (name == "SCMP_ACT_KILL" || name == "SCMP_ACT_KILL_THREAD")
        return SCMP_ACT_KILL_THREAD;
    if (name == "SCMP_ACT_KILL_PROCESS")
        return SCMP_ACT_KILL_PROCESS;
    if (name == "SCMP_ACT_TRAP")
        return SCMP_ACT_TRAP;
    if (name == "SCMP_ACT_ERRNO")
        return SCMP_ACT_ERRNO(data);
    if (name == "SCMP_ACT_TRACE")
        return SCMP_ACT_TRACE(data);
    if (name == "SCMP_ACT_ALLOW")
        return SCMP_ACT_ALLOW;
    if (name == "SCMP_ACT_LOG")
        return SCMP_ACT_LOG;
    if (name == "SCMP_ACT_NOTIFY")
        return SCMP_ACT_NOTIFY;
    return config_error(action_pointer, "unknown action " + in_quotes(name));
}

// runc's patchbpf isAllowAction: no stub when unknown syscalls are let through anyway (TRACE
// counts, a tracer handles ENOSYS itself), nor when the default already is ENOSYS.
bool wants_enosys_stub(uint32_t default_action)
{
    if (default_action == SCMP_ACT_ALLOW || default_action == SCMP_ACT_LOG)
        return false;
    if ((default_action & SECCOMP_RET_ACTION_FULL) == SCMP_ACT_TRACE(0))
        return false;
    return default_action != SCMP_ACT_ERRNO(ENOSYS);
}

using Context = std::unique_ptr<void, void (*)(scmp_filter_ctx)>;

Error libseccomp_error(int rc, std::string_view op, std::string_view arg = {})
{
    return Error::from_code(-rc, op, arg);
}

// One rule as libseccomp gets it: a syscall, an action and the conditions it ANDs, with the
// JSON pointer of the profile rule it came from for errors.
struct LibseccompRule {
    int nr;
    std::string name;
    uint32_t action;
    std::vector<scmp_arg_cmp> conds;
    std::string pointer;
};

// Identical rules: the same syscall, action (with its errno) and conditions. The conditions of
// one rule are ANDed, so their order does not matter; all four fields of each are compared,
// even valueTwo where the operator ignores it.
using RuleKey = std::tuple<int, uint32_t, std::vector<std::tuple<unsigned, int, uint64_t, uint64_t>>>;

RuleKey key_of(const LibseccompRule& rule)
{
    std::vector<std::tuple<unsigned, int, uint64_t, uint64_t>> conds;
    for (const scmp_arg_cmp& c : rule.conds)
        conds.emplace_back(c.arg, static_cast<int>(c.op), c.datum_a, c.datum_b);
    std::sort(conds.begin(), conds.end());
    return {rule.nr, rule.action, std::move(conds)};
}

// The rules of one profile entry, one per syscall name: with two or more conditions on the
// same argument (which libseccomp refuses in one rule), each condition becomes its own rule
// (OR, as runc). An unknown name is a syscall this libseccomp (so, probably, the kernel) lacks:
// it is skipped. A rule identical to an earlier one is dropped: libseccomp's filter is the same
// without it, and each rule it is given costs time that grows with the ones before.
void plan_rules(const std::string& name, uint32_t action, const std::vector<scmp_arg_cmp>& conds, bool split,
    const std::string& pointer, std::vector<LibseccompRule>& out, std::set<RuleKey>& seen)
{
    int nr = seccomp_syscall_resolve_name(name.c_str());
    if (nr == __NR_SCMP_ERROR)
        return;
    auto add = [&](std::vector<scmp_arg_cmp> c) {
        LibseccompRule rule {nr, name, action, std::move(c), pointer};
        if (seen.insert(key_of(rule)).second)
            out.push_back(std::move(rule));
    };
    if (!split)
        return add(conds);
    for (const scmp_arg_cmp& cond : conds)
        add({cond});
}

Result<void> add_rule(scmp_filter_ctx ctx, const LibseccompRule& rule)
{
    int rc = seccomp_rule_add_array(
        ctx, rule.action, rule.nr, static_cast<unsigned>(rule.conds.size()), rule.conds.data());
    if (rc < 0)
        return libseccomp_error(rc, "seccomp_rule_add", rule.name)
            .context(rule.pointer)
            .context("config.json");
    return ok();
}

Result<std::vector<scmp_arg_cmp>> conditions(
    const oci::SyscallRule& rule, const std::string& pointer, bool& split)
{
    std::vector<scmp_arg_cmp> out;
    unsigned counts[6] = {};
    split = false;
    for (size_t i = 0; i < rule.args.size(); ++i) {
        const oci::SeccompArg& arg = rule.args[i];
        std::string ap = at(at(pointer, "args"), i);
        if (arg.index > 5)
            return config_error(at(ap, "index"), "must be between 0 and 5");
        const NamedValue* op = find(kOperators, arg.op);
        if (!op)
            return config_error(at(ap, "op"), "unknown operator " + in_quotes(arg.op));
        // For SCMP_CMP_MASKED_EQ value is the mask and valueTwo the expected value; the other
        // operators compare with value only.
        out.push_back({arg.index, static_cast<scmp_compare>(op->value), arg.value, arg.valueTwo});
        if (++counts[arg.index] > 1)
            split = true;
    }
    return out;
}

Result<std::vector<sock_filter>> export_program(scmp_filter_ctx ctx)
{
    UniqueFd fd(memfd_create("hull-seccomp-bpf", MFD_CLOEXEC));
    if (!fd)
        return Error::from_errno("memfd_create", "hull-seccomp-bpf");
    int rc = seccomp_export_bpf(ctx, fd.get());
    if (rc < 0)
        return libseccomp_error(rc, "seccomp_export_bpf");
    if (lseek(fd.get(), 0, SEEK_SET) < 0)
        return Error::from_errno("lseek", "hull-seccomp-bpf");
    std::string bytes = TRY(read_all(fd.get(), "hull-seccomp-bpf"));
    if (bytes.empty() || bytes.size() % sizeof(sock_filter) != 0)
        return Error::message(
            "seccomp_export_bpf: " + std::to_string(bytes.size()) + " bytes is not a program");
    std::vector<sock_filter> program(bytes.size() / sizeof(sock_filter));
    std::memcpy(program.data(), bytes.data(), bytes.size());
    return program;
}

// Per architecture (the native one always, as runc: Docker profiles on ppc64le omit it), the
// highest syscall number any rule names, whatever its action.
std::vector<detail::EnosysArch> enosys_archs(
    const std::set<std::string>& names, const std::vector<uint32_t>& tokens)
{
    std::vector<detail::EnosysArch> out;
    for (uint32_t token : tokens) {
        uint32_t audit = token == SCMP_ARCH_X32 ? AUDIT_ARCH_X86_64 : token;
        auto it = std::find_if(out.begin(), out.end(), [&](const auto& a) { return a.audit_arch == audit; });
        if (it == out.end()) {
            out.push_back({audit, {}, {}, audit == AUDIT_ARCH_S390 || audit == AUDIT_ARCH_S390X});
            it = out.end() - 1;
        }
        std::optional<uint32_t>& slot = token == SCMP_ARCH_X32 ? it->x32_max : it->max;
        int largest = 0;
        for (const std::string& name : names)
            largest = std::max(largest, seccomp_syscall_resolve_name_arch(token, name.c_str()));
        if (largest > 0)
            slot = static_cast<uint32_t>(largest);
    }
    return out;
}

// What compile() hands libseccomp, in the profile's order, identical rules merged; and every
// syscall name of the profile (for the -ENOSYS stub), whatever its action.
struct Plan {
    std::vector<LibseccompRule> rules;
    std::set<std::string> names;
    bool notify = false;
};

Result<Plan> plan_profile(const oci::Seccomp& config, uint32_t default_action)
{
    Plan plan;
    std::set<RuleKey> seen;
    for (size_t i = 0; i < config.syscalls.size(); ++i) {
        const oci::SyscallRule& rule = config.syscalls[i];
        std::string pointer = at(at(kPointer, "syscalls"), i);
        plan.names.insert(rule.names.begin(), rule.names.end());
        plan.notify = plan.notify || rule.action == "SCMP_ACT_NOTIFY";
        uint32_t action
            = TRY(action_value(rule.action, rule.errnoRet, at(pointer, "action"), at(pointer, "errnoRet")));
        bool split = false;
        std::vector<scmp_arg_cmp> conds = TRY(conditions(rule, pointer, split));
        if (action == SCMP_ACT_NOTIFY && config.listenerPath.empty())
            return config_error(at(pointer, "action"), "SCMP_ACT_NOTIFY requires listenerPath");
        // The init reports the listener fd with write(2): a notify rule on it would deadlock (runc).
        if (action == SCMP_ACT_NOTIFY && is_known(rule.names, "write"))
            return config_error(
                at(pointer, "action"), "SCMP_ACT_NOTIFY cannot be used for the write syscall");
        // libseccomp refuses a rule with the default action; it would change nothing anyway.
        if (action == default_action)
            continue;
        for (size_t n = 0; n < rule.names.size(); ++n) {
            if (rule.names[n].empty())
                return config_error(at(at(pointer, "names"), n), "invalid syscall name \"\"");
            plan_rules(rule.names[n], action, conds, split, pointer, plan.rules, seen);
        }
    }
    return plan;
}

Result<void> check_limits(const Plan& plan)
{
    size_t conditions = 0;
    for (const LibseccompRule& rule : plan.rules)
        conditions += rule.conds.size();
    const std::string pointer = at(kPointer, "syscalls");
    if (plan.rules.size() > kMaxRules)
        return config_error(pointer,
            std::to_string(plan.rules.size())
                + " rules (one per syscall name, identical ones merged), more than the "
                + std::to_string(kMaxRules) + " hull compiles");
    if (conditions > kMaxArgConditions)
        return config_error(pointer,
            std::to_string(conditions) + " argument conditions (identical rules merged), more than the "
                + std::to_string(kMaxArgConditions) + " hull compiles");
    return ok();
}

Result<uint32_t> filter_flags(const oci::Seccomp& config, bool notify)
{
    uint32_t flags = 0;
    for (size_t i = 0; i < config.flags.size(); ++i) {
        const NamedValue* flag = find(kFlags, config.flags[i]);
        if (!flag)
            return config_error(at(at(kPointer, "flags"), i), "unknown flag " + in_quotes(config.flags[i]));
        flags |= flag->value;
    }
    // WAIT_KILLABLE_RECV only changes how a listener waits, and the kernel refuses it without
    // NEW_LISTENER: with no SCMP_ACT_NOTIFY rule there is nothing for it to do.
    if (!notify)
        flags &= ~static_cast<uint32_t>(SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV);
    // TSYNC with NEW_LISTENER needs TSYNC_ESRCH (the return value is the listener fd).
    if (notify && (flags & SECCOMP_FILTER_FLAG_TSYNC))
        flags |= SECCOMP_FILTER_FLAG_TSYNC_ESRCH;
    return flags;
}

} // namespace

Supported supported()
{
    Supported s;
    s.actions = oci::known_seccomp_actions();
    s.operators = names_of(kOperators);
    s.archs = names_of(kArchs);
    s.flags = names_of(kFlags);
    return s;
}

bool same_program(const CompiledFilter& a, const CompiledFilter& b)
{
    return a.flags == b.flags && a.notify == b.notify && a.program.size() == b.program.size()
        && std::equal(
            a.program.begin(), a.program.end(), b.program.begin(), [](const auto& x, const auto& y) {
                return x.code == y.code && x.jt == y.jt && x.jf == y.jf && x.k == y.k;
            });
}

Result<CompiledFilter> compile(const oci::Seccomp& config)
{
    const std::string default_pointer = at(kPointer, "defaultAction");
    if (config.defaultAction.empty())
        return config_error(default_pointer, "unknown action \"\"");
    uint32_t default_action = TRY(action_value(
        config.defaultAction, config.defaultErrnoRet, default_pointer, at(kPointer, "defaultErrnoRet")));
    if (default_action == SCMP_ACT_NOTIFY)
        return config_error(default_pointer, "SCMP_ACT_NOTIFY cannot be used as the default action");

    std::vector<uint32_t> tokens {seccomp_arch_native()};
    for (size_t i = 0; i < config.architectures.size(); ++i) {
        const std::string& name = config.architectures[i];
        const NamedValue* arch = find(kArchs, name);
        if (!arch) {
            std::string reason = is_known(oci::known_seccomp_archs(), name)
                ? "architecture " + in_quotes(name) + " is not supported by this libseccomp"
                : "unknown architecture " + in_quotes(name);
            return config_error(at(at(kPointer, "architectures"), i), reason);
        }
        if (std::find(tokens.begin(), tokens.end(), arch->value) == tokens.end())
            tokens.push_back(arch->value);
    }

    // Everything libseccomp will get, checked against the limits before it gets any of it.
    Plan plan = TRY(plan_profile(config, default_action));
    TRY(check_limits(plan));

    Context ctx(seccomp_init(default_action), seccomp_release);
    if (!ctx)
        return Error::message(
            "seccomp_init: cannot create the filter for " + in_quotes(config.defaultAction));
    for (size_t i = 0; i < config.architectures.size(); ++i) {
        const std::string& name = config.architectures[i];
        std::string pointer = at(at(kPointer, "architectures"), i);
        int rc = seccomp_arch_add(ctx.get(), find(kArchs, name)->value);
        // One BPF program cannot serve both byte orders: libseccomp says EDOM.
        if (rc == -EDOM)
            return config_error(
                pointer, "architecture " + in_quotes(name) + " has another byte order than this host's");
        if (rc < 0 && rc != -EEXIST)
            return libseccomp_error(rc, "seccomp_arch_add", name).context(pointer).context("config.json");
    }

    // libseccomp's binary tree for long profiles; 2.5.4 misbehaves with it on a single rule or
    // none (runc), which is what copies of one rule merge into: the count is of merged rules.
    if (plan.rules.size() > 32)
        seccomp_attr_set(ctx.get(), SCMP_FLTATR_CTL_OPTIMIZE, 2);
    for (const LibseccompRule& rule : plan.rules)
        TRY(add_rule(ctx.get(), rule));
    CompiledFilter out;
    out.notify = plan.notify;
    out.flags = TRY(filter_flags(config, out.notify));

    std::vector<sock_filter> program = TRY(export_program(ctx.get()));
    if (wants_enosys_stub(default_action)) {
        out.program = TRY(detail::enosys_stub(enosys_archs(plan.names, tokens)));
    }
    out.program.insert(out.program.end(), program.begin(), program.end());
    if (out.program.size() > BPF_MAXINSNS)
        return Error::message("seccomp: the filter has " + std::to_string(out.program.size())
            + " instructions, more than the kernel's " + std::to_string(BPF_MAXINSNS));
    return out;
}

} // namespace hull::seccomp
