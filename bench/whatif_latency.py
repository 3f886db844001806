"""Measures how long the what-if page waits for an update: `rightsize serve` on a free loopback
port, one cold question (every layout's replica capacity is searched), then UPDATES questions as
the page sends them when a user moves the traffic slider or picks a price kind (capacities are
then reused). Each time is the HTTP round trip (request sent to answer parsed), which is what the
page waits for before it redraws. Writes a markdown table, headed by the date and the machine, to
the output file; README.md quotes it (tests/readme/readme_sections.py, section whatif-latency).

Usage: whatif_latency.py --cli build/release/rightsize -o bench/WHATIF.md [--updates 30]
(`make bench-whatif`).
"""
import argparse
import datetime
import json
import math
import os
import random
import re
import statistics
import subprocess
import time
import urllib.request

TARGET_S = 0.2  # the page's budget per update


def machine():
    model = "unknown CPU"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return model, os.cpu_count(), os.getloadavg()[0]


def ask(url, question):
    body = json.dumps(question).encode()
    start = time.perf_counter()
    with urllib.request.urlopen(urllib.request.Request(url + "api/whatif", data=body)) as r:
        answer = json.loads(r.read())
    return time.perf_counter() - start, answer


def questions(choices, count):
    """Slider moves over the study's sweep range, every third one also changing the price kind."""
    study = choices["studies"][0]
    lo = math.log10(study["sweep_min_requests_per_month"])
    hi = math.log10(study["sweep_max_requests_per_month"])
    kinds = [""] + choices["price_kinds"]
    rng = random.Random(17)
    out = []
    for i in range(count):
        q = {"requests_per_month": 10 ** rng.uniform(lo, hi)}
        kind = kinds[(i // 3) % len(kinds)]
        if kind:
            q["price_kind"] = kind
        out.append(q)
    return out


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--cli", required=True)
    parser.add_argument("-o", "--output", required=True)
    parser.add_argument("--updates", type=int, default=30)
    args = parser.parse_args()
    cpu, cores, load = machine()
    server = subprocess.Popen([args.cli, "serve", "--port", "0"], stdout=subprocess.PIPE, text=True)
    try:
        url = re.search(r"(http://\S+)", server.stdout.readline()).group(1)
        with urllib.request.urlopen(url + "api/choices") as r:
            choices = json.loads(r.read())
        cold_s, _ = ask(url, {})
        times, simulated = [], []
        for q in questions(choices, args.updates):
            wall, answer = ask(url, q)
            times.append(wall)
            simulated.append(answer["elapsed_s"])
    finally:
        server.terminate()
        server.wait()
    times.sort()
    p90 = times[min(len(times) - 1, int(math.ceil(0.9 * len(times))) - 1)]
    median = statistics.median(times)
    verdict = "within" if p90 < TARGET_S else "over"
    text = (
        f"Measured {datetime.date.today().isoformat()} on {cpu}, {cores} cores (1-minute load "
        f"average {load:.1f} at the start), by `make bench-whatif` (`bench/whatif_latency.py`): "
        f"`rightsize serve` on the default study, {args.updates} updates (traffic slider moves "
        f"over the sweep range, price kind cycled every third).\n\n"
        "| what | time |\n|---|---|\n"
        f"| first answer (every layout's replica capacity searched) | {1000 * cold_s:.0f} ms |\n"
        f"| one update, median | {1000 * median:.0f} ms |\n"
        f"| one update, 90th percentile | {1000 * p90:.0f} ms ({verdict} the "
        f"{1000 * TARGET_S:.0f} ms budget) |\n"
        f"| one update, slowest | {1000 * times[-1]:.0f} ms |\n"
        f"| of which simulation and pricing (server side), median | "
        f"{1000 * statistics.median(simulated):.0f} ms |\n")
    with open(args.output, "w") as f:
        f.write(text)
    print(text)


if __name__ == "__main__":
    main()
