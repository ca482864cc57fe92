// linux.memoryPolicy: planning (pure) and set_mempolicy(2) in the container init.
#include "process/mempolicy.hpp"
#include "hull/text.hpp"
#include "process/text_util.hpp"

#include <algorithm>
#include <cerrno>
#include <climits>
#include <string_view>
#include <sys/syscall.h>
#include <unistd.h>

namespace hull::process {

namespace {

using text::find_named;

struct NamedValue {
    std::string_view name;
    int value;
};

constexpr NamedValue mempolicy_modes[] = {
    {"MPOL_DEFAULT", mpol::mode_default},
    {"MPOL_PREFERRED", mpol::mode_preferred},
    {"MPOL_BIND", mpol::mode_bind},
    {"MPOL_INTERLEAVE", mpol::mode_interleave},
    {"MPOL_LOCAL", mpol::mode_local},
    {"MPOL_PREFERRED_MANY", mpol::mode_preferred_many},
    {"MPOL_WEIGHTED_INTERLEAVE", mpol::mode_weighted_interleave},
};

constexpr NamedValue mempolicy_flags[] = {
    {"MPOL_F_NUMA_BALANCING", mpol::flag_numa_balancing},
    {"MPOL_F_RELATIVE_NODES", mpol::flag_relative_nodes},
    {"MPOL_F_STATIC_NODES", mpol::flag_static_nodes},
};

constexpr unsigned bits_per_word = sizeof(unsigned long) * CHAR_BIT;

Error field_error(std::string_view field, const std::string& reason)
{
    return Error::message("config.json: /linux/memoryPolicy/" + std::string(field) + ": " + reason);
}

struct NodeRange {
    unsigned first;
    unsigned last;
};

// "0-3,7" -> ranges; the error text is the reason only (the caller names the field and value).
Result<std::vector<NodeRange>> parse_node_list(std::string_view list)
{
    std::vector<NodeRange> ranges;
    if (trim(list, " \t").empty())
        return Error::message("no nodes");
    for (const auto& r : TRY(text::split_ranges(list))) {
        NodeRange range {};
        if (!text::parse_decimal(r.first, range.first) || !text::parse_decimal(r.last, range.last))
            return Error::message(in_quotes(r.item) + " is not a node number or range");
        if (range.first > range.last)
            return Error::message("range " + in_quotes(r.item) + " is reversed");
        if (range.last > max_memory_node)
            return Error::message(
                "node " + std::to_string(range.last) + " is above " + std::to_string(max_memory_node));
        ranges.push_back(range);
    }
    return ranges;
}

} // namespace

std::vector<std::string> known_mempolicy_modes()
{
    std::vector<std::string> out;
    for (const auto& m : mempolicy_modes)
        out.emplace_back(m.name);
    return out;
}

std::vector<std::string> known_mempolicy_flags()
{
    std::vector<std::string> out;
    for (const auto& f : mempolicy_flags)
        out.emplace_back(f.name);
    return out;
}

Result<MemPolicyPlan> plan_mempolicy(const oci::MemoryPolicy& policy)
{
    MemPolicyPlan plan;
    plan.mode_name = policy.mode;
    plan.nodes = policy.nodes;

    const NamedValue* mode = find_named(mempolicy_modes, policy.mode);
    if (!mode)
        return field_error("mode", "unknown mode " + in_quotes(policy.mode));
    plan.mode = mode->value;

    for (size_t i = 0; i < policy.flags.size(); ++i) {
        const NamedValue* flag = find_named(mempolicy_flags, policy.flags[i]);
        if (!flag)
            return field_error("flags/" + std::to_string(i), "unknown flag " + in_quotes(policy.flags[i]));
        plan.flags |= flag->value;
    }

    if (!policy.nodes.empty()) {
        auto ranges = parse_node_list(policy.nodes);
        if (!ranges)
            return field_error(
                "nodes", "invalid node list " + in_quotes(policy.nodes) + ": " + ranges.error().text());
        unsigned highest = 0;
        for (const NodeRange& range : ranges.value())
            highest = std::max(highest, range.last);
        plan.nodemask.assign(highest / bits_per_word + 1, 0);
        for (const NodeRange& range : ranges.value())
            for (unsigned node = range.first; node <= range.last; ++node)
                plan.nodemask[node / bits_per_word] |= 1UL << (node % bits_per_word);
        plan.maxnode = plan.nodemask.size() * bits_per_word + 1;
    }
    bool has_nodes = !plan.nodemask.empty();

    switch (plan.mode) {
    case mpol::mode_default:
    case mpol::mode_local:
        if (has_nodes)
            return field_error("nodes", policy.mode + " takes no nodes, got " + in_quotes(policy.nodes));
        break;
    case mpol::mode_preferred:
        break; // no nodes means local allocation
    default:
        if (!has_nodes)
            return field_error("nodes", policy.mode + " needs at least one node");
        break;
    }

    if ((plan.flags & mpol::flag_static_nodes) && (plan.flags & mpol::flag_relative_nodes))
        return field_error("flags", "MPOL_F_STATIC_NODES and MPOL_F_RELATIVE_NODES exclude each other");
    if ((plan.flags & (mpol::flag_static_nodes | mpol::flag_relative_nodes)) && !has_nodes)
        return field_error("flags",
            std::string(
                plan.flags & mpol::flag_static_nodes ? "MPOL_F_STATIC_NODES" : "MPOL_F_RELATIVE_NODES")
                + " needs a node list");
    if ((plan.flags & mpol::flag_numa_balancing) && plan.mode != mpol::mode_bind
        && plan.mode != mpol::mode_preferred_many)
        return field_error(
            "flags", "MPOL_F_NUMA_BALANCING needs MPOL_BIND or MPOL_PREFERRED_MANY, not " + policy.mode);
    return plan;
}

Result<void> apply_mempolicy(const MemPolicyPlan& plan)
{
    const unsigned long* mask = plan.nodemask.empty() ? nullptr : plan.nodemask.data();
    unsigned long maxnode = plan.nodemask.empty() ? 0 : plan.maxnode;
    long rc;
    do
        rc = ::syscall(SYS_set_mempolicy, plan.mode | plan.flags, mask, maxnode);
    while (rc != 0 && errno == EINTR);
    if (rc != 0) {
        std::string what = plan.mode_name;
        if (!plan.nodes.empty())
            what += " nodes " + in_quotes(plan.nodes);
        return Error::from_errno("set_mempolicy", what);
    }
    return ok();
}

} // namespace hull::process
