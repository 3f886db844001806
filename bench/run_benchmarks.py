"""Runs the benchmarks and writes the performance table the README quotes (`make bench`).

Measures, on this machine, in a Release build:
  - the Google Benchmark programs in bench/ (rightsize_bench: predictions per second from scratch
    and from operator tables, a streamed sweep's cost per point, the Chinchilla fit, calibration of 20,000 steps, the serving simulation, a simulated plan);
  - `rightsize sweep --bench` on a 200,000-point grid, and the same kind of grid (100,000 points)
    through the Python module when it is built;
  - the CPU harness: `rightsize measure` on this machine, then `rightsize calibrate --folds 5` on
    what it wrote (the held-out error the README's calibration text refers to).
and writes one markdown table, headed by the date and the machine, to the output file
(bench/RESULTS.md); `make bench` then copies it into README.md (tests/readme/readme_sections.py).

Usage: run_benchmarks.py --build-dir build/release -o bench/RESULTS.md
"""
import argparse
import datetime
import json
import os
import re
import subprocess
import sys
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))

SWEEP_200K = dict(
    models=["llama-3-8b", "llama-3-70b", "qwen2.5-7b", "mixtral-8x7b", "qwen2.5-72b"],
    hardware=["h100-sxm5-80gb", "a100-sxm4-80gb", "l40s", "rtx-4090", "h200-sxm-141gb"],
    batch=[1, 2, 4, 8, 16, 32, 64, 128, 256, 512],
    prompt_tokens=[128, 256, 512, 1024, 2048, 4096, 8192, 16384],
    gen_tokens=[64, 128, 256, 512, 1024],
    weights=["bf16", "fp8", "int8", "int4", "q4_k_m"],
    tp=[1, 2, 4, 8],
)
SWEEP_100K = dict(SWEEP_200K, models=SWEEP_200K["models"][:4], hardware=SWEEP_200K["hardware"],
                  prompt_tokens=SWEEP_200K["prompt_tokens"][:5], tp=[1, 2, 4, 8])


def log(message):
    print(message, file=sys.stderr, flush=True)


def machine():
    model = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return model, os.cpu_count() or 1, load


def google_benchmarks(build_dir):
    executable = os.path.join(build_dir, "bench", "rightsize_bench")
    log(f"running {os.path.relpath(executable, ROOT)}")
    done = subprocess.run([executable, "--benchmark_format=json"], capture_output=True, text=True,
                          check=True)
    results = {}
    for b in json.loads(done.stdout)["benchmarks"]:
        results[b["run_name"].split("/iterations")[0].replace("/real_time", "")] = b
    return results


def seconds(b):
    scale = {"s": 1.0, "ms": 1e-3, "us": 1e-6, "ns": 1e-9}[b["time_unit"]]
    return b["real_time"] * scale


def cpu_seconds(b):
    scale = {"s": 1.0, "ms": 1e-3, "us": 1e-6, "ns": 1e-9}[b["time_unit"]]
    return b["cpu_time"] * scale


def flags(grid):
    args = []
    for key, option in [("models", "--models"), ("hardware", "--hardware"), ("batch", "--batch"),
                        ("prompt_tokens", "--prompt-tokens"), ("gen_tokens", "--gen-tokens"),
                        ("weights", "--weights"), ("tp", "--tp")]:
        args += [option, ",".join(str(v) for v in grid[key])]
    return args


def points(grid):
    n = 1
    for values in grid.values():
        n *= len(values)
    return n


def cli_sweep(cli, scratch):
    best_predict, best_wall, threads = float("inf"), float("inf"), 0
    for _ in range(3):
        start = time.perf_counter()
        done = subprocess.run([cli, "sweep", "--bench", "-o", os.path.join(scratch, "sweep.csv")] +
                              flags(SWEEP_200K), capture_output=True, text=True, check=True)
        wall = time.perf_counter() - start
        # `-o FILE.csv` streams (sim/app/sweep.h): the time printed is predicting and writing,
        # on all cores.
        match = re.search(r"sweep: (\d+) points in ([0-9.]+) s .* streamed to", done.stderr)
        if not match or int(match.group(1)) != points(SWEEP_200K):
            raise RuntimeError(f"unexpected sweep output: {done.stderr}")
        best_predict = min(best_predict, float(match.group(2)))
        best_wall = min(best_wall, wall)
        threads = os.cpu_count() or 1
    return best_predict, best_wall, threads


PYTHON_TIMER = """
import json, sys, time
import rightsize
grid = json.loads(sys.argv[1])
rightsize.sweep_bench(**dict(grid, batch=[1]))  # warm up: catalogue load, page faults
cpp, py = [], []
for _ in range(3):
    cpp.append(rightsize.sweep_bench(**grid))
    start = time.perf_counter()
    rightsize.sweep(**grid)
    py.append(time.perf_counter() - start)
print(json.dumps({"cpp_s": min(cpp), "python_s": min(py)}))
"""


def python_sweep(build_dir):
    package = os.path.join(build_dir, "python")
    if not os.path.isdir(os.path.join(package, "rightsize")):
        return None
    env = dict(os.environ, PYTHONPATH=package, PYTHONDONTWRITEBYTECODE="1")
    done = subprocess.run(["/usr/bin/python3", "-c", PYTHON_TIMER, json.dumps(SWEEP_100K)], env=env,
                          capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def cpu_harness(cli, scratch):
    folder = os.path.join(scratch, "measure")
    log("running rightsize measure (this machine)")
    subprocess.run([cli, "measure", "-o", folder], capture_output=True, text=True, check=True)
    out = os.path.join(scratch, "cpu-calibration.json")
    subprocess.run([cli, "calibrate", os.path.join(folder, "measurements.csv"), "--hardware",
                    os.path.join(folder, "local-cpu.yaml"), "--folds", "5", "-o", out],
                   capture_output=True, text=True, check=True)
    with open(out) as f:
        doc = json.load(f)
    return doc["n_points"], doc["cross_validation"]["kfold"]


def rate(per_s):
    return f"{per_s / 1e6:.2f} M / s" if per_s >= 1e6 else f"{per_s / 1e3:.0f} k / s"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--build-dir", default=os.path.join(ROOT, "build", "release"))
    parser.add_argument("-o", "--output", default=os.path.join(ROOT, "bench", "RESULTS.md"))
    args = parser.parse_args()
    build_dir = os.path.abspath(args.build_dir)
    cli = os.path.join(build_dir, "rightsize")

    cpu, cores, load = machine()
    today = datetime.date.today().isoformat()
    gb = google_benchmarks(build_dir)
    with tempfile.TemporaryDirectory(prefix="rightsize-bench-") as scratch:
        log("timing rightsize sweep --bench (200,000 points)")
        sweep_predict_s, sweep_wall_s, sweep_threads = cli_sweep(cli, scratch)
        log("timing the Python sweep (100,000 points)")
        py = python_sweep(build_dir)
        harness_points, harness = cpu_harness(cli, scratch)

    def counter(name, key="predictions_per_s"):
        return gb[name][key]

    rows = [
        ("full prediction (CountOps + forward model), Llama-3-8B decode step, TP 2",
         f"{rate(counter('BM_FullPredictionDenseDecode'))} on one core",
         "`bench/latency_bench.cc` `BM_FullPredictionDenseDecode`"),
        ("full prediction, Llama-3-8B prefill step", f"{rate(counter('BM_FullPredictionDensePrefill'))} on one core",
         "`BM_FullPredictionDensePrefill`"),
        ("full prediction, Mixtral-8x7B decode step", f"{rate(counter('BM_FullPredictionMoeDecode'))} on one core",
         "`BM_FullPredictionMoeDecode`"),
        ("forward model alone over precomputed ops (a calibration residual)",
         f"{rate(counter('BM_StepTimeOnly'))} on one core", "`BM_StepTimeOnly`"),
        ("full prediction from a decode-step operator table (built once per model, device and "
         "workload; sim/cost/step_table.h) over a batch of 1,024 contexts: Llama-3-8B, "
         "Mixtral-8x7B, DeepSeek-V3 (MLA); with the energy breakdown, Llama-3-8B",
         f"{rate(counter('BM_TablePredictionDenseDecode'))}, "
         f"{rate(counter('BM_TablePredictionMoeDecode'))}, "
         f"{rate(counter('BM_TablePredictionMlaDecode'))}; "
         f"{rate(counter('BM_TableBreakdownDenseDecode'))} on one core",
         "`BM_TablePrediction*`, `BM_TableBreakdownDenseDecode`"),
        ("streamed-sweep point on the 10^8-point grid: predict; + CSV row; + zstd; + gzip",
         " / ".join(f"{1e9 / counter(name, 'points_per_s'):.0f}" for name in (
             "BM_SweepPointsPredict", "BM_SweepPointsCsv", "BM_SweepPointsCsvZstd",
             "BM_SweepPointsCsvGzip")) + " ns per point on one core",
         "`bench/sweep_bench.cc` `BM_SweepPoints*`"),
        (f"{points(SWEEP_200K):,}-point sweep (5 models x 5 GPUs x 10 batches x 8 prompts x 5 outputs "
         "x 5 precisions x 4 TP)",
         f"{sweep_predict_s:.2f} s predicting and streaming the CSV, {sweep_wall_s:.2f} s wall "
         f"with the start-up ({sweep_threads} threads)", "`rightsize sweep --bench -o F.csv`, best of 3"),
    ]
    if py:
        rows.append((f"{points(SWEEP_100K):,}-point sweep through the Python module",
                     f"{py['python_s']:.2f} s (the C++ sweep alone {py['cpp_s']:.2f} s on the same grid)",
                     "`rightsize.sweep`, `rightsize.sweep_bench`, best of 3"))
    else:
        rows.append(("sweep through the Python module", "not measured: the module is not built",
                     "`-DRIGHTSIZE_BUILD_PYTHON=ON`"))
    rows += [
        ("Chinchilla fit, 4,500 L-BFGS starts (Hoffmann et al. App. D.2) on Epoch's 240 points",
         f"{seconds(gb['BM_ChinchillaFullGrid/2/1']):.2f} s on 2 threads, "
         f"{seconds(gb['BM_ChinchillaFullGrid/1/1']):.2f} s on 1 "
         f"({gb['BM_ChinchillaFullGrid/1/1']['stopped_early']:,.0f} starts stopped by the path "
         f"rule); every start to its end: {seconds(gb['BM_ChinchillaFullGrid/1/0']):.2f} s on 1",
         "`bench/law_fit_bench.cc` `BM_ChinchillaFullGrid`"),
        ("one L-BFGS start; one evaluation of the objective and gradient (240 points); 200 "
         "bootstrap resamples (2 threads)",
         f"{seconds(gb['BM_ChinchillaOneStart']) * 1e6:.0f} us; "
         f"{seconds(gb['BM_HoffmannObjectiveAndGradient']) * 1e9:,.0f} ns; "
         f"{seconds(gb['BM_ChinchillaBootstrap200']):.2f} s",
         "`BM_ChinchillaOneStart`, `BM_HoffmannObjectiveAndGradient`, "
         "`BM_ChinchillaBootstrap200`"),
        (f"calibration of {gb['BM_Calibrate20000Steps']['points']:,.0f} step measurements "
         f"({gb['BM_Calibrate20000Steps']['operators']:,.0f} operators), one thread",
         f"{seconds(gb['BM_Calibrate20000Steps']):.2f} s",
         "`bench/calibration_bench.cc` `BM_Calibrate20000Steps`"),
        ("serving simulation, 10,000 requests (1,000 in / 256 out), Llama-3.1-8B on H100 under vLLM V1",
         f"{cpu_seconds(gb['BM_Simulate10kRequestsOffline']) * 1e3:.0f} ms CPU offline "
         f"({gb['BM_Simulate10kRequestsOffline']['steps']:,.0f} steps), "
         f"{cpu_seconds(gb['BM_Simulate10kRequestsPoisson']) * 1e3:.0f} ms at 15 requests/s "
         f"({gb['BM_Simulate10kRequestsPoisson']['steps']:,.0f} steps), one core",
         "`bench/serve_bench.cc` `BM_Simulate10kRequests*`"),
        (f"capacity plan over {gb['BM_Plan100LayoutsSimulated']['layouts']:.0f} layouts (5 models x 5 "
         "GPUs x TP 1, 2 x bf16, fp8), each sized by the simulated rate search",
         f"{seconds(gb['BM_Plan100LayoutsSimulated']):.1f} s wall on "
         f"{gb['BM_Plan100LayoutsSimulated']['threads']:.0f} threads "
         f"({gb['BM_Plan100LayoutsSimulated']['simulations']:,.0f} simulations of 1,000 requests, "
         f"{gb['BM_Plan100LayoutsSimulated']['feasible']:.0f} feasible layouts)",
         "`bench/plan_bench.cc` `BM_Plan100LayoutsSimulated`"),
        ("CPU harness: `rightsize measure` on this machine, then `rightsize calibrate --folds 5`",
         f"held-out median {100 * harness['median_ape']:.1f}% / p90 {100 * harness['p90_ape']:.1f}%, "
         f"90% interval coverage {100 * harness['coverage']:.1f}% ({harness_points} points)",
         "`rightsize measure`, `rightsize calibrate`"),
    ]
    lines = [f"Measured {today} on {cpu}, {cores} cores (1-minute load average {load:.1f} at the "
             "start), Release build, by `make bench` (`bench/run_benchmarks.py`).", "",
             "| what | figure | how measured |", "|---|---|---|"]
    lines += [f"| {what} | {figure} | {how} |" for what, figure, how in rows]
    with open(args.output, "w") as f:
        f.write("\n".join(lines) + "\n")
    log(f"wrote {os.path.relpath(args.output, ROOT)}")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
