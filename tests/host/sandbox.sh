#!/usr/bin/env bash
# sandbox.sh COMMAND...: run one host suite (COMMAND, e.g. `bats tests/host/cli.bats`) as root in
# a cgroup, a cgroup namespace and a mount namespace of its own, with TMPDIR on a tmpfs of its own.
# CTest runs every host suite through it (tests/CMakeLists.txt), several at a time.
#
# Why each part:
#   - cgroups: a container's default cgroup is named after its ID, and many suites use the same
#     IDs; the cgroup suite reads whole hierarchies. Inside, every hierarchy of the machine is
#     mounted afresh with its root at the suite's own cgroup, so a suite sees the machine's layout
#     with nothing of the others in it, and hull places cgroups as it would on the bare machine.
#     The memory hierarchy and cgroup2 keep the shape of the development machines: the suite's
#     processes sit in a child of the namespace root ("suite"), as a supervisor confines every
#     process to a memory cgroup below the root (design.md, HULL_CGROUP_CONFINE), and the root's
#     controllers are enabled for its children, as on the machine's cgroup2 root.
#   - mounts: teardown compares the mount table before and after each test; a private copy holds
#     only this suite's mounts (the machine's own mounts are private, so nothing propagates).
#   - TMPDIR: bats' temporary directories hold a bundle copied per test. The machines' ext4 takes
#     about 1.5 ms to make an inode, a third of a second for the busybox bundle's ~300; tmpfs
#     takes a hundredth of that.
# The suite gets HULL_SANDBOX=1: every cgroup it sees is its own (tests/vm/suite/guest.bash).
# At the end the suite's cgroups must be empty and hold no cgroup but "suite": a process or a
# cgroup left behind is reported, removed, and fails the run.
set -euo pipefail

# cgroup_mounts: "MOUNTPOINT FSTYPE SUPEROPTIONS" of every cgroup and cgroup2 mount, in mount order.
cgroup_mounts() {
	awk '{
		for (i = 7; $i != "-"; i++) {}
		if ($(i + 1) == "cgroup" || $(i + 1) == "cgroup2") print $5, $(i + 1), $(i + 3)
	}' /proc/self/mountinfo
}

# own_cgroup FSTYPE SUPEROPTIONS: this process's cgroup in that hierarchy (/proc/self/cgroup).
own_cgroup() {
	local fstype="$1" opts=",$2," id ctrls path c
	while IFS=: read -r id ctrls path; do
		if [ "$fstype" = cgroup2 ]; then
			[ "$id" = 0 ] && [ -z "$ctrls" ] && { echo "$path"; return 0; }
			continue
		fi
		[ -n "$ctrls" ] || continue
		for c in ${ctrls//,/ }; do
			[[ "$opts" == *",$c,"* ]] && { echo "$path"; return 0; }
		done
	done </proc/self/cgroup
	echo "sandbox: no cgroup of this process in the $fstype hierarchy with $2" >&2
	return 1
}

# inside TMP COMMAND...: in the new namespaces, mount every hierarchy afresh (its root is now the
# suite's cgroup), move into the "suite" children, mount the tmpfs and run COMMAND.
inside() {
	local tmp="$1" mp fstype opts root
	shift
	while read -r mp fstype opts; do
		umount "$mp"
		opts=",$opts,"
		opts="${opts//,rw,/,}"
		opts="${opts#,}"
		opts="${opts%,}"
		mount -t "$fstype" ${opts:+-o "$opts"} "$fstype" "$mp"
		case "$fstype,$opts" in
		cgroup2,* | cgroup,*memory*) ;;
		*) continue ;;
		esac
		mkdir "$mp/suite"
		echo $$ >"$mp/suite/cgroup.procs"
		if [ "$fstype" = cgroup2 ]; then
			for root in $(cat "$mp/cgroup.controllers"); do
				echo "+$root" >"$mp/cgroup.subtree_control"
			done
		fi
	done < <(cgroup_mounts)
	mount -t tmpfs -o mode=1777 hull-suite "$tmp"
	export TMPDIR="$tmp" HULL_SANDBOX=1
	exec "$@"
}

# leftovers DIR: report what is left under a suite cgroup (processes, cgroups but "suite"), kill
# the processes; false if anything was.
leftovers() {
	local dir="$1" found=0 d pid
	while read -r d; do
		[ "$d" = "$dir/suite" ] && [ -z "$(cat "$d/cgroup.procs")" ] && continue
		[ "$d" = "$dir" ] || { echo "sandbox: cgroup left behind: $d" >&2; found=1; }
		for pid in $(cat "$d/cgroup.procs" 2>/dev/null); do
			echo "sandbox: process left in $d: $pid $(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)" >&2
			kill -9 "$pid" 2>/dev/null || true
			found=1
		done
	done < <(find "$dir" -type d)
	return $((found == 0 ? 0 : 1))
}

# remove_cgroup DIR: remove DIR and everything under it, deepest first, waiting for killed
# processes to leave.
remove_cgroup() {
	local i
	for i in $(seq 50); do
		find "$1" -depth -type d -exec rmdir {} + 2>/dev/null || true
		[ -d "$1" ] || return 0
		sleep 0.1
	done
	echo "sandbox: cannot remove $1" >&2
	return 1
}

main() {
	[ $# -gt 0 ] || { echo "usage: $0 COMMAND..." >&2; exit 2; }
	[ "$(id -u)" -eq 0 ] || { echo "sandbox: the host suites run as root" >&2; exit 1; }
	local name="hull-suite-$$" dirs=() mp fstype opts own dir rc=0
	while read -r mp fstype opts; do
		own="$(own_cgroup "$fstype" "$opts")"
		dir="$mp${own%/}/$name"
		mkdir "$dir"
		dirs+=("$dir")
		if [ -e "$dir/cpuset.cpus" ]; then
			cat "$dir/../cpuset.cpus" >"$dir/cpuset.cpus"
			cat "$dir/../cpuset.mems" >"$dir/cpuset.mems"
		fi
		# A new cgroup has no real-time budget, so none of its children could have one; the
		# machine's root has 95% of each second. Each suite gets 2%, enough for every suite at once.
		if [ -e "$dir/cpu.rt_runtime_us" ]; then
			echo 20000 >"$dir/cpu.rt_runtime_us"
		fi
	done < <(cgroup_mounts)
	local tmp
	tmp="$(mktemp -d "${TMPDIR:-/tmp}/sandbox.XXXXXX")"
	(
		for dir in "${dirs[@]}"; do
			echo "$BASHPID" >"$dir/cgroup.procs"
		done
		exec unshare --cgroup --mount --propagation private -- "$0" --inside "$tmp" "$@"
	) &
	local suite=$!
	# Interrupted (^C, a TERM): the suite gets the signal and ends; its cgroups are still cleared.
	trap 'kill -TERM "$suite" 2>/dev/null || true' INT TERM
	while kill -0 "$suite" 2>/dev/null; do
		wait "$suite" && rc=0 || rc=$?
	done
	trap - INT TERM
	for dir in "${dirs[@]}"; do
		leftovers "$dir" || rc=1
		remove_cgroup "$dir" || rc=1
	done
	rmdir "$tmp"
	exit "$rc"
}

if [ "${1:-}" = --inside ]; then
	shift
	inside "$@"
fi
main "$@"
