"""Mutation check of the physics tests: applies each one-line bug of mutations.py to a copy of the
tree, rebuilds the affected test executables, runs them, and reports which test cases failed.
Every bug must be caught (make at least one case fail); the unmutated copy must pass.

The copy lives in build/mutation/src (tracked and untracked, non-ignored files of the working
tree, refreshed on each run) and builds in build/mutation/build (Release, warnings as errors,
ccache when present, no Python module or benchmarks), so the working tree and its builds are never touched.

Usage: run_mutations.py [--tests cost_test,spec_test,validate_test] [--only NAME,...] [--jobs N]
Writes build/mutation/report.md; exit status 0 when every bug is caught, 1 otherwise.
"""
import argparse
import os
import shutil
import subprocess
import sys
import time
import xml.etree.ElementTree as ElementTree

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mutations import MUTATIONS  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
WORK = os.path.join(ROOT, "build", "mutation")
SRC = os.path.join(WORK, "src")
BUILD = os.path.join(WORK, "build")


def log(message):
    print(message, flush=True)


def sync_copy():
    """Copies the working tree's files into SRC, rewriting only files whose content differs (so the
    incremental build recompiles only what changed), and deletes copies of files the tree no
    longer has (a moved source would otherwise still be globbed into the build)."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                            cwd=ROOT, capture_output=True, check=True).stdout.split(b"\0")
    present = {raw.decode() for raw in listed
               if raw and os.path.isfile(os.path.join(ROOT, raw.decode()))}
    removed = 0
    for folder, _, files in os.walk(SRC, topdown=False):
        for name in files:
            relative = os.path.relpath(os.path.join(folder, name), SRC)
            if relative not in present:
                os.remove(os.path.join(folder, name))
                removed += 1
        if folder != SRC and not os.listdir(folder):
            os.rmdir(folder)
    copied = 0
    for relative in sorted(present):
        source = os.path.join(ROOT, relative)
        target = os.path.join(SRC, relative)
        with open(source, "rb") as f:
            content = f.read()
        if os.path.isfile(target):
            with open(target, "rb") as f:
                if f.read() == content:
                    continue
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "wb") as f:
            f.write(content)
        shutil.copymode(source, target)
        copied += 1
    log(f"copy: {copied} file(s) refreshed, {removed} removed in {os.path.relpath(SRC, ROOT)}")


def configure():
    if os.path.isfile(os.path.join(BUILD, "build.ninja")):
        return
    command = ["cmake", "-S", SRC, "-B", BUILD, "-G", "Ninja", "-DCMAKE_BUILD_TYPE=Release",
               "-DRIGHTSIZE_WERROR=ON", "-DRIGHTSIZE_BUILD_PYTHON=OFF",
               "-DRIGHTSIZE_BUILD_BENCHMARKS=OFF"]
    if shutil.which("ccache"):
        command.append("-DCMAKE_CXX_COMPILER_LAUNCHER=ccache")
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)


def build(targets, jobs):
    done = subprocess.run(["cmake", "--build", BUILD, "-j", str(jobs), "--target"] + targets,
                          capture_output=True, text=True)
    return done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]


def test_executable(target):
    for folder, _, files in os.walk(os.path.join(BUILD, "tests")):
        if target in files:
            return os.path.join(folder, target)
    raise FileNotFoundError(f"{target} not built under {BUILD}/tests")


def failing_cases(target, timeout_s):
    """Runs every case of a Catch2 executable; returns the names of the cases that failed."""
    report = os.path.join(WORK, target + ".xml")
    try:
        subprocess.run([test_executable(target), "-r", "xml", "-o", report], cwd=SRC,
                       capture_output=True, timeout=timeout_s)
    except subprocess.TimeoutExpired:
        return [f"(timed out after {timeout_s} s)"]
    try:
        tree = ElementTree.parse(report)
    except ElementTree.ParseError:
        return ["(crashed: no complete XML report)"]
    failed = []
    for case in tree.iter("TestCase"):
        result = case.find("OverallResult")
        if result is not None and result.get("success") != "true":
            failed.append(case.get("name"))
    return failed


def apply(mutation):
    path = os.path.join(SRC, mutation["path"])
    with open(path) as f:
        original = f.read()
    count = original.count(mutation["before"])
    if count != 1:
        raise ValueError(f"{mutation['name']}: the text to mutate occurs {count} times in "
                         f"{mutation['path']} (must be exactly once); update tests/mutation/mutations.py")
    with open(path, "w") as f:
        f.write(original.replace(mutation["before"], mutation["after"]))
    return path, original


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--tests", default="cost_test,spec_test,validate_test",
                        help="Catch2 executables to rebuild and run for every mutation")
    parser.add_argument("--only", default="", help="comma-separated mutation names")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--timeout", type=int, default=900, help="seconds per test executable run")
    args = parser.parse_args()
    targets = [t for t in args.tests.split(",") if t]
    chosen = [m for m in MUTATIONS if not args.only or m["name"] in args.only.split(",")]
    if args.only and len(chosen) != len(args.only.split(",")):
        parser.error(f"unknown mutation in --only; known: {', '.join(m['name'] for m in MUTATIONS)}")

    os.makedirs(WORK, exist_ok=True)
    sync_copy()
    configure()
    log(f"building {', '.join(targets)} (unmutated)")
    ok, output = build(targets, args.jobs)
    if not ok:
        log(output)
        return 1
    for target in targets:
        failed = failing_cases(target, args.timeout)
        if failed:
            log(f"the unmutated copy fails in {target}: {failed}; fix the tests first")
            return 1
    log("unmutated copy: every case passes")

    rows = []
    for mutation in chosen:
        start = time.time()
        path, original = apply(mutation)
        try:
            ok, output = build(targets, args.jobs)
            if not ok:
                caught_by = {"(build)": ["the mutated tree does not compile"]}
                log(output)
            else:
                caught_by = {t: failing_cases(t, args.timeout) for t in targets}
        finally:
            with open(path, "w") as f:
                f.write(original)
        caught = ok and any(caught_by.values())
        rows.append((mutation, caught, caught_by))
        cases = sum(len(v) for v in caught_by.values())
        log(f"{'CAUGHT' if caught else 'MISSED'}  {mutation['name']}: {cases} failing case(s), "
            f"{time.time() - start:.0f} s")
    # Leave the copy's objects matching the unmutated tree for the next run.
    build(targets, args.jobs)

    lines = ["# Mutation check", "",
             f"Test executables rebuilt and run for each bug: {', '.join(targets)}.", "",
             "| bug | category | file | caught | failing test cases |", "|---|---|---|---|---|"]
    for mutation, caught, caught_by in rows:
        cases = "<br>".join(f"{t}: {name}" for t, names in caught_by.items() for name in names)
        lines.append(f"| {mutation['name']}: {mutation['why']} | {mutation['category']} | "
                     f"`{mutation['path']}` | {'yes' if caught else '**NO**'} | {cases or '-'} |")
    missed = [m["name"] for m, caught, _ in rows if not caught]
    lines += ["", f"{len(rows) - len(missed)} of {len(rows)} bugs caught."]
    with open(os.path.join(WORK, "report.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    log("\n".join(lines))
    log(f"report: {os.path.relpath(os.path.join(WORK, 'report.md'), ROOT)}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
