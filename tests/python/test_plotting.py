"""rightsize.plotting: each helper returns a Figure with labelled axes and the lines it promises."""
import numpy as np
import pytest
from matplotlib.figure import Figure

import rightsize
from rightsize import plotting


def _labelled(ax):
    return bool(ax.get_xlabel()) and bool(ax.get_ylabel())


def test_cost_vs_traffic(default_crossover):
    doc = default_crossover
    fig = plotting.cost_vs_traffic(doc)
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    assert _labelled(ax) and ax.get_xscale() == "log"
    labels = [l.get_label() for l in ax.get_lines()]
    for name in doc["total_usd"]:
        assert name in labels
    n_break_even = sum(len(p["break_even_requests_per_month"]) for p in doc["pairs"])
    assert sum(l.startswith("break-even") for l in labels) == min(n_break_even, len(doc["pairs"]))
    # The drawn curve is the result's curve.
    first = next(iter(doc["total_usd"]))
    line = next(l for l in ax.get_lines() if l.get_label() == first)
    np.testing.assert_allclose(line.get_ydata(),
                               [np.nan if v is None else v for v in doc["total_usd"][first]])


def test_region_map(default_crossover):
    fig = plotting.region_map(default_crossover)
    hardware = {c["hardware"] for c in default_crossover["region"]}
    assert len(fig.axes) == len(hardware)
    assert {ax.get_title() for ax in fig.axes} == hardware
    assert fig.axes[0].get_ylabel() and all(ax.get_xlabel() for ax in fig.axes)
    points = sum(len(coll.get_offsets()) for ax in fig.axes for coll in ax.collections)
    assert points == len(default_crossover["region"])


def test_pareto_front(default_crossover):
    fig = plotting.pareto_front(default_crossover)
    ax = fig.axes[0]
    assert _labelled(ax)
    front = [l for l in ax.get_lines() if l.get_label() == "Pareto front"]
    assert len(front) == 1
    assert len(front[0].get_xdata()) == len(default_crossover["pareto_front"])


def test_parity_from_arrays_and_calibration():
    fig = plotting.parity([1e-3, 2e-3, 5e-2], [1.1e-3, 1.7e-3, 6e-2], groups=["a", "a", "b"])
    ax = fig.axes[0]
    assert _labelled(ax) and ax.get_xscale() == "log"
    assert "y = x" in [l.get_label() for l in ax.get_lines()]
    assert len(ax.collections) == 2  # one scatter per group
    doc = {"residuals": [{"measured_s": 0.1, "predicted_s": 0.12, "series": "s"}]}
    assert plotting.parity(doc).axes[0].get_xlabel() == "measured time (s)"
    with pytest.raises(ValueError):
        plotting.parity([1.0, 2.0], [1.0])


def test_latency_vs_batch():
    cols = rightsize.sweep(["llama-3-8b", "qwen2.5-7b"], "h100-sxm5-80gb", batch=[1, 4, 16, 64])
    fig = plotting.latency_vs_batch(cols, slo_s=0.05)
    ax = fig.axes[0]
    assert _labelled(ax)
    series = [l for l in ax.get_lines() if l.get_label() in ("llama-3-8b", "qwen2.5-7b")]
    assert len(series) == 2
    assert list(series[0].get_xdata()) == [1, 4, 16, 64]
    with pytest.raises(ValueError, match="no column"):
        plotting.latency_vs_batch(cols, metric="nope")
