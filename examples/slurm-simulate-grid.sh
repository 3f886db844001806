#!/usr/bin/env bash
# A grid of serving simulations over several nodes with Slurm and Open MPI (docs/mpi.md,
# docs/serving.md):
#   sbatch examples/slurm-simulate-grid.sh
# Each task is one MPI rank; each combination of the --set values is one simulation with its
# max-rate search (examples/simulate-vllm-h100.yaml has max_rate: true), handed out from a
# dynamic queue on rank 0, so ranks that drew long searches simply ask for fewer. Rank 0 gathers
# the rows and writes grid.csv, byte-identical to `rightsize simulate` with the same flags. If
# any rank fails, the job ends with that rank's error and grid.csv is not written.
#SBATCH --job-name=rightsize-simulate-grid
#SBATCH --nodes=2
#SBATCH --ntasks-per-node=4
#SBATCH --cpus-per-task=8
#SBATCH --time=00:30:00
#SBATCH --output=rightsize-simulate-grid-%j.log
set -euo pipefail
RIGHTSIZE_MPI=${RIGHTSIZE_MPI:-rightsize-mpi}
tmp=.grid.csv.tmp.$$
trap 'rm -f "$tmp"' EXIT
# 8 rates x 4 engines x 4 TP degrees x 2 weight precisions = 256 simulations.
mpirun "$RIGHTSIZE_MPI" simulate examples/simulate-vllm-h100.yaml \
  --set traffic.requests_per_s=1,2,4,8,16,32,64,128 \
  --set engine=vllm-v1,sglang,tensorrt-llm,llama-cpp-server \
  --set layout.tp=1,2,4,8 --set layout.weights=bf16,fp8 \
  --format csv >"$tmp"
mv "$tmp" grid.csv
