"""Shared fixtures: paths into the source tree and the CLI binary of the same build (the Python
functions must return what the CLI prints)."""
import json
import os
import subprocess

import matplotlib
import pytest

matplotlib.use("Agg")

import rightsize  # noqa: E402  (after the backend is chosen)


@pytest.fixture(scope="session")
def src():
    return rightsize.source_path


@pytest.fixture(scope="session")
def cli_path():
    """The rightsize binary of the same build; skips when it is absent (the module can be built
    and tested without it)."""
    path = os.environ.get("RIGHTSIZE_CLI", "")
    if not path or not os.access(path, os.X_OK):
        pytest.skip("RIGHTSIZE_CLI is not set to the rightsize binary")
    return path


@pytest.fixture(scope="session")
def cli(cli_path):
    """Runs `rightsize ARGS...` and returns its parsed JSON stdout."""

    def run(*args):
        done = subprocess.run([cli_path, *args], capture_output=True, text=True, check=False)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    return run


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    import matplotlib.pyplot as plt
    plt.close("all")


@pytest.fixture(scope="session")
def default_crossover():
    """The bundled default study's document, run once for every test that reads it."""
    return rightsize.result_of(
        rightsize.crossover(rightsize.source_path("examples", "default-study.yaml")))


@pytest.fixture(scope="session")
def capacity_plan():
    return rightsize.result_of(
        rightsize.plan(rightsize.source_path("examples", "capacity-study.yaml")))
