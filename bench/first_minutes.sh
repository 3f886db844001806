#!/usr/bin/env bash
# A new user's first minutes, timed: a clean clone of this repository, the README's first setup
# command (`make run`: packages, a Release build from nothing, the default study), then one
# answer per use of docs/tutorial.md (a capacity plan and a what-if, a report, a calibration from
# a published log and the plan it prices). Writes a Markdown table to bench/FIRST_MINUTES.md (or
# $1), which the README quotes (tests/readme/readme_sections.py, section first-minutes).
#
# No compiler cache: the build is what a new user waits for. Run it on a quiet machine.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$root/bench/FIRST_MINUTES.md}
work=$(mktemp -d /tmp/rightsize-first-minutes.XXXXXX)
trap 'rm -rf "$work"' EXIT
git clone -q "$root" "$work/rightsize"
cd "$work/rightsize"
unset CMAKE_CXX_COMPILER_LAUNCHER

rows=()
total=0
# step LABEL COMMAND...: runs the command (its output kept in the work folder), adds a row.
step() {
  local label=$1
  shift
  local start end seconds
  start=$(date +%s.%N)
  if ! "$@" > "$work/step.log" 2>&1; then
    cat "$work/step.log" >&2
    echo "first_minutes: '$*' failed" >&2
    exit 1
  fi
  end=$(date +%s.%N)
  seconds=$(awk -v a="$start" -v b="$end" 'BEGIN { print b - a }')
  total=$(awk -v a="$total" -v b="$seconds" 'BEGIN { print a + b }')
  rows+=("| $label | \`${*/#build\/release\/rightsize/rightsize}\` | $(printf '%.1f' "$seconds") s |")
}

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
rs=build/release/rightsize
log=data/runs/llamacpp-gpu-benchmarks-xiongjiedai/llama3_llamacpp_bench.csv
step "setup: packages, Release build, default study" make run
step "1. capacity plan" $rs plan examples/capacity-study.yaml
step "1. what-if: a tighter TTFT target" $rs plan examples/capacity-study.yaml --slo ttft_p90_s=0.2
step "1. the chosen kind of deployment, simulated" $rs simulate examples/simulate-vllm-h100.yaml
step "2. report with figures" $rs report examples/default-study.yaml -o reports/tutorial
step "3. calibrate from a llama-bench table" $rs calibrate "$log" --folds 5 -o my-calibration.json
step "3. the plan, priced by the fit" $rs plan examples/capacity-study.yaml --calibration my-calibration.json

{
  echo "Timed by \`bash bench/first_minutes.sh\` on $(date -u +%Y-%m-%d), commit" \
    "$(git rev-parse --short HEAD), $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo |
      cut -d: -f2 | sed 's/^ *//')), load average before: $load_before; packages already" \
    "installed, no compiler cache."
  echo
  echo "| step | command | wall time |"
  echo "|---|---|---|"
  printf '%s\n' "${rows[@]}"
  echo "| **total** | | **$(awk -v t="$total" 'BEGIN { printf "%.0f s (%.1f min)", t, t / 60 }')** |"
} > "$out.tmp"
mv "$out.tmp" "$out"
cat "$out"
