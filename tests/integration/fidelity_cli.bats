#!/usr/bin/env bats
# Where runc's users and engines see runc's behaviour: signal 0, what stays off stderr, runc's
# error words, and the inputs runc accepts (docs/cli-contract.md).

load helpers

setup_file() {
	hull_setup_file
}

setup() {
	hull_setup
	T="$BATS_TEST_TMPDIR"
}

teardown() {
	hull_teardown
}

# ---- kill with signal 0 --------------------------------------------------------------------------

@test "kill ID 0 and kill -a ID 0 probe a running container: exit 0, no output, nothing delivered" {
	start_container k0run hull-checker wait-signal
	wait_for_file_text "$T/k0run.err" ready
	run hull kill k0run 0
	assert_status 0
	[ -z "$output" ]
	run hull kill -a k0run 0
	assert_status 0
	[ -z "$output" ]
	run hull kill --all k0run 0
	assert_status 0
	[ -z "$output" ]
	# wait-signal prints the first signal it gets and exits: none came.
	sleep 0.2
	[ "$(status_of k0run)" = running ]
	[ ! -s "$T/k0run.out" ]
}

@test "kill ID 0 of a stopped container: container not running; kill -a ID 0 exits 0" {
	start_container k0stop sleep 100
	hull kill k0stop KILL
	wait_for_status k0stop stopped
	run hull kill k0stop 0
	assert_status 1
	assert_output_contains "container not running"
	[[ "$output" != *"unknown signal"* ]]
	run hull kill -a k0stop 0
	assert_status 0
	[ -z "$output" ]
}

@test "kill -a ID 0 leaves a paused container paused" {
	skip_if_runc "runc 1.1.5 freezes and thaws the cgroup for --all; its main branch signals only the init"
	start_container k0pause sleep 100
	hull pause k0pause
	run hull kill -a k0pause 0
	assert_status 0
	[ "$(status_of k0pause)" = paused ]
	hull resume k0pause
}
