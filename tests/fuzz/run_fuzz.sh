#!/usr/bin/env bash
# Runs every fuzz harness for RUNS executions on its seed corpus (built here from the project's
# files listed in seeds.txt) plus its regression inputs (tests/fuzz/regressions/<harness>/), and
# prints a table of executions per harness (also written to BUILD_DIR/fuzz/report.md).
#
#   tests/fuzz/run_fuzz.sh BUILD_DIR RUNS [PARALLEL]
#
# BUILD_DIR holds the harnesses (build/sanitize or build/fuzz); PARALLEL harnesses run at once
# (default: the number of cores). FUZZ_MAX_SECONDS, when set, also stops each harness after that
# many seconds (the table says how many executions it reached). FUZZ_HARNESSES, when set (names
# separated by spaces), runs only those harnesses; the table keeps the other harnesses' results
# from the last run in BUILD_DIR. A finding is any crash: an exception other than rightsize's
# own error types, a sanitizer report, an input slower than 1 s (-timeout=1) or needing more
# than 512 MB (-rss_limit_mb=512). The run then fails and names the input, saved under
# BUILD_DIR/fuzz/findings/<harness>/. New coverage found is kept in BUILD_DIR/fuzz/corpus/ for
# the next run.
set -euo pipefail
cd "$(dirname "$0")/../.."
build_dir=${1:?usage: run_fuzz.sh BUILD_DIR RUNS [PARALLEL]}
runs=${2:?usage: run_fuzz.sh BUILD_DIR RUNS [PARALLEL]}
parallel=${3:-$(nproc)}
work="$build_dir/fuzz"
shopt -s nullglob

# harness -> seed globs, from seeds.txt
declare -A globs
while IFS= read -r line; do
  [[ -z "$line" || "$line" == \#* ]] && continue
  globs["${line%%:*}"]="${line#*:}"
done < tests/fuzz/seeds.txt

make_seeds() {  # harness
  local dir="$work/seeds/$1" file name
  rm -rf "$dir"
  mkdir -p "$dir"
  for file in ${globs[$1]}; do
    name=$(echo "$file" | tr '/' '_')
    case "$file" in
      *.json | *.yaml | *.yml)
        if (( $(stat -c %s "$file") <= 65536 )); then cp "$file" "$dir/$name"; fi ;;
      *) { head -n 40 "$file" || true; } | head -c 16384 > "$dir/$name" ;;  # head -n may get SIGPIPE
    esac
  done
}

run_one() {  # harness
  local h=$1 binary="$build_dir/tests/fuzz/fuzz_$1"
  local regressions="tests/fuzz/regressions/$1"
  mkdir -p "$work/corpus/$h" "$work/findings/$h" "$work/logs" "$regressions"
  local start end status=0
  start=$(date +%s.%N)
  "$binary" -runs="$runs" -max_total_time="${FUZZ_MAX_SECONDS:-0}" -timeout=1 -rss_limit_mb=512 -malloc_limit_mb=512 -print_final_stats=1 \
    -artifact_prefix="$work/findings/$h/" "$work/corpus/$h" "$work/seeds/$h" "$regressions" \
    > "$work/logs/$h.log" 2>&1 || status=$?
  end=$(date +%s.%N)
  local executed
  executed=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/logs/$h.log" | tail -1)
  printf '%s %s %s %s %s %s\n' "$h" "$(ls "$work/seeds/$h" | wc -l)" "$(ls "$regressions" | wc -l)" \
    "${executed:-0}" "$(awk -v a="$start" -v b="$end" 'BEGIN { print b - a }')" "$status" > "$work/logs/$h.result"
}

# A small ASan quarantine, returned to the system, so the process's memory stays what the inputs
# use: -rss_limit_mb measures the whole process, and ASan's default 256 MB quarantine of freed
# memory plus unreturned pages grow it by hundreds of MB over a long run.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=16:allocator_release_to_os_interval_ms=500"

harnesses=()
for binary in "$build_dir"/tests/fuzz/fuzz_*; do
  h=${binary##*/fuzz_}
  [[ -n "${globs[$h]:-}" ]] || { echo "run_fuzz: $h has no line in tests/fuzz/seeds.txt" >&2; exit 1; }
  harnesses+=("$h")
done
(( ${#harnesses[@]} > 0 )) || { echo "run_fuzz: no harnesses in $build_dir/tests/fuzz" >&2; exit 1; }
to_run=("${harnesses[@]}")
if [[ -n "${FUZZ_HARNESSES:-}" ]]; then
  read -ra to_run <<< "$FUZZ_HARNESSES"
  for h in "${to_run[@]}"; do
    [[ -x "$build_dir/tests/fuzz/fuzz_$h" ]] || { echo "run_fuzz: FUZZ_HARNESSES names $h, not built in $build_dir" >&2; exit 1; }
    rm -f "$work/logs/$h.result"
  done
else
  rm -f "$work"/logs/*.result
fi
echo "fuzz: ${#to_run[@]} harnesses x $runs executions, $parallel at a time ($build_dir)"
for h in "${to_run[@]}"; do
  make_seeds "$h"
  while (( $(jobs -rp | wc -l) >= parallel )); do wait -n; done
  run_one "$h" &
done
wait

report="$work/report.md"
failed=0
{
  echo "Fuzzing on $(date -u +%Y-%m-%d), $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc) cores, $(clang++-14 --version | head -1), $parallel harnesses at a time:"
  echo
  echo "| harness | seed inputs | regression inputs | executions | seconds | exec/s | findings |"
  echo "|---|---:|---:|---:|---:|---:|---:|"
  for h in "${harnesses[@]}"; do
    [[ -f "$work/logs/$h.result" ]] || { echo "| $h | | | not run | | | |"; continue; }
    read -r name seeds regressions executed seconds status < "$work/logs/$h.result"
    findings=$(( status == 0 ? 0 : 1 ))
    (( failed += findings )) || true
    awk -v n="$name" -v s="$seeds" -v r="$regressions" -v e="$executed" -v t="$seconds" -v f="$findings" \
      'BEGIN { printf "| %s | %d | %d | %d | %.0f | %.0f | %d |\n", n, s, r, e, t, e / (t > 0 ? t : 1), f }'
  done
} > "$report"
cat "$report"
if (( failed > 0 )); then
  for h in "${to_run[@]}"; do
    read -r _ _ _ _ _ status < "$work/logs/$h.result"
    if (( status != 0 )); then
      echo "fuzz: FINDING in $h (exit $status); log $work/logs/$h.log:" >&2
      grep -E "^==[0-9]+==ERROR|runtime error|uncaught exception|Test unit written|terminate called|ALARM|out-of-memory" \
        "$work/logs/$h.log" | head -5 >&2
    fi
  done
  exit 1
fi
echo "fuzz: 0 findings"
