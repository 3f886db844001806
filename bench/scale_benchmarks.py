"""Benchmarks of rightsize past one core (`make bench-scale`; docs/mpi.md), written as the
markdown table bench/SCALE_RESULTS.md that the README quotes:
  - full predictions per second on one core (bench/latency_bench.cc, Google Benchmark): from
    scratch (CountOps + the forward model) and from a decode-step operator table evaluated over
    a batch of contexts (sim/cost/step_table.h);
  - the cost per point of a streamed sweep on one core, by stage: predicting, formatting the CSV
    row, compressing (bench/sweep_bench.cc, on the 10^8-point grid);
  - streamed sweeps (`sweep -o FILE.csv.zst` and `.csv.gz`) of 10^6, 10^7 and 10^8 points
    (--sizes, --formats): wall time, points per second on all cores and the peak resident memory
    of the process, which stays flat in the number of points; a size not run is not reported,
    and when 10^8 is not among the sizes the largest run is extrapolated to 10^8, said as such;
  - 2-rank MPI efficiency on a streamed sweep to `.csv.zst`: `mpirun -np 1 rightsize-mpi sweep
    --threads 1` against `mpirun -np 2 rightsize-mpi sweep` (one thread per rank), T1 / (2 T2),
    best of 2 (--mpi-points, default 10^7). Compressed, because rank 0 writes every byte: an
    uncompressed 10^7-point sweep is 2 GB, whose writing alone keeps one of two cores busy and
    would measure the file system, not the split of the work;
  - the 4,500-start Chinchilla fit against the scipy reference (bench/chinchilla_vs_scipy.py);
    its row names its own date and load, so `--only chinchilla` can re-measure it alone and
    replace that row of an existing table (the other rows keep their measurement).
Usage: /usr/bin/python3 bench/scale_benchmarks.py --build-dir build/release
  -o bench/SCALE_RESULTS.md [--sizes 1e6,1e7,1e8] [--formats zst,gz] [--mpi-points 1e7]
  [--only chinchilla]
"""
import argparse
import datetime
import json
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
MODELS = ["llama-3-8b", "llama-3-70b", "qwen2.5-7b", "mixtral-8x7b", "qwen2.5-72b"]
HARDWARE = ["h100-sxm5-80gb", "a100-sxm4-80gb", "l40s", "rtx-4090", "h200-sxm-141gb"]
WEIGHTS = ["bf16", "fp8", "int8", "int4", "q4_k_m"]
TP = [1, 2, 4, 8]
# batch x prompt x gen values per grid size (x 500 for the fixed axes above).
SHAPES = {10**5: (10, 5, 4), 2 * 10**5: (10, 10, 4), 10**6: (20, 10, 10), 10**7: (100, 10, 20),
          10**8: (200, 25, 40)}


def log(message):
    print(message, file=sys.stderr, flush=True)


def sweep_args(points):
    batches, prompts, gens = SHAPES[points]
    join = lambda values: ",".join(str(v) for v in values)
    return ["sweep", "--models", join(MODELS), "--hardware", join(HARDWARE),
            "--batch", join(range(1, batches + 1)),
            "--prompt-tokens", join(128 * k for k in range(1, prompts + 1)),
            "--gen-tokens", join(16 * k for k in range(1, gens + 1)),
            "--weights", join(WEIGHTS), "--tp", join(TP)]


def timed(command, env=None):
    """Wall seconds, peak resident memory (bytes) and CPU seconds (user + system) of the command's
    own process tree leader. The CPU seconds do not grow when other work shares the cores, so
    they say what the command costs whatever the machine's load."""
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{' '.join(command[:3])} ... failed: {process.stderr.read().decode()}")
    return seconds, usage.ru_maxrss * 1024, usage.ru_utime + usage.ru_stime


def google_benchmarks(build_dir, pattern, counter):
    """(name, counter value) of each benchmark matching the regex (CPU-time rates, one core)."""
    executable = os.path.join(build_dir, "bench", "rightsize_bench")
    log(f"Google Benchmark {pattern}")
    done = subprocess.run([executable, "--benchmark_format=json",
                           f"--benchmark_filter={pattern}"], capture_output=True,
                          text=True, check=True)
    return [(b["name"], b[counter]) for b in json.loads(done.stdout)["benchmarks"]]


def streamed_sweeps(cli, sizes, formats):
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for points in sizes:
            for extension in formats:
                log(f"streamed sweep of {points:.0e} points to .csv.{extension}")
                out = os.path.join(tmp, f"sweep-{points}.csv.{extension}")
                load = os.getloadavg()[0]
                seconds, rss, cpu = timed([cli] + sweep_args(points) + ["-o", out])
                rows.append((points, extension, seconds, rss, cpu, os.path.getsize(out), load))
                os.remove(out)
    return rows


def mpi_efficiency(mpi_cli, points):
    env = dict(os.environ, OMPI_MCA_plm="isolated", OMPI_MCA_btl_vader_single_copy_mechanism="none")
    mpirun = ["mpirun", "--allow-run-as-root", "--oversubscribe", "-np"]
    best = {}
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "sweep.csv.zst")
        for ranks, extra in ((1, ["--threads", "1"]), (2, [])):
            log(f"MPI sweep of {points:.0e} points on {ranks} rank(s)")
            times = [timed(mpirun + [str(ranks), mpi_cli] + sweep_args(points) + extra + ["-o", out],
                           env)[0] for _ in range(2)]
            best[ranks] = min(times)
    return best[1], best[2], best[1] / (2 * best[2])


def chinchilla(cli):
    log("Chinchilla fit: rightsize and the scipy reference")
    done = subprocess.run(["/usr/bin/python3", os.path.join(ROOT, "bench", "chinchilla_vs_scipy.py"),
                           "--cli", cli], capture_output=True, text=True, check=True)
    return done.stdout.strip().splitlines()


CHINCHILLA_ROW = "| Chinchilla fit, 4,500 starts"


def chinchilla_row(cli):
    load = os.getloadavg()[0]
    fit_lines = chinchilla(cli)
    return (f"{CHINCHILLA_ROW}, vs scipy L-BFGS-B with analytic gradients "
            f"| {'; '.join(fit_lines)} | `bench/chinchilla_vs_scipy.py`, measured "
            f"{datetime.date.today().isoformat()} (1-minute load average {load:.1f} at its "
            f"start) |")


def replace_chinchilla_row(cli, path):
    with open(path) as f:
        lines = f.read().splitlines()
    row = chinchilla_row(cli)
    kept = [line for line in lines if not line.startswith(CHINCHILLA_ROW)]
    text = "\n".join(kept + [row]) + "\n"
    with open(path, "w") as f:
        f.write(text)
    print(text)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--build-dir", required=True)
    parser.add_argument("-o", "--output", required=True)
    parser.add_argument("--sizes", default="1e6,1e7,1e8",
                        help="points of the streamed sweeps (from 1e5, 2e5, 1e6, 1e7, 1e8)")
    parser.add_argument("--formats", default="zst,gz",
                        help="compressions of the streamed sweeps (zst, gz)")
    parser.add_argument("--mpi-points", default="1e7", help="points of the MPI sweep (same sizes)")
    parser.add_argument("--only", choices=["chinchilla"],
                        help="re-measure this row alone and replace it in the existing output")
    args = parser.parse_args()
    build = os.path.abspath(args.build_dir)
    cli, mpi_cli = os.path.join(build, "rightsize"), os.path.join(build, "rightsize-mpi")
    if args.only == "chinchilla":
        replace_chinchilla_row(cli, args.output)
        return 0
    load = os.getloadavg()[0]
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo")
                if line.startswith("model name")), "unknown CPU")
    predictions = google_benchmarks(build, "BM_FullPrediction|BM_Table", "predictions_per_s")
    stages = google_benchmarks(build, "BM_SweepPoints", "points_per_s")
    sizes = [int(float(s)) for s in args.sizes.split(",")]
    sweeps = streamed_sweeps(cli, sizes, args.formats.split(","))
    mpi_points = int(float(args.mpi_points))
    mpi_load = os.getloadavg()[0]
    t1, t2, efficiency = mpi_efficiency(mpi_cli, mpi_points)
    fit_row = chinchilla_row(cli)
    cores = os.cpu_count() or 1
    lines = [f"Measured {datetime.date.today().isoformat()} on {cpu}, {cores} cores (1-minute load "
             f"average {load:.1f} at the start), by `make bench-scale` (`bench/scale_benchmarks.py`).",
             "", "| what | figure | how measured |", "|---|---|---|"]
    for name, rate in predictions:
        how = ("from scratch: CountOps + the forward model" if "Full" in name else
               "from a decode-step operator table, over a batch of 1,024 contexts")
        lines.append(f"| full prediction `{name}` ({how}) | {rate / 1e6:.2f} M / s on one core "
                     f"| `bench/latency_bench.cc` |")
    stage_names = {"BM_SweepPointsPredict": "predict", "BM_SweepPointsCsv": "predict + CSV row",
                   "BM_SweepPointsCsvGzip": "predict + CSV row + gzip (level 1)",
                   "BM_SweepPointsCsvZstd": "predict + CSV row + zstd (level 1)"}
    for name, rate in stages:
        lines.append(f"| sweep point on the 1e+08-point grid, {stage_names.get(name, name)} "
                     f"| {1e9 / rate:.0f} ns per point on one core = {rate / 1e6:.2f} M points / s "
                     f"| `bench/sweep_bench.cc` `{name}` |")
    for points, extension, seconds, rss, cpu, size, load in sweeps:
        lines.append(f"| streamed sweep, {points:.0e} points to `.csv.{extension}` "
                     f"({size / 1e6:.0f} MB) | {seconds:.1f} s = {points / seconds / 1e6:.2f} M "
                     f"points / s on {cores} cores; {cpu:.1f} CPU seconds = "
                     f"{points / cpu / 1e6:.2f} M points per CPU second; peak RSS "
                     f"{rss / 2**20:.0f} MiB (1-minute load {load:.1f} before) "
                     f"| `rightsize sweep -o F.csv.{extension}` |")
    if sweeps and max(points for points, *_ in sweeps) < 10**8:
        largest = max(points for points, *_ in sweeps)
        for points, extension, seconds, *_ in sweeps:
            if points == largest:
                lines.append(f"| streamed sweep, 1e+08 points to `.csv.{extension}`: "
                             f"**extrapolated**, not run | {seconds * 1e8 / points:.0f} s at the "
                             f"rate of the {points:.0e}-point run | linear in the points |")
    lines.append(f"| MPI, {mpi_points:.0e}-point streamed sweep to `.csv.zst`: 1 rank x 1 thread vs "
                 f"2 ranks x 1 thread | {t1:.2f} s vs {t2:.2f} s: efficiency {100 * efficiency:.0f}% "
                 f"(1-minute load {mpi_load:.1f} before) "
                 f"| `mpirun -np 1\\|2 rightsize-mpi sweep -o F.csv.zst`, best of 2 |")
    lines.append(fit_row)
    text = "\n".join(lines) + "\n"
    with open(args.output, "w") as f:
        f.write(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
