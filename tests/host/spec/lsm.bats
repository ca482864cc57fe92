#!/usr/bin/env bats
# config.md process.apparmorProfile / process.selinuxLabel and config-linux.md linux.mountLabel
# (security.md P8): applied through a verified procfs handle where the host has the LSM; a
# clear error naming the field where it does not — never a silently unconfined container.

load ../helpers
load spec_helpers

setup_file() {
	hull_setup_file
}

setup() {
	spec_setup
}

teardown() {
	spec_teardown
}

apparmor_on() {
	[ -d /sys/kernel/security/apparmor ] && grep -q '^Y' /sys/module/apparmor/parameters/enabled 2>/dev/null
}

selinux_on() {
	[ -e /sys/fs/selinux/enforce ]
}

@test "apparmorProfile on a host without AppArmor: refused at create naming the field, nothing left" {
	skip_if_runc "runc tries the write instead of refusing up front"
	apparmor_on && skip "this host has AppArmor"
	update_config '.process.apparmorProfile = "hull-test"'
	try_create aa
	[ "$status" -ne 0 ]
	[[ "$output" == *'/process/apparmorProfile: AppArmor profile "hull-test" requested but AppArmor is not enabled on this host'* ]]
	no_state_left
}

@test "apparmorProfile unconfined on a host with AppArmor: the process runs under it" {
	apparmor_on || skip "this host has no AppArmor"
	update_config '.process.apparmorProfile = "unconfined"'
	run_sh 'cat /proc/self/attr/current'
	assert_status 0
	[[ "$output" == unconfined* ]]
}

@test "selinuxLabel on a host without SELinux: refused at create naming the field" {
	selinux_on && skip "this host has SELinux"
	update_config '.process.selinuxLabel = "system_u:system_r:container_t:s0:c1,c2"'
	try_create se
	[ "$status" -ne 0 ]
	[[ "$output" == *"/process/selinuxLabel"*"SELinux"* ]]
	no_state_left
}

@test "linux.mountLabel on a host without SELinux: refused at create naming the field" {
	skip_if_runc "runc passes context= to the mount and fails there"
	selinux_on && skip "this host has SELinux"
	update_config '.linux.mountLabel = "system_u:object_r:container_file_t:s0:c1,c2"'
	try_create ml
	[ "$status" -ne 0 ]
	[[ "$output" == *"/linux/mountLabel"*"SELinux"* ]]
	no_state_left
}

@test "a label with a newline is refused as malformed" {
	skip_if_runc "runc does not check label strings"
	update_config '.process.apparmorProfile = "a\nb"'
	try_create nl
	[ "$status" -ne 0 ]
	[[ "$output" == *"/process/apparmorProfile"* ]]
	no_state_left
}

@test "exec --apparmor and --process-label on a host without the LSM: refused, the container untouched" {
	skip_if_runc "runc tries the write instead of refusing up front"
	apparmor_on && skip "this host has AppArmor"
	start_container ex sleep 100
	run hull exec --apparmor hull-test ex true
	[ "$status" -eq 255 ]
	[[ "$output" == *'AppArmor profile "hull-test" requested but AppArmor is not enabled'* ]]
	selinux_on && return 0
	run hull exec --process-label "system_u:system_r:container_t:s0" ex true
	[ "$status" -eq 255 ]
	[[ "$output" == *"SELinux"* ]]
	[ "$(status_of ex)" = running ]
}
