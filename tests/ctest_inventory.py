"""Checks that CTest runs every Catch2 test case exactly once, and that a filter matching no case
fails the run.

catch_discover_tests turns each case of a Catch2 executable into one CTest entry whose command is
`<executable> <escaped case name> <extra args>`. A case name CTest cannot carry (one with `;`, which
CMake splits into two list items) becomes entries that match no case; Catch2 v2 exits 0 on "No test
cases matched" unless it is run with `-w NoTests`. This script compares, for every executable given
on the command line, the cases it lists (`--list-test-names-only`) with the case names the CTest
entries pass to it, and runs one executable with a filter that matches nothing and the entries'
extra arguments to show that such a run fails.

Usage: ctest_inventory.py --ctest CTEST --build-dir DIR EXECUTABLE...
Exit status 0 when everything matches, 1 otherwise (each mismatch printed).
"""
import argparse
import collections
import json
import os
import subprocess
import sys

NO_CASE = "rightsize-inventory: a case name that no test case has"


def catch_cases(executable):
    """The case names the executable lists, one per line (Catch2 v2 --list-test-names-only)."""
    done = subprocess.run([executable, "--list-test-names-only"], capture_output=True, text=True)
    names = [line for line in done.stdout.splitlines() if line.strip()]
    return names


def unescape_catch_spec(spec):
    """Undoes CatchAddTests.cmake's escaping of `,`, `[` and `]` in a case name."""
    for char in ",[]":
        spec = spec.replace("\\" + char, char)
    return spec


def ctest_entries(ctest, build_dir):
    done = subprocess.run([ctest, "--show-only=json-v1"], cwd=build_dir, capture_output=True,
                          text=True, check=True)
    return json.loads(done.stdout)["tests"]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--ctest", required=True)
    parser.add_argument("--build-dir", required=True)
    parser.add_argument("executables", nargs="+")
    args = parser.parse_args()

    executables = [os.path.realpath(e) for e in args.executables]
    entries = ctest_entries(args.ctest, args.build_dir)
    by_executable = collections.defaultdict(list)
    other = []
    for entry in entries:
        command = entry.get("command", [])
        if command and os.path.realpath(command[0]) in executables:
            by_executable[os.path.realpath(command[0])].append(entry)
        else:
            other.append(entry["name"])

    problems = []
    total_cases = 0
    total_entries = 0
    extra_args = None
    for executable in executables:
        cases = catch_cases(executable)
        if not cases:
            problems.append(f"{executable}: lists no test case")
        total_cases += len(cases)
        runs = by_executable.get(executable, [])
        total_entries += len(runs)
        passed = []
        for entry in runs:
            command = entry["command"]
            passed.append(unescape_catch_spec(command[1]) if len(command) > 1 else "")
            if command[2:4] != ["-w", "NoTests"]:
                problems.append(f"CTest entry '{entry['name']}' does not run with -w NoTests: {command}")
            extra_args = command[2:]
        want, got = collections.Counter(cases), collections.Counter(passed)
        for name in sorted((want - got).elements()):
            problems.append(f"{os.path.basename(executable)}: case never run by CTest: {name!r}")
        for name in sorted((got - want).elements()):
            problems.append(f"{os.path.basename(executable)}: CTest entry matches no case: {name!r}")
        print(f"{os.path.basename(executable)}: {len(cases)} Catch2 cases, {len(runs)} CTest entries")

    print(f"total: {total_cases} Catch2 cases, {total_entries} CTest entries running them; "
          f"{len(other)} other CTest tests ({', '.join(sorted(other))})")
    if total_cases != total_entries:
        problems.append(f"{total_entries} CTest entries for {total_cases} Catch2 cases")

    # A filter that matches nothing, run the way CTest runs every entry, must fail.
    if extra_args is None:
        problems.append("no CTest entry runs a Catch2 executable")
    else:
        probe = [executables[0], NO_CASE] + extra_args
        done = subprocess.run(probe, capture_output=True, text=True)
        print(f"empty filter {probe[1:]}: exit status {done.returncode}")
        if done.returncode == 0:
            problems.append(f"a filter matching no case passes: {probe} exited 0")

    for problem in problems:
        print("FAIL: " + problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
