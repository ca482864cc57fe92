#!/bin/bash
# Runs every fuzz target of a HULL_FUZZ build under libFuzzer, one after the other, for
# FUZZ_SECONDS each (default 60), on a copy of its seed corpus; `make fuzz` calls it.
#   tests/fuzz/run.sh BUILD_DIR [TARGET...]
# Under BUILD_DIR/fuzz/: corpus/<target>/ (the grown corpus: the seeds and what libFuzzer added),
# logs/<target>.log, and crashes/<target>/ (crash-*, leak-*, timeout-*, oom-* inputs). Prints the
# final coverage, features and executions of each target; exits non-zero if any target failed.
set -u
build=${1:?usage: run.sh BUILD_DIR [TARGET...]}
shift
seconds=${FUZZ_SECONDS:-60}
here=$(cd "$(dirname "$0")" && pwd)
out=$build/fuzz
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for dir in "$here"/corpus/*/; do targets+=("$(basename "$dir")"); done
fi
failed=()
for t in "${targets[@]}"; do
  bin=$build/tests/fuzz/fuzz_$t
  if [ ! -x "$bin" ]; then
    echo "fuzz $t: no $bin (build with HULL_FUZZ=ON)" >&2
    failed+=("$t")
    continue
  fi
  mkdir -p "$out/corpus/$t" "$out/crashes/$t" "$out/logs"
  cp -n "$here/corpus/$t/"* "$out/corpus/$t/"
  seeds=("$out/corpus/$t")
  [ -d "$here/regressions/$t" ] && seeds+=("$here/regressions/$t")
  dict=()
  [ -f "$here/dict/$t.dict" ] && dict=(-dict="$here/dict/$t.dict")
  # -timeout: an input running 10 s is a hang worth keeping; -rss_limit_mb: libFuzzer's default.
  "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 "${dict[@]}" \
    -artifact_prefix="$out/crashes/$t/" "${seeds[@]}" > "$out/logs/$t.log" 2>&1
  rc=$?
  stats=$(grep -E '^#[0-9]+.*(DONE|pulse|NEW|REDUCE|INITED)' "$out/logs/$t.log" | tail -1)
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out/logs/$t.log")
  if [ $rc -ne 0 ]; then
    echo "fuzz $t: FAILED (exit $rc), see $out/logs/$t.log and $out/crashes/$t/"
    failed+=("$t")
  else
    echo "fuzz $t: ok, ${execs:-?} runs; ${stats}"
  fi
done
if [ ${#failed[@]} -ne 0 ]; then
  echo "fuzz: ${#failed[@]} target(s) failed: ${failed[*]}"
  exit 1
fi
echo "fuzz: ${#targets[@]} target(s), no crash in ${seconds} s each"
