#!/usr/bin/env bats
# Invalid config.json input: create must fail with an error that says what is wrong (for a
# schema or validation error, the JSON pointer of the offending field, as hull's oci-spec
# reports it) and leave nothing behind: no state, no process, no mount (runtime.md "Errors":
# "generating an error MUST leave the state of the environment as if the operation were never
# attempted").

load ../helpers
load spec_helpers

setup_file() {
	hull_setup_file
}

setup() {
	spec_setup
	set_args true
	ID="bad-$BATS_TEST_NUMBER-$$"
}

teardown() {
	spec_teardown
}

# refused [TEXT...]: create of $ID fails, its error contains every TEXT, nothing is left.
refused() {
	local text
	try_create "$ID"
	[ "$status" -ne 0 ] || {
		echo "create succeeded" >&2
		return 1
	}
	for text in "$@"; do
		assert_output_contains "$text"
	done
	nothing_left "$ID"
}

# ---- mounts --------------------------------------------------------------------------------------

@test "a mount with an unknown option fails at mount(2), naming the destination" {
	# unknown options are file-system data (as in runc), so tmpfs itself rejects it
	add_mount '{"destination": "/hull-bad-opt", "type": "tmpfs", "source": "tmpfs", "options": ["no-such-option-xyz"]}'
	refused /hull-bad-opt
}

@test "a relative mount destination is refused, naming /mounts/N/destination" {
	skip_if_runc "runc 1.1 only warns about a relative destination"
	local n
	n="$(jq '.mounts | length' "$BUNDLE/config.json")"
	add_mount '{"destination": "relative/dest", "type": "tmpfs", "source": "tmpfs"}'
	refused "/mounts/$n/destination"
}

@test "a bind mount of a missing source fails, naming the source" {
	add_mount "{\"destination\": \"/mnt\", \"type\": \"bind\", \"source\": \"$T/no-such-source\", \"options\": [\"rbind\"]}"
	refused "$T/no-such-source"
}

# ---- devices -------------------------------------------------------------------------------------

@test "a device bound from the host in a user namespace names its path when the host has none" {
	# mknod is refused in a user namespace, so the host's node is bound onto the new file; the
	# bind goes through a /proc/self/fd path, which the error must not show.
	skip_if_runc "hull's wording"
	use_userns
	update_config '.linux.devices = [{"path": "/dev/hull-no-such-dev", "type": "c", "major": 10, "minor": 229}]'
	refused "bind host device /dev/hull-no-such-dev: mount /dev/hull-no-such-dev: no such file or directory"
	[[ "$output" != *"/proc/self/fd"* ]]
}

@test "a device with a bad type is refused" {
	update_config '.linux.devices = [{"path": "/dev/bad", "type": "x", "major": 1, "minor": 3}]'
	refused
}

@test "a device with a bad type: the error names /linux/devices/0/type" {
	skip_if_runc "runc 1.1 says only 'invalid device type \"x\"'"
	update_config '.linux.devices = [{"path": "/dev/bad", "type": "x", "major": 1, "minor": 3}]'
	refused /linux/devices/0/type
}

@test "a device with a relative path is refused, naming /linux/devices/0/path" {
	skip_if_runc "runc 1.1 accepts a relative device path"
	update_config '.linux.devices = [{"path": "dev/bad", "type": "c", "major": 1, "minor": 3}]'
	refused /linux/devices/0/path
}

# ---- process -------------------------------------------------------------------------------------

@test "an unknown rlimit type is refused, naming the type" {
	update_config '.process.rlimits = [{"type": "RLIMIT_BOGUS", "soft": 1, "hard": 1}]'
	refused RLIMIT_BOGUS
}

@test "an unknown rlimit type: the error names /process/rlimits/0/type" {
	skip_if_runc "runc 1.1 says only 'wrong rlimit value: RLIMIT_BOGUS'"
	update_config '.process.rlimits = [{"type": "RLIMIT_BOGUS", "soft": 1, "hard": 1}]'
	refused /process/rlimits/0/type
}

@test "a negative uid is refused" {
	update_config '.process.user.uid = -1'
	refused
}

@test "a relative cwd is refused: Cwd must be an absolute path" {
	update_config '.process.cwd = "relative"'
	refused "Cwd must be an absolute path"
}

# ---- hooks ---------------------------------------------------------------------------------------

@test "a hook with a relative path is refused" {
	update_config '.hooks.prestart = [{"path": "relative/hook"}]'
	refused
}

@test "a hook with a relative path: the error names /hooks/prestart/0/path" {
	skip_if_runc "runc 1.1 does not validate hook paths (fails at exec)"
	update_config '.hooks.prestart = [{"path": "relative/hook"}]'
	refused /hooks/prestart/0/path
}

@test "a hook with timeout 0 is refused" {
	update_config '.hooks.prestart = [{"path": "/bin/true", "timeout": 0}]'
	refused
}

@test "a hook with timeout 0: the error names /hooks/prestart/0/timeout" {
	skip_if_runc "runc 1.1 runs the hook and reports a 0 s timeout"
	update_config '.hooks.prestart = [{"path": "/bin/true", "timeout": 0}]'
	refused /hooks/prestart/0/timeout
}

# ---- namespaces and other linux fields ----------------------------------------------------------

@test "an unknown namespace type is refused" {
	update_config '.linux.namespaces += [{"type": "bogus"}]'
	refused bogus
}

@test "an unknown namespace type: the error names /linux/namespaces/N/type" {
	skip_if_runc "runc 1.1 says only 'namespace {\"bogus\" \"\"} does not exist'"
	local n
	n="$(jq '.linux.namespaces | length' "$BUNDLE/config.json")"
	update_config '.linux.namespaces += [{"type": "bogus"}]'
	refused "/linux/namespaces/$n/type"
}

@test "a namespace type listed twice with different paths is refused" {
	local n
	n="$(jq '.linux.namespaces | length' "$BUNDLE/config.json")"
	update_config '.linux.namespaces += [{"type": "pid", "path": "/proc/1/ns/pid"}]'
	refused "/linux/namespaces/$n/type: duplicate namespace type \"pid\" with another path"
}

@test "a relative namespace path is refused" {
	update_config '.linux.namespaces = [.linux.namespaces[] | select(.type != "network")] + [{"type": "network", "path": "proc/1/ns/net"}]'
	refused
}

@test "an unknown rootfsPropagation is refused, naming the value" {
	update_config '.linux.rootfsPropagation = "bogus"'
	refused bogus
}

@test "a sysctl outside any namespaced set is refused, naming the key" {
	update_config '.linux.sysctl = {"kernel.hull_no_such_key": "1"}'
	refused kernel.hull_no_such_key
}

# ---- the file itself -----------------------------------------------------------------------------

@test "a config.json that is not JSON is refused" {
	echo '{"ociVersion": "1.0.2", ' >"$BUNDLE/config.json"
	refused
}

@test "a config.json with a wrongly typed field is refused" {
	update_config '.process.args = "true"'
	refused
}

@test "a bundle without config.json is refused" {
	rm "$BUNDLE/config.json"
	refused config.json
}

@test "a net.* sysctl for a network namespace joined by path that is the host's own is refused" {
	skip_if_runc "runc 1.1 words this differently"
	update_config '.linux.namespaces |= map(if .type == "network" then {"type": "network", "path": "/proc/self/ns/net"} else . end)
		| .linux.sysctl = {"net.ipv4.ip_forward": "1"}'
	try_create sysctl-host-netns
	[ "$status" -ne 0 ]
	echo "$output" | grep -q "not allowed in the host's network namespace"
}

@test "linux.intelRdt on a host without resctrl is refused naming the field, nothing left behind" {
	grep -q resctrl /proc/filesystems && skip "this host has resctrl"
	update_config '.linux.intelRdt = {"closID": "hull", "l3CacheSchema": "L3:0=f"}'
	try_create rdt
	[ "$status" -ne 0 ]
	[[ "$output" == *"/linux/intelRdt"* ]]
	skip_if_runc "runc's wording differs"
	[[ "$output" == *"Intel RDT is not supported on this host"* ]]
	no_state_left
}

@test "no mount namespace: masked or read-only paths, a read-only root and rootfsPropagation are refused, nothing left behind" {
	update_config '.linux.namespaces = [.linux.namespaces[] | select(.type != "mount")] | .root.readonly = false'
	try_create nomnt
	[ "$status" -ne 0 ]
	[[ "$output" == *"unable to restrict sys entries without a private MNT namespace"* ]]
	skip_if_runc "runc 1.1.5 names no field, ignores root.readonly and applies rootfsPropagation to the caller's /"
	[[ "$output" == *"config.json: /linux/maskedPaths: "* ]]
	update_config '.linux.maskedPaths = []'
	try_create nomnt
	[ "$status" -ne 0 ]
	[[ "$output" == *"config.json: /linux/readonlyPaths: unable to restrict sys entries without a private MNT namespace"* ]]
	update_config '.linux.readonlyPaths = [] | .root.readonly = true'
	try_create nomnt
	[ "$status" -ne 0 ]
	[[ "$output" == *"config.json: /root/readonly: a read-only root needs a mount namespace"* ]]
	update_config '.root.readonly = false | .linux.rootfsPropagation = "shared"'
	try_create nomnt
	[ "$status" -ne 0 ]
	[[ "$output" == *"config.json: /linux/rootfsPropagation: needs a mount namespace"* ]]
	no_state_left
	no_new_mounts
}
