#!/usr/bin/env bash
# Benchmark: N sequential `run` of /bin/true in the busybox bundle, for hull, crun and runc
# in the same session. Prints the median and mean wall time per container and hull's peak
# RSS. Not part of `make test` (timing belongs to benchmark runs, not to tests).
#
# usage: tests/bench/run_true.sh [N]     (as root; needs runc and crun: apt-get install runc crun)
#
# crun 1.8 refuses hybrid cgroup hosts, so it runs in a private mount namespace with a fresh
# cgroup2 on /sys/fs/cgroup and --cgroup-manager=disabled (design.md), so it makes no cgroup;
# runc and hull run as they are and each make a cgroup per container.
set -euo pipefail
n="${1:-100}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
hull="${HULL:-$here/build/src/hull}"
work="$(mktemp -d /tmp/hull-bench.XXXXXX)"
trap 'rm -rf "$work"' EXIT

bash "$here/bundles/busybox/build.sh" --hull "$hull" "$work/bundle" >/dev/null
# ociVersion 1.0.2: crun 1.8 refuses newer versions.
jq '.ociVersion = "1.0.2" | .process.args = ["/bin/true"]' "$work/bundle/config.json" >"$work/c" && mv "$work/c" "$work/bundle/config.json"

# Runs "$@" n times; prints median and mean milliseconds per run.
measure() {
	local name="$1"
	shift
	local times=()
	for ((i = 0; i < n; i++)); do
		local t0 t1
		t0=$(date +%s%N)
		"$@" "bench-$i" >/dev/null 2>&1 || { echo "$name: run $i failed" >&2; return 1; }
		t1=$(date +%s%N)
		times+=($(((t1 - t0) / 1000)))
	done
	printf '%s\n' "${times[@]}" | sort -n | awk -v name="$name" '
		{ v[NR] = $1; s += $1 }
		END { m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2;
		      printf "%-6s median %7.2f ms   mean %7.2f ms   (n=%d)\n", name, m / 1000, s / NR / 1000, NR }'
}

cd "$work/bundle"
measure hull "$hull" --root "$work/hull-root" run
if command -v crun >/dev/null; then
	export -f measure
	unshare -m bash -c "mount -t cgroup2 none /sys/fs/cgroup && cd '$work/bundle' && n=$n; $(declare -f measure); measure crun crun --root '$work/crun-root' --cgroup-manager=disabled run"
fi
if command -v runc >/dev/null; then
	measure runc runc --root "$work/runc-root" run
fi
/usr/bin/time -f "hull peak RSS: %M KB" "$hull" --root "$work/hull-root" run rss 2>&1 >/dev/null | tail -1
