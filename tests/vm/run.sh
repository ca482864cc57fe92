#!/usr/bin/env bash
# tests/vm/run.sh [OPTIONS] [--] CMD [ARG...]
#
# Runs CMD as root in a throwaway qemu guest (TCG) that boots the distribution's kernel with
# cgroup_no_v1=all, so every cgroup v2 controller is available at /sys/fs/cgroup (or with another
# cgroup layout, --cgroup), and sees the host's root filesystem read-only under a tmpfs overlay:
# the same paths, binaries and files as here, while every write stays in the guest and vanishes
# with it. CMD gets this environment (exported bash functions too) plus HULL_VM=1 and
# HULL_VM_CGROUP=<layout>, this working directory (else /), no stdin; its stdout and stderr
# (pipes, not terminals) are relayed here as they come. run.sh exits with CMD's exit status.
#
# Options:
#   --cgroup LAYOUT  the guest's cgroup layout (default v2):
#                      v2      cgroup2 on /sys/fs/cgroup with every controller (cgroup_no_v1=all)
#                      v1      legacy: a tmpfs on /sys/fs/cgroup, one v1 hierarchy per controller
#                              (cpu,cpuacct and net_cls,net_prio shared), name=systemd; no cgroup2
#                      hybrid  v1 as above without hugetlb, and cgroup2 on /sys/fs/cgroup/unified
#                              with hugetlb only and an empty subtree_control (this host's layout)
#   --timeout S      kill the guest after S seconds (default $HULL_VM_TIMEOUT, else 300)
#   --mem MB         guest memory (default $HULL_VM_MEM, else 1024); the overlay's writes live in it
#   --smp N          guest CPUs (default $HULL_VM_SMP, else 2)
#   --cache DIR      where prepare.sh keeps the kernel and initramfs (default $HULL_VM_CACHE,
#                    else /var/cache/hull-vm)
#   -e NAME=VALUE    set a variable in CMD's environment (repeatable)
#   --append ARGS    more kernel command-line parameters
#   --console FILE   keep the guest kernel's console (ttyS0) in FILE
#   -v, --verbose    copy the guest kernel's console to stderr after the run
#
# Environment: HULL_VM_CPU (qemu -cpu model, default qemu64), HULL_VM_QEMU_EXTRA (more qemu
# arguments, word-split), HULL_VM_NO_PREPARE=1 (skip prepare.sh; the cache must be ready).
#
# Exit status: CMD's; 124 when the timeout killed the guest; 125 when the guest ended without
# reporting one (it failed to boot or panicked); 2 for a usage error; 127 when CMD is not found.
# On 124 and 125 the end of the guest's console is printed to stderr.
#
# Safe to run concurrently: every run has its own temporary directory and qemu process, and
# nothing is mounted on the host. Needs root (qemu reads the whole host root filesystem).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
timeout_s="${HULL_VM_TIMEOUT:-300}"
mem="${HULL_VM_MEM:-1024}"
smp="${HULL_VM_SMP:-2}"
cache="${HULL_VM_CACHE:-/var/cache/hull-vm}"
layout=v2
append=""
console=""
verbose=""
extra_env=()

usage() {
	sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}" >&2
	exit 2
}
while [ $# -gt 0 ]; do
	case "$1" in
	--timeout) timeout_s="$2"; shift 2 ;;
	--timeout=*) timeout_s="${1#*=}"; shift ;;
	--mem) mem="$2"; shift 2 ;;
	--mem=*) mem="${1#*=}"; shift ;;
	--smp) smp="$2"; shift 2 ;;
	--smp=*) smp="${1#*=}"; shift ;;
	--cache) cache="$2"; shift 2 ;;
	--cache=*) cache="${1#*=}"; shift ;;
	--cgroup) layout="$2"; shift 2 ;;
	--cgroup=*) layout="${1#*=}"; shift ;;
	-e | --env) extra_env+=("$2"); shift 2 ;;
	--env=*) extra_env+=("${1#*=}"); shift ;;
	--append) append="$append $2"; shift 2 ;;
	--append=*) append="$append ${1#*=}"; shift ;;
	--console) console="$2"; shift 2 ;;
	--console=*) console="${1#*=}"; shift ;;
	-v | --verbose) verbose=1; shift ;;
	-h | --help) usage ;;
	--) shift; break ;;
	-*) echo "run.sh: unknown option $1" >&2; usage ;;
	*) break ;;
	esac
done
[ $# -gt 0 ] || { echo "run.sh: no command given" >&2; usage; }
[[ "$timeout_s" =~ ^[0-9]+$ ]] || { echo "run.sh: --timeout wants seconds" >&2; exit 2; }
case "$layout" in
v2) cmdline="cgroup_no_v1=all" ;;
v1 | hybrid) cmdline="hullvm_cgroup=$layout" ;;
*) echo "run.sh: --cgroup wants v2, v1 or hybrid, got '$layout'" >&2; exit 2 ;;
esac
for kv in "${extra_env[@]}"; do
	[[ "$kv" =~ ^[A-Za-z_][A-Za-z0-9_]*= ]] || { echo "run.sh: -e wants NAME=VALUE, got '$kv'" >&2; exit 2; }
done

log() { printf 'hull-vm: %s\n' "$*" >&2; }
[ "$(id -u)" -eq 0 ] || { log "must run as root (qemu shares the whole root filesystem)"; exit 125; }

if [ -z "${HULL_VM_NO_PREPARE:-}" ]; then
	bash "$here/prepare.sh" "$cache"
fi

run="$(mktemp -d "${TMPDIR:-/tmp}/hull-vm.XXXXXX")"
qpid=""
relays=()
cleanup() {
	local rc=$?
	[ -n "$qpid" ] && kill "$qpid" 2>/dev/null && wait "$qpid" 2>/dev/null
	for p in "${relays[@]}"; do
		kill "$p" 2>/dev/null
	done
	rm -rf "$run"
	return $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# A shared lock on use.lock while the guest lives: prepare.sh removes an old kernel only when
# no guest holds it.
[ -d "$cache" ] || { log "no cache directory $cache (run tests/vm/prepare.sh)"; exit 125; }
exec 7>>"$cache/use.lock"
flock -s 7
boot="$(readlink -f "$cache/current")"
[ -f "$boot/ready" ] || { log "no prepared kernel in $cache (run tests/vm/prepare.sh)"; exit 125; }

# ---- the job ----------------------------------------------------------------------------------

# quote STRING: STRING in single quotes for /bin/sh.
quote() { printf "'%s'" "${1//\'/\'\\\'\'}"; }

mkdir "$run/job"
{
	echo "# written by tests/vm/run.sh"
	echo "cd $(quote "$PWD") 2>/dev/null || cd /"
	# env(1), not export: exported bash functions (BASH_FUNC_name%%, which a nested bats needs)
	# are not valid shell names.
	printf 'exec /usr/bin/env -i'
	while IFS= read -r -d '' kv; do
		case "${kv%%=*}" in
		PWD | OLDPWD | SHLVL | _) continue ;;
		esac
		printf ' \\\n\t%s' "$(quote "$kv")"
	done < <(env -0)
	# HULL_VM_CGROUP comes from the guest's init: the layout it mounted.
	# shellcheck disable=SC2016
	printf ' \\\n\t"HULL_VM_CGROUP=$HULL_VM_CGROUP"'
	for kv in HULL_VM=1 "${extra_env[@]}"; do
		printf ' \\\n\t%s' "$(quote "$kv")"
	done
	printf ' \\\n\t'
	for a in "$@"; do
		printf ' %s' "$(quote "$a")"
	done
	echo
} >"$run/job/job.sh"

# ---- the guest --------------------------------------------------------------------------------

# stdout and stderr come back over the guest's ttyS1 and ttyS2 into two FIFOs, copied here by two
# cats. This script holds each FIFO open for writing until qemu is gone, so a cat sees end-of-file
# only then, even if qemu never opened its end. (Write-only: should a cat die, qemu's writes fail
# instead of filling the FIFO and blocking.)
mkfifo "$run/stdout" "$run/stderr"
cat "$run/stdout" 7>&- &
relays+=($!)
exec 3>"$run/stdout"
cat "$run/stderr" >&2 3>&- 7>&- &
relays+=($!)
exec 4>"$run/stderr"

console_log="${console:-$run/console.log}"
: >"$console_log"

qemu=(
	qemu-system-x86_64
	-machine pc,accel=tcg -cpu "${HULL_VM_CPU:-qemu64}" -m "$mem" -smp "$smp"
	-nodefaults -no-user-config -display none -monitor none -no-reboot
	-kernel "$boot/kernel" -initrd "$boot/initrd.gz"
	-append "console=ttyS0 $cmdline quiet panic=-1 lpj=10000000 no_timer_check$append"
	-serial "file:$console_log" -serial "file:$run/stdout" -serial "file:$run/stderr"
	-fsdev "local,id=hostroot,path=/,security_model=none,readonly=on,multidevs=remap"
	-device virtio-9p-pci,fsdev=hostroot,mount_tag=hostroot
	-fsdev "local,id=hulljob,path=$run/job,security_model=none"
	-device virtio-9p-pci,fsdev=hulljob,mount_tag=hulljob
	${HULL_VM_QEMU_EXTRA:-}
)
# timeout(1) puts qemu in its own process group, so a terminal's ^C reaches this script (whose
# trap ends qemu), not qemu directly.
timeout --kill-after=10 "$timeout_s" "${qemu[@]}" </dev/null 3>&- 4>&- 7>&- &
qpid=$!
qrc=0
wait "$qpid" || qrc=$?
qpid=""
exec 3>&- 4>&-
wait "${relays[@]}" 2>/dev/null || true
relays=()

if [ -n "$verbose" ]; then
	sed 's/^/guest console: /' "$console_log" >&2
fi
show_console() {
	log "the end of the guest's console:"
	tail -n 40 "$console_log" | sed 's/^/guest console: /' >&2
}
if [ "$qrc" -eq 124 ] || [ "$qrc" -eq 137 ]; then
	log "timed out after $timeout_s s: the guest was killed"
	show_console
	exit 124
fi
if ! [ -s "$run/job/status" ]; then
	log "the guest ended without reporting an exit status (qemu exited with $qrc)"
	show_console
	exit 125
fi
exit "$(cat "$run/job/status")"
