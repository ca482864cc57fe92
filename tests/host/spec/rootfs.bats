#!/usr/bin/env bats
# runtime-spec config.md "Root" and "Mounts", config-linux.md "Rootfs Mount Propagation",
# "Devices", "Default Devices", "Masked Paths", "Readonly Paths" and "Sysctl"; the symlink rules
# of docs/security.md (P5, P6, P9, P10). Everything is checked from inside the container.

load ../helpers
load spec_helpers

setup_file() {
	hull_setup_file
}

setup() {
	spec_setup
	# writable root unless a test says otherwise (the default spec has readonly: true)
	update_config '.root.readonly = false'
}

teardown() {
	spec_teardown
}

# host_mount ARGS... TARGET: `mount ARGS TARGET` on the host, undone at teardown.
host_mount() {
	mount "$@"
	SPEC_MOUNTS+=("${!#}")
}

# shared_rootfs: make $BUNDLE/rootfs a shared mount of its own on the host, so that slave
# propagation has a master to show.
shared_rootfs() {
	host_mount --bind "$BUNDLE/rootfs" "$BUNDLE/rootfs"
	mount --make-shared "$BUNDLE/rootfs"
}

# root_propagation: the optional fields of / in the container's mountinfo (sets $PROP).
root_propagation() {
	run_checker rootprop
	PROP="$(cq -c '[.mounts[] | select(.mount_point == "/")] | last | .propagation')"
}

# bind_src: a host directory $T/src with a file and a tmpfs submount at $T/src/sub.
bind_src() {
	mkdir -p "$T/src/sub"
	echo host-file >"$T/src/file"
	host_mount -t tmpfs -o size=1m hull-sub "$T/src/sub"
}

# ---- root ----------------------------------------------------------------------------------------

@test "root.path relative to the bundle, with the caller elsewhere" {
	update_config '.root.path = "rootfs"'
	cd /
	run_sh 'test -x /bin/hull-checker && echo ok'
	assert_status 0
	[ "$output" = ok ]
}

@test "root.path absolute" {
	mv "$BUNDLE/rootfs" "$T/elsewhere-rootfs"
	update_config ".root.path = \"$T/elsewhere-rootfs\""
	run_sh 'test -x /bin/hull-checker && echo ok'
	assert_status 0
	[ "$output" = ok ]
}

@test "root.readonly: / is mounted ro and writes fail with EROFS" {
	update_config '.root.readonly = true'
	run_checker ro
	mount_has / "" ro
	set_args hull-checker write /x
	run hull run --bundle "$BUNDLE" ro2 </dev/null
	assert_status 1
	jq -e '.errno == 30' <<<"$output"
}

@test "root.readonly false: / is mounted rw" {
	run_checker rw
	mount_has / "" rw
}

# ---- rootfsPropagation ---------------------------------------------------------------------------

@test "rootfsPropagation private: / has no propagation fields even from a shared source" {
	shared_rootfs
	update_config '.linux.rootfsPropagation = "private"'
	root_propagation
	[ "$PROP" = '[]' ]
}

@test "rootfsPropagation rprivate: / has no propagation fields even from a shared source" {
	shared_rootfs
	update_config '.linux.rootfsPropagation = "rprivate"'
	root_propagation
	[ "$PROP" = '[]' ]
}

@test "rootfsPropagation slave: / is a slave of the shared source (master:N)" {
	skip_if_runc "runc 1.1 applies a non-recursive slave to the namespace root, not the rootfs"
	shared_rootfs
	update_config '.linux.rootfsPropagation = "slave"'
	root_propagation
	jq -e 'length == 1 and (.[0] | startswith("master:"))' <<<"$PROP"
}

@test "rootfsPropagation rslave: / is a slave of the shared source (master:N)" {
	shared_rootfs
	update_config '.linux.rootfsPropagation = "rslave"'
	root_propagation
	jq -e 'length == 1 and (.[0] | startswith("master:"))' <<<"$PROP"
}

@test "rootfsPropagation shared: / is in a peer group (shared:N)" {
	skip_if_runc "runc 1.1 leaves the rootfs private for shared"
	update_config '.linux.rootfsPropagation = "shared"'
	root_propagation
	jq -e 'any(.[]; startswith("shared:"))' <<<"$PROP"
}

@test "rootfsPropagation rshared: / is in a peer group (shared:N)" {
	skip_if_runc "runc 1.1 leaves the rootfs private for rshared"
	update_config '.linux.rootfsPropagation = "rshared"'
	root_propagation
	jq -e 'any(.[]; startswith("shared:"))' <<<"$PROP"
}

@test "rootfsPropagation unbindable: / is unbindable" {
	skip_if_runc "runc 1.1 fails to bind an unbindable rootfs (EINVAL)"
	update_config '.linux.rootfsPropagation = "unbindable"'
	root_propagation
	[ "$PROP" = '["unbindable"]' ]
}

@test "rootfsPropagation runbindable: / is unbindable" {
	skip_if_runc "runc 1.1 fails to bind an unbindable rootfs (EINVAL)"
	update_config '.linux.rootfsPropagation = "runbindable"'
	root_propagation
	[ "$PROP" = '["unbindable"]' ]
}

@test "rootfsPropagation runbindable: binds from the host and the container's own cgroup (no cgroup namespace) are mounted; / ends unbindable" {
	skip_if_runc "runc 1.1 fails to bind an unbindable rootfs (EINVAL)"
	bind_src
	add_mount "{\"destination\": \"/mnt\", \"type\": \"bind\", \"source\": \"$T/src\", \"options\": [\"rbind\"]}"
	update_config '.linux.rootfsPropagation = "runbindable"
		| .linux.namespaces |= map(select(.type != "cgroup"))'
	jq -e '.mounts | map(select(.destination == "/sys/fs/cgroup" and .type == "cgroup")) | length == 1' "$BUNDLE/config.json"
	root_propagation
	[ "$PROP" = '["unbindable"]' ]
	mount_has /mnt ""
	mount_has /mnt/sub tmpfs
	mount_entry /mnt | jq -e '.propagation == ["unbindable"]'
	run_sh 'cat /mnt/file; ls /sys/fs/cgroup | grep -c .'
	assert_status 0
	local -a got
	mapfile -t got <<<"$output"
	[ "${got[0]}" = host-file ]
	[ "${got[1]}" -gt 0 ]
}

# ---- bind mounts ---------------------------------------------------------------------------------

@test "bind: the directory is visible, its submounts are not" {
	bind_src
	add_mount "{\"destination\": \"/mnt\", \"type\": \"bind\", \"source\": \"$T/src\", \"options\": [\"bind\"]}"
	run_checker bind
	mount_has /mnt ""
	[ "$(cq '[.mounts[] | select(.mount_point == "/mnt/sub")] | length')" = 0 ]
	run_sh 'cat /mnt/file'
	[ "$output" = host-file ]
}

@test "rbind: the directory and its submounts are visible" {
	bind_src
	add_mount "{\"destination\": \"/mnt\", \"type\": \"bind\", \"source\": \"$T/src\", \"options\": [\"rbind\"]}"
	run_checker rbind
	mount_has /mnt ""
	mount_has /mnt/sub tmpfs
}

@test "bind ro: the mount is read-only and writes fail with EROFS" {
	bind_src
	add_mount "{\"destination\": \"/mnt\", \"type\": \"bind\", \"source\": \"$T/src\", \"options\": [\"rbind\", \"ro\"]}"
	run_checker bindro
	mount_has /mnt "" ro
	set_args hull-checker write /mnt/new
	run hull run --bundle "$BUNDLE" bindro2 </dev/null
	assert_status 1
	jq -e '.errno == 30' <<<"$output"
	[ ! -e "$T/src/new" ]
}

@test "bind rw: writes reach the host directory" {
	bind_src
	add_mount "{\"destination\": \"/mnt\", \"type\": \"bind\", \"source\": \"$T/src\", \"options\": [\"rbind\", \"rw\"]}"
	set_args hull-checker write /mnt/new
	run hull run --bundle "$BUNDLE" bindrw </dev/null
	assert_status 0
	[ "$(cat "$T/src/new")" = hull-checker ]
}

@test "rro: a submount under a recursive read-only bind is read-only too" {
	bind_src
	add_mount "{\"destination\": \"/mnt\", \"type\": \"bind\", \"source\": \"$T/src\", \"options\": [\"rbind\", \"rro\"]}"
	run_checker rro
	mount_has /mnt "" ro
	mount_has /mnt/sub tmpfs ro
	set_args hull-checker write /mnt/sub/new
	run hull run --bundle "$BUNDLE" rro2 </dev/null
	assert_status 1
	jq -e '.errno == 30' <<<"$output"
}

@test "bind of a host file onto a destination that does not exist in the rootfs" {
	echo "a single file" >"$T/one-file"
	add_mount "{\"destination\": \"/etc/hull-one-file\", \"type\": \"bind\", \"source\": \"$T/one-file\", \"options\": [\"bind\", \"ro\"]}"
	run_sh 'test -f /etc/hull-one-file && cat /etc/hull-one-file'
	assert_status 0
	[ "$output" = "a single file" ]
}

@test "nested destinations: /a then /a/b are both mounted, /a/b on top of /a" {
	mkdir "$T/inner"
	echo inner >"$T/inner/marker"
	add_mount '{"destination": "/a", "type": "tmpfs", "source": "tmpfs", "options": ["size=1m"]}'
	add_mount "{\"destination\": \"/a/b\", \"type\": \"bind\", \"source\": \"$T/inner\", \"options\": [\"rbind\"]}"
	run_checker nested
	mount_has /a tmpfs
	mount_has /a/b ""
	local a_id b_parent
	a_id="$(mount_entry /a | jq .id)"
	b_parent="$(mount_entry /a/b | jq .parent)"
	[ "$a_id" = "$b_parent" ]
	run_sh 'cat /a/b/marker'
	[ "$output" = inner ]
}

# ---- per-mount propagation and options -----------------------------------------------------------

@test "per-mount propagation rshared: the mount is in a peer group" {
	bind_src
	add_mount "{\"destination\": \"/mnt\", \"type\": \"bind\", \"source\": \"$T/src\", \"options\": [\"rbind\", \"rshared\"]}"
	run_checker prop-shared
	mount_entry /mnt | jq -e '.propagation | any(startswith("shared:"))'
}

@test "per-mount propagation rslave: a bind of a shared host mount is its slave" {
	mkdir -p "$T/src"
	host_mount --bind "$T/src" "$T/src"
	mount --make-shared "$T/src"
	add_mount "{\"destination\": \"/mnt\", \"type\": \"bind\", \"source\": \"$T/src\", \"options\": [\"rbind\", \"rslave\"]}"
	run_checker prop-slave
	mount_entry /mnt | jq -e '.propagation | length == 1 and (.[0] | startswith("master:"))'
}

@test "per-mount propagation rprivate: a bind of a shared host mount has no propagation" {
	mkdir -p "$T/src"
	host_mount --bind "$T/src" "$T/src"
	mount --make-shared "$T/src"
	add_mount "{\"destination\": \"/mnt\", \"type\": \"bind\", \"source\": \"$T/src\", \"options\": [\"rbind\", \"rprivate\"]}"
	run_checker prop-private
	mount_entry /mnt | jq -e '.propagation == []'
}

@test "per-mount propagation runbindable: the mount is unbindable" {
	bind_src
	add_mount "{\"destination\": \"/mnt\", \"type\": \"bind\", \"source\": \"$T/src\", \"options\": [\"rbind\", \"runbindable\"]}"
	run_checker prop-unbindable
	mount_entry /mnt | jq -e '.propagation == ["unbindable"]'
}

@test "nosuid, nodev and noexec show in the mount options" {
	add_mount '{"destination": "/mnt", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "nodev", "noexec"]}'
	run_checker flags
	mount_has /mnt tmpfs nosuid nodev noexec
}

@test "noexec: running a binary from a noexec tmpfs fails with permission denied" {
	add_mount '{"destination": "/mnt", "type": "tmpfs", "source": "tmpfs", "options": ["noexec"]}'
	run_sh 'cp /bin/busybox /mnt/true && chmod 755 /mnt/true && /mnt/true; echo "rc=$?"'
	[ "$output" = rc=126 ]
	grep -qi "permission denied" "$T/sh.err"
}

@test "without noexec the same binary runs" {
	add_mount '{"destination": "/mnt", "type": "tmpfs", "source": "tmpfs", "options": ["exec"]}'
	run_sh 'cp /bin/busybox /mnt/true && chmod 755 /mnt/true && /mnt/true; echo "rc=$?"'
	[ "$output" = rc=0 ]
}

@test "noatime, relatime and strictatime show in the mount options" {
	add_mount '{"destination": "/a", "type": "tmpfs", "source": "tmpfs", "options": ["noatime"]}'
	add_mount '{"destination": "/b", "type": "tmpfs", "source": "tmpfs", "options": ["relatime"]}'
	add_mount '{"destination": "/c", "type": "tmpfs", "source": "tmpfs", "options": ["strictatime"]}'
	run_checker atime
	mount_has /a tmpfs noatime
	mount_has /b tmpfs relatime
	mount_lacks /c noatime relatime
}

@test "tmpfs size, mode, uid and gid: in the super options and on the mount root" {
	# (a destination that is not in the rootfs: runc copies an existing directory's mode over)
	add_mount '{"destination": "/scratch", "type": "tmpfs", "source": "tmpfs", "options": ["size=2m", "mode=1770", "uid=1000", "gid=1001"]}'
	# one run only: the first run leaves /scratch behind in the rootfs
	run_sh 'stat -c "%a %u:%g" /scratch; grep " /scratch " /proc/self/mountinfo'
	assert_status 0
	[ "$(head -n1 <<<"$output")" = "1770 1000:1001" ]
	local super
	super="$(tail -n1 <<<"$output" | sed 's/.* - //' | cut -d' ' -f3)"
	[[ ",$super," == *,size=2048k,* && ",$super," == *,mode=1770,* ]]
	[[ ",$super," == *,uid=1000,* && ",$super," == *,gid=1001,* ]]
}

# ---- symlinks in the rootfs (security.md P5/P6) --------------------------------------------------

@test "a destination through an absolute symlink lands inside the rootfs, host untouched" {
	local name="hull-spec-canary-$$-$BATS_TEST_NUMBER"
	[ ! -e "/etc/$name" ]
	ln -s /etc "$BUNDLE/rootfs/evil"
	add_mount "{\"destination\": \"/evil/$name\", \"type\": \"tmpfs\", \"source\": \"tmpfs\", \"options\": [\"size=1m\"]}"
	run_checker symlink-abs
	mount_has "/etc/$name" tmpfs
	[ ! -e "/etc/$name" ]
	[ -d "$BUNDLE/rootfs/etc/$name" ]
}

@test "a destination through a relative ../ symlink cannot leave the rootfs" {
	mkdir "$T/outside"
	echo canary >"$T/outside/canary"
	ln -s "../../../../../../../../../..$T/outside" "$BUNDLE/rootfs/up"
	add_mount '{"destination": "/up", "type": "tmpfs", "source": "tmpfs", "options": ["size=1m"]}'
	run_checker symlink-rel
	mount_has "$T/outside" tmpfs
	[ "$(cat "$T/outside/canary")" = canary ]
	[ "$(ls -A "$T/outside")" = canary ]
	[ -d "$BUNDLE/rootfs$T/outside" ]
}

# ---- devices -------------------------------------------------------------------------------------

@test "/dev has the default devices and /dev/ptmx -> pts/ptmx" {
	run_sh 'for d in null zero full random urandom tty; do stat -c "%n %F %t:%T" /dev/$d; done
		readlink /dev/ptmx; stat -c "%F %t:%T" /dev/pts/ptmx'
	assert_status 0
	[ "$output" = "$(printf '%s\n' '/dev/null character special file 1:3' \
		'/dev/zero character special file 1:5' '/dev/full character special file 1:7' \
		'/dev/random character special file 1:8' '/dev/urandom character special file 1:9' \
		'/dev/tty character special file 5:0' 'pts/ptmx' 'character special file 5:2')" ]
}

@test "linux.devices: a char device with fileMode, uid and gid" {
	update_config '.linux.devices = [{"path": "/dev/mynull", "type": "c", "major": 1, "minor": 3,
		"fileMode": 384, "uid": 1000, "gid": 1000}]'
	run_sh 'stat -c "%F %t:%T %a %u:%g" /dev/mynull'
	assert_status 0
	[ "$output" = "character special file 1:3 600 1000:1000" ]
}

@test "linux.devices: a fifo device outside /dev" {
	update_config '.linux.devices = [{"path": "/run/myfifo", "type": "p", "fileMode": 420}]'
	run_sh 'stat -c "%F %a" /run/myfifo'
	assert_status 0
	[ "$output" = "fifo 644" ]
}

# ---- masked and read-only paths ------------------------------------------------------------------

@test "maskedPaths: a masked file reads empty and a write does not reach it" {
	echo secret >"$BUNDLE/rootfs/etc/hull-secret"
	update_config '.linux.maskedPaths += ["/etc/hull-secret"]'
	run_sh 'cat /etc/hull-secret; echo overwritten >/etc/hull-secret 2>/dev/null; cat /etc/hull-secret; echo end'
	[ "$output" = end ]
	[ "$(cat "$BUNDLE/rootfs/etc/hull-secret")" = secret ]
}

@test "maskedPaths: a masked directory is an empty read-only tmpfs" {
	mkdir "$BUNDLE/rootfs/etc/hull-secret.d"
	echo secret >"$BUNDLE/rootfs/etc/hull-secret.d/key"
	update_config '.linux.maskedPaths += ["/etc/hull-secret.d"]'
	run_checker masked-dir
	mount_has /etc/hull-secret.d tmpfs ro
	run_sh 'ls -A /etc/hull-secret.d; touch /etc/hull-secret.d/x 2>&1; echo end'
	[ "$(tail -n1 <<<"$output")" = end ]
	[[ "$output" == *"Read-only file system"* ]]
	[ "$(head -n1 <<<"$output")" != key ]
}

@test "maskedPaths: a path missing from the rootfs is skipped" {
	update_config '.linux.maskedPaths += ["/no/such/path"]'
	run_sh 'echo ok'
	assert_status 0
	[ "$output" = ok ]
}

@test "readonlyPaths: writes under a read-only path fail with EROFS" {
	mkdir "$BUNDLE/rootfs/data"
	update_config '.linux.readonlyPaths += ["/data"]'
	set_args hull-checker write /data/x
	run hull run --bundle "$BUNDLE" ropath </dev/null
	assert_status 1
	jq -e '.errno == 30' <<<"$output"
	[ ! -e "$BUNDLE/rootfs/data/x" ]
}

# ---- sysctl --------------------------------------------------------------------------------------

@test "sysctl net.ipv4.ip_forward=1 in a new network namespace; the host keeps its value" {
	local host
	host="$(cat /proc/sys/net/ipv4/ip_forward)"
	update_config '.linux.sysctl = {"net.ipv4.ip_forward": "1"}'
	run_sh 'cat /proc/sys/net/ipv4/ip_forward'
	assert_status 0
	[ "$output" = 1 ]
	[ "$(cat /proc/sys/net/ipv4/ip_forward)" = "$host" ]
}

@test "sysctl kernel.msgmax in a new ipc namespace; the host keeps its value" {
	local host
	host="$(cat /proc/sys/kernel/msgmax)"
	update_config '.linux.sysctl = {"kernel.msgmax": "4242"}'
	run_sh 'cat /proc/sys/kernel/msgmax'
	assert_status 0
	[ "$output" = 4242 ]
	[ "$(cat /proc/sys/kernel/msgmax)" = "$host" ]
}

@test "a net.* sysctl without a new network namespace is refused, naming the key" {
	remove_namespace network
	update_config '.linux.sysctl = {"net.ipv4.ip_forward": "1"}'
	local id="sysctl-hostnet-$$" host
	host="$(cat /proc/sys/net/ipv4/ip_forward)"
	set_args true
	try_create "$id"
	[ "$status" -ne 0 ]
	assert_output_contains net.ipv4.ip_forward
	nothing_left "$id"
	[ "$(cat /proc/sys/net/ipv4/ip_forward)" = "$host" ]
}

@test "tmpcopyup: a tmpfs over an image directory starts with a copy of its contents" {
	skip_if_runc "runc 1.1 knows tmpcopyup, but this suite checks hull's copy of modes and links"
	mkdir -p "$BUNDLE/rootfs/opt/app/sub"
	echo payload >"$BUNDLE/rootfs/opt/app/sub/file"
	chmod 0640 "$BUNDLE/rootfs/opt/app/sub/file"
	ln -s sub/file "$BUNDLE/rootfs/opt/app/link"
	add_mount '{"destination": "/opt/app", "type": "tmpfs", "source": "tmpfs", "options": ["tmpcopyup", "mode=755"]}'
	run_sh 'grep " /opt/app " /proc/self/mountinfo | grep -q tmpfs && cat /opt/app/link && stat -c %a /opt/app/sub/file && echo changed > /opt/app/sub/file'
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | sed -n 1p)" = payload ]
	[ "$(echo "$output" | sed -n 2p)" = 640 ]
	# The write went to the tmpfs, not to the image.
	[ "$(cat "$BUNDLE/rootfs/opt/app/sub/file")" = payload ]
}
