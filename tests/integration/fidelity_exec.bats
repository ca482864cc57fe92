#!/usr/bin/env bats
# Where `exec` meets runc's users: the capabilities an exec process gets from the config and
# --cap (docs/cli-contract.md).

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

# cap_line FILE NAME: the hex mask of /proc/self/status line NAME (CapAmb, ...) in FILE.
cap_line() {
	awk -v n="$2:" '$1 == n {print $2}' "$1"
}

# ---- capabilities of an exec process -------------------------------------------------------------

@test "exec: the config's ambient caps, and --cap raised in ambient beside a configured inheritable set" {
	# runc's tests/integration/capabilities.bats "runc exec --cap [ambient is set from spec]".
	# CAP_CHOWN is bit 0, CAP_KILL bit 5, CAP_SYSLOG bit 34.
	update_config '.process.capabilities = {
			inheritable: ["CAP_CHOWN", "CAP_SYSLOG"], permitted: ["CAP_KILL", "CAP_CHOWN"],
			effective: ["CAP_KILL"], bounding: ["CAP_KILL", "CAP_CHOWN", "CAP_SYSLOG"],
			ambient: ["CAP_CHOWN"]}'
	start_container ambcap sleep 100
	hull exec ambcap cat /proc/self/status >"$T/plain" 2>"$T/plain.err"
	[ "$(cap_line "$T/plain" CapInh)" = 0000000400000001 ]
	[ "$(cap_line "$T/plain" CapPrm)" = 0000000000000021 ]
	[ "$(cap_line "$T/plain" CapAmb)" = 0000000000000001 ]
	hull exec --cap CAP_SYSLOG ambcap cat /proc/self/status >"$T/cap" 2>"$T/cap.err"
	[ "$(cap_line "$T/cap" CapInh)" = 0000000400000001 ]
	[ "$(cap_line "$T/cap" CapPrm)" = 0000000400000021 ]
	[ "$(cap_line "$T/cap" CapEff)" = 0000000400000021 ]
	[ "$(cap_line "$T/cap" CapBnd)" = 0000000400000021 ]
	[ "$(cap_line "$T/cap" CapAmb)" = 0000000400000001 ] || {
		cat "$T/cap" "$T/cap.err" >&2
		false
	}
	# A --cap outside inheritable cannot be ambient: not raised, and nothing on stderr.
	hull exec --cap CAP_NET_RAW ambcap cat /proc/self/status >"$T/raw" 2>"$T/raw.err"
	[ "$(cap_line "$T/raw" CapAmb)" = 0000000000000001 ]
	[ "$(cap_line "$T/raw" CapInh)" = 0000000400000001 ]
	[ ! -s "$T/raw.err" ]
}

@test "exec --cap as a user: kept across execve through ambient only when inheritable is configured" {
	# A non-root process keeps after execve only what is ambient. CAP_CHOWN is bit 0, CAP_KILL
	# bit 5.
	update_config '.process.capabilities = {bounding: ["CAP_KILL", "CAP_CHOWN"],
			effective: ["CAP_KILL"], permitted: ["CAP_KILL"], inheritable: ["CAP_KILL", "CAP_CHOWN"],
			ambient: ["CAP_KILL"]}
		| .process.user = {uid: 1000, gid: 1000}'
	start_container ambuser sleep 100
	hull exec ambuser cat /proc/self/status >"$T/plain" 2>"$T/plain.err"
	[ "$(cap_line "$T/plain" CapAmb)" = 0000000000000020 ]
	[ "$(cap_line "$T/plain" CapPrm)" = 0000000000000020 ]
	hull exec --cap CAP_CHOWN ambuser cat /proc/self/status >"$T/inh" 2>"$T/inh.err"
	[ "$(cap_line "$T/inh" CapInh)" = 0000000000000021 ]
	[ "$(cap_line "$T/inh" CapBnd)" = 0000000000000021 ]
	[ "$(cap_line "$T/inh" CapAmb)" = 0000000000000021 ]
	[ "$(cap_line "$T/inh" CapPrm)" = 0000000000000021 ]
	[ "$(cap_line "$T/inh" CapEff)" = 0000000000000021 ] || {
		cat "$T/inh" "$T/inh.err" >&2
		false
	}
	hull delete --force ambuser
	# Without inheritable in the config, --cap never reaches inheritable or ambient (P11).
	update_config 'del(.process.capabilities.inheritable) | del(.process.capabilities.ambient)
		| .process.capabilities.bounding = ["CAP_KILL"]'
	start_container noinh sleep 100
	hull exec --cap CAP_CHOWN noinh cat /proc/self/status >"$T/none" 2>"$T/none.err"
	[ "$(cap_line "$T/none" CapInh)" = 0000000000000000 ]
	[ "$(cap_line "$T/none" CapAmb)" = 0000000000000000 ]
	[ "$(cap_line "$T/none" CapPrm)" = 0000000000000000 ]
}
