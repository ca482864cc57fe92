#!/usr/bin/env bats
# Where hull's mounts and terminal must look as under runc: a
# read-only filesystem mount stays writable until everything beneath it is made (runc's
# finalizeRootfs), a tmpfs without mode= keeps the mode of the directory it covers (runc's main
# branch), the pty belongs to the process's user and the tty group (runc's
# fixStdioPermissions), bind sources the container's root cannot reach are opened by the
# runtime (runc's mount sources), and a bind whose source lies under an earlier mount of the
# same config sees that mount. Everything is checked from inside the container.

load ../helpers
load spec_helpers

setup_file() {
	hull_setup_file
}

setup() {
	spec_setup
	update_config '.root.readonly = false'
	RECV_PID=
}

teardown() {
	[ -z "$RECV_PID" ] || kill -9 "$RECV_PID" 2>/dev/null || true
	spec_teardown
}

# readonly_dev: the default /dev tmpfs with "ro" added.
readonly_dev() {
	update_config '(.mounts[] | select(.destination == "/dev") | .options) += ["ro"]'
}

# terminal_run ID: `hull create` + `start` of process.args with a terminal; what the process
# wrote to the pty lands in $T/tty.txt (carriage returns dropped).
terminal_run() {
	update_config '.process.terminal = true'
	recvtty "$T/console.sock" "$T/tty.out"
	CREATE_FLAGS=(--console-socket "$T/console.sock")
	create_container "$1"
	hull start "$1"
	wait "$RECV_PID"
	RECV_PID=
	tr -d '\r' <"$T/tty.out" >"$T/tty.txt"
}

# ---- read-only mounts with something beneath them ------------------------------------------------

@test "read-only tmpfs /dev: the container starts, /dev is read-only, its devices, links, pts, shm and mqueue work" {
	readonly_dev
	run_sh '
		grep -q " /dev ro," /proc/self/mountinfo && echo dev-ro
		touch /dev/new 2>/dev/null || echo dev-refuses-files
		echo x >/dev/null && head -c 4 /dev/zero | wc -c | grep -qx 4 && echo devices
		test -L /dev/fd && test -L /dev/stdout && test -L /dev/ptmx && echo links
		test -c /dev/pts/ptmx && grep -q " /dev/pts .* - devpts " /proc/self/mountinfo && echo pts
		touch /dev/shm/f && echo shm-writable
		grep -q " /dev/mqueue .* - mqueue " /proc/self/mountinfo && echo mqueue'
	assert_status 0
	[ "$output" = "$(printf '%s\n' dev-ro dev-refuses-files devices links pts shm-writable mqueue)" ]
}

@test "read-only tmpfs /dev with a terminal: /dev/console is the process's pty" {
	readonly_dev
	set_args sh -c 'grep -q " /dev ro," /proc/self/mountinfo && echo dev-ro; stat -c "%t:%T" /dev/console "$(tty)"'
	terminal_run rocon
	grep -qx dev-ro "$T/tty.txt"
	local devs
	devs="$(grep -x '[0-9a-f]*:[0-9a-f]*' "$T/tty.txt" | sort -u)"
	[ "$(wc -l <<<"$devs")" = 1 ]
	[ "${devs%%:*}" = 88 ] # UNIX98_PTY_SLAVE_MAJOR 136
}

@test "read-only tmpfs with a bind beneath it: the bind's mount point is made, then the tmpfs is read-only" {
	mkdir -p "$T/src"
	echo host-file >"$T/src/file"
	add_mount '{"destination": "/a", "type": "tmpfs", "source": "tmpfs", "options": ["ro", "nosuid"]}'
	add_mount "$(jq -n -c --arg s "$T/src" '{destination: "/a/b", type: "bind", source: $s, options: ["bind"]}')"
	run_sh '
		cat /a/b/file
		grep -q " /a ro,nosuid" /proc/self/mountinfo && echo a-ro
		touch /a/new 2>/dev/null || echo a-refuses-files
		touch /a/b/from-container && echo bind-writable'
	assert_status 0
	[ "$output" = "$(printf '%s\n' host-file a-ro a-refuses-files bind-writable)" ]
	[ -f "$T/src/from-container" ]
}

# ---- tmpfs modes ---------------------------------------------------------------------------------

@test "tmpfs without mode= keeps the mode of the directory it covers; mode= wins; a new directory gets 1777" {
	install -d -m 0710 "$BUNDLE/rootfs/m710"
	chmod 2710 "$BUNDLE/rootfs/m710"
	install -d -m 0700 "$BUNDLE/rootfs/explicit"
	rm -rf "$BUNDLE/rootfs/made"
	add_mount '{"destination": "/m710", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid"]}'
	add_mount '{"destination": "/explicit", "type": "tmpfs", "source": "tmpfs", "options": ["mode=750"]}'
	add_mount '{"destination": "/made", "type": "tmpfs", "source": "tmpfs"}'
	run_sh 'stat -c "%n %a" /m710 /explicit /made'
	assert_status 0
	[ "$output" = "$(printf '%s\n' '/m710 2710' '/explicit 750' '/made 1777')" ]
}

# ---- the terminal's owner ------------------------------------------------------------------------

@test "terminal with process.user 1000: the pty slave and /dev/console belong to 1000 and the tty group" {
	update_config '.process.user = {"uid": 1000, "gid": 1000}'
	set_args sh -c 'id -u; stat -c "%u:%g" "$(tty)" /dev/console'
	terminal_run ttyown
	[ "$(grep -x '[0-9]*:[0-9]*' "$T/tty.txt")" = "$(printf '%s\n' 1000:5 1000:5)" ]
}

@test "exec -d -t --user 1000:1000: the exec's pty belongs to 1000 and the tty group" {
	start_container ttyexec sleep 100
	recvtty "$T/exec.sock" "$T/exec.out"
	hull exec -d -t --user 1000:1000 --console-socket "$T/exec.sock" ttyexec \
		sh -c 'stat -c "%u:%g" "$(tty)"'
	wait "$RECV_PID"
	RECV_PID=
	[ "$(tr -d '\r' <"$T/exec.out" | grep -x '[0-9]*:[0-9]*')" = 1000:5 ]
}

# ---- bind sources ---------------------------------------------------------------------------------

# unreachable_sources: two bind sources, src-1/dir (relative to the bundle) and $BUNDLE/src-2/dir,
# each under a directory only host root may enter, on /m1 and /m2 (made beforehand: the mapped
# root may not create them in a rootfs owned by host root).
unreachable_sources() {
	local i
	for i in 1 2; do
		mkdir -p "$BUNDLE/src-$i/dir"
		echo "source-$i" >"$BUNDLE/src-$i/dir/file"
		chmod 0700 "$BUNDLE/src-$i"
		mkdir -p "$BUNDLE/rootfs/m$i"
	done
	add_mount '{"destination": "/m1", "type": "bind", "source": "src-1/dir", "options": ["bind"]}'
	add_mount "$(jq -n -c --arg s "$BUNDLE/src-2/dir" '{destination: "/m2", type: "bind", source: $s, options: ["rbind", "ro"]}')"
}

@test "user namespace: bind sources under directories only host root can enter are mounted, options kept" {
	use_userns
	unreachable_sources
	run_sh 'cat /m1/file /m2/file; touch /m2/new 2>/dev/null || echo m2-ro'
	assert_status 0
	[ "$output" = "$(printf '%s\n' source-1 source-2 m2-ro)" ]
}

@test "user namespace: exec into a container with unreachable bind sources sees them, --cwd into one" {
	use_userns
	unreachable_sources
	start_container usrc sleep 100
	run hull exec usrc cat /m1/file /m2/file
	assert_status 0
	[ "$output" = "$(printf '%s\n' source-1 source-2)" ]
	run hull exec --cwd /m1 usrc sh -c 'pwd; cat file'
	assert_status 0
	[ "$output" = "$(printf '%s\n' /m1 source-1)" ]
}

# ordered_tree [OPTIONS]: runc's mount-order case. Four binds of $BUNDLE/bind-src (some through
# symlinks) build a tree on /mnt; then binds (with OPTIONS, a JSON array, default ["rbind"]) whose
# sources are host paths under the rootfs, inside that tree, with destinations written as host
# paths under the rootfs too: each must see the mounts before it, so
# /final/x/y/z/z/x/y/z/x/file is a/x's.
ordered_tree() {
	local r="$BUNDLE/rootfs" src="$BUNDLE/bind-src" opts="${1:-[\"rbind\"]}" sub
	mkdir -p "$r/mnt" "$r/final"
	for sub in a/x b/y c/z; do
		mkdir -p "$src/$sub"
		echo "$sub" >"$src/$sub/file"
		ln -s "${sub%/*}" "$src/sym-${sub%/*}"
	done
	chmod o-rwx "$src"
	add_bind() {
		add_mount "$(jq -n -c --arg s "$1" --arg d "$2" --argjson o "$3" '{destination: $d, type: "bind", source: $s, options: $o}')"
	}
	add_bind "$src/a" /mnt '["bind"]'
	add_bind "$src/sym-b" /mnt/x '["bind"]'
	add_bind "$src/c" /mnt/x/y '["bind"]'
	add_bind "$src/sym-a" /mnt/x/y/z '["bind"]'
	add_bind "$r/mnt/x" "$r/mnt/x/y/z/x" "$opts"
	add_bind "$r/mnt/x/y" "$r/mnt/x/y/z" "$opts"
	add_bind "$r/mnt" "$r/final" "$opts"
}

@test "mount order: a bind whose source is under an earlier mount of the config sees that mount" {
	ordered_tree
	run_sh 'cat /final/x/y/z/z/x/y/z/x/file'
	assert_status 0
	[ "$output" = a/x ]
	# The destinations named places inside the root, not host paths recreated beneath it (runc
	# 1.1 mounts in the right places but also makes those directories; its main branch does not).
	is_runc || [ ! -e "$BUNDLE/rootfs$BUNDLE" ]
}

@test "mount order in a user namespace: sources beyond the container root's reach, then under earlier mounts" {
	skip_if_runc "runc 1.1 opens every bind source before the first mount"
	use_userns
	ordered_tree
	run_sh 'cat /final/x/y/z/z/x/y/z/x/file'
	assert_status 0
	[ "$output" = a/x ]
}

@test "mount order with idmapped binds in a user namespace: each tree is cloned at its turn, then mapped" {
	skip_if_runc "runc 1.1 has no idmapped mounts"
	use_userns
	ordered_tree '["rbind", "idmap"]'
	# Host root's files: unmapped (65534) through the plain binds, container root's through
	# the idmapped one.
	run_sh 'cat /final/x/y/z/z/x/y/z/x/file; stat -c %u /mnt /final'
	assert_status 0
	[ "$output" = "$(printf '%s\n' a/x 65534 0)" ]
}
