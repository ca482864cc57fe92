// The device cgroup: which device nodes the container may read, write or mknod.
//
// The rule list is linux.resources.devices in order, then runc's default allow list
// (specconv AllowedDevices; a default whose path linux.devices redefines is dropped). Rules go
// through runc's emulation of the v1 devices cgroup (devices_emulator.go): an "a" rule resets
// to allow-all or deny-all, later specific rules add or remove exceptions, and removing part
// of a wildcard exception is refused rather than silently ignored (v1 would ignore it). The
// result is the same on both versions:
//   - v2: a BPF_PROG_TYPE_CGROUP_DEVICE program (runc devicefilter.go, after crun's ebpf.c):
//     the exceptions in (major, minor, type) order, each returning the opposite of the
//     default; the first matching exception wins and they never conflict; otherwise the
//     default (deny, unless the rules ended in allow-all). Loaded and attached with raw bpf(2).
//   - v1: the minimal devices.allow / devices.deny writes from the cgroup's devices.list.
#pragma once

#include "hull/cgroups/plan.hpp"
#include "hull/error.hpp"
#include "hull/oci/spec.hpp"

#include <cstdint>
#include <linux/bpf.h>
#include <map>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

namespace hull::cgroups {

struct DeviceRule {
    char type = 'a'; // 'a' (all), 'c', 'b'
    int64_t major = -1, minor = -1; // -1 is the wildcard "*"
    std::string access = "rwm"; // a subset of "rwm"
    bool allow = false;

    // devices.allow syntax: "c 1:3 rwm", "a *:* rwm".
    std::string cgroup_string() const;
    bool operator==(const DeviceRule&) const = default;
};

struct DefaultDevice {
    std::string path; // empty for rules without a node (mknod, /dev/pts/*, ...)
    DeviceRule rule;
};
// runc's AllowedDevices: mknod of any c/b node, /dev/null, random, full, tty, zero, urandom,
// /dev/pts/* (136:*), /dev/ptmx (5:2) and /dev/net/tun (10:200), all rwm.
const std::vector<DefaultDevice>& default_allowed_devices();

// The full rule list of a container (see above). Errors as runc's specconv:
// "device access at N field cannot be empty", "invalid cgroup device type "x"".
Result<std::vector<DeviceRule>> device_rules(
    const oci::Resources* resources, const std::vector<oci::Device>& devices);

// runc's devices emulator.
class DeviceEmulator {
public:
    Result<void> apply(const DeviceRule& rule);
    // The state a devices.list shows ("a *:* rwm" alone means allow-all).
    static Result<DeviceEmulator> from_list(std::string_view devices_list);

    bool default_allow() const { return m_default_allow; }
    // The fewest rules that take a cgroup in state `from` to this state.
    std::vector<DeviceRule> transition_from(const DeviceEmulator& from) const;
    // The rules from a deny-all cgroup: at most one leading "a" rule, then exceptions.
    std::vector<DeviceRule> rules() const;
    bool operator==(const DeviceEmulator&) const = default;

private:
    using Meta = std::tuple<int64_t, int64_t, char>; // (major, minor, type): runc's sort order
    Result<void> add(const Meta& meta, unsigned perms);
    Result<void> remove(const Meta& meta, unsigned perms, const char* what);

    bool m_default_allow = false;
    std::map<Meta, unsigned> m_rules; // permission bits: r=1, w=2, m=4
};

// The v2 program for a rule list.
Result<std::vector<bpf_insn>> device_filter(const std::vector<DeviceRule>& rules);
// Whether a failed load may be ignored (runc canSkipEBPFError): in a user namespace, or when
// every rule allows rwm (nothing would be denied).
bool can_skip_device_filter_error(const std::vector<DeviceRule>& rules);
// Loads `program` and attaches it to the cgroup directory `dirfd` (BPF_F_ALLOW_MULTI), then
// detaches the programs attached before, so there is always a filter in place.
Result<void> attach_device_filter(int dirfd, const std::string& dir, const std::vector<bpf_insn>& program);

// v1: the devices.allow/devices.deny writes from `devices_list` (the cgroup's devices.list) to
// the rules' state.
Result<std::vector<Write>> plan_v1_devices(
    std::string_view devices_list, const std::vector<DeviceRule>& rules);

} // namespace hull::cgroups
