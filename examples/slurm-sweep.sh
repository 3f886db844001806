#!/usr/bin/env bash
# A rightsize sweep over several nodes with Slurm and Open MPI (docs/mpi.md):
#   sbatch examples/slurm-sweep.sh
# Each task is one MPI rank; each rank runs its ranges of grid points on --cpus-per-task threads
# (rightsize-mpi gives every rank on a node an equal share of the node's cores). Rank 0 gathers
# the rows and writes sweep.csv, byte-identical to `rightsize sweep` with the same flags. If any
# rank fails, the job ends with that rank's error and sweep.csv is not written.
#SBATCH --job-name=rightsize-sweep
#SBATCH --nodes=4
#SBATCH --ntasks-per-node=1
#SBATCH --cpus-per-task=32
#SBATCH --time=00:30:00
#SBATCH --output=rightsize-sweep-%j.log
set -euo pipefail
# rightsize-mpi from `cmake --install build/release --component mpi --prefix PREFIX`, or
# build/release/rightsize-mpi of a build tree on a shared file system.
RIGHTSIZE_MPI=${RIGHTSIZE_MPI:-rightsize-mpi}
# Open MPI reads the allocation from Slurm: one rank per task (srun --mpi=pmix works as well).
mpirun "$RIGHTSIZE_MPI" sweep \
  --models llama-3-8b,llama-3-70b,qwen2.5-7b,qwen2.5-72b,mixtral-8x7b \
  --hardware h100-sxm5-80gb,a100-sxm4-80gb,l40s,rtx-4090,h200-sxm-141gb \
  --batch 1,2,4,8,16,32,64,128,256,512 \
  --prompt-tokens 128,256,512,1024,2048,4096,8192,16384 \
  --gen-tokens 64,128,256,512,1024 \
  --weights bf16,fp8,int8,int4,q4_k_m \
  --tp 1,2,4,8 \
  --progress -o sweep.csv
