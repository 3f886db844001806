"""Regenerates the sections of README.md and docs/*.md that quote what rightsize computes, or
checks that they are up to date.

A generated section sits between `<!-- generated:NAME -->` and `<!-- /generated:NAME -->`; its
text is exactly what the generator NAME below writes, from commands run on the build's `rightsize`
binary (or, for `performance`, from bench/RESULTS.md, which `make bench` writes, and for `fuzzing`,
from tests/fuzz/RESULTS.md, which `make fuzz` writes, and for `whatif-latency`, from
bench/WHATIF.md, which `make bench-whatif` writes). Nothing between
the markers is written by hand.

  readme_sections.py --update --cli build/release/rightsize   # make readme
  readme_sections.py --check  --cli build/ci/rightsize        # the CTest test: exit 1 on a diff

--only NAME,... limits the run to some sections (make bench updates `performance` alone).
Every section found in the files must have a generator and every generator a section.
"""
import argparse
import difflib
import glob
import json
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SECTION = re.compile(r"(<!-- generated:([a-z0-9-]+) -->\n)(.*?)(<!-- /generated:\2 -->)", re.DOTALL)


def documents():
    return [os.path.join(ROOT, "README.md")] + sorted(glob.glob(os.path.join(ROOT, "docs", "*.md")))


class Runner:
    """Runs the rightsize binary in a scratch folder, so relative outputs land there."""

    def __init__(self, cli, scratch):
        self.cli = os.path.abspath(cli)
        self.scratch = scratch

    def run(self, *args):
        done = subprocess.run([self.cli] + list(args), cwd=self.scratch, capture_output=True,
                              text=True)
        if done.returncode != 0:
            raise RuntimeError(f"rightsize {' '.join(args)} exited {done.returncode}:\n{done.stderr}")
        return done.stdout

    def json(self, *args):
        return json.loads(self.run(*args))


def repo(*parts):
    return os.path.join(ROOT, *parts)


def percent(fraction, digits=1):
    return f"{100 * fraction:.{digits}f}%"


def usd(value):
    return f"${value / 1e3:.1f}k" if value >= 1e3 else f"${value:.0f}"


def requests(value):
    for unit, scale in (("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if value >= scale:
            return f"{value / scale:g} {unit}"
    return f"{value:g}"


def code_block(command, output):
    return f"```\n$ {command}\n{output.rstrip()}\n```\n"


# --- generators: each returns the markdown between its markers ---------------------------------

def default_study(runner):
    """`make run`'s study, verbatim (the report goes to the scratch folder)."""
    args = ["run", repo("examples", "default-study.yaml"), "-o", "reports/default-study"]
    return code_block("rightsize run examples/default-study.yaml -o reports/default-study",
                      runner.run(*args))


def top_driver(pair):
    """The drawn input that moves P(small wins) most, with P below / above its median."""
    drivers = [d for d in pair.get("p_small_wins_drivers", [])
               if d["p_small_wins_input_below_median"] != d["p_small_wins_input_above_median"]]
    if not drivers:
        return "nothing drawn moves it"
    d = drivers[0]
    return (f"{d['input']} ({percent(d['p_small_wins_input_below_median'], 0)} / "
            f"{percent(d['p_small_wins_input_above_median'], 0)})")


def seed_claims(runner):
    rows = ["| study | small vs large (layout at the planned traffic) | task | score, small vs large "
            "| total $ over the horizon | traffic / month | quality | P(small wins) | verdict "
            "| what moves P most (P with the input below / above its median) "
            "| what would change the quality tier |",
            "|---|---|---|---|---|---|---|---|---|---|---|"]
    for path in sorted(glob.glob(repo("examples", "seed-claims", "*.yaml"))):
        doc = runner.json("crossover", path, "--format", "json")
        study = doc["study"]
        by_name = {c["name"]: c for c in doc["candidates"]}
        for pair in doc["pairs"]:
            small, large = by_name[pair["small"]], by_name[pair["large"]]
            verdict = re.search(r"Verdict: (.*?) \(P = ", pair["verdict"])
            rows.append(
                f"| `{os.path.basename(path)}` | {small['name']} ({small['layout_at_plan']}) vs "
                f"{large['name']} ({large['layout_at_plan']}) | {study['task']} | "
                f"{small['quality']:.1f} +- {small['quality_sd']:.1f} vs "
                f"{large['quality']:.1f} +- {large['quality_sd']:.1f} "
                f"(tolerance {study['quality_tolerance']:.1f}) | "
                f"{usd(small['total_usd_at_plan'])} vs {usd(large['total_usd_at_plan'])} "
                f"({study['horizon_months']:g} months) | {requests(study['requests_per_month'])} | "
                f"{pair['quality_tier']} (P within tolerance "
                f"{percent(pair['p_quality_within_tolerance'], 0)}) | "
                f"{percent(pair['p_small_wins_at_plan'], 0)} +- "
                f"{100 * pair['p_small_wins_se']:.1f} ({doc['monte_carlo_draws']:,} draws) | "
                f"**{verdict.group(1) if verdict else pair['verdict']}** | "
                f"{top_driver(pair)} | "
                f"{pair['what_would_change_the_tier']} |")
    return "\n".join(rows) + ("\n\nP(small wins): share of the Monte Carlo draws (scores with "
                              "their evaluator spread and sampling noise, throughput, device "
                              "prices among the quotes of the chosen kind, traffic forecast and "
                              "utilisation where the study gives their spread) in which the small "
                              "model is within the tolerance and cheaper at the drawn traffic, +- "
                              "its Monte Carlo standard error; "
                              "draws are added 400 at a time until that error is at most 1 point. "
                              "Quality: `beats` (cheaper and P(score >= large) >= 90%), `matches` "
                              "(P(score >= large - tolerance) >= 90%), else `trails`.\n")


VALIDATION_LABELS = {
    "ml-energy-leaderboard-v2": "ML.ENERGY v2 (vLLM 0.4.2, A100 / H100)",
    "ml-energy-leaderboard-v3": "ML.ENERGY v3 (vLLM 0.11.1, H100 / B200)",
    "optimum-benchmark-running-llamas": "optimum-benchmark (HF transformers, A100)",
    "llamacpp-gpu-benchmarks-xiongjiedai": "llama.cpp llama-bench (consumer GPUs, Apple)",
    "megatron-bridge-training-perf": "Megatron-Bridge training",
    "megatron-lm-training-mfu": "Megatron-LM (Megatron-Core r0.8, up to 6,144 H100s)",
}


def validation(runner):
    doc = runner.json("validate", "--format", "json")
    rows = ["| dataset | metric | rows | used points | median | p90 |", "|---|---|---|---|---|---|"]
    for d in doc["datasets"] if isinstance(doc, dict) else doc:
        rows.append(f"| {VALIDATION_LABELS.get(d['dataset'], d['dataset'])} | `{d['metric']}` | "
                    f"{d['rows']} | {d['used']} | {percent(d['median_ape'])} | {percent(d['p90_ape'])} |")
    return "\n".join(rows) + "\n"


# (label, log files, extra calibrate options)
CALIBRATIONS = [
    ("Vidur GEMM profiles, A100 + H100 + A40", ["data/runs/vidur/mlp_medians_all.csv"], []),
    ("ML.ENERGY v2 + v3 decode sweeps",
     ["data/runs/ml-energy-leaderboard-v2/llm_runs.csv",
      "data/runs/ml-energy-leaderboard-v3/llm_configurations.csv"], []),
    ("ML.ENERGY v2 + v3 decode sweeps",
     ["data/runs/ml-energy-leaderboard-v2/llm_runs.csv",
      "data/runs/ml-energy-leaderboard-v3/llm_configurations.csv"], ["--share", "auto"]),
    ("optimum-benchmark prefill + decode",
     ["data/runs/optimum-benchmark-running-llamas/Llama-7b/short_report.csv",
      "data/runs/optimum-benchmark-running-llamas/Llama-13b/short_report.csv"], []),
    ("optimum-benchmark prefill + decode",
     ["data/runs/optimum-benchmark-running-llamas/Llama-7b/short_report.csv",
      "data/runs/optimum-benchmark-running-llamas/Llama-13b/short_report.csv"], ["--share", "auto"]),
    ("llama.cpp llama-bench table, consumer GPUs + Apple",
     ["data/runs/llamacpp-gpu-benchmarks-xiongjiedai/llama3_llamacpp_bench.csv"], []),
]


def calibration(runner):
    rows = ["| data | options | points | 5-fold median / p90 | leave-one-group-out median / p90 "
            "| 90% interval coverage, 5-fold / leave-one-group-out |", "|---|---|---|---|---|---|"]
    for label, logs, extra in CALIBRATIONS:
        out = os.path.join(runner.scratch, "calibration.json")
        runner.run("calibrate", *[repo(p) for p in logs], "--folds", "5", "--logo", *extra, "-o", out)
        with open(out) as f:
            doc = json.load(f)
        kfold = doc["cross_validation"]["kfold"]
        logo = doc["cross_validation"]["leave_one_group_out"]
        rows.append(f"| {label} | `--folds 5 --logo{' ' + ' '.join(extra) if extra else ''}` | "
                    f"{doc['n_points']:,} | **{percent(kfold['median_ape'])} / {percent(kfold['p90_ape'])}** | "
                    f"{percent(logo['median_ape'])} / {percent(logo['p90_ape'])} ({logo['folds']} groups) | "
                    f"{percent(kfold['coverage'])} / {percent(logo['coverage'])} |")
    return "\n".join(rows) + "\n"


def family_transfer(runner):
    """docs/calibration.md: leave one GPU out of each architecture family of the llama.cpp table."""
    out = os.path.join(runner.scratch, "family-transfer.json")
    runner.run("calibrate", repo(LLAMA_BENCH), "--folds", "0", "--logo-device", "-o", out)
    with open(out) as f:
        doc = json.load(f)
    held = doc["cross_validation"]["leave_one_device_out"]
    rows = ["| family | GPUs held out in turn (median APE of each) | points | median / p90 APE "
            "| 90% interval coverage |", "|---|---|---|---|---|"]
    for name, r in sorted(held["families"].items()):
        devices = ", ".join(f"{d} {percent(r['device_median_ape'][d])}" for d in r["devices"])
        rows.append(f"| {name} | {devices} | {r['n_predicted']} | "
                    f"**{percent(r['median_ape'])}** / {percent(r['p90_ape'])} | "
                    f"{percent(r['coverage'])} |")
    rows.append(f"| all | {held['folds']} GPUs | {held['n_predicted']} | "
                f"**{percent(held['median_ape'])}** / {percent(held['p90_ape'])} | "
                f"{percent(held['coverage'])} |")
    return "\n".join(rows) + "\n"


def replays(runner):
    """README and docs/serving.md: the four measured vLLM runs replayed beside LLMServingSim."""
    return runner.run("simulate", "--validate-replays", "--format", "markdown")


def published_serving(runner):
    """README and docs/serving.md: every figure of data/runs/published-serving simulated at its
    load; the error per metric group as `simulate --validate-published` summarises it."""
    doc = runner.json("simulate", "--validate-published", "--format", "json")
    rows = ["| metric group | figures simulated (not simulated) | median / p90 absolute error "
            "| under-predicted |", "|---|---|---|---|"]
    for g in doc["summary"]:
        rows.append(f"| {g['group']} | {g['figures']} ({g['not_simulated']}) | "
                    f"{g['median_abs_error_pct']:.1f}% / {g['p90_abs_error_pct']:.1f}% | "
                    f"{g['under_predicted_pct']:.0f}% |")
    return "\n".join(rows) + f"\n\nEfficiencies: {doc['efficiencies']}.\n"


def yaml_coefficients(path):
    """The coefficients: block of a models/laws YAML file (flat `name: number` lines)."""
    with open(path) as f:
        block = f.read().split("\ncoefficients:\n", 1)[1]
    values = {}
    for line in block.splitlines():
        match = re.match(r"^\s+(\w+):\s*([-+0-9.eE]+)\s*$", line)
        if not match:
            break
        values[match.group(1)] = float(match.group(2))
    return values


def quality(runner):
    data = "data/quality/epoch-chinchilla-replication/svg_extracted_data.csv"
    fit_args = ["--form", "chinchilla", "--n-column", "Model Size", "--flops-column", "Training FLOP",
                "--drop-highest-loss", "5", "--bootstrap", "400", "-o", "epoch_law.json"]
    fitted = runner.run("fit-law", repo(data), *fit_args)
    with open(os.path.join(runner.scratch, "epoch_law.json")) as f:
        ours = json.load(f)["coefficients"]
    epoch = yaml_coefficients(repo("models", "laws", "chinchilla-epoch-2024.yaml"))
    names = [("e_nats", "E", 4), ("a", "A", 1), ("alpha", "alpha", 4), ("b", "B", 1), ("beta", "beta", 4)]
    table = ["| | " + " | ".join(label for _, label, _ in names) + " |", "|---" * (len(names) + 1) + "|"]
    table.append("| `rightsize fit-law` (above) | " +
                 " | ".join(f"{ours[key]:.{digits}f}" for key, _, digits in names) + " |")
    table.append("| Epoch's notebook (`models/laws/chinchilla-epoch-2024.yaml`) | " +
                 " | ".join(f"{epoch[key]:.{digits}f}" for key, _, digits in names) + " |")
    size_args = ["--law", "models/laws/chinchilla-epoch-2024.yaml", "--target-params", "30e9",
                 "--inference-tokens", "1e13", "--hardware", "h100-sxm5-80gb",
                 "--prefill-fraction", "0.75", "--decode-batch", "32"]
    sized = runner.run("size", *[repo(a) if a.startswith("models/") else a for a in size_args])
    quoted = " ".join(f'"{a}"' if " " in a else a for a in fit_args)
    return (code_block(f"rightsize fit-law {data} {quoted}", fitted) + "\n" + "\n".join(table) +
            "\n\n" + code_block("rightsize size " + " ".join(size_args), sized))


def validation_markdown(runner):
    """docs/latency.md: every column `rightsize validate` prints, as it prints them."""
    return runner.run("validate", "--format", "markdown")


def sizing(runner):
    """docs/quality.md: the `size` example by FLOPs and priced on an H100."""
    base = ["--law", "models/laws/chinchilla-epoch-2024.yaml", "--target-params", "30e9",
            "--inference-tokens", "1e13"]
    priced = base + ["--hardware", "h100-sxm5-80gb", "--prefill-fraction", "0.75", "--decode-batch", "32"]
    text = ""
    for args in (base, priced):
        output = runner.run("size", *[repo(a) if a.startswith("models/") else a for a in args])
        text += code_block("rightsize size " + " ".join(args), output)
    return text


def head(text, lines):
    """The first `lines` lines of a command's output and how many more it printed."""
    all_lines = text.rstrip("\n").split("\n")
    if len(all_lines) <= lines:
        return text
    return "\n".join(all_lines[:lines]) + f"\n[... {len(all_lines) - lines} more lines]\n"


def tail(text, lines):
    """The last `lines` lines of a command's output and how many came before."""
    all_lines = text.rstrip("\n").split("\n")
    if len(all_lines) <= lines:
        return text
    return f"[{len(all_lines) - lines} lines before]\n" + "\n".join(all_lines[-lines:]) + "\n"


def shown(runner, args, keep=None):
    """A code block of `rightsize ARGS` (paths under the source tree shown relative to it) and its
    output, cut by `keep` (head / tail) when given."""
    resolved = [repo(a) if a.split("/")[0] in ("examples", "data", "models") else a for a in args]
    output = runner.run(*resolved)
    return code_block("rightsize " + " ".join(args), keep(output) if keep else output)


CAPACITY = "examples/capacity-study.yaml"
LLAMA_BENCH = "data/runs/llamacpp-gpu-benchmarks-xiongjiedai/llama3_llamacpp_bench.csv"


def tutorial_capacity(runner):
    """docs/tutorial.md, use 1: a capacity plan, a what-if on the SLO, the chosen layout simulated."""
    return "\n".join([
        shown(runner, ["plan", CAPACITY], lambda t: head(t, 8)),
        shown(runner, ["plan", CAPACITY, "--slo", "ttft_p90_s=0.2"], lambda t: head(t, 1)),
        shown(runner, ["simulate", "examples/simulate-vllm-h100.yaml"]),
    ])


def tutorial_report(runner):
    """docs/tutorial.md, use 2: the verdict as Markdown for a document, and the report folder."""
    return "\n".join([
        shown(runner, ["crossover", "examples/default-study.yaml", "--format", "markdown"]),
        shown(runner, ["report", "examples/default-study.yaml", "-o", "reports/default-study",
                       "--format", "csv"], lambda t: head(t, 12)),
    ])


def tutorial_calibrate(runner):
    """docs/tutorial.md, use 3: fit a published llama-bench table, then plan with the fit."""
    return "\n".join([
        shown(runner, ["calibrate", LLAMA_BENCH, "--folds", "5", "-o", "my-calibration.json"],
              lambda t: tail(t, 2)),
        shown(runner, ["calibrate", LLAMA_BENCH, "--format", "csv", "-o", "my-calibration.json"],
              lambda t: head(t, 10)),
        shown(runner, ["plan", CAPACITY, "--calibration", "my-calibration.json"],
              lambda t: head(t, 1)),
    ])


def quoted(*parts):
    """A generator that quotes a file another command writes (make bench, make fuzz, ...)."""
    def read(runner):
        with open(repo(*parts)) as f:
            return f.read()
    return read


GENERATORS = {
    "default-study": default_study,
    "seed-claims": seed_claims,
    "validation": validation,
    "calibration": calibration,
    "family-transfer": family_transfer,
    "replays": replays,
    "published-serving": published_serving,
    "quality": quality,
    "sizing": sizing,
    "validation-markdown": validation_markdown,
    "performance": quoted("bench", "RESULTS.md"),
    "scale": quoted("bench", "SCALE_RESULTS.md"),
    "fuzzing": quoted("tests", "fuzz", "RESULTS.md"),
    "tutorial-capacity": tutorial_capacity,
    "tutorial-report": tutorial_report,
    "tutorial-calibrate": tutorial_calibrate,
    "whatif-latency": quoted("bench", "WHATIF.md"),
    "first-minutes": quoted("bench", "FIRST_MINUTES.md"),
}


def main():
    parser = argparse.ArgumentParser()
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--update", action="store_true", help="rewrite the sections in place")
    mode.add_argument("--check", action="store_true", help="exit 1 if a section is out of date")
    parser.add_argument("--cli", required=True, help="the rightsize binary")
    parser.add_argument("--only", default="", help="comma-separated section names")
    args = parser.parse_args()
    only = [n for n in args.only.split(",") if n]
    unknown = [n for n in only if n not in GENERATORS]
    if unknown:
        parser.error(f"unknown section(s) {unknown}; known: {', '.join(GENERATORS)}")

    texts = {}
    found = set()
    problems = []
    for path in documents():
        with open(path) as f:
            texts[path] = f.read()
        for match in SECTION.finditer(texts[path]):
            found.add(match.group(2))
            if match.group(2) not in GENERATORS:
                problems.append(f"{os.path.relpath(path, ROOT)}: section '{match.group(2)}' has no generator")
        opened = set(re.findall(r"<!-- generated:([a-z0-9-]+) -->", texts[path]))
        closed = {m.group(2) for m in SECTION.finditer(texts[path])}
        for name in sorted(opened - closed):
            problems.append(f"{os.path.relpath(path, ROOT)}: section '{name}' is not closed")
    for name in GENERATORS:
        if name not in found:
            problems.append(f"no document has a '{name}' section")
    if problems:
        print("\n".join(problems))
        return 1

    wanted = only or list(GENERATORS)
    generated = {}
    with tempfile.TemporaryDirectory(prefix="rightsize-readme-") as scratch:
        runner = Runner(args.cli, scratch)
        for name in wanted:
            generated[name] = GENERATORS[name](runner)
            print(f"generated {name}", flush=True)

    stale = []
    for path, text in texts.items():
        def replace(match):
            name = match.group(2)
            if name not in generated:
                return match.group(0)
            return match.group(1) + generated[name] + match.group(4)
        new = SECTION.sub(replace, text)
        if new == text:
            continue
        relative = os.path.relpath(path, ROOT)
        if args.update:
            with open(path, "w") as f:
                f.write(new)
            print(f"updated {relative}")
        else:
            stale.append(relative)
            sys.stdout.writelines(difflib.unified_diff(text.splitlines(True), new.splitlines(True),
                                                       relative, relative + " (regenerated)"))
    if stale:
        print(f"\nout of date: {', '.join(stale)}; run `make readme` (`make bench` for the "
              "performance section, `make fuzz` for the fuzzing one) and commit the result")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
