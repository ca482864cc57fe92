#!/usr/bin/env bats
# Where `exec` and the container's own program meet runc's users: the capabilities an exec
# process gets from the config and --cap, and runc's words and status when the kernel refuses to
# execute the program (docs/cli-contract.md).

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
	# runc's tests/host/capabilities.bats "runc exec --cap [ambient is set from spec]".
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

# ---- a program the kernel refuses ----------------------------------------------------------------

# refused_programs: /badinterp.sh (#!/nonexistent: execve fails ENOENT), /garbage (executable,
# no known format: ENOEXEC), /noexec.sh (not executable: the lookup refuses it).
refused_programs() {
	printf '#!/nonexistent\necho ran\n' >"$BUNDLE/rootfs/badinterp.sh"
	chmod 0755 "$BUNDLE/rootfs/badinterp.sh"
	printf '\001\002not a program\n' >"$BUNDLE/rootfs/garbage"
	chmod 0755 "$BUNDLE/rootfs/garbage"
	printf 'echo ran\n' >"$BUNDLE/rootfs/noexec.sh"
	chmod 0644 "$BUNDLE/rootfs/noexec.sh"
}

# first_line_is FILE TEXT
first_line_is() {
	[ "$(head -n1 "$1")" = "$2" ] || {
		echo "first line of $1 is not '$2'; the file has:" >&2
		cat "$1" >&2
		return 1
	}
}

@test "run: a refused execve prints runc's words as the first line of stderr and exits 255" {
	skip_if_runc "runc 1.1.5 exits 1 (its init's status); its main branch exits 255"
	refused_programs
	local rc
	set_args /badinterp.sh
	rc=0
	hull run --bundle "$BUNDLE" runinterp </dev/null >"$T/interp.out" 2>"$T/interp.err" || rc=$?
	[ "$rc" -eq 255 ]
	first_line_is "$T/interp.err" "exec /badinterp.sh: no such file or directory"
	set_args /garbage
	rc=0
	hull run --bundle "$BUNDLE" rungarbage </dev/null >"$T/garbage.out" 2>"$T/garbage.err" || rc=$?
	[ "$rc" -eq 255 ]
	first_line_is "$T/garbage.err" "exec /garbage: exec format error"
	# The lookup failures keep runc's own words, from create, with status 1.
	set_args /noexec.sh
	rc=0
	hull run --bundle "$BUNDLE" runnoexec </dev/null >"$T/noexec.out" 2>"$T/noexec.err" || rc=$?
	[ "$rc" -eq 1 ]
	grep -qF 'exec: "/noexec.sh": permission denied' "$T/noexec.err"
	set_args no-such-program
	rc=0
	hull run --bundle "$BUNDLE" runmissing </dev/null >"$T/missing.out" 2>"$T/missing.err" || rc=$?
	[ "$rc" -eq 1 ]
	grep -qF 'exec: "no-such-program": executable file not found in $PATH' "$T/missing.err"
}

@test "exec: a refused execve is the process's failure: runc's words on its stderr, status 255" {
	skip_if_runc "runc 1.1.5 exits 1 (its init's status); its main branch exits 255"
	refused_programs
	start_container execrefused sleep 100
	local rc=0
	hull exec execrefused /badinterp.sh >"$T/interp.out" 2>"$T/interp.err" || rc=$?
	[ "$rc" -eq 255 ]
	first_line_is "$T/interp.err" "exec /badinterp.sh: no such file or directory"
	rc=0
	hull exec execrefused /garbage >"$T/garbage.out" 2>"$T/garbage.err" || rc=$?
	[ "$rc" -eq 255 ]
	first_line_is "$T/garbage.err" "exec /garbage: exec format error"
	# Detached, the process started (runc exits 0 and writes the pid file); its stderr says why
	# it ended at once.
	rc=0
	hull exec -d --pid-file "$T/pid" execrefused /badinterp.sh >"$T/d.out" 2>"$T/d.err" || rc=$?
	[ "$rc" -eq 0 ]
	[ -s "$T/pid" ]
	wait_for_file_text "$T/d.err" "exec /badinterp.sh: no such file or directory"
	first_line_is "$T/d.err" "exec /badinterp.sh: no such file or directory"
	# A lookup failure is still the runtime's error, before the process starts.
	rc=0
	hull exec -d --pid-file "$T/pid2" execrefused /noexec.sh >"$T/n.out" 2>"$T/n.err" || rc=$?
	[ "$rc" -ne 0 ]
	[ ! -e "$T/pid2" ]
	grep -qF 'exec: "/noexec.sh": permission denied' "$T/n.err"
	rc=0
	hull exec execrefused no-such-program >"$T/m.out" 2>"$T/m.err" || rc=$?
	[ "$rc" -eq 255 ]
	grep -qF 'exec: "no-such-program": executable file not found in $PATH' "$T/m.err"
	[ "$(status_of execrefused)" = running ]
}
