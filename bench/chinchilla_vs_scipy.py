"""The 4,500-start Chinchilla fit (Hoffmann et al. 2022, App. D.2) of rightsize against a scipy
reference of the same procedure, on the same data, timed in the same run.

Data: data/quality/epoch-chinchilla-replication/svg_extracted_data.csv (Besiroglu et al. 2024),
the 5 highest-loss points dropped (240 points), D = C / (6 N), as `rightsize fit-law
--drop-highest-loss 5` reads them. Objective: sum_i Huber_1e-3(LSE(a - alpha log N_i,
b - beta log D_i, e) - log L_i) over p = (a, b, e, alpha, beta); the App. D.2 grid of starts
a, b in {0, 5, ..., 25}, e in {-1, -0.5, ..., 1}, alpha, beta in {0, 0.5, ..., 2}.
Reference: scipy.optimize.minimize(method="L-BFGS-B") from every start with the analytic
gradient (numpy, vectorised over the points), every start run to its own end, the smallest
objective kept: the paper's procedure verbatim, on one core. rightsize: the `rightsize fit-law`
command (its own L-BFGS, the vectorised analytic gradient), wall time of the whole command
(process start, CSV read, fit, JSON written), median of 3 runs, in two configurations:
  - the default: all cores, and the path rule (a start whose iterate joins the path of an earlier
    start is stopped and credited with that start's end; docs/quality.md), which the ratio uses;
  - `--every-start-to-end --threads 1`: the same work as scipy (every start to its end, 1 core).

Prints wall and CPU seconds of both, the ratios (CPU seconds are less disturbed by other work on
a shared machine than wall seconds), and both optima (E, A, alpha, B, beta) to 4 significant digits.
Run with Debian's Python (scipy, numpy): /usr/bin/python3 bench/chinchilla_vs_scipy.py
  --cli build/release/rightsize [--starts N: the first N starts of the grid, for a quick look]
"""
import argparse
import csv
import itertools
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np
from scipy.optimize import minimize

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
DATA = "data/quality/epoch-chinchilla-replication/svg_extracted_data.csv"
DELTA = 1e-3
DROP_HIGHEST = 5


def load_points():
    with open(os.path.join(ROOT, DATA)) as f:
        rows = list(csv.DictReader(f))
    n = np.array([float(r["Model Size"]) for r in rows])
    c = np.array([float(r["Training FLOP"]) for r in rows])
    loss = np.array([float(r["loss"]) for r in rows])
    # Drop the k highest losses (ties keep file order), keep file order (sim/quality/law_data.cc).
    order = sorted(range(len(loss)), key=lambda i: -loss[i])
    keep = np.ones(len(loss), bool)
    keep[order[:DROP_HIGHEST]] = False
    n, c, loss = n[keep], c[keep], loss[keep]
    return np.log(n), np.log(c / (6.0 * n)), np.log(loss)


def objective(p, log_n, log_d, log_l):
    a, b, e, alpha, beta = p
    t = np.stack([a - alpha * log_n, b - beta * log_d, np.full_like(log_n, e)])
    m = t.max(axis=0)
    w = np.exp(t - m)
    s = w.sum(axis=0)
    r = m + np.log(s) - log_l
    small = np.abs(r) <= DELTA
    value = np.where(small, 0.5 * r * r, DELTA * (np.abs(r) - 0.5 * DELTA)).sum()
    dr = np.where(small, r, DELTA * np.sign(r))  # d Huber / d r
    soft = w / s  # d LSE / d t
    grad = np.array([
        (dr * soft[0]).sum(),
        (dr * soft[1]).sum(),
        (dr * soft[2]).sum(),
        -(dr * soft[0] * log_n).sum(),
        -(dr * soft[1] * log_d).sum(),
    ])
    return value, grad


def starts():
    grid_ab = [0, 5, 10, 15, 20, 25]
    grid_e = [-1, -0.5, 0, 0.5, 1]
    grid_exp = [0, 0.5, 1, 1.5, 2]
    for a, b, e, alpha, beta in itertools.product(grid_ab, grid_ab, grid_e, grid_exp, grid_exp):
        yield np.array([a, b, e, alpha, beta], float)


def scipy_fit(limit):
    log_n, log_d, log_l = load_points()
    best = None
    count = 0
    for p0 in itertools.islice(starts(), limit):
        r = minimize(objective, p0, args=(log_n, log_d, log_l), jac=True, method="L-BFGS-B",
                     options={"maxiter": 1000})
        count += 1
        if np.isfinite(r.fun) and (best is None or r.fun < best.fun):
            best = r
    a, b, e, alpha, beta = best.x
    return count, best.fun, dict(E=np.exp(e), A=np.exp(a), alpha=alpha, B=np.exp(b), beta=beta)


def rightsize_fit(cli, extra):
    """Median wall and CPU (user + system) seconds of 3 runs, the coefficients, and the number
    of starts stopped early."""
    times, cpu_times = [], []
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "law.json")
        for _ in range(3):
            if os.path.exists(out):
                os.remove(out)
            start = time.perf_counter()
            process = subprocess.Popen(
                [cli, "fit-law", DATA, "--form", "chinchilla", "--n-column", "Model Size",
                 "--flops-column", "Training FLOP", "--drop-highest-loss", str(DROP_HIGHEST),
                 "-o", out] + extra, cwd=ROOT, stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL)
            _, status, usage = os.wait4(process.pid, 0)
            times.append(time.perf_counter() - start)
            if os.waitstatus_to_exitcode(status) != 0:
                raise RuntimeError("rightsize fit-law failed")
            cpu_times.append(usage.ru_utime + usage.ru_stime)
        with open(out) as f:
            law = json.load(f)
    c = law["coefficients"]
    stopped = re.search(r"(\d+) stopped on joining", law["report"])
    return (statistics.median(times), statistics.median(cpu_times),
            dict(E=c["e_nats"], A=c["a"], alpha=c["alpha"], B=c["b"], beta=c["beta"]),
            int(stopped.group(1)) if stopped else 0)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--cli", required=True, help="the rightsize binary")
    parser.add_argument("--starts", type=int, default=4500, help="scipy starts (default: all)")
    args = parser.parse_args()
    cli = os.path.abspath(args.cli)
    cores = os.cpu_count() or 1
    cpp_s, cpp_cpu_s, cpp, stopped = rightsize_fit(cli, [])
    every_s, every_cpu_s, every, _ = rightsize_fit(cli, ["--every-start-to-end", "--threads", "1"])
    start, start_cpu = time.perf_counter(), time.process_time()
    count, fun, ref = scipy_fit(args.starts)
    scipy_s, scipy_cpu_s = time.perf_counter() - start, time.process_time() - start_cpu
    # Per start when the reference ran a subset: its time scaled to the full grid.
    scale = 4500 / count
    scipy_full_s, scipy_full_cpu_s = scipy_s * scale, scipy_cpu_s * scale
    fmt = lambda d: ", ".join(f"{k} {v:.4g}" for k, v in d.items())
    print(f"rightsize fit-law (4500 starts, {cores} threads, path rule: {stopped} stopped early; "
          f"whole command, median of 3): {cpp_s:.3f} s wall, {cpp_cpu_s:.3f} s CPU: {fmt(cpp)}")
    print(f"rightsize fit-law --every-start-to-end --threads 1 (4500 starts each to its end, "
          f"1 thread): {every_s:.3f} s wall, {every_cpu_s:.3f} s CPU: {fmt(every)}")
    print(f"scipy L-BFGS-B ({count} starts each to its end, 1 core, once): {scipy_s:.2f} s wall, "
          f"{scipy_cpu_s:.2f} s CPU"
          + ("" if count == 4500 else f" (x 4500/{count} = {scipy_full_s:.1f} s)")
          + f": {fmt(ref)} (Huber sum {fun:.6e})")
    print(f"ratio scipy / rightsize: {scipy_full_s / cpp_s:.0f}x wall (same work on 1 core: "
          f"{scipy_full_s / every_s:.0f}x); CPU seconds {scipy_full_cpu_s / cpp_cpu_s:.0f}x "
          f"(same work: {scipy_full_cpu_s / every_cpu_s:.0f}x)")
    same = all(f"{cpp[k]:.4g}" == f"{ref[k]:.4g}" == f"{every[k]:.4g}" for k in cpp)
    print(f"same optimum to 4 digits: {'yes' if same else 'no'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
