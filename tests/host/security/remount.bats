#!/usr/bin/env bats
# Escape battery, docs/security.md P6 (mount onto fds, not paths): the flags of a mount (ro,
# propagation) must land on the mount that was made, even when a racing sibling (one sharing a
# volume with the rootfs) swaps the destination for a symlink right after the mount. A remount
# that resolves the destination path again would be redirected to whatever the symlink names.
# The window is held open deterministically: a dry run under strace finds the syscall that
# attaches the mount, and the real run delays that one call's return by strace's delay injection
# while the test swaps the destination.

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

# attach_call LOG SRC DEST: "SYSCALL N" for the call of the init that attaches the bind of SRC at
# DEST (a host path, as `strace -y` prints the target fd), counted among that process's calls of
# the same syscall, as strace's when= counts them: mount(SRC, ...) for a bind by mount(2), or the
# move_mount onto DEST for a detached tree.
attach_call() {
	awk -v src="\"$2\"" -v dest="<$3>," '
		{ pid = $1; call = $2; sub(/\(.*/, "", call); n[pid, call]++ }
		call == "mount" && index($2, "mount(" src) == 1 { print "mount", n[pid, call]; exit }
		call == "move_mount" && index($0, dest) > 0 { print "move_mount", n[pid, call]; exit }' "$1"
}

# descendants PID: every process below PID.
descendants() {
	local c
	for c in $(pgrep -P "$1"); do
		echo "$c"
		descendants "$c"
	done
}

@test "P6: a ro bind whose destination is swapped for a symlink to / right after the mount stays read-only, and / is not remounted" {
	command -v strace >/dev/null || {
		echo "strace is a test dependency (make deps)" >&2
		return 1
	}
	local src="$SEC/ro-src" dest="$BUNDLE/rootfs/data"
	mkdir "$src" "$dest"
	echo data >"$src/marker"
	jq_config --arg src "$src" '.root.readonly = false
		| .mounts = [.mounts[0], {"destination": "/data", "type": "bind", "source": $src, "options": ["bind", "ro"]}] + .mounts[1:]'
	set_args sh -c 'awk "\$5 == \"/\" {print \"root\", substr(\$6, 1, 2)} \$5 == \"/data.moved\" {print \"data\", substr(\$6, 1, 2)}" /proc/self/mountinfo
		touch /data.moved/probe 2>/dev/null && echo data-writable; true'

	# the dry run: which call attaches /data
	closing_fds env "$(traced_env)" strace -f -qq -y -e trace=mount,move_mount -o "$T/dry.log" \
		"$HULL" --root "$ROOT" run --bundle "$BUNDLE" remount-dry </dev/null >"$T/dry.out" 2>&1 || {
		cat "$T/dry.out" >&2
		return 1
	}
	local call n
	read -r call n < <(attach_call "$T/dry.log" "$src" "$dest")
	[ -n "$n" ] || {
		echo "no call attaching $src at $dest in the dry run:" >&2
		cat "$T/dry.log" >&2
		return 1
	}
	echo "the mount is attached by call $n of $call" >&2

	# the real run: that call returns 3 s late; meanwhile /data becomes a symlink to /
	spawn_bg env "$(traced_env)" strace -f -qq -o /dev/null -e trace="$call" -e inject="$call:delay_exit=3000000:when=$n" \
		"$HULL" --root "$ROOT" run --bundle "$BUNDLE" remount-race </dev/null >"$T/race.out" 2>"$T/race.err"
	local pid="$BG_PID" i p init=
	for i in $(seq 200); do
		for p in $(descendants "$pid"); do
			if grep -qs " $dest " "/proc/$p/mountinfo"; then
				init="$p"
				break 2
			fi
		done
		sleep 0.02
	done
	[ -n "$init" ] || {
		echo "the bind at $dest never appeared" >&2
		return 1
	}
	mv "$dest" "$dest.moved"
	ln -s / "$dest"
	# the swap happened inside the window: the init is still stopped in the delayed call
	[ "$(sed 's/.*) //' "/proc/$init/stat" | cut -d' ' -f1)" = t ] || {
		echo "the window was missed: the init was no longer held after the swap" >&2
		return 1
	}
	status=0
	wait "$pid" || status=$?
	echo "status $status: $(cat "$T/race.out") / $(cat "$T/race.err")" >&2
	# the bind (now at /data.moved) is read-only and / is left as it was; failing is acceptable,
	# a redirected remount is not
	if [ "$status" -eq 0 ]; then
		[ "$(cat "$T/race.out")" = "$(printf 'root rw\ndata ro')" ]
	fi
	[ ! -e "$src/probe" ]
	[ "$(ls "$src")" = marker ]
}
