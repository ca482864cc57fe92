#!/usr/bin/env bats
# Escape battery, docs/security.md §2.6 (resource-control escapes) and §3.10 (cgroup
# confinement): a writable /sys/fs/cgroup (CVE-2023-25809), the device cgroup as a denylist
# (GHSA-g54h-m393-cpwq), cgroup path traversal (runc #3403, crun 1.20/1.28/1.29). Defences: P13,
# P14. Nothing here touches the host's cgroup mounts: containers get their own mount namespace,
# and only their view is inspected.

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

# cgroup_manager_or_skip WHAT: skip unless `hull features` claims a cgroup driver.
cgroup_manager_or_skip() {
	"$HULL" features | jq -e '.linux.cgroup.v1 == true or .linux.cgroup.v2 == true' >/dev/null ||
		skip "needs the cgroup manager ($1): hull features claims no cgroup driver"
}

# cgroup_lines_ro MOUNTS_TEXT [all]: each /sys/fs/cgroup* mount point that exists has its topmost
# line in /proc/mounts read-only (as runc's mounts.bats "[ro /sys/fs/cgroup mounts]" checks);
# with "all", every line, the covered ones included.
cgroup_lines_ro() {
	local text="$1" mp line bad=0 n=0
	if [ "${2:-}" = all ]; then
		while read -r line; do
			n=$((n + 1))
			[[ "$(awk '{print $4}' <<<"$line")" == ro,* ]] || {
				echo "writable: $line" >&2
				bad=1
			}
		done < <(awk '$2 ~ /^\/sys\/fs\/cgroup/' <<<"$text")
	else
		for mp in $(awk '$2 ~ /^\/sys\/fs\/cgroup/ {print $2}' <<<"$text" | sort -u); do
			n=$((n + 1))
			line="$(awk -v mp="$mp" '$2 == mp' <<<"$text" | tail -n1)"
			[[ "$(awk '{print $4}' <<<"$line")" == ro,* ]] || {
				echo "writable: $line" >&2
				bad=1
			}
		done
	fi
	[ "$n" -gt 0 ] || {
		echo "no /sys/fs/cgroup mount at all" >&2
		return 1
	}
	return "$bad"
}

# ---- CVE-2023-25809 ------------------------------------------------------------------------------

@test "CVE-2023-25809 (§3.10): with a cgroup namespace every /sys/fs/cgroup mount is read-only" {
	sec_run cg-ns cat /proc/self/mounts
	assert_status 0
	cgroup_lines_ro "$output"
	sec_run cg-ns-w sh -c 'for d in /sys/fs/cgroup /sys/fs/cgroup/*/; do mkdir "$d/hull-escape" 2>/dev/null && echo "made $d"; done; true'
	[ -z "$output" ]
}

@test "CVE-2023-25809 (§3.10): without a cgroup namespace every /sys/fs/cgroup mount is read-only" {
	remove_namespace cgroup
	sec_run cg-host cat /proc/self/mounts
	assert_status 0
	cgroup_lines_ro "$output"
	sec_run cg-host-w sh -c 'for d in /sys/fs/cgroup /sys/fs/cgroup/*/; do mkdir "$d/hull-escape" 2>/dev/null && echo "made $d"; done; true'
	[ -z "$output" ]
}

@test "CVE-2023-25809: in a user namespace without a network namespace (sysfs bound from the host), /sys and its cgroup submounts are read-only, covered ones too" {
	remove_namespace network
	use_userns
	sec_run cg-userns cat /proc/self/mounts
	assert_status 0
	cgroup_lines_ro "$output" all
	# the bound /sys itself and whatever the host has below it
	local rw
	rw="$(awk '$2 ~ /^\/sys(\/|$)/ && $4 !~ /^ro(,|$)/' <<<"$output")"
	[ -z "$rw" ] || {
		echo "writable under /sys: $rw" >&2
		return 1
	}
}

@test "CVE-2023-25809: with the rootless layout (/sys an rbind,ro bind of the host's, cgroup ro) in a user namespace, /sys/fs/cgroup is read-only" {
	(cd "$T" && "$HULL" spec --rootless)
	jq_config --slurpfile rl "$T/config.json" '.mounts |= map(if .destination == "/sys" then ($rl[0].mounts[] | select(.destination == "/sys")) else . end)'
	use_userns
	for ns in with without; do
		[ "$ns" = with ] || remove_namespace cgroup
		sec_run "cg-rl-$ns" cat /proc/self/mounts
		assert_status 0
		cgroup_lines_ro "$output"
	done
}

@test "CVE-2023-25809 (§3.10): rootless (an unprivileged hull), /sys/fs/cgroup is read-only" {
	local d
	d="$(mktemp -d "${TMPDIR:-/tmp}/hull-sec-rootless.XXXXXX")"
	HULL_TEMP_DIRS+=("$d")
	chmod 0755 "$d"
	cp "$(readlink -f "$HULL")" "$d/hull"
	chmod 0755 "$d/hull"
	mkdir "$d/state" "$d/bundle"
	cp -a "$BUNDLE/rootfs" "$d/bundle/rootfs"
	(cd "$d/bundle" && "$d/hull" spec --rootless)
	jq '.process.terminal = false | .process.args = ["cat", "/proc/self/mounts"]' "$d/bundle/config.json" >"$d/c" &&
		mv "$d/c" "$d/bundle/config.json"
	chown -R 65534:65534 "$d/state" "$d/bundle"
	status=0
	output="$(cd "$d/bundle" && closing_fds setpriv --reuid=65534 --regid=65534 --clear-groups \
		env XDG_RUNTIME_DIR="$d/state" "$d/hull" --root "$d/state" run rl 2>"$d/err")" || status=$?
	if [ "$status" -ne 0 ]; then
		skip "needs rootless containers (an unprivileged hull run fails: $(cat "$d/err"))"
	fi
	cgroup_lines_ro "$output"
}

# ---- the cgroupfs view without a cgroup namespace -----------------------------------------------

# cgroup_v1_or_skip: the v1 view (a tmpfs of hierarchies) is what these tests read; the cgroup2
# view is checked by the VM suite (tests/vm/guest.bats).
cgroup_v1_or_skip() {
	[ "$(stat -f -c %T /sys/fs/cgroup)" = tmpfs ] || skip "the host has no v1 hierarchies (the v2 view is checked in tests/vm)"
}

@test "cgroupfs view (§2.6): without a cgroup namespace the container reads its own memory (64m) and pids (50) limits, as with runc" {
	cgroup_manager_or_skip "limits"
	cgroup_v1_or_skip
	remove_namespace cgroup
	update_config '.linux.resources.memory = {"limit": 67108864} | .linux.resources.pids = {"limit": 50}'
	sec_run cgview-limits sh -c 'cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/pids/pids.max'
	assert_status 0
	[ "$output" = "$(printf '67108864\n50')" ] || {
		echo "inside: $output / $stderr_text" >&2
		return 1
	}
}

@test "cgroupfs view (§2.6): without a cgroup namespace each hierarchy shows the container's own cgroup, not the root or another container's" {
	cgroup_manager_or_skip "cgroups"
	cgroup_v1_or_skip
	remove_namespace cgroup
	local other="sec-cgview-other-$$"
	sec_create "$other" sleep 100
	# every cgroup mount's root (mountinfo field 4) is the container's own cgroup of that hierarchy
	sec_run cgview-own sh -c '
		while read -r _ _ _ root mp _ _ _ fstype _ super; do
			case "$fstype" in cgroup | cgroup2) ;; *) continue ;; esac
			ctl=${mp##*/}
			[ "$fstype" = cgroup2 ] && ctl=
			[ "$ctl" = systemd ] && ctl=name=systemd
			own=$(awk -F: -v c="$ctl" "{ n = split(\$2, a, \",\"); for (i = 1; i <= n; i++) if (a[i] == c) print \$3; if (c == \"\" && \$2 == \"\") print \$3 }" /proc/self/cgroup)
			echo "$mp root=$root own=$own"
		done </proc/self/mountinfo
		find /sys/fs/cgroup/ -maxdepth 3 -name "'"$other"'"'
	assert_status 0
	echo "$output" >&2
	local lines
	lines="$(grep -c ' root=' <<<"$output")"
	[ "$lines" -ge 3 ]
	# no hierarchy shows a root other than the container's own cgroup, and nothing of the other container
	[ -z "$(awk '{ split($2, r, "="); split($3, o, "="); if (r[2] != o[2] || r[2] == "/") print }' <<<"$output" | grep ' root=')" ]
	! grep -q "$other" <<<"$output"
}

@test "cgroupfs view (§2.6): without a cgroup namespace devices.list is the container's own, not the root's 'a *:* rwm'" {
	cgroup_manager_or_skip "device rules"
	cgroup_v1_or_skip
	remove_namespace cgroup
	sec_run cgview-devices cat /sys/fs/cgroup/devices/devices.list
	assert_status 0
	echo "$output" >&2
	! grep -qx 'a \*:\* rwm' <<<"$output"
	grep -qx 'c 1:3 rwm' <<<"$output"
}

@test "cgroupfs view (§2.6): without a cgroup namespace, a rw cgroupfs and CAP_MKNOD, writing cgroup.procs does not leave the device cgroup" {
	cgroup_manager_or_skip "device rules"
	cgroup_v1_or_skip
	[ -b /dev/loop0 ] || skip "needs the host's loop driver (/dev/loop0) for a device the cgroup refuses"
	remove_namespace cgroup
	update_config '.mounts |= map(if .type == "cgroup" then .options = (.options | map(select(. != "ro")) + ["rw"]) else . end)
		| .process.capabilities.bounding += ["CAP_MKNOD"] | .process.capabilities.effective += ["CAP_MKNOD"]
		| .process.capabilities.permitted += ["CAP_MKNOD"] | .root.readonly = false'
	sec_run cgview-escape sh -c 'mknod /dev/hull-loop b 7 0 2>/dev/null
		echo $$ >/sys/fs/cgroup/devices/cgroup.procs 2>/dev/null && echo moved
		(: </dev/hull-loop) 2>/dev/null && echo opened; echo done'
	echo "$output / $stderr_text" >&2
	assert_status 0
	# writing its own cgroup.procs is allowed (it stays where it is); the node stays refused
	[ "$output" = "$(printf 'moved\ndone')" ]
}

# ---- GHSA-g54h-m393-cpwq -------------------------------------------------------------------------

@test "GHSA-g54h-m393-cpwq (§3.10): a devices list that only allows c 1:3 still denies mknod b 7:0 + open" {
	cgroup_manager_or_skip "device rules"
	update_config '.linux.resources.devices = [{"allow": true, "type": "c", "major": 1, "minor": 3, "access": "rwm"}]
		| .process.capabilities.bounding += ["CAP_MKNOD"] | .process.capabilities.effective += ["CAP_MKNOD"]
		| .process.capabilities.permitted += ["CAP_MKNOD"] | .root.readonly = false'
	sec_run devdeny sh -c 'mknod /dev/hull-loop b 7 0 2>/dev/null; (: </dev/hull-loop) 2>/dev/null && echo opened; echo done'
	assert_status 0
	[ "$output" = done ]
	# the control: allowed explicitly, the same node opens (so the denial above was the cgroup's)
	[ -b /dev/loop0 ] || skip "the control needs the host's loop driver (/dev/loop0)"
	update_config '.linux.resources.devices += [{"allow": true, "type": "b", "major": 7, "minor": 0, "access": "rwm"}]'
	sec_run devallow sh -c 'mknod /dev/hull-loop b 7 0 2>/dev/null; (: </dev/hull-loop) 2>/dev/null && echo opened; echo done'
	assert_status 0
	[ "$output" = "$(printf 'opened\ndone')" ]
}

@test "GHSA-g54h-m393-cpwq: with no devices list at all the device cgroup still denies by default" {
	cgroup_manager_or_skip "device rules"
	update_config 'del(.linux.resources.devices)
		| .process.capabilities.bounding += ["CAP_MKNOD"] | .process.capabilities.effective += ["CAP_MKNOD"]
		| .process.capabilities.permitted += ["CAP_MKNOD"] | .root.readonly = false'
	sec_run devdeny2 sh -c 'mknod /dev/hull-loop b 7 0 2>/dev/null; (: </dev/hull-loop) 2>/dev/null && echo opened; echo done'
	assert_status 0
	[ "$output" = done ]
}

# ---- cgroup path traversal -----------------------------------------------------------------------

@test "P13 / crun 1.20 (§3.10): container ids '../x', 'a/b', '..', '.', '/abs', 'a b' and '' are rejected, nothing made" {
	local id
	for id in "../x" "a/b" ".." "." "x/../../y" "/abs" "a b" ""; do
		try_create "$id"
		[ "$status" -ne 0 ] || {
			echo "id '$id' was accepted" >&2
			return 1
		}
		assert_output_contains "invalid container ID format"
	done
	no_state_left
	[ ! -e "$ROOT/../x" ]
	[ ! -e "$(dirname "$ROOT")/y" ]
	[ -z "$(find "$BATS_TEST_TMPDIR" -maxdepth 2 -name 'x' -o -maxdepth 2 -name 'y')" ]
}

@test "runc #3403 / crun 1.29 (§3.10): exec --cgroup ../../x is rejected; --cgroup /abs is the container's own sub-cgroup abs, never the host's /abs" {
	sec_create cgx sleep 100
	hull start cgx
	local arg init own
	for arg in ../../x "pids:../../x"; do
		run hull exec --cgroup "$arg" cgx true
		[ "$status" -ne 0 ] || {
			echo "exec --cgroup $arg was accepted" >&2
			return 1
		}
		[[ "$output" == *"is not a sub cgroup path"* ]]
	done
	# as in runc, a leading / is relative to the container's cgroup: without that sub-cgroup the
	# exec fails naming the container's own .../abs, and nothing is made at any hierarchy's root
	run hull exec --cgroup /abs cgx true
	echo "$output" >&2
	[ "$status" -ne 0 ]
	init="$(hull state cgx | jq -r .pid)"
	own="$(awk -F: '$2 ~ /(^|,)pids(,|$)/ {print $3}' "/proc/$init/cgroup")"
	[[ "$output" == *"$own/abs/cgroup.procs"* ]]
	[ -z "$(find /sys/fs/cgroup -maxdepth 2 -name abs 2>/dev/null)" ]
	# with the sub-cgroup made in the pids hierarchy, the process lands in it there
	mkdir "/sys/fs/cgroup/pids$own/abs"
	run hull exec --cgroup pids:/abs cgx cat /proc/self/cgroup
	rmdir "/sys/fs/cgroup/pids$own/abs" || true
	echo "$output" >&2
	assert_status 0
	[[ "$output" == *":pids:$own/abs"* || "$output" == *":pids:/abs"* ]]
}

@test "crun@7771192e (§3.10): a linux.cgroupsPath with '..' is rejected and no cgroup is made outside the parent" {
	cgroup_manager_or_skip "cgroupsPath"
	local own
	own="$(awk -F: '$2 ~ /(^|,)memory(,|$)/ {print $3}' /proc/self/cgroup)"
	update_config '.linux.cgroupsPath = "../../hull-sec-escape"'
	sec_run cgpath true
	[ "$status" -ne 0 ]
	[[ "$stderr_text" == *"/linux/cgroupsPath: invalid cgroupsPath \"../../hull-sec-escape\""* ]]
	[ ! -e "/sys/fs/cgroup/memory$(dirname "$(dirname "$own")")/hull-sec-escape" ]
	[ ! -e /sys/fs/cgroup/memory/hull-sec-escape ]
	[ ! -e /sys/fs/cgroup/unified/hull-sec-escape ]
	[ ! -e /sys/fs/cgroup/hull-sec-escape ]
}
