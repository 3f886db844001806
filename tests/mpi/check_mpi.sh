#!/usr/bin/env bash
# rightsize-mpi against rightsize (docs/mpi.md), on 2 ranks of this machine:
#   sweep, sweep-stream (-o FILE.csv.gz and .csv.zst), sweep-study, plan (a grid of serving
#   simulations) and fit-law with and without --bootstrap (its resamples split over the ranks): the
#   output of `mpirun -np 2 rightsize-mpi CMD` is byte-identical to `rightsize CMD`;
#   kill-one-rank: rank 1 is killed mid-sweep: mpirun exits non-zero within seconds, says which
#   rank died, and the output file the sweep would replace keeps its previous contents;
#   simulate-grid: `simulate --set` (a grid of serving simulations) gives the same rows, and a
#   combination that fails ends the job with exit code 2 and its error;
#   calibrate-share-auto: `calibrate --share auto --folds 5 --logo` (cross-validation folds split
#   over the ranks, round after round) gives the same table, CSV and file but the measured fit time;
#   runner-in-order / rank-error: tests/mpi/runner_check.cc (RUNNER_CHECK) gathers uneven units
#   in order / ends with exit code 2 and rank 1's message when rank 1's work throws;
#   runner-rounds / rounds-error: the same for dependent rounds of RunEverywhere.
# Usage: tests/mpi/check_mpi.sh RIGHTSIZE RIGHTSIZE_MPI CASE [RUNNER_CHECK]   (from the repository
# root)
set -uo pipefail
plain=$1 mpi=$2 case=$3 runner_check=${4:-}
# A single machine, possibly a container without ssh, as root (CI): the local launcher, no
# cross-memory attach (refused in many containers), and more ranks than cores allowed.
export OMPI_MCA_plm=isolated OMPI_MCA_btl_vader_single_copy_mechanism=none
mpirun_2=(mpirun --allow-run-as-root --oversubscribe -np 2)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

same_output() {  # ARGS...: rightsize and 2-rank rightsize-mpi print the same bytes
  "$plain" "$@" >"$tmp/one" 2>"$tmp/one.err" || { echo "rightsize failed:"; cat "$tmp/one.err"; exit 1; }
  "${mpirun_2[@]}" "$mpi" "$@" >"$tmp/two" 2>"$tmp/two.err" ||
    { echo "rightsize-mpi failed:"; cat "$tmp/two.err"; exit 1; }
  [[ -s $tmp/one ]] || { echo "rightsize printed nothing"; exit 1; }
  if ! cmp "$tmp/one" "$tmp/two"; then
    diff "$tmp/one" "$tmp/two" | head -20
    exit 1
  fi
  echo "identical: $(wc -c <"$tmp/one") bytes, $(wc -l <"$tmp/one") lines"
}

case $case in
  sweep)
    # 3 x 3 x 8 x 4 x 3 x 3 x 4 = 10,368 points: three ranges (>= 4,096 points each but the last).
    same_output sweep --models llama-3-8b,mixtral-8x7b,qwen2.5-7b \
      --hardware h100-sxm5-80gb,a100-sxm4-80gb,rtx-4090 --batch 1,2,4,8,16,32,64,128 \
      --prompt-tokens 128,512,1024,8192 --gen-tokens 64,256,512 --weights bf16,fp8,int4 \
      --tp 1,2,4,8 --format csv
    ;;
  sweep-stream)
    # -o FILE.csv.gz / .csv.zst streams the rows as ranges finish, each range of 16,384 points
    # one gzip member / zstd frame: the same compressed bytes, and the same rows as the CSV
    # printed whole. 2 x 3 x 9 x 5 x 5 x 4 x 4 = 43,200 points: three ranges.
    grid=(--models llama-3-8b,mixtral-8x7b --hardware h100-sxm5-80gb,rtx-4090,l40s
      --batch 1,2,4,8,16,32,64,128,256 --prompt-tokens 128,512,1024,4096,8192
      --gen-tokens 64,128,256,512,1024 --weights bf16,fp8,int4,q4_k_m --tp 1,2,4,8)
    "$plain" sweep "${grid[@]}" >"$tmp/whole.csv" || exit 1
    for packed in gz zst; do
      "$plain" sweep "${grid[@]}" -o "$tmp/one.csv.$packed" || exit 1
      "${mpirun_2[@]}" "$mpi" sweep "${grid[@]}" -o "$tmp/two.csv.$packed" || exit 1
      cmp "$tmp/one.csv.$packed" "$tmp/two.csv.$packed" || exit 1
      if [[ $packed == gz ]]; then unpack=(gzip -dc); else unpack=(zstd -dcq); fi
      "${unpack[@]}" "$tmp/two.csv.$packed" | cmp - "$tmp/whole.csv" || exit 1
      echo "identical: $(wc -c <"$tmp/one.csv.$packed") $packed bytes, $(wc -l <"$tmp/whole.csv") lines"
    done
    ;;
  sweep-study)
    same_output sweep-study tests/plan/fixtures/api-vs-selfhosted.yaml \
      --set traffic.requests_per_month=1e4,1e5,1e6,5e6 --format csv
    ;;
  plan)
    same_output plan tests/mpi/fixtures/small-capacity-study.yaml --format json
    ;;
  fit-law-bootstrap)
    # The 4,500-start Chinchilla fit on every rank, then 60 bootstrap resamples split over the
    # ranks: the same printed intervals and the same law file (run in two folders, so the file's
    # id, its own path, is the same text).
    fit=(fit-law "$PWD/data/quality/epoch-chinchilla-replication/svg_extracted_data.csv"
      --form chinchilla --n-column "Model Size" --flops-column "Training FLOP"
      --drop-highest-loss 5 --bootstrap 60 -o law.json)
    mkdir -p "$tmp/one" "$tmp/two"
    (cd "$tmp/one" && "$plain" "${fit[@]}") >"$tmp/one.out" || exit 1
    (cd "$tmp/two" && "${mpirun_2[@]}" "$mpi" "${fit[@]}") >"$tmp/two.out" || exit 1
    cmp "$tmp/one.out" "$tmp/two.out" || { diff "$tmp/one.out" "$tmp/two.out"; exit 1; }
    cmp "$tmp/one/law.json" "$tmp/two/law.json" || exit 1
    grep -q '"resamples": 60' "$tmp/one/law.json" || { echo "no bootstrap in the law file"; exit 1; }
    echo "identical: $(wc -c <"$tmp/one/law.json") bytes of law file; $(cat "$tmp/one.out")"
    ;;
  fit-law-plain)
    # No bootstrap: rank 0 alone runs to the end and writes the file.
    fit=(fit-law "$PWD/data/quality/epoch-chinchilla-replication/svg_extracted_data.csv"
      --form chinchilla --n-column "Model Size" --flops-column "Training FLOP"
      --drop-highest-loss 5 -o law.json)
    mkdir -p "$tmp/one" "$tmp/two"
    (cd "$tmp/one" && "$plain" "${fit[@]}") >"$tmp/one.out" || exit 1
    (cd "$tmp/two" && "${mpirun_2[@]}" "$mpi" "${fit[@]}") >"$tmp/two.out" || exit 1
    cmp "$tmp/one.out" "$tmp/two.out" || exit 1
    cmp "$tmp/one/law.json" "$tmp/two/law.json" || exit 1
    echo "identical: $(wc -c <"$tmp/one/law.json") bytes of law file"
    ;;
  simulate-grid)
    # simulate --set: 4 rates x 2 engines x 2 TP degrees = 16 serving simulations, each with its
    # max-rate search (uneven work: an overloaded rate searches longer), one row per combination.
    same_output simulate examples/simulate-vllm-h100.yaml --requests 300 \
      --set traffic.requests_per_s=2,4,8,16 --set engine=vllm-v1,sglang --set layout.tp=1,2 \
      --format csv
    # A combination whose unit fails (an unknown engine, on whichever rank draws it): exit 2 with
    # its error within seconds, never a hang.
    start=$(date +%s)
    "${mpirun_2[@]}" "$mpi" simulate examples/simulate-vllm-h100.yaml --requests 300 \
      --set traffic.requests_per_s=2,4,8,16 --set engine=vllm-v1,no-such-engine \
      >"$tmp/stdout" 2>"$tmp/stderr"
    code=$? seconds=$(($(date +%s) - start))
    (( code == 2 )) || { cat "$tmp/stderr"; echo "exit code $code, not 2"; exit 1; }
    grep -q "no-such-engine" "$tmp/stderr" || { cat "$tmp/stderr"; echo "no error naming it"; exit 1; }
    (( seconds <= 20 )) || { echo "took ${seconds} s to end"; exit 1; }
    [[ ! -s $tmp/stdout ]] || { echo "rows printed for a failed grid"; exit 1; }
    echo "failing combination: exit code $code after ${seconds} s"
    ;;
  calibrate-share-auto)
    # --share auto's greedy selection: rounds of 5-fold cross-validation whose folds are split
    # over the ranks (each round depends on the last), then --folds 5 and --logo the same way;
    # rank 0 writes. Everything but the measured fit time (`fit N points in S s`, fit_seconds) is
    # the same bytes: the printed table, the CSV of parameters and the calibration file (written
    # in two folders, so the `wrote FILE` line is the same text).
    cal=(calibrate "$PWD/data/runs/optimum-benchmark-running-llamas/Llama-7b/short_report.csv"
      "$PWD/data/runs/optimum-benchmark-running-llamas/Llama-13b/short_report.csv"
      --folds 5 --logo --share auto)
    mkdir -p "$tmp/cal1" "$tmp/cal2"
    (cd "$tmp/cal1" && "$plain" "${cal[@]}" -o cal.json) >"$tmp/cal1.out" || exit 1
    (cd "$tmp/cal2" && "${mpirun_2[@]}" "$mpi" "${cal[@]}" -o cal.json) >"$tmp/cal2.out" || exit 1
    timed='^fit [0-9]+ points in [0-9.]+ s$'
    grep -Eq "$timed" "$tmp/cal1.out" || { echo "no fit time line to leave out"; exit 1; }
    cmp <(grep -Ev "$timed" "$tmp/cal1.out") <(grep -Ev "$timed" "$tmp/cal2.out") ||
      { diff "$tmp/cal1.out" "$tmp/cal2.out"; exit 1; }
    cmp <(grep -v '"fit_seconds"' "$tmp/cal1/cal.json") <(grep -v '"fit_seconds"' "$tmp/cal2/cal.json") ||
      { diff "$tmp/cal1/cal.json" "$tmp/cal2/cal.json"; exit 1; }
    grep -q '"trials"' "$tmp/cal1/cal.json" || { echo "no --share auto trials in the file"; exit 1; }
    same_output "${cal[@]}" --format csv
    echo "identical: $(wc -c <"$tmp/cal1/cal.json") bytes of calibration file but fit_seconds"
    ;;
  kill-one-rank)
    "$plain" sweep --models llama-3-8b --hardware l40s -o "$tmp/out.csv" || exit 1
    cp "$tmp/out.csv" "$tmp/good.csv"
    # ~44 M points: a minute of work or more, so rank 1 dies mid-run, 1 s after it starts.
    start=$(date +%s)
    "${mpirun_2[@]}" bash -c \
      'if [[ $OMPI_COMM_WORLD_RANK == 1 ]]; then (sleep 1; kill -KILL $$) & fi; exec "$0" "$@"' \
      "$mpi" sweep --models llama-3-8b,mixtral-8x7b,qwen2.5-7b,llama-3-70b \
      --hardware h100-sxm5-80gb,a100-sxm4-80gb,rtx-4090,l40s \
      --batch "$(seq -s, 1 256)" --prompt-tokens 128,256,512,1024,2048,4096 \
      --gen-tokens "$(seq -s, 16 16 1024)" --weights bf16,fp8,int4,int8 --tp 1,2,4,8,16,32,64 \
      -o "$tmp/out.csv" >"$tmp/stdout" 2>"$tmp/stderr"
    code=$? seconds=$(($(date +%s) - start))
    cat "$tmp/stderr"
    (( code != 0 )) || { echo "exit code 0 after a rank was killed"; exit 1; }
    grep -q "rank 1" "$tmp/stderr" || { echo "no message naming rank 1"; exit 1; }
    (( seconds <= 20 )) || { echo "took ${seconds} s to end"; exit 1; }
    cmp "$tmp/out.csv" "$tmp/good.csv" || { echo "the previous output was replaced"; exit 1; }
    leftovers=$(find "$tmp" -name '.out.csv.tmp*')
    [[ -z $leftovers ]] || { echo "temporary output left: $leftovers"; exit 1; }
    echo "killed rank 1: exit code $code after ${seconds} s; previous output kept"
    ;;
  runner-in-order)
    "${mpirun_2[@]}" "$runner_check" ok || exit 1
    ;;
  rank-error)
    start=$(date +%s)
    "${mpirun_2[@]}" "$runner_check" fail >"$tmp/stdout" 2>"$tmp/stderr"
    code=$? seconds=$(($(date +%s) - start))
    cat "$tmp/stderr"
    (( code == 2 )) || { echo "exit code $code, not 2 (rank 1's InputError)"; exit 1; }
    grep -q "fail on rank 1" "$tmp/stderr" || { echo "rank 1's message is missing"; exit 1; }
    (( seconds <= 20 )) || { echo "took ${seconds} s to end"; exit 1; }
    echo "rank 1 failed: exit code $code after ${seconds} s"
    ;;
  runner-rounds)
    "${mpirun_2[@]}" "$runner_check" rounds || exit 1
    ;;
  rounds-error)
    start=$(date +%s)
    "${mpirun_2[@]}" "$runner_check" rounds-fail >"$tmp/stdout" 2>"$tmp/stderr"
    code=$? seconds=$(($(date +%s) - start))
    cat "$tmp/stderr"
    (( code == 2 )) || { echo "exit code $code, not 2 (rank 1's InputError)"; exit 1; }
    grep -q "round 2 fails on rank 1" "$tmp/stderr" || { echo "rank 1's message is missing"; exit 1; }
    (( seconds <= 20 )) || { echo "took ${seconds} s to end"; exit 1; }
    echo "rank 1 failed in round 2: exit code $code after ${seconds} s"
    ;;
  *)
    echo "unknown case $case"
    exit 2
    ;;
esac
