#!/usr/bin/env bash
# smoke.sh: a short run of bench.sh (CTest bench/smoke, in `make test`, not `make check`): every
# scenario with every runtime for two runs, then results.json must hold every key and a figure
# from every runtime, and bench.svg a chart. Fails if any runtime fails a run or anything is left
# behind (bench.sh's own checks); skipped (77) where crun or runc is not installed.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
for t in crun runc; do
	command -v "$t" >/dev/null || {
		echo "skipped: $t is not installed (make bench-deps)"
		exit 77
	}
done
out="$(mktemp -d "${TMPDIR:-/tmp}/hull-bench-smoke.XXXXXX")"
trap 'rm -rf "$out"' EXIT

BENCH_RUNS=2 BENCH_ROUNDS=1 BENCH_WARMUP=1 BENCH_STREAMS=2 BENCH_STREAM_RUNS=2 BENCH_OUT="$out" \
	bash "$here/bench.sh"

# Every key a reader of results.json relies on, and a figure from each runtime where it runs:
# crun may only be missing on the host view, and then with its refusal recorded.
jq -e '
	def figure: .n == 2 and .min_ms > 0 and .median_ms >= .min_ms and .max_ms >= .median_ms and .peak_rss_kb > 0;
	(.date | length > 0) and (.duration_s >= 0) and (.commit | length > 0)
	and (.machine | .kernel and .cpu and .cores > 0 and .cgroup_layout)
	and (.versions | .hull and .crun and .runc) and (.given | .hull and .crun and .runc and .floor)
	and (.scenarios | keys == ["csd_v2", "exec_v2", "run_host", "run_v2"])
	and all(.scenarios[]; .runtimes.hull and .runtimes.runc and all(.runtimes[]; figure))
	and all(.scenarios | (.run_v2, .csd_v2, .exec_v2); .runtimes.crun)
	and (.scenarios.run_host | .runtimes.crun or .refused.crun)
	and (.scenarios.run_v2.runtimes.floor and .scenarios.run_host.runtimes.floor)
	and (.ratios.run_v2 | .["hull/crun"] > 0 and .["hull/runc"] > 0 and .["hull/floor"] > 0)
	and (.timer_ms.n == 2)
	and (.peak_rss_kb | .hull > 0 and .crun > 0 and .runc > 0)
	and all(.parallel | (.hull, .crun, .runc); .runs == 4 and .failures == 0 and .per_second > 0)
	and (.sizes | .hull > 0 and .hull_stripped > 0 and .crun > 0 and .runc > 0)
	and (.left_behind == [])
' "$out/results.json" >/dev/null || {
	echo "smoke: results.json lacks a key or a runtime's figure:" >&2
	cat "$out/results.json" >&2
	exit 1
}
if ! grep -q '<rect' "$out/bench.svg" || ! grep -q '</svg>' "$out/bench.svg"; then
	echo "smoke: bench.svg is not a chart" >&2
	exit 1
fi
echo "smoke: every scenario ran with every runtime; results.json and bench.svg complete"
