#!/usr/bin/env bats
# Escape battery, docs/security.md §2.5 (capabilities, users and privileges) and §3.9: the
# capability matrix of CVE-2022-29162 and crun CVE-2022-27650 (inheritable caps through exec
# --cap and `spec`), noNewPrivileges, unknown names, and the user-string grammar of crun
# CVE-2026-30892 and runc CVE-2016-3697. Defence: P11, P13, and in-root /etc/passwd (P5).
#
# Capability bits used: CAP_CHOWN 0 (0x1), CAP_KILL 5 (0x20), CAP_AUDIT_WRITE 29 (0x20000000).

load ../helpers
load ../spec/spec_helpers
load security_helpers

setup_file() {
	hull_setup_file
}

setup() {
	sec_setup
}

teardown() {
	sec_teardown
}

# cap_field NAME: CapXxx of `grep ^Cap /proc/self/status` output in $output, as a number.
cap_field() {
	local hex
	hex="$(awk -v k="$1:" '$1 == k {print $2}' <<<"$output")"
	[ -n "$hex" ] || {
		echo "no $1 in: $output" >&2
		return 1
	}
	echo $((16#$hex))
}

# no_caps_in_output WHAT: every capability set in `grep ^Cap /proc/.../status` output in $output
# is empty.
no_caps_in_output() {
	local name
	for name in CapInh CapPrm CapEff CapBnd CapAmb; do
		[ "$(cap_field "$name")" -eq 0 ] || {
			echo "$1: $name is not 0: $output" >&2
			return 1
		}
	done
}

# ---- CVE-2022-29162 / crun CVE-2022-27650 ----------------------------------------------------------

@test "CVE-2022-29162 (a) (§3.9): with capabilities {} exec --cap CAP_KILL --cap CAP_AUDIT_WRITE sets Prm, Eff and Bnd, never Inh or Amb" {
	update_config '.process.capabilities = {}'
	sec_create capa sleep 100
	hull start capa
	run hull exec --cap CAP_KILL --cap CAP_AUDIT_WRITE capa grep ^Cap /proc/self/status
	assert_status 0
	local want=$((0x20 | 0x20000000))
	[ "$(cap_field CapInh)" -eq 0 ]
	[ "$(cap_field CapAmb)" -eq 0 ]
	[ "$(cap_field CapPrm)" -eq "$want" ]
	[ "$(cap_field CapEff)" -eq "$want" ]
	[ "$(cap_field CapBnd)" -eq "$want" ]
}

@test "CVE-2022-29162 (a): a binary with inheritable file caps gains nothing from exec --cap as a non-root user" {
	command -v setcap >/dev/null || skip "needs setcap (libcap2-bin)"
	cp "$HULL_CHECKER" "$BUNDLE/rootfs/bin/fcaps"
	setcap cap_kill,cap_chown+ei "$BUNDLE/rootfs/bin/fcaps" || skip "the rootfs's filesystem takes no file capabilities"
	update_config '.process.capabilities = {}'
	sec_create capf sleep 100
	hull start capf
	run hull exec --user 1000:1000 --cap CAP_KILL --cap CAP_CHOWN capf /bin/fcaps
	assert_status 0
	echo "$output" | jq -c .capabilities >&2
	# pP' = (pI & fI) | (fP & bset): only an inheritable CAP_KILL/CAP_CHOWN could put them here
	jq -e '.capabilities | .inheritable == "0000000000000000" and .ambient == "0000000000000000"
		and .permitted == "0000000000000000" and .effective == "0000000000000000"' <<<"$output"
}

@test "CVE-2022-29162 (b) (§3.9): an ambient cap not in inheritable is dropped with a debug record; one in inheritable is kept" {
	update_config '.process.user = {"uid": 1000, "gid": 1000}
		| .process.capabilities = {"bounding": ["CAP_KILL", "CAP_CHOWN"], "effective": ["CAP_KILL", "CAP_CHOWN"],
			"permitted": ["CAP_KILL", "CAP_CHOWN"], "inheritable": ["CAP_KILL"], "ambient": ["CAP_KILL", "CAP_CHOWN"]}'
	sec_run amb grep ^Cap /proc/self/status
	assert_status 0
	[ "$(cap_field CapAmb)" -eq $((0x20)) ]
	[ "$(cap_field CapInh)" -eq $((0x20)) ]
	[ "$(cap_field CapPrm)" -eq $((0x20)) ]
	# As runc 1.1, nothing on stderr; the --debug log names the capability.
	[[ "$stderr_text" != *"ambient"* ]]
	set_args true
	"$HULL" --root "$ROOT" --debug --log "$T/amb.log" run --bundle "$BUNDLE" amb-log </dev/null >/dev/null 2>&1
	grep -q 'level=debug msg="can'"'"'t raise ambient capability CAP_CHOWN: operation not permitted"' "$T/amb.log"
}

@test "CVE-2022-29162 (c) (§3.9): hull spec and hull spec --rootless set no inheritable or ambient capabilities" {
	local d
	for d in plain rootless; do
		mkdir "$T/$d"
		if [ "$d" = rootless ]; then
			(cd "$T/$d" && "$HULL" spec --rootless)
		else
			(cd "$T/$d" && "$HULL" spec)
		fi
		jq -e '(.process.capabilities.inheritable // []) == [] and (.process.capabilities.ambient // []) == []' "$T/$d/config.json"
	done
}

@test "P11 (youki v0.7.0): capabilities without a bounding set leave the bounding set empty" {
	update_config '.process.capabilities = {"effective": ["CAP_KILL"], "permitted": ["CAP_KILL"]}'
	sec_run bnd grep ^Cap /proc/self/status
	assert_status 0
	[ "$(cap_field CapBnd)" -eq 0 ]
}

@test "P11 (runc: no object, no capabilities): a process without a capabilities object gets no capability at all, in the init, exec and exec --process" {
	update_config 'del(.process.capabilities)'
	sec_create nocaps sleep 100
	hull start nocaps
	# the init: every set empty, bounding included (runc gives 0 for all five)
	jq -n '{args: ["grep", "^Cap", "/proc/1/status"], cwd: "/", user: {uid: 0, gid: 0}, env: ["PATH=/bin:/usr/bin"],
		capabilities: {bounding: ["CAP_KILL"], effective: ["CAP_KILL"], permitted: ["CAP_KILL"]}}' >"$T/init.json"
	run hull exec --process "$T/init.json" nocaps
	assert_status 0
	no_caps_in_output "init"
	# exec from the saved process: the same
	run hull exec nocaps grep ^Cap /proc/self/status
	assert_status 0
	no_caps_in_output "exec"
	# exec --process with a process.json that has no capabilities
	jq -n '{args: ["grep", "^Cap", "/proc/self/status"], cwd: "/", user: {uid: 0, gid: 0}, env: ["PATH=/bin:/usr/bin"]}' >"$T/process.json"
	run hull exec --process "$T/process.json" nocaps
	assert_status 0
	no_caps_in_output "exec --process"
	# and without any capability the container cannot do what CAP_SYS_ADMIN or CAP_MKNOD allow
	# (on /dev, a writable tmpfs: a read-only file system would refuse it for another reason)
	run hull exec nocaps mknod /dev/null2 c 1 3
	[ "$status" -ne 0 ]
	assert_output_contains "Operation not permitted"
	run hull exec nocaps mount -t tmpfs tmpfs /tmp
	[ "$status" -ne 0 ]
	assert_output_contains "permission denied"
}

@test "CVE-2022-29162 (d) (§3.9): noNewPrivileges: NoNewPrivs is 1 and a setuid-root binary does not elevate (without it, it does)" {
	cp "$HULL_CHECKER" "$BUNDLE/rootfs/bin/suid"
	chown 0:0 "$BUNDLE/rootfs/bin/suid"
	chmod 4755 "$BUNDLE/rootfs/bin/suid"
	update_config '.process.user = {"uid": 1000, "gid": 1000} | .root.readonly = false | .process.noNewPrivileges = true'
	sec_run nnp /bin/suid
	assert_status 0
	jq -e '.no_new_privs == true and .euid == 1000 and .uid == 1000' <<<"$output"
	# the control: the same binary elevates without noNewPrivileges, so the check above means it
	update_config '.process.noNewPrivileges = false'
	sec_run nnp2 /bin/suid
	assert_status 0
	jq -e '.no_new_privs == false and .euid == 0 and .uid == 1000' <<<"$output"
	# exec --no-new-privs holds the same way
	update_config '.process.noNewPrivileges = false'
	sec_create nnpx sleep 100
	hull start nnpx
	run hull exec --user 1000:1000 --no-new-privs nnpx /bin/suid
	assert_status 0
	jq -e '.no_new_privs == true and .euid == 1000' <<<"$output"
}

@test "crun 1.29 (e) (§3.9): unknown capability names are rejected in config.json and by exec --cap" {
	update_config '.process.capabilities.bounding += ["CAP_NO_SUCH_THING"]'
	sec_run unk true
	[ "$status" -ne 0 ]
	[[ "$stderr_text" == *"CAP_NO_SUCH_THING"* ]]
	no_state_left
	reset_config
	sec_create unkx sleep 100
	hull start unkx
	run hull exec --cap CAP_NO_SUCH_THING unkx true
	[ "$status" -ne 0 ]
	[[ "$output" == *"CAP_NO_SUCH_THING"* ]]
}

# ---- crun CVE-2026-30892 / runc CVE-2016-3697 ----------------------------------------------------

@test "crun CVE-2026-30892 / runc CVE-2016-3697 (§3.9): exec --user strings: numeric means numeric, names resolve in the container's /etc/passwd" {
	cat >>"$BUNDLE/rootfs/etc/passwd" <<-'EOF'
		0:x:1000:1000:a user named 0:/:/bin/sh
		1:x:1010:1010:a user named 1:/:/bin/sh
		name:x:1001:1002:name:/:/bin/sh
		1name:x:1003:1004:1name:/:/bin/sh
	EOF
	cat >>"$BUNDLE/rootfs/etc/group" <<-'EOF'
		grp1002:x:1002:
		grp1004:x:1004:
	EOF
	# the host's passwd must play no part: a name only the host knows
	grep -q '^daemon:' /etc/passwd
	sed -i '/^daemon:/d' "$BUNDLE/rootfs/etc/passwd"
	sec_create users sleep 100
	hull start users
	local spec want got
	# "1010" has no group: runc's exec keeps the config's gid 0, GetExecUser takes the passwd
	# entry's; either is sound, the uid is what the CVEs are about
	for spec in "1=1 0" "1:1=1 1" "0:1=0 1" "0=0 0" "name=1001 1002" "1name=1003 1004" "1010=1010 0|1010 1010"; do
		want="${spec#*=}"
		status=0
		got="$(hull exec --user "${spec%%=*}" users sh -c 'echo "$(id -u) $(id -g)"' 2>&1)" || status=$?
		[ "$status" -eq 0 ] && { [ "$got" = "${want%|*}" ] || [ "$got" = "${want#*|}" ]; } || {
			echo "exec --user ${spec%%=*}: wanted '$want', got '$got' (status $status)" >&2
			return 1
		}
	done
	for spec in nosuch daemon "name:nosuchgroup" ":" "1:" "-1" "1.5"; do
		status=0
		got="$(hull exec --user "$spec" users id 2>&1)" || status=$?
		[ "$status" -ne 0 ] || {
			echo "exec --user '$spec' was accepted: $got" >&2
			return 1
		}
		[[ "$got" == *"--user $spec: "* ]] || {
			echo "exec --user '$spec' failed for another reason: $got" >&2
			return 1
		}
	done
}

@test "crun CVE-2026-30892: process.user from config.json is numeric and applied exactly, uid 1 included" {
	update_config '.process.user = {"uid": 1, "gid": 1}'
	sec_run u1 sh -c 'echo "$(id -u) $(id -g)"'
	assert_status 0
	[ "$output" = "1 1" ]
}
