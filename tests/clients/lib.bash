# Helpers for the real-client suite: start and stop containerd, dockerd and podman with
# private state under a temporary directory, pointed at hull. Loaded by
# tests/clients/*.bats (`load lib`).
#
# Everything lives under $CL (a short /tmp directory, as unix socket paths are limited to 108
# bytes): engine roots, state, sockets, configs, and $CL/bin with the hull shim. Nothing of the
# host is changed: no daemon.json, containers.conf or containerd config outside $CL, no network
# (containers get `none`, dockerd has no bridge and no iptables), no cgroup mount touched.
#
# The shim $CL/bin/hull (also installed as $CL/bin/runc, for containerd's shim, which runs the
# `runc` first in its PATH) appends every invocation to $CL/calls.log:
#   <time> <pid> ARGV: <argv...>
#   <time> <pid> EXIT <status> [last error record of --log]
# and runs $HULL with HULL_CGROUP_CONFINE=memory (design.md: container memory cgroups must stay
# beneath the supervisor's). With HULL_CLIENTS_TRACE_STDERR=1 it also copies the runtime's
# stderr into calls.log (this puts a tee between a detached container and its stderr, so it is
# off by default). While $CL/create-kill-after holds a duration (timeout(1)'s form, "0.015"), a
# `create` is SIGKILLed that long after it starts, as an engine or the OOM killer might; while
# $CL/create-fault holds a fault (a HULL_FAULTS build's HULL_FAULT=POINT:ACTION), every call gets it.
#
# Every daemon is started with its pid recorded in $CL/pids/NAME and stopped by that pid
# (SIGTERM, then SIGKILL after a grace period). clients_teardown_file checks that no process,
# mount, cgroup or state directory made by the engines survives.

HULL_SOURCE_DIR="${HULL_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
export HULL_SOURCE_DIR
if [ -z "${HULL:-}" ]; then
	HULL="$(command -v hull || true)"
fi
export HULL
export HULL_CGROUP_CONFINE=memory

# The Debian packages' binaries (a docker CLI elsewhere in PATH may be a different release).
DOCKER=/usr/bin/docker
DOCKERD=/usr/sbin/dockerd
CTR=/usr/bin/ctr
CONTAINERD=/usr/bin/containerd
PODMAN=/usr/bin/podman
IMAGE_REF=docker.io/library/busybox:hull

# ---- per file ----------------------------------------------------------------------------------

# clients_setup_file: install the engines (setup.sh), make $CL with the hull shim, snapshot
# mounts and cgroups. Sets IMAGE_TAR.
clients_setup_file() {
	[ "$(id -u)" -eq 0 ] || { echo "the client tests must run as root" >&2; return 1; }
	[ -n "$HULL" ] && [ -x "$HULL" ] || { echo "HULL is not an executable (got '${HULL:-}')" >&2; return 1; }
	HULL="$(readlink -f "$HULL")"
	IMAGE_TAR="$("$HULL_SOURCE_DIR/tests/clients/setup.sh" --hull "$HULL" "${HULL_CLIENTS_CACHE:-/var/cache/hull-clients}")" || return 1
	export IMAGE_TAR
	CL="$(mktemp -d /tmp/hull-cl.XXXXXX)"
	chmod 0755 "$CL"
	export CL
	mkdir -p "$CL/bin" "$CL/pids" "$CL/logs"
	make_shim "$CL/bin/hull"
	ln -s hull "$CL/bin/runc"
	mount_points >"$CL/mounts.before"
	host_paths >"$CL/paths.before"
	cgroup_dirs >"$CL/cgroups.before"
	: >"$CL/calls.log"
}

# make_shim PATH: the logging wrapper around $HULL.
make_shim() {
	cat >"$1" <<SHIM
#!/bin/bash
# hull shim for the client tests: log argv and status to $CL/calls.log.
log=$CL/calls.log
printf '%s %s ARGV:' "\$(date +%T.%N)" "\$\$" >>"\$log"
printf ' %q' "\$@" >>"\$log"
echo >>"\$log"
export HULL_CGROUP_CONFINE=memory
kill_after=
if [ -f $CL/create-fault ]; then
	export HULL_FAULT=\$(cat $CL/create-fault)
fi
if [ -f $CL/create-kill-after ]; then
	for a in "\$@"; do [ "\$a" != create ] || kill_after=\$(cat $CL/create-kill-after); done
fi
if [ -n "\$kill_after" ]; then
	# --foreground: the signal reaches hull alone, not the container child it made.
	timeout --foreground -s KILL "\$kill_after" $HULL "\$@"
elif [ "\${HULL_CLIENTS_TRACE_STDERR:-0}" = 1 ]; then
	$HULL "\$@" 2> >(while IFS= read -r l; do printf '%s %s STDERR: %s\n' "\$(date +%T.%N)" "\$\$" "\$l" >>"\$log"; printf '%s\n' "\$l" >&2; done)
else
	$HULL "\$@"
fi
rc=\$?
logf=
prev=
for a in "\$@"; do
	case "\$prev" in --log) logf=\$a ;; esac
	case "\$a" in --log=*) logf=\${a#--log=} ;; esac
	prev=\$a
done
last=
if [ \$rc -ne 0 ] && [ -n "\$logf" ] && [ -f "\$logf" ]; then last=\$(tail -n1 "\$logf"); fi
printf '%s %s EXIT %s %s\n' "\$(date +%T.%N)" "\$\$" "\$rc" "\$last" >>"\$log"
exit \$rc
SHIM
	chmod 0755 "$1"
}

# clients_teardown_file: stop every engine still recorded (by pid), then fail if anything is
# left: a process of ours, a mount, a cgroup, a container state directory.
clients_teardown_file() {
	[ -n "${CL:-}" ] && [ -d "$CL" ] || return 0
	local failed=0 f name
	for f in "$CL"/pids/*; do
		[ -e "$f" ] || continue
		name="$(basename "$f")"
		stop_daemon "$name" || failed=1
	done
	# Runtime states: the shim and conmon call hull with roots under $CL.
	# hull's state roots: <root>/<container id>/ directories.
	local left
	left="$(find "$CL"/containerd/runtime-state "$CL"/docker/exec/runtime-* -mindepth 2 -maxdepth 2 2>/dev/null)"
	[ -z "$left" ] || left="$left $(ls -l $left 2>&1)"
	if [ -n "$left" ]; then
		echo "teardown: hull state left: $left" >&2
		failed=1
	fi
	# Processes: nothing may still have $CL on its command line or as its executable.
	local p
	for p in $(grep -laF -- "$CL" /proc/[0-9]*/cmdline 2>/dev/null | cut -d/ -f3); do
		[ -r "/proc/$p/cmdline" ] || continue
		[ "$p" != "$$" ] && [ "$p" != "$BASHPID" ] || continue
		[ "$(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | cut -d' ' -f1)" != grep ] || continue
		[ -e "/proc/$p" ] || continue
		echo "teardown: process $p left: $(tr "\0" " " <"/proc/$p/cmdline" 2>/dev/null)" >&2
		failed=1
	done
	# Host paths the engines write to whatever their configuration says (see host_paths): if we
	# made them, they must hold nothing but empty directories and caches; then they go.
	local hp junk
	while read -r hp; do
		[ -n "$hp" ] || continue
		junk="$(find "$hp" -mindepth 1 ! -type d ! -name 'blob-info-cache-v1.boltdb' 2>/dev/null)"
		if [ -n "$junk" ]; then
			echo "teardown: left on the host: $junk" >&2
			failed=1
		else
			rm -rf "$hp"
		fi
	done < <(comm -13 "$CL/paths.before" <(host_paths))
	# Mounts.
	local extra
	extra="$(comm -13 "$CL/mounts.before" <(mount_points))"
	if [ -n "$extra" ]; then
		echo "teardown: mounts left behind:" >&2
		echo "$extra" >&2
		failed=1
		local mp
		while read -r mp _; do
			case "$mp" in "$CL"/*) umount -l "$mp" 2>/dev/null || true ;; esac
		done < <(sort -r <<<"$extra")
	fi
	# cgroups: engines leave their parent directories (/docker, /libpod_parent, /<namespace>) as
	# runc does; remove those when empty. A leaf that still exists is a failure.
	local d
	while read -r d; do
		[ -n "$d" ] || continue
		if rmdir "$d" 2>/dev/null; then
			continue
		fi
		[ -d "$d" ] || continue
		echo "teardown: cgroup left: $d ($(wc -l <"$d/cgroup.procs" 2>/dev/null) processes)" >&2
		failed=1
	done < <(comm -13 "$CL/cgroups.before" <(cgroup_dirs) | sort -r)
	if [ "$failed" = 0 ] && [ "${HULL_CLIENTS_KEEP:-0}" != 1 ]; then
		rm -rf "$CL"
	else
		echo "teardown: kept $CL (calls.log, logs/)" >&2
	fi
	return "$failed"
}

# ---- daemons -----------------------------------------------------------------------------------

# start_daemon NAME LOGFILE CMD...: start CMD in the background (its own session), record its pid.
start_daemon() {
	local name="$1" log="$2"
	shift 2
	setsid "$@" </dev/null >>"$log" 2>&1 &
	echo $! >"$CL/pids/$name"
}

# daemon_running PID: PID runs and is not exiting. A process that is on its way out shows
# State Z (zombie, while a multi-threaded leader waits for its threads) or X (dead), and its
# status file can vanish between two reads: each of those counts as gone.
daemon_running() {
	local state
	state="$(grep '^State:' "/proc/$1/status" 2>/dev/null)" || return 1
	[[ "$state" != *Z* && "$state" != *X* ]]
}

# stop_daemon NAME: SIGTERM the recorded pid, wait up to 20 s, then SIGKILL.
stop_daemon() {
	local name="$1" f="$CL/pids/$1" pid i
	[ -f "$f" ] || return 0
	pid="$(cat "$f")"
	if daemon_running "$pid"; then
		kill -TERM "$pid" 2>/dev/null || true
		for i in $(seq 200); do
			daemon_running "$pid" || break
			sleep 0.1
		done
		if daemon_running "$pid"; then
			echo "teardown: $name ($pid) ignored SIGTERM; killing it" >&2
			kill -KILL "$pid" 2>/dev/null || true
			rm -f "$f"
			return 1
		fi
	fi
	wait "$pid" 2>/dev/null || true
	rm -f "$f"
}

# wait_for_socket PATH NAME [TRIES]: poll every 0.1 s for a unix socket; show the log if not.
wait_for_socket() {
	local i
	for i in $(seq "${3:-200}"); do
		[ -S "$1" ] && return 0
		sleep 0.1
	done
	echo "$2 did not create $1; its log:" >&2
	tail -n 30 "$CL/logs/$2.log" >&2
	return 1
}

# ---- containerd --------------------------------------------------------------------------------

# start_containerd NAME: a containerd with root, state and sockets under $CL/NAME, the overlayfs
# snapshotter (its root under $CL), no CRI plugin, and $CL/bin first in PATH so that the
# runc v2 shim runs the hull shim whenever it runs `runc`. Sets CTRD_SOCK.
start_containerd() {
	local name="${1:-containerd}" dir="$CL/${1:-containerd}"
	# The shim's --root for hull is <runc-root>/<namespace>; the tests pass
	# --runc-root $dir/runtime-state (dockerd passes <exec-root>/runtime-runc/moby). Neither
	# exists: the runtime makes a missing root with all its parents, as runc's MkdirAll does.
	mkdir -p "$dir/root" "$dir/state"
	cat >"$dir/config.toml" <<TOML
version = 2
root = "$dir/root"
state = "$dir/state"
disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.aufs", "io.containerd.tracing.processor.v1.otlp", "io.containerd.internal.v1.tracing"]
[grpc]
  address = "$dir/c.sock"
[ttrpc]
  address = "$dir/c.sock.ttrpc"
[debug]
  address = "$dir/debug.sock"
[metrics]
  address = ""
[plugins."io.containerd.runtime.v1.linux"]
  runtime = "runc"
[plugins."io.containerd.grpc.v1.cri"]
[plugins."io.containerd.snapshotter.v1.overlayfs"]
  root_path = "$dir/root/overlay"
TOML
	CTRD_SOCK="$dir/c.sock"
	export CTRD_SOCK
	start_daemon "$name" "$CL/logs/$name.log" env PATH="$CL/bin:$PATH" \
		"$CONTAINERD" --config "$dir/config.toml" --log-level debug
	wait_for_socket "$CTRD_SOCK" "$name"
	local i
	for i in $(seq 100); do
		"$CTR" --address "$CTRD_SOCK" version >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	echo "containerd never answered" >&2
	return 1
}

# ctr ARGS...: the ctr client against our containerd, namespace "hull".
ctr() {
	"$CTR" --address "$CTRD_SOCK" --namespace hull "$@"
}

# ---- dockerd -----------------------------------------------------------------------------------

# start_dockerd: dockerd with data-root, exec-root, pidfile and socket under $CL/docker, using
# the containerd started by start_containerd (namespace moby), no bridge, no iptables, vfs
# storage, cgroupfs, the hull runtime as "hull". Sets DOCKER_HOST.
start_dockerd() {
	local dir="$CL/docker"
	mkdir -p "$dir/data" "$dir/exec" "$dir/config"
	jq -n --arg hull "$CL/bin/hull" --arg key "$dir/config/key.json" '{
		"deprecated-key-path": $key,
		"runtimes": {"hull": {"path": $hull}},
		"storage-driver": "vfs",
		"exec-opts": ["native.cgroupdriver=cgroupfs"],
		"iptables": false,
		"ip6tables": false,
		"ip-forward": false,
		"ip-masq": false,
		"bridge": "none",
		"userland-proxy": false,
		"log-driver": "json-file",
		"features": {"buildkit": false}
	}' >"$dir/daemon.json"
	DOCKER_HOST="unix://$dir/d.sock"
	export DOCKER_HOST
	# DOCKER_RAMDISK unset (no --no-pivot). --config-file keeps /etc/docker out of it.
	start_daemon dockerd "$CL/logs/dockerd.log" env -u DOCKER_RAMDISK PATH="$CL/bin:$PATH" \
		"$DOCKERD" --config-file "$dir/daemon.json" --data-root "$dir/data" --exec-root "$dir/exec" \
		--pidfile "$dir/docker.pid" -H "$DOCKER_HOST" --containerd "$CTRD_SOCK" \
		--containerd-namespace moby --containerd-plugins-namespace moby-plugins --debug
	wait_for_socket "$dir/d.sock" dockerd 300
	local i
	for i in $(seq 200); do
		"$DOCKER" version >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	echo "dockerd never answered; its log:" >&2
	tail -n 30 "$CL/logs/dockerd.log" >&2
	return 1
}

docker() {
	"$DOCKER" "$@"
}

# ---- podman ------------------------------------------------------------------------------------

# setup_podman: containers.conf, storage.conf and registries.conf under $CL/podman (podman has
# no daemon), and the script $CL/bin/podman-cl that runs podman with them, with
# --root/--runroot/--tmpdir there and --runtime $CL/bin/hull.
setup_podman() {
	local dir="$CL/podman"
	mkdir -p "$dir/root" "$dir/runroot" "$dir/tmp" "$dir/net" "$dir/volumes"
	# No CAP_SYS_RESOURCE here: podman's defaults for root (nofile and nproc 1048576) are above
	# the hard limits and cannot be set, by any runtime. Stay within them: nofile at most 20000,
	# nproc at most 32768 (conmon, and so the runtime, run with a hard nproc of 32768 here even
	# where podman's caller has more).
	local nofile nproc
	nofile="$(ulimit -Hn)"
	{ [ "$nofile" = unlimited ] || [ "$nofile" -gt 20000 ]; } && nofile=20000
	nproc="$(ulimit -Hu)"
	{ [ "$nproc" = unlimited ] || [ "$nproc" -gt 32768 ]; } && nproc=32768
	cat >"$dir/containers.conf" <<CONF
[containers]
default_ulimits = ["nofile=$nofile:$nofile", "nproc=$nproc:$nproc"]
netns = "none"
log_driver = "k8s-file"
[network]
network_config_dir = "$dir/net"
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$dir/events.log"
tmp_dir = "$dir/tmp"
static_dir = "$dir/root/libpod"
volume_path = "$dir/volumes"
lock_type = "file"
runtime = "hull"
runtime_supports_json = ["hull", "runc", "crun"]
[engine.runtimes]
hull = ["$CL/bin/hull"]
CONF
	cat >"$dir/storage.conf" <<CONF
[storage]
driver = "vfs"
graphroot = "$dir/root"
runroot = "$dir/runroot"
CONF
	printf 'unqualified-search-registries = []\n' >"$dir/registries.conf"
	cat >"$CL/bin/podman-cl" <<SCRIPT
#!/bin/sh
export CONTAINERS_CONF="$dir/containers.conf" CONTAINERS_STORAGE_CONF="$dir/storage.conf"
export CONTAINERS_REGISTRIES_CONF="$dir/registries.conf" HULL_CGROUP_CONFINE=memory
exec $PODMAN --root "$dir/root" --runroot "$dir/runroot" --tmpdir "$dir/tmp" \\
	--storage-driver vfs --cgroup-manager cgroupfs --events-backend file \\
	--network-config-dir "$dir/net" --runtime "$CL/bin/hull" "\$@"
SCRIPT
	chmod 0755 "$CL/bin/podman-cl"
}

# podman ARGS...: podman with the private configuration.
podman() {
	"$CL/bin/podman-cl" "$@"
}

# ---- checks ------------------------------------------------------------------------------------

# mount_points: the host's mount table (mount point and source root), sorted. Temporary
# directories of other tests that may run at the same time (other /tmp/* trees) are left out;
# the engines' own places (/run, /var, $CL) are all kept.
mount_points() {
	awk '{print $5, $4}' /proc/self/mountinfo |
		awk -v mine="${CL:-/nonexistent}" 'index($1, "/tmp/") != 1 || index($1, mine) == 1' | sort
}

# cgroup_dirs: every directory in the host's cgroup hierarchies, sorted.
# host_paths: the host places the engines use even with private roots, those that exist:
# containerd's shim sockets (/run/containerd/s) and default fifo dir, dockerd's plugin
# directory (/run/docker/plugins), podman's blob-info cache (/var/lib/containers/cache) and its
# shm lock, hull's default root (/run/hull: podman passes no --root), /etc/docker (key.json
# without deprecated-key-path), netns bind mounts.
host_paths() {
	local p
	for p in /run/containerd /run/docker /var/lib/containers /run/hull /etc/docker/key.json /run/netns \
		/run/containers /run/libpod /dev/shm/libpod_lock /var/lib/docker /var/lib/containerd; do
		[ -e "$p" ] && echo "$p"
	done | sort
}

# cgroup_dirs: the cgroup directories the engines' containers can be placed in, sorted: the
# parents the engines use under the cgroupfs driver (containerd: /<namespace>, here /hull and
# /moby; Docker: /docker; Podman: /libpod_parent; systemd-style: machine.slice, system.slice)
# and everything beneath them, in every hierarchy (memory: beneath our own memory cgroup,
# HULL_CGROUP_CONFINE). Other tests running at the same time make cgroups of their own
# elsewhere; those are not ours to judge.
cgroup_dirs() {
	local own
	own="$(awk -F: '$2 == "memory" {print $3}' /proc/self/cgroup)"
	[ "$own" != / ] || own=""
	find /sys/fs/cgroup -mindepth 1 -type d 2>/dev/null |
		awk -v ownmem="/sys/fs/cgroup/memory$own" '
			{
				p = $0
				if (index(p, ownmem "/") == 1) rel = substr(p, length(ownmem) + 1)
				else { rel = p; sub("^/sys/fs/cgroup/[^/]+", "", rel) }
				if (rel ~ "^/(hull|moby|docker|libpod_parent|machine\\.slice|system\\.slice)(/|$)") print p
			}' | sort
}

# hull_calls [PATTERN]: the argv lines of the shim log (matching PATTERN).
hull_calls() {
	grep -E " ARGV:.*${1:-}" "$CL/calls.log" || true
}

# hull_failures: the EXIT lines with a non-zero status, with the argv that produced them.
hull_failures() {
	awk '/ ARGV:/ {argv[$2] = $0} / EXIT / && $4 != 0 {print argv[$2]; print}' "$CL/calls.log"
}

# in_pty CMD...: run CMD under a pty (util-linux script), its output (CRLF stripped) on stdout.
in_pty() {
	local cmd
	cmd="$(printf ' %q' "$@")"
	script -qefc "$cmd" /dev/null </dev/null | tr -d '\r'
	return "${PIPESTATUS[0]}"
}

# wait_until TRIES CMD...: retry CMD every 0.1 s.
wait_until() {
	local n="$1" i
	shift
	for i in $(seq "$n"); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	"$@"
}

# assert_contains HAYSTACK NEEDLE
assert_contains() {
	if [[ "$1" != *"$2"* ]]; then
		echo "expected to contain: $2" >&2
		echo "got: $1" >&2
		return 1
	fi
}

# assert_eq GOT WANT
assert_eq() {
	if [ "$1" != "$2" ]; then
		echo "expected: $2" >&2
		echo "got:      $1" >&2
		return 1
	fi
}

# show_failures: on a failing test, print the hull calls that failed (for the report).
show_failures() {
	echo "--- hull calls that failed:" >&2
	hull_failures >&2
}
