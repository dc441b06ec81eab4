#!/usr/bin/env bash
# Runs every libFuzzer target of a GHHARVEST_FUZZ build for a while, JOBS at a time:
#   tests/fuzz/run.sh BUILD_DIR SECONDS_PER_TARGET [TARGET...]
# Each starts from its seed corpus (tests/fuzz/corpus/<target>, read only) plus what earlier
# runs found (BUILD_DIR/fuzz/<target>/corpus). A crash, leak, sanitizer report, timeout or
# out-of-memory fails the run and leaves the input in BUILD_DIR/fuzz/<target>/: copy it into
# the seed corpus as crash-<what> once fixed, so fuzz_replay_<target> keeps testing it.
# Prints one line per target: executions, executions per second, corpus size, coverage.
# FUZZ_SEED (default 0: libFuzzer picks one) fixes the mutation sequence: `make test` passes 1,
# so a smoke run is the same walk on every machine (a slower machine walks a shorter prefix of
# it) and a failure seen in CI comes back with the same command; `make fuzz` explores.
set -euo pipefail
build=${1:?usage: run.sh BUILD_DIR SECONDS [TARGET...]}
seconds=${2:?usage: run.sh BUILD_DIR SECONDS [TARGET...]}
shift 2
here=$(cd "$(dirname "$0")" && pwd)
jobs=${JOBS:-$(nproc)}
seed=${FUZZ_SEED:-0}
build=$(cd "$build" && pwd)

targets=("$@")
if ((${#targets[@]} == 0)); then
  for bin in "$build"/tests/fuzz/*_fuzz; do
    [[ -x $bin ]] && targets+=("$(basename "$bin" _fuzz)")
  done
fi
if ((${#targets[@]} == 0)); then
  echo "run.sh: no fuzz targets in $build/tests/fuzz (configure with -DGHHARVEST_FUZZ=ON)" >&2
  exit 2
fi

# One target; its log goes to BUILD_DIR/fuzz/<target>/log.
run_one() {
  local t=$1 out="$build/fuzz/$1"
  mkdir -p "$out/corpus"
  # -timeout: one input running this long is a hang; -rss_limit_mb: growth without bound.
  if "$build/tests/fuzz/${t}_fuzz" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
      -seed="$seed" -print_final_stats=1 -artifact_prefix="$out/" "$out/corpus" "$here/corpus/$t" \
      >"$out/log" 2>&1; then
    echo "$t ok"
  else
    echo "$t FAILED"
  fi
}
export -f run_one
export build seconds here seed

echo "fuzz: ${#targets[@]} targets, ${seconds}s each, $jobs at a time, seed $seed"
results=$(printf '%s\n' "${targets[@]}" | xargs -P "$jobs" -I{} bash -c 'run_one {}')

failed=0
printf '%-14s %-6s %12s %9s %8s %6s\n' target result execs exec/s corpus cov
for t in "${targets[@]}"; do
  log="$build/fuzz/$t/log"
  result=$(grep -E "^$t (ok|FAILED)$" <<<"$results" | awk '{print $2}')
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  last=$(grep -E '#[0-9]+' "$log" | grep -E 'DONE|pulse|NEW|REDUCE|INITED' | tail -1 || true)
  cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
  corp=$(sed -n 's/.* corp: \([0-9]*\/[0-9A-Za-z]*\).*/\1/p' <<<"$last")
  printf '%-14s %-6s %12s %9s %8s %6s\n' "$t" "${result:-?}" "${execs:--}" "${rate:--}" \
    "${corp:--}" "${cov:--}"
  if [[ $result != ok ]]; then
    failed=1
    echo "---- $t: $log (last 40 lines)" >&2
    tail -n 40 "$log" >&2
  fi
done
exit "$failed"
