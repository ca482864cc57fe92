#!/usr/bin/env bash
# bench.sh: hull beside crun and runc on one busybox bundle (`make bench` runs it as root).
#
# Scenarios, each runtime given the same bundle (the default spec, process.args ["/bin/true"],
# terminal false, ociVersion 1.0.2 because crun 1.8 refuses newer ones):
#   run_v2     `run` in the v2 view: a private mount namespace with a fresh cgroup2 on
#              /sys/fs/cgroup (crun 1.8 refuses hybrid hosts; the host's mounts stay as they are)
#   run_host   `run` on this host's own cgroup layout (a runtime that refuses it is reported so)
#   csd_v2     create ; start ; delete --force, in the v2 view
#   exec_v2    `exec` of /bin/true into a running container (busybox sleep), in the v2 view
#   floor      `unshare -pmuinC --fork /bin/true` in each view: the kernel's own cost of the six
#              namespaces, the fork and the exec, a floor no runtime can beat
# and, for `run` in the v2 view, hull_sealed: hull started from a sealed memfd copy of itself
# (hull-bench-timer -m), which skips hull's CVE-2019-5736 re-exec: hull's figure minus this one
# is what that protection costs.
# plus 8 parallel streams of `run` (throughput), the peak RSS of one `run`, the binary sizes, and
# the timing loop's own cost (hull-bench-timer spawning /bin/true; every figure includes it).
# Runtimes alternate batch by batch within each round, so a drift of the machine's speed touches
# them alike; each batch starts with warm-up runs that are not counted.
#
# Environment (all optional):
#   HULL, HULL_BENCH_TIMER   the hull binary and tests/bench/timer.c's binary (default: build/)
#   BENCH_RUNS (100), BENCH_ROUNDS (3), BENCH_WARMUP (5)   counted runs per batch, rounds, warm-ups
#   BENCH_STREAMS (8), BENCH_STREAM_RUNS (25)   parallel streams and the runs of each
#   BENCH_OUT (build/bench)   where results.json and bench.svg go
# Exits non-zero if any runtime fails a run or anything is left behind.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
src="$(cd "$here/../.." && pwd)"
hull="$(realpath "${HULL:-$src/build/src/hull}")"
timer="$(realpath "${HULL_BENCH_TIMER:-$(dirname "$hull")/../tests/bench/hull-bench-timer}")"
runs="${BENCH_RUNS:-100}"
rounds="${BENCH_ROUNDS:-3}"
warmup="${BENCH_WARMUP:-5}"
streams="${BENCH_STREAMS:-8}"
stream_runs="${BENCH_STREAM_RUNS:-25}"
out="${BENCH_OUT:-$src/build/bench}"
runtimes=(hull crun runc)

# die MESSAGE: stops the benchmark; the EXIT trap still cleans up.
die() {
	echo "bench: $*" >&2
	exit 1
}

# check_tools: everything the benchmark runs must be there before anything is made.
check_tools() {
	[ "$(id -u)" = 0 ] || die "run as root (containers, namespaces, cgroups)"
	[ -x "$hull" ] || die "no hull binary at $hull (make build)"
	[ -x "$timer" ] || die "no timer at $timer (make build)"
	local t
	for t in crun runc jq unshare strip ldd; do
		command -v "$t" >/dev/null || die "$t is missing (make bench installs crun and runc)"
	done
	# Absolute paths: the timer then spends no exec on a PATH search.
	crun="$(command -v crun)"
	runc="$(command -v runc)"
}

# host_layout: this host's cgroup layout as the runtimes see it (v2, hybrid or v1).
host_layout() {
	if [ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ]; then
		echo v2
	elif [ -d /sys/fs/cgroup/unified ] && [ "$(stat -f -c %T /sys/fs/cgroup/unified)" = cgroup2fs ]; then
		echo hybrid
	else
		echo v1
	fi
}

# confine_memory: on hosts whose supervisor keeps every process in a memory cgroup below the root
# (design.md), hull's production setting keeps container memory cgroups beneath it, as runc's
# default path does; elsewhere it changes nothing.
confine_memory() {
	local own
	own="$(awk -F: '$2 ~ /(^|,)memory(,|$)/ { print $3 }' /proc/self/cgroup)"
	if [ -z "${HULL_CGROUP_CONFINE+set}" ] && [ -n "$own" ] && [ "$own" != / ]; then
		export HULL_CGROUP_CONFINE=memory
	fi
}

# make_bundles: the /bin/true bundle and, for exec, a config that sleeps on the same rootfs.
make_bundles() {
	bash "$src/bundles/busybox/build.sh" --hull "$hull" "$work/bundle" >/dev/null
	local cfg="$work/bundle/config.json"
	# HULL_BENCH in every container's environment lets leftovers() find a process left running.
	jq --arg tag "HULL_BENCH=$prefix" '.ociVersion = "1.0.2" | .process.args = ["/bin/true"]
		| .process.terminal = false | .process.env += [$tag]' "$cfg" >"$work/c.json"
	mv "$work/c.json" "$cfg"
	mkdir "$work/sleep"
	jq --arg root "$work/bundle/rootfs" '.root.path = $root | .process.args = ["sleep", "100000"]' \
		"$cfg" >"$work/sleep/config.json"
}

# rt VIEW RUNTIME: sets rtcmd to the runtime's command line for a view. crun gets
# --cgroup-manager=disabled in the v2 view (it makes no cgroup there); hull and runc make a cgroup
# per container in both.
rt() {
	case "$2" in
	hull) rtcmd=("$hull" --root "$work/root-hull") ;;
	hull_sealed) rtcmd=("$hull" --root "$work/root-hull_sealed") ;;
	runc) rtcmd=("$runc" --root "$work/root-runc") ;;
	crun)
		rtcmd=("$crun" --root "$work/root-crun")
		[ "$1" = host ] || rtcmd+=(--cgroup-manager=disabled)
		;;
	esac
}

# in_view VIEW COMMAND...: runs COMMAND on the host, or in the v2 view (a private mount namespace
# with a fresh cgroup2 on /sys/fs/cgroup, gone when COMMAND ends).
in_view() {
	local view="$1"
	shift
	if [ "$view" = host ]; then
		"$@"
	else
		unshare -m --propagation private -- sh -c 'mount -t cgroup2 none /sys/fs/cgroup && exec "$@"' sh "$@"
	fi
}

# batch SCENARIO RUNTIME ROUND: one timed batch; appends "scenario runtime usec rss_kb" lines.
batch() {
	local scenario="$1" runtime="$2" round="$3" view=v2 id="$prefix-$1-$2-$3" rtcmd
	[ "$scenario" = run_host ] && view=host
	local -a t=("$timer" -n "$runs" -w "$warmup" -i "$id")
	[ "$runtime" = hull_sealed ] && t+=(-m "$hull")
	t+=(--)
	if [ "$runtime" = floor ]; then
		t+=(unshare -pmuinC --fork /bin/true)
	elif [ "$scenario" = timer ]; then
		# The timing loop's own cost: spawning, reaping and timing a program that does nothing.
		t+=(/bin/true)
	else
		rt "$view" "$runtime"
		case "$scenario" in
		run_*) t+=("${rtcmd[@]}" run -b "$work/bundle" "{}") ;;
		csd_v2)
			t+=("${rtcmd[@]}" create -b "$work/bundle" "{}" ";" "${rtcmd[@]}" start "{}" ";"
				"${rtcmd[@]}" delete --force "{}")
			;;
		exec_v2)
			# One sleeping container for the whole batch, started in the same view as the execs.
			t=(bash -c "$exec_script" bash "$work/sleep" "$id-sleeper" "${#rtcmd[@]}" "${rtcmd[@]}" "${t[@]}")
			;;
		esac
	fi
	in_view "$view" "${t[@]}" | sed "s/^/$scenario $runtime /" >>"$work/raw" ||
		die "$runtime failed in $scenario (round $((round + 1))); see above"
}

# exec_script BUNDLE ID N RUNTIME(N words) TIMER...: runs the sleeping container, times the
# execs into it with TIMER..., and deletes it, failing if any step fails.
# shellcheck disable=SC2016
exec_script='b=$1 id=$2 n=$3; shift 3; c=("${@:1:n}"); shift "$n"
	"${c[@]}" run -d -b "$b" "$id" </dev/null >/dev/null || exit 1
	"$@" "${c[@]}" exec "$id" /bin/true; rc=$?
	"${c[@]}" delete --force "$id" >/dev/null || rc=1
	exit $rc'

# crun_on_host: crun 1.8 refuses some layouts (hybrid): probe once and keep its own words
# instead of a figure, in $work/crun-refusal. Fails the benchmark on any other layout.
crun_on_host() {
	local msg rtcmd
	rt host crun
	msg="$("${rtcmd[@]}" run -b "$work/bundle" "$prefix-probe" 2>&1 </dev/null)" && return 0
	"${rtcmd[@]}" delete --force "$prefix-probe" >/dev/null 2>&1 || true
	[ "$layout" = hybrid ] || die "crun failed on this $layout host: $msg"
	printf '%s\n' "$msg" | tail -1 >"$work/crun-refusal"
}

# measure: every round runs every scenario, the runtimes in an order rotated each round.
measure() {
	local r s rt_name k
	local -a all order
	crun_on_host
	for ((r = 0; r < rounds; r++)); do
		for s in run_v2 run_host csd_v2 exec_v2; do
			all=("${runtimes[@]}")
			[ "${s%_*}" = run ] && all+=(floor)
			[ "$s" = run_v2 ] && all+=(hull_sealed)
			k=$((r % ${#all[@]}))
			order=("${all[@]:k}" "${all[@]:0:k}")
			for rt_name in "${order[@]}"; do
				[ "$s" = run_host ] && [ "$rt_name" = crun ] && [ -e "$work/crun-refusal" ] && continue
				echo "  round $((r + 1))/$rounds: $s $rt_name" >&2
				batch "$s" "$rt_name" "$r"
			done
		done
		batch timer true "$r"
	done
}

# throughput: $streams parallel streams of `run` per runtime in the v2 view; prints
# "runtime elapsed_usec runs failures" lines. A failure is reported and fails the benchmark.
throughput() {
	local rt_name line failed=0 rtcmd
	for rt_name in "${runtimes[@]}"; do
		echo "  parallel: $rt_name, $streams x $stream_runs" >&2
		rt v2 "$rt_name"
		if ! line="$(in_view v2 "$timer" -P "$streams" -n "$stream_runs" -i "$prefix-par-$rt_name" -- \
			"${rtcmd[@]}" run -b "$work/bundle" "{}")"; then
			failed=1
		fi
		echo "$rt_name $line" >>"$work/parallel"
	done
	[ "$failed" = 0 ] || die "a parallel stream failed; see above"
}

# sizes: "name bytes" lines: hull as built and stripped, crun and runc as installed, and the
# shared libraries each loads (a static hull has none).
sizes() {
	local b lib
	echo "hull $(stat -c %s "$hull")"
	strip -o "$work/hull.stripped" "$hull"
	echo "hull_stripped $(stat -c %s "$work/hull.stripped")"
	for b in crun runc; do
		echo "$b $(stat -L -c %s "$(command -v "$b")")"
		ldd "$(command -v "$b")" 2>/dev/null | awk '$2 == "=>" && $3 ~ /^\// { print $3 }' |
			while read -r lib; do
				echo "$b:$(basename "$lib") $(stat -L -c %s "$lib")"
			done
	done
}

# leftovers: anything of this benchmark still on the machine (state, processes, cgroups,
# mounts), one line each; empty when clean.
leftovers() {
	local r p
	for r in "$work"/root-*/*; do
		[ -e "$r" ] && echo "state left: $r"
	done
	for p in /proc/[0-9]*; do
		tr '\0' '\n' 2>/dev/null <"$p/environ" | grep -qx "HULL_BENCH=$prefix" &&
			echo "process ${p#/proc/} still runs: $(tr '\0' ' ' 2>/dev/null <"$p/cmdline")"
	done
	find /sys/fs/cgroup -maxdepth 8 -type d -name "$prefix-*" 2>/dev/null | sed 's/^/cgroup left: /'
	grep -F "$work" /proc/self/mountinfo | sed 's/^/mount left: /' || true
}

# cleanup: on any exit, force-delete what a failed run may have left and remove the work dir.
cleanup() {
	local d r rtcmd
	# A container is deleted in the view it was made in; try both.
	for d in "$work"/root-*/*; do
		[ -e "$d" ] || continue
		r="${d%/*}"
		r="${r##*/root-}"
		rt host "$r"
		"${rtcmd[@]}" delete --force "${d##*/}" >/dev/null 2>&1 && continue
		rt v2 "$r"
		in_view v2 "${rtcmd[@]}" delete --force "${d##*/}" >/dev/null 2>&1 || true
	done
	find /sys/fs/cgroup -maxdepth 8 -depth -type d -name "$prefix-*" -exec rmdir {} \; 2>/dev/null || true
	rm -rf "$work"
}

main() {
	check_tools
	confine_memory
	layout="$(host_layout)"
	work="$(mktemp -d "${TMPDIR:-/tmp}/hull-bench.XXXXXX")"
	prefix="hb$$"
	trap cleanup EXIT
	# An interrupted benchmark still cleans up: the EXIT trap runs on exit, not on a signal's death.
	trap 'exit 130' INT TERM
	make_bundles
	: >"$work/raw"
	: >"$work/parallel"
	local t0 t1
	t0="$(date +%s)"
	echo "bench: $rounds rounds x $runs runs (+$warmup warm-up) per runtime and scenario" >&2
	measure
	throughput
	sizes >"$work/sizes"
	t1="$(date +%s)"
	local left
	left="$(leftovers)"
	mkdir -p "$out"
	BENCH_SECONDS=$((t1 - t0)) BENCH_LEFT="$left" BENCH_HULL="$hull" BENCH_LAYOUT="$layout" \
		BENCH_RUNS="$runs" BENCH_ROUNDS="$rounds" BENCH_WARMUP="$warmup" BENCH_STREAMS="$streams" \
		BENCH_STREAM_RUNS="$stream_runs" bash "$here/report.sh" "$work" "$out"
	[ -z "$left" ] || die "left behind:"$'\n'"$left"
}

main "$@"
