#!/usr/bin/env bash
# report.sh WORK OUT: turns bench.sh's raw figures in WORK into OUT/results.json, prints the
# comparison table, and draws OUT/bench.svg (chart.awk). bench.sh exports the settings it ran with.
#
# WORK holds: raw ("scenario runtime usec peak_rss_kb" per run), parallel ("runtime elapsed_usec
# runs failures" per runtime), sizes ("name bytes"; "runtime:lib bytes" for shared libraries)
# and, when crun refused this host, crun-refusal (its last line of output).
set -euo pipefail

work="$1"
out="$2"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
src="$(cd "$here/../.." && pwd)"

# first_line COMMAND...: the first line the command prints, or "unknown".
first_line() {
	local l
	l="$("$@" 2>/dev/null | head -1)" || true
	echo "${l:-unknown}"
}

# commit: the source's commit, marked when the tree has changes beyond it.
commit() {
	local c
	c="$(git -C "$src" rev-parse --short HEAD 2>/dev/null)" || {
		echo unknown
		return 0
	}
	git -C "$src" diff --quiet HEAD -- 2>/dev/null || c="$c-dirty"
	echo "$c"
}

# meta_json: when, where and with what the benchmark ran.
meta_json() {
	jq -n \
		--arg date "$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
		--arg kernel "$(uname -r)" \
		--arg cpu "$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)" \
		--argjson cores "$(nproc)" \
		--argjson mem "$(awk '/^MemTotal/ { printf "%.1f", $2 / 1048576 }' /proc/meminfo)" \
		--arg layout "$BENCH_LAYOUT" \
		--arg commit "$(commit)" \
		--arg hull "$(first_line "$BENCH_HULL" --version)" \
		--arg crun "$(first_line crun --version)" \
		--arg runc "$(first_line runc --version)" \
		--arg confine "${HULL_CGROUP_CONFINE:-}" \
		--argjson runs "$BENCH_RUNS" --argjson rounds "$BENCH_ROUNDS" --argjson warmup "$BENCH_WARMUP" \
		--argjson streams "$BENCH_STREAMS" --argjson stream_runs "$BENCH_STREAM_RUNS" \
		--argjson seconds "$BENCH_SECONDS" \
		'{date: $date, duration_s: $seconds, commit: $commit,
		  machine: {kernel: $kernel, cpu: $cpu, cores: $cores, memory_gib: $mem, cgroup_layout: $layout},
		  versions: {hull: $hull, crun: $crun, runc: $runc},
		  settings: {runs: $runs, rounds: $rounds, warmup: $warmup, streams: $streams,
		             stream_runs: $stream_runs, hull_cgroup_confine: $confine},
		  given: {
		    hull: "hull --root R: a cgroup per container in both views (HULL_CGROUP_CONFINE=\($confine))",
		    crun: "crun --root R --cgroup-manager=disabled in the v2 view (no cgroup); crun --root R (cgroupfs) on the host",
		    runc: "runc --root R: a cgroup per container (cgroupfs) in both views",
		    floor: "unshare -pmuinC --fork /bin/true: six namespaces, fork, exec"}}'
}

# figures_json: min/median/max per scenario and runtime, ratios, peak RSS, throughput, sizes.
figures_json() {
	local refusal=""
	[ -e "$work/crun-refusal" ] && refusal="$(cat "$work/crun-refusal")"
	jq -n --rawfile raw "$work/raw" --rawfile par "$work/parallel" --rawfile sizes "$work/sizes" \
		--arg refusal "$refusal" --arg layout "$BENCH_LAYOUT" --arg left "${BENCH_LEFT:-}" '
	def lines($t): $t | split("\n") | map(select(length > 0) | split(" "));
	def r3: . * 1000 | round / 1000;
	def r2: . * 100 | round / 100;
	def stats: sort | {n: length, min_ms: (.[0] / 1000), max_ms: (.[-1] / 1000),
		median_ms: ((if length % 2 == 1 then .[length / 2 | floor]
		             else (.[length / 2 - 1] + .[length / 2]) / 2 end) / 1000)};
	def med: sort | if length % 2 == 1 then .[length / 2 | floor] else (.[length / 2 - 1] + .[length / 2]) / 2 end;
	(lines($raw) | map({s: .[0], r: .[1], us: (.[2] | tonumber), kb: (.[3] | tonumber)})) as $all
	| ($all | map(select(.s != "timer"))) as $runs
	| {"run_v2": "run /bin/true, v2 view", "run_host": "run /bin/true, this host (\($layout))",
	   "csd_v2": "create + start + delete, v2 view", "exec_v2": "exec /bin/true, v2 view"} as $titles
	| ($runs | group_by(.s) | map({key: .[0].s, value: {title: $titles[.[0].s],
		runtimes: (group_by(.r) | map({key: .[0].r,
			value: ((map(.us) | stats) + {peak_rss_kb: (map(.kb) | med)})}) | from_entries)}})
	   | from_entries) as $sc
	| ($sc | if $refusal != "" then .run_host.refused = {crun: $refusal} else . end) as $sc
	| {scenarios: $sc,
	   ratios: ($sc | map_values(.runtimes as $t | {}
		| if $t.crun then .["hull/crun"] = ($t.hull.median_ms / $t.crun.median_ms | r2) else . end
		| if $t.runc then .["hull/runc"] = ($t.hull.median_ms / $t.runc.median_ms | r2) else . end
		| if $t.floor then .["hull/floor"] = ($t.hull.median_ms / $t.floor.median_ms | r2) else . end)),
	   timer_ms: ($all | map(select(.s == "timer") | .us) | stats),
	   p1_reexec_ms: (($sc.run_v2.runtimes.hull.median_ms - $sc.run_v2.runtimes.hull_sealed.median_ms) | r3),
	   peak_rss_kb: ($sc.run_v2.runtimes | map_values(.peak_rss_kb) | del(.floor) | del(.hull_sealed)),
	   parallel: (lines($par) | map({key: .[0], value: {runs: (.[2] | tonumber),
		seconds: (.[1] | tonumber / 1e6), failures: (.[3] | tonumber)}}
		| .value.per_second = (.value.runs / .value.seconds | . * 10 | round / 10)
		| .value.seconds |= r3) | from_entries
		| with_entries(.value.scaling = ((.value.per_second * $sc.run_v2.runtimes[.key].median_ms / 1000) | r2))),
	   sizes: (lines($sizes) | map(select(.[0] | contains(":") | not) | {key: .[0], value: (.[1] | tonumber)})
		| from_entries),
	   shared_libs: (lines($sizes) | map(select(.[0] | contains(":")) | (.[0] | split(":")) as $k
		| {rt: $k[0], lib: $k[1], bytes: (.[1] | tonumber)}) | group_by(.rt)
		| map({key: .[0].rt, value: (map({key: .lib, value: .bytes}) | from_entries)}) | from_entries),
	   left_behind: ($left | split("\n") | map(select(length > 0)))}'
}

# table: the comparison as a Markdown table (README-ready), from results.json.
table() {
	jq -r '
	def ms: . * 100 | round / 100 | tostring | if test("\\.") then . else . + ".0" end;
	def cell($t): if $t then "\($t.median_ms | ms) (\($t.min_ms | ms)–\($t.max_ms | ms))" else "" end;
	def mb: . / 1048576 * 100 | round / 100 | tostring;
	def ratio($k): if . and .[$k] then "\(.[$k])x" else "" end;
	. as $j
	| "| median ms (min–max) per container | hull \(.versions.hull | split(" ")[2]) \(.commit) | crun | runc | kernel floor | hull/crun | hull/runc | hull/floor |",
	  "|---|---|---|---|---|---|---|---|",
	  (["run_v2", "run_host", "csd_v2", "exec_v2"][] as $s | $j.scenarios[$s] | select(.) | . as $x
	   | "| \(.title) | \(cell(.runtimes.hull)) | \(if .refused.crun then "refused: " + .refused.crun else cell(.runtimes.crun) end) | \(cell(.runtimes.runc)) | \(cell(.runtimes.floor)) | \($j.ratios[$s] | ratio("hull/crun")) | \($j.ratios[$s] | ratio("hull/runc")) | \($j.ratios[$s] | ratio("hull/floor")) |"),
	  "| peak RSS of one `run` (median) | \(.peak_rss_kb.hull / 1024 * 100 | round / 100) MB | \(.peak_rss_kb.crun / 1024 * 100 | round / 100) MB | \(.peak_rss_kb.runc / 1024 * 100 | round / 100) MB | | | | |",
	  "| binary | \(.sizes.hull | mb) MB, stripped \(.sizes.hull_stripped | mb) MB | \(.sizes.crun | mb) MB + \(.shared_libs.crun // {} | add // 0 | mb) MB in \(.shared_libs.crun // {} | length) libs | \(.sizes.runc | mb) MB + \(.shared_libs.runc // {} | add // 0 | mb) MB in \(.shared_libs.runc // {} | length) libs | | | | |",
	  "| \(.settings.streams) parallel streams of `run`, v2 view | \(.parallel.hull.per_second)/s | \(.parallel.crun.per_second)/s | \(.parallel.runc.per_second)/s | | | | |"
	' "$out/results.json"
}

# details: what each runtime was given, the shared libraries, throughput scaling and failures.
details() {
	jq -r '
	"Given: " + (.given | to_entries | map("\n  \(.key): \(.value)") | join("")),
	"Shared libraries: " + (.shared_libs | to_entries | map("\n  \(.key): " + (.value | to_entries
		| map("\(.key) \(.value / 1024 | round) KB") | join(", "))) | join("")),
	"Parallel (\(.settings.streams) streams x \(.settings.stream_runs) runs, v2 view): " + (.parallel
		| to_entries | map("\n  \(.key): \(.value.per_second) containers/s, \(.value.scaling)x the sequential rate, \(.value.failures) failures") | join("")),
	"Timing loop (spawn, reap and time /bin/true; inside every figure): \(.timer_ms.median_ms) ms median",
	"CVE-2019-5736 protection (run, v2 view: hull minus hull started from a sealed copy, \(.scenarios.run_v2.runtimes.hull_sealed.median_ms) ms): \(.p1_reexec_ms) ms",
	"Machine: \(.machine.cpu), \(.machine.cores) cores, \(.machine.memory_gib) GiB, kernel \(.machine.kernel), cgroups \(.machine.cgroup_layout); \(.date); \(.settings.rounds) rounds x \(.settings.runs) runs (+\(.settings.warmup) warm-up) per batch; \(.duration_s) s"
	' "$out/results.json"
}

main() {
	jq -s '.[0] + .[1]' <(meta_json) <(figures_json) >"$out/results.json"
	table
	echo
	details
	jq -r '. as $j | ["run_v2", "run_host", "csd_v2", "exec_v2"][] as $s | $j.scenarios[$s] | select(.)
		| .title as $t | (.runtimes | to_entries[] | "\($t)\t\(.key)\t\(.value.median_ms)"),
		  (.refused // {} | to_entries[] | "\($t)\t\(.key)\trefused")' "$out/results.json" |
		awk -f "$here/chart.awk" -v title="$(jq -r '"median ms per container: \(.date[0:10]), \(.machine.cpu), \(.machine.cores) cores, kernel \(.machine.kernel)"' "$out/results.json")" \
			>"$out/bench.svg"
	echo "results: $out/results.json, chart: $out/bench.svg"
}

main
