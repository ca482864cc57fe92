#!/usr/bin/env bats
# runtime-spec config-linux.md "Namespaces", "User namespace mappings" and "Offset for Time
# Namespace": every namespace type is created new, or joined by path; bad paths are refused with
# nothing left behind. Everything is checked from inside the container.

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

# assert_new_ns NS: the checker's namespace NS (a /proc/self/ns name) is not the host's.
assert_new_ns() {
	local host inside
	host="$(readlink "/proc/self/ns/$1")"
	inside="$(cq ".namespaces.$1")"
	[ -n "$inside" ] && [ "$inside" != null ] || {
		echo "no $1 namespace reported" >&2
		return 1
	}
	if [ "$host" = "$inside" ]; then
		echo "namespace $1 is the host's ($host)" >&2
		return 1
	fi
}

# ---- new namespaces ------------------------------------------------------------------------------

@test "pid namespace: a new one is created and the process is pid 1 in it" {
	add_namespace pid
	run_checker ns-pid
	assert_new_ns pid
	[ "$(cq .pid)" = 1 ]
}

@test "network namespace: a new one is created with only a loopback interface" {
	add_namespace network
	run_checker ns-net
	assert_new_ns net
	run_sh 'ls /sys/class/net'
	assert_status 0
	[ "$output" = lo ]
}

@test "mount namespace: a new one is created" {
	add_namespace mount
	run_checker ns-mnt
	assert_new_ns mnt
}

@test "ipc namespace: a new one is created" {
	add_namespace ipc
	run_checker ns-ipc
	assert_new_ns ipc
}

@test "uts namespace: a new one is created and the hostname is set in it only" {
	add_namespace uts
	update_config '.hostname = "uts-box"'
	run_checker ns-uts
	assert_new_ns uts
	[ "$(cq .hostname)" = uts-box ]
	[ "$(hostname)" != uts-box ]
}

@test "user namespace: a new one is created when mappings are given" {
	use_userns
	run_checker ns-user
	assert_new_ns user
	[ "$(cq .uid)" = 0 ]
	[ "$(cq .gid)" = 0 ]
}

@test "cgroup namespace: a new one is created and the container's cgroup is its root" {
	add_namespace cgroup
	run_checker ns-cgroup
	assert_new_ns cgroup
	# every hierarchy line of /proc/self/cgroup is "N:controllers:/"
	cq '.cgroup[]' >"$T/cgroup"
	[ -s "$T/cgroup" ]
	if grep -v ':/$' "$T/cgroup"; then
		echo "cgroup paths are not the namespace root" >&2
		return 1
	fi
}

@test "time namespace: a new one is created" {
	skip_if_runc "runc 1.1 has no time namespace support"
	add_namespace time
	run_checker ns-time
	assert_new_ns time
}

@test "a namespace type left out of the config is the host's (network)" {
	remove_namespace network
	run_checker ns-hostnet
	[ "$(cq .namespaces.net)" = "$(readlink /proc/self/ns/net)" ]
}

# ---- no mount namespace --------------------------------------------------------------------------

# mount_table: the runtime's mount table with what a leak would change (root, mount point, mount
# options and propagation tags), without other bats runs' mounts (as mount_points).
mount_table() {
	awk '{ s = $4 " " $5 " " $6; for (i = 7; $i != "-"; i++) s = s " " $i; print s }' /proc/self/mountinfo |
		awk -v mine="${BATS_RUN_TMPDIR:-/nonexistent}" 'index($0, "/bats-run-") == 0 || index($0, mine) > 0' |
		sort
}

# no_mount_namespace: the config without a mount entry, and without what needs one (refused).
no_mount_namespace() {
	remove_namespace mount
	update_config '.root.readonly = false | .linux.maskedPaths = [] | .linux.readonlyPaths = []'
}

@test "no mount namespace: the init shares the runtime's and sees its rootfs as / (chroot, as runc)" {
	skip_if_runc "runc 1.1.5 mounts the config's mounts in the caller's namespace and leaves them there"
	no_mount_namespace
	echo rootfs >"$BUNDLE/rootfs/in-rootfs"
	echo host >"$T/on-host"
	update_config '.process.cwd = "/tmp"'
	create_container nomnt sh -c "pwd; cat /in-rootfs; cat $T/on-host || echo no-host-file"
	local pid
	pid="$(state_field nomnt pid)"
	[ "$(readlink "/proc/$pid/ns/mnt")" = "$(readlink /proc/self/ns/mnt)" ]
	[ "$(readlink "/proc/$pid/root")" = "$(readlink -f "$BUNDLE/rootfs")" ]
	hull start nomnt
	wait_for_file_text "$T/nomnt.out" no-host-file
	[ "$(cat "$T/nomnt.out")" = "$(printf '/tmp\nrootfs\nno-host-file')" ]
}

@test "no mount namespace: config mounts are not made (a warning says so); the runtime's mount table and propagation stay as they were" {
	skip_if_runc "runc 1.1.5 mounts the config's mounts in the caller's namespace and leaves them there"
	no_mount_namespace
	update_config '.linux.devices = [{"path": "/dev/fuse", "type": "c", "major": 10, "minor": 229}]'
	local before="$T/mount-table.before" after="$T/mount-table.after"
	mount_table >"$before"
	set_args sh -c 'ls -A /proc; ls -A /dev; echo end'
	status=0
	output="$(hull run --bundle "$BUNDLE" nomnt </dev/null 2>"$T/err")" || status=$?
	[ "$status" -eq 0 ]
	[ "$output" = end ]
	grep -qF "config.json: /mounts: not mounted: the container has no mount namespace of its own" "$T/err"
	grep -qF "config.json: /linux/devices: not created in the rootfs" "$T/err"
	mount_table >"$after"
	diff "$before" "$after"
	[ ! -e "$BUNDLE/rootfs/dev/fuse" ]
}

@test "no mount namespace: exec enters the init's root too" {
	skip_if_runc "runc 1.1.5 leaves an exec'd process in the host's root"
	no_mount_namespace
	echo rootfs >"$BUNDLE/rootfs/in-rootfs"
	start_container nomnt sleep 100
	run hull exec nomnt sh -c "pwd; cat /in-rootfs; ls $BATS_TEST_TMPDIR/bundle/config.json 2>/dev/null || echo no-host-file"
	assert_status 0
	[ "$output" = "$(printf '/\nrootfs\nno-host-file')" ]
}

# ---- joining namespaces by path ------------------------------------------------------------------

@test "network namespace path: the container joins the given namespace" {
	spawn_ns_holder --net --ipc --uts
	add_namespace network "/proc/$HOLDER/ns/net"
	run_checker ns-join-net
	[ "$(cq .namespaces.net)" = "$(readlink "/proc/$HOLDER/ns/net")" ]
}

@test "ipc namespace path: the container joins the given namespace" {
	spawn_ns_holder --net --ipc --uts
	add_namespace ipc "/proc/$HOLDER/ns/ipc"
	run_checker ns-join-ipc
	[ "$(cq .namespaces.ipc)" = "$(readlink "/proc/$HOLDER/ns/ipc")" ]
}

@test "domainname: set in the container's new uts namespace only" {
	add_namespace uts
	update_config '.domainname = "hull.example"'
	run_sh 'cat /proc/sys/kernel/domainname'
	assert_status 0
	[ "$output" = hull.example ]
	[ "$(cat /proc/sys/kernel/domainname)" != hull.example ]
}

@test "uts namespace path: the container joins the given namespace and keeps its hostname" {
	spawn_ns_holder --net --ipc --uts
	nsenter --target "$HOLDER" --uts hostname holder-host
	update_config 'del(.hostname)'
	add_namespace uts "/proc/$HOLDER/ns/uts"
	run_checker ns-join-uts
	[ "$(cq .namespaces.uts)" = "$(readlink "/proc/$HOLDER/ns/uts")" ]
	[ "$(cq .hostname)" = holder-host ]
}

@test "pid namespace path: the container joins the pid namespace of another process" {
	# the holder's child (sleep) is pid 1 of the new pid namespace
	unshare --pid --fork sleep 1000 &
	SPEC_PIDS+=("$!")
	local parent=$! child="" i
	for i in $(seq 50); do
		child="$(pgrep -P "$parent" | head -n1)" && [ -n "$child" ] && break
		sleep 0.1
	done
	[ -n "$child" ]
	SPEC_PIDS+=("$child")
	add_namespace pid "/proc/$child/ns/pid"
	run_checker ns-join-pid
	[ "$(cq .namespaces.pid)" = "$(readlink "/proc/$child/ns/pid")" ]
	[ "$(cq .pid)" != 1 ]
	# the container's fresh /proc shows the namespace's init
	run_sh 'tr "\0" " " </proc/1/cmdline'
	assert_status 0
	[ "$output" = "sleep 1000 " ]
}

@test "a namespace path of the wrong type (uts file as network) fails, nothing left behind" {
	spawn_ns_holder --net --ipc --uts
	add_namespace network "/proc/$HOLDER/ns/uts"
	local id="ns-wrongtype-$$"
	set_args true
	try_create "$id"
	[ "$status" -ne 0 ]
	nothing_left "$id"
}

@test "a namespace path of the wrong type: the error names the path" {
	skip_if_runc "runc 1.1 says only 'failed to setns into net namespace: Invalid argument'"
	spawn_ns_holder --net --ipc --uts
	add_namespace network "/proc/$HOLDER/ns/uts"
	local id="ns-wrongtype-$$"
	set_args true
	try_create "$id"
	[ "$status" -ne 0 ]
	assert_output_contains "/proc/$HOLDER/ns/uts"
	nothing_left "$id"
}

@test "a missing namespace path fails with an error naming the path, nothing left behind" {
	add_namespace network "$T/no-such-ns"
	local id="ns-missing-$$"
	set_args true
	try_create "$id"
	[ "$status" -ne 0 ]
	assert_output_contains "$T/no-such-ns"
	nothing_left "$id"
}

# ---- user namespace ------------------------------------------------------------------------------

@test "user namespace: uid_map and gid_map inside are the configured mappings" {
	use_userns
	update_config '.linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 1000},
			{"containerID": 1000, "hostID": 201000, "size": 10}]
		| .linux.gidMappings = [{"containerID": 0, "hostID": 300000, "size": 65536}]'
	run_sh 'cat /proc/self/uid_map; echo --; cat /proc/self/gid_map'
	assert_status 0
	[ "$(echo "$output" | awk '{$1=$1; print}')" = "$(printf '%s\n' \
		'0 100000 1000' '1000 201000 10' '--' '0 300000 65536')" ]
}

@test "user namespace: a file created by container root is owned by the mapped host ids" {
	use_userns 100000
	mkdir "$UT/shared"
	chown 100000:100000 "$UT/shared"
	add_mount "{\"destination\": \"/mnt\", \"type\": \"bind\", \"source\": \"$UT/shared\", \"options\": [\"rbind\", \"rw\"]}"
	run_sh 'touch /mnt/made-inside && mkdir /mnt/dir-inside && stat -c "%u:%g" /mnt/made-inside'
	assert_status 0
	[ "$output" = 0:0 ]
	[ "$(stat -c '%u:%g' "$UT/shared/made-inside")" = 100000:100000 ]
	[ "$(stat -c '%u:%g' "$UT/shared/dir-inside")" = 100000:100000 ]
}

@test "user namespace: container user 1000 is host uid 101000" {
	use_userns 100000
	mkdir "$UT/shared"
	chown 101000:101000 "$UT/shared"
	update_config '.process.user = {"uid": 1000, "gid": 1000}'
	add_mount "{\"destination\": \"/mnt\", \"type\": \"bind\", \"source\": \"$UT/shared\", \"options\": [\"rbind\", \"rw\"]}"
	run_sh 'id -u; touch /mnt/by-user'
	assert_status 0
	[ "$output" = 1000 ]
	[ "$(stat -c '%u:%g' "$UT/shared/by-user")" = 101000:101000 ]
}

@test "user namespace: sysfs is mounted and shows the container's own network devices" {
	use_userns
	run_sh 'mount | grep " on /sys type sysfs" >/dev/null && ls /sys/class/net'
	assert_status 0
	[ "$output" = lo ]
}

@test "user namespace: mqueue is mounted and a message queue can be created" {
	use_userns
	run_sh 'mount | grep " on /dev/mqueue type mqueue" >/dev/null && touch /dev/mqueue/hull-q && ls /dev/mqueue'
	assert_status 0
	[ "$output" = hull-q ]
}

@test "user namespace with the host's ipc namespace: mqueue falls back to a bind of the runtime's /dev/mqueue" {
	skip_if_runc "runc 1.1 has no mqueue fallback"
	use_userns
	update_config '.linux.namespaces = [.linux.namespaces[] | select(.type != "ipc")]'
	set_args sh -c 'mount | grep " on /dev/mqueue type mqueue" >/dev/null && touch /dev/mqueue/from-ctr && ls /dev/mqueue'
	# The machine has no /dev/mqueue: the "host" here is a private mount namespace whose /dev is
	# a tmpfs with the real device nodes bound in and an mqueue mounted (all gone on exit).
	run unshare --mount --propagation private env HULL="$HULL" ROOT="$ROOT" BUNDLE="$BUNDLE" UT="$UT" bash -c '
		set -e
		mkdir -p "$UT/realdev" && mount --rbind /dev "$UT/realdev"
		mount -t tmpfs -o mode=0755 devtmp /dev
		for d in null zero full random urandom tty ptmx; do
			touch "/dev/$d" && mount --bind "$UT/realdev/$d" "/dev/$d"
		done
		mkdir /dev/pts /dev/mqueue
		mount --rbind "$UT/realdev/pts" /dev/pts
		mount -t mqueue mqueue /dev/mqueue
		"$HULL" --root "$ROOT" run --bundle "$BUNDLE" mq-host </dev/null
		ls /dev/mqueue'
	[ "$status" -eq 0 ]
	# the queue made in the container is in the runtime's (host) ipc namespace
	[ "$(echo $output)" = "from-ctr from-ctr" ]
}

@test "user namespace with the host's ipc namespace and no /dev/mqueue to bind: a clear error" {
	use_userns
	update_config '.linux.namespaces = [.linux.namespaces[] | select(.type != "ipc")]'
	[ ! -e /dev/mqueue ] || skip "this host has a /dev/mqueue"
	try_create mq-none
	[ "$status" -ne 0 ]
	[[ "$output" == *"mqueue"*"/dev/mqueue"* ]]
	no_state_left
}

@test "user namespace: /proc shows the container's processes only" {
	use_userns
	run_sh 'ls -d /proc/[0-9]* | wc -l'
	assert_status 0
	# sh, and the ls and wc of the pipeline
	[ "$output" -le 3 ]
}

# ---- time namespace ------------------------------------------------------------------------------

@test "time namespace: timeOffsets are applied (timens_offsets)" {
	skip_if_runc "runc 1.1 has no time namespace support"
	add_namespace time
	update_config '.linux.timeOffsets = {"monotonic": {"secs": 86400, "nanosecs": 0},
		"boottime": {"secs": 172800, "nanosecs": 0}}'
	run_sh 'cat /proc/self/timens_offsets'
	assert_status 0
	grep -Eq '^monotonic +86400 +0$' <<<"$output"
	grep -Eq '^boottime +172800 +0$' <<<"$output"
}

@test "time namespace: the boottime offset shifts /proc/uptime inside" {
	skip_if_runc "runc 1.1 has no time namespace support"
	add_namespace time
	update_config '.linux.timeOffsets = {"boottime": {"secs": 172800}}'
	local host
	host="$(cut -d. -f1 /proc/uptime)"
	run_sh 'cut -d. -f1 /proc/uptime'
	assert_status 0
	[ "$output" -ge $((host + 172800)) ]
	[ "$output" -lt $((host + 172800 + 60)) ]
}

# ---- idmapped mounts (config.md "Mounts": uidMappings/gidMappings, options idmap/ridmap) ----------

@test "idmap mount: in a user namespace, host-root files belong to container root and new files to host root" {
	skip_if_runc "runc 1.1 has no idmapped mounts"
	use_userns
	local src="$UT/idsrc"
	mkdir -p "$src" && echo data >"$src/f" && chown 0:0 "$src/f" && chmod 0755 "$src"
	# The mapped root cannot create directories in a rootfs owned by host root (as with runc).
	mkdir -p "$BUNDLE/rootfs/data"
	add_mount "{\"destination\": \"/data\", \"type\": \"bind\", \"source\": \"$src\", \"options\": [\"rbind\", \"idmap\"]}"
	run_sh 'stat -c "%u:%g" /data/f; echo new > /data/g; grep " /data " /proc/self/mountinfo'
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | head -1)" = "0:0" ]
	echo "$output" | grep -q idmapped
	[ "$(stat -c %u:%g "$src/g")" = "0:0" ]
}

@test "idmap mount: a mount's own uidMappings map on-disk ids (containerID) to ids seen (hostID)" {
	skip_if_runc "runc 1.1 has no idmapped mounts"
	local src="$T/idsrc"
	mkdir -p "$src" && echo data >"$src/f" && chown 1000:1000 "$src/f"
	add_mount "{\"destination\": \"/data\", \"type\": \"bind\", \"source\": \"$src\", \"options\": [\"bind\", \"idmap\"],
		\"uidMappings\": [{\"containerID\": 1000, \"hostID\": 2000, \"size\": 1}],
		\"gidMappings\": [{\"containerID\": 1000, \"hostID\": 3000, \"size\": 1}]}"
	run_sh 'stat -c "%u:%g" /data/f'
	[ "$status" -eq 0 ]
	[ "$output" = "2000:3000" ]
	[ "$(stat -c %u:%g "$src/f")" = "1000:1000" ]
}

@test "idmap on a non-bind mount is refused, nothing left behind" {
	skip_if_runc "runc 1.1 has no idmapped mounts"
	add_mount '{"destination": "/data", "type": "tmpfs", "source": "tmpfs", "options": ["idmap"]}'
	try_create idmap-tmpfs
	[ "$status" -ne 0 ]
	echo "$output" | grep -q "only bind mounts can be idmapped"
}

@test "features advertises idmapped mounts and user namespaces" {
	skip_if_runc "runc 1.1 has no idmapped mounts"
	run "$HULL" features
	[ "$status" -eq 0 ]
	echo "$output" | jq -e '.linux.mountExtensions.idmap.enabled == true and (.linux.namespaces | index("user"))'
}

@test "a new user namespace together with a network namespace joined by path (intermediate process)" {
	skip_if_runc "runc 1.1 cannot mount sysfs for a joined network namespace owned by the host"
	spawn_ns_holder --net --uts
	use_userns
	add_namespace network "/proc/$HOLDER/ns/net"
	add_namespace uts "/proc/$HOLDER/ns/uts"
	update_config 'del(.hostname)'
	run_checker userns-join
	[ "$(cq .namespaces.net)" = "$(readlink "/proc/$HOLDER/ns/net")" ]
	[ "$(cq .namespaces.uts)" = "$(readlink "/proc/$HOLDER/ns/uts")" ]
	assert_new_ns user
	[ "$(cq .pid)" = 1 ]
	[ "$(cq .uid)" = 0 ]
}

# ---- network devices (config-linux.md "Network Devices") -----------------------------------------
# The "host" is a private network namespace made by unshare, so the machine's own network is
# never touched: hull runs inside it and moves a veth end from it into the container.

# in_private_net SCRIPT: bash -c SCRIPT in a new network namespace (with $HULL, $ROOT, $BUNDLE).
in_private_net() {
	unshare --net env HULL="$HULL" ROOT="$ROOT" BUNDLE="$BUNDLE" bash -c "$1"
}

@test "netDevices: a host device is moved, renamed, brought up and keeps its address" {
	skip_if_runc "runc 1.1 has no linux.netDevices"
	add_namespace network
	update_config '.linux.netDevices = {"hveth0": {"name": "ctr0"}}'
	set_args sh -c 'ip -o addr show dev ctr0; ip -o link show dev ctr0; ip -o link show dev hveth0 2>&1 || true'
	run in_private_net 'ip link add hveth0 type veth peer name hveth1 &&
		ip addr add 10.77.0.2/24 dev hveth0 &&
		"$HULL" --root "$ROOT" run --bundle "$BUNDLE" nd1 </dev/null &&
		echo "host-after: $(ip -o link show dev hveth0 2>&1 | head -c 40)"'
	[ "$status" -eq 0 ]
	[[ "$output" == *"ctr0"*"inet 10.77.0.2/24"* ]]
	[[ "$output" == *"ctr0"*"UP"* ]]
	[[ "$output" == *"host-after: "*"does not exist"* ]]
}

@test "netDevices: the host name is kept when no name is given" {
	skip_if_runc "runc 1.1 has no linux.netDevices"
	add_namespace network
	update_config '.linux.netDevices = {"hveth0": {}}'
	set_args sh -c 'ip -o link show dev hveth0 | cut -d: -f2'
	run in_private_net 'ip link add hveth0 type veth peer name hveth1 &&
		"$HULL" --root "$ROOT" run --bundle "$BUNDLE" nd2 </dev/null'
	[ "$status" -eq 0 ]
	[[ "$output" == *"hveth0"* ]]
}

@test "netDevices: a missing device fails create naming it, nothing left behind" {
	skip_if_runc "runc 1.1 has no linux.netDevices"
	add_namespace network
	update_config '.linux.netDevices = {"nosuchdev0": {"name": "ctr0"}}'
	run in_private_net '"$HULL" --root "$ROOT" create --bundle "$BUNDLE" nd3 </dev/null'
	[ "$status" -ne 0 ]
	[[ "$output" == *'"nosuchdev0"'*"no such device"* ]]
	no_state_left
}

@test "netDevices without a new network namespace, or with a bad name, is refused before anything is made" {
	skip_if_runc "runc 1.1 has no linux.netDevices"
	update_config '.linux.namespaces = [.linux.namespaces[] | select(.type != "network")]
		| .linux.netDevices = {"hveth0": {"name": "ctr0"}}'
	try_create nd4
	[ "$status" -ne 0 ]
	[[ "$output" == *"/linux/netDevices"* ]]
	add_namespace network
	update_config '.linux.netDevices = {"hveth0": {"name": "bad/name"}}'
	try_create nd5
	[ "$status" -ne 0 ]
	[[ "$output" == *"bad/name"* ]]
	no_state_left
}
