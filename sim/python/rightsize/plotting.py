"""matplotlib helpers for the standard rightsize figures. Each takes a result of the package
(or plain arrays), draws on ``ax`` when given (else on a new figure) and returns the Figure.
Axes are labelled with units; nothing is drawn that the result does not contain.
"""

import math

import matplotlib.pyplot as plt
import numpy as np


def _axes(ax, figsize=(7, 4.5)):
    if ax is None:
        fig, ax = plt.subplots(figsize=figsize)
        return fig, ax
    return ax.figure, ax


def _document(result):
    """The crossover document: a dict as is, or the one behind a :func:`rightsize.crossover`
    DataFrame."""
    return result if isinstance(result, dict) else result.attrs["result"]


def _floats(values):
    return np.array([np.nan if v is None else float(v) for v in values], dtype=float)


def cost_vs_traffic(doc, ax=None, bands=True):
    """Total cost over the study horizon vs traffic, one line per candidate (Monte Carlo p10-p90
    band shaded), break-even traffic of each small-vs-large pair as a dashed vertical line and the
    planning traffic as a dotted one. ``doc``: :func:`rightsize.crossover`."""
    doc = _document(doc)
    fig, ax = _axes(ax)
    traffic = _floats(doc["traffic_requests_per_month"])
    for name, curve in doc["total_usd"].items():
        y = _floats(curve)
        (line,) = ax.plot(traffic, y, label=name)
        if bands:
            lo = _floats(doc.get("total_usd_p10", {}).get(name) or [])
            hi = _floats(doc.get("total_usd_p90", {}).get(name) or [])
            if lo.size == traffic.size and hi.size == traffic.size and np.isfinite(lo).any():
                ax.fill_between(traffic, lo, hi, color=line.get_color(), alpha=0.15, linewidth=0)
    for pair in doc.get("pairs") or []:
        for i, x in enumerate(pair.get("break_even_requests_per_month") or []):
            ax.axvline(x, color="black", linestyle="--", linewidth=1,
                       label=f"break-even {pair['small']} vs {pair['large']}" if i == 0 else None)
    plan = doc.get("study", {}).get("requests_per_month")
    if plan:
        ax.axvline(plan, color="grey", linestyle=":", linewidth=1, label="planning traffic")
    ax.set_xscale("log")
    ax.set_yscale("log")
    months = doc.get("study", {}).get("horizon_months")
    ax.set_xlabel("traffic (requests / month)")
    ax.set_ylabel(f"total cost over {months:g} months (USD)" if months else "total cost (USD)")
    ax.set_title(doc.get("study", {}).get("title", "cost vs traffic"), fontsize=10)
    ax.legend(fontsize=8)
    ax.grid(True, which="major", alpha=0.3)
    return fig


def region_map(doc, fig=None):
    """Where the small model wins over (traffic x fine-tuning tokens), one panel per hardware the
    small model is served on. ``doc``: :func:`rightsize.crossover` (its ``region`` cells)."""
    doc = _document(doc)
    cells = doc.get("region") or []
    if not cells:
        raise ValueError("region_map: the crossover result has no region cells")
    hardware = sorted({c["hardware"] for c in cells})
    n = len(hardware)
    if fig is None:
        one_level = len({c["finetune_tokens"] for c in cells}) == 1
        fig = plt.figure(figsize=(min(4 * n, 14), 2.6 if one_level else 3.8))
    axes = fig.subplots(1, n, sharex=True, sharey=True, squeeze=False)[0]
    for ax, hw in zip(axes, hardware):
        mine = [c for c in cells if c["hardware"] == hw]
        x = np.array([c["requests_per_month"] for c in mine], dtype=float)
        y = np.array([c["finetune_tokens"] for c in mine], dtype=float)
        wins = np.array([bool(c["small_wins"]) for c in mine])
        ax.scatter(x[wins], y[wins], marker="s", s=30, color="tab:green", label="small wins")
        ax.scatter(x[~wins], y[~wins], marker="s", s=30, color="lightgrey", label="large wins")
        ax.set_xscale("log")
        levels = np.unique(y)
        if levels.size == 1:  # a study without fine-tuning: one strip at that token count
            ax.set_yticks(levels)
            ax.set_yticklabels([f"{levels[0]:.3g}"])
        elif (y > 0).all():
            ax.set_yscale("log")
        ax.set_title(hw, fontsize=9)
        ax.set_xlabel("traffic (requests / month)")
    axes[0].set_ylabel("fine-tuning tokens")
    axes[0].legend(fontsize=8, loc="best")
    fig.suptitle("where the small model wins", fontsize=10)
    fig.tight_layout()
    return fig


def pareto_front(doc, ax=None):
    """Quality (with its standard deviation) vs $ per 1M tokens at the planning traffic for every
    feasible candidate; the Pareto front (cheaper or better, nothing both) joined by a line.
    ``doc``: :func:`rightsize.crossover`."""
    doc = _document(doc)
    fig, ax = _axes(ax)
    feasible = [c for c in doc["candidates"] if c.get("feasible")]
    for c in feasible:
        ax.errorbar(c["usd_per_million_tokens_at_plan"], c["quality"], yerr=c.get("quality_sd") or 0,
                    fmt="o", capsize=3, label=f"{c['name']} ({c['role']})")
        ax.annotate(c["name"], (c["usd_per_million_tokens_at_plan"], c["quality"]),
                    textcoords="offset points", xytext=(5, 5), fontsize=8)
    by_name = {c["name"]: c for c in feasible}
    front = [by_name[n] for n in doc.get("pareto_front") or [] if n in by_name]
    if front:
        front.sort(key=lambda c: c["usd_per_million_tokens_at_plan"])
        ax.plot([c["usd_per_million_tokens_at_plan"] for c in front], [c["quality"] for c in front],
                color="black", linestyle="-", linewidth=1, label="Pareto front")
    ax.set_xscale("log")
    ax.set_xlabel("serving cost at the planning traffic (USD / 1M tokens)")
    task = doc.get("study", {}).get("task") or "task score"
    ax.set_ylabel(task)
    ax.set_title("quality vs cost", fontsize=10)
    ax.legend(fontsize=8)
    ax.grid(True, alpha=0.3)
    return fig


def parity(measured_s, predicted_s=None, groups=None, ax=None, band=0.25, title=None):
    """Predicted vs measured time on log-log axes with the y = x line and a +-``band`` relative
    band. Pass two arrays (and optional group labels for colours), or a :func:`rightsize.calibrate`
    result (its residuals, coloured by series)."""
    if isinstance(measured_s, dict) and "residuals" in measured_s:
        rows = measured_s["residuals"]
        measured_s = [r["measured_s"] for r in rows]
        predicted_s = [r["predicted_s"] for r in rows]
        groups = [r.get("series") or r.get("group") for r in rows]
    if predicted_s is None:
        raise ValueError("parity: give measured and predicted times, or a calibrate() result")
    m = np.asarray(measured_s, dtype=float)
    p = np.asarray(predicted_s, dtype=float)
    if m.shape != p.shape or m.size == 0:
        raise ValueError("parity: measured and predicted must be non-empty and the same length")
    fig, ax = _axes(ax, figsize=(5.5, 5))
    if groups is None:
        ax.scatter(m, p, s=12, alpha=0.7, label="points")
    else:
        labels = np.asarray(groups, dtype=object)
        for g in sorted(set(labels.tolist()), key=str):
            sel = labels == g
            ax.scatter(m[sel], p[sel], s=12, alpha=0.7, label=str(g))
    ok = (m > 0) & (p > 0)
    lo = float(min(m[ok].min(), p[ok].min())) / 1.5
    hi = float(max(m[ok].max(), p[ok].max())) * 1.5
    line = np.array([lo, hi])
    ax.plot(line, line, color="black", linewidth=1, label="y = x")
    ax.plot(line, line * (1 + band), color="grey", linestyle="--", linewidth=1,
            label=f"+-{band:.0%}")
    ax.plot(line, line * (1 - band), color="grey", linestyle="--", linewidth=1)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlim(lo, hi)
    ax.set_ylim(lo, hi)
    ax.set_xlabel("measured time (s)")
    ax.set_ylabel("predicted time (s)")
    ax.set_title(title or "predicted vs measured", fontsize=10)
    if math.isfinite(lo) and len(ax.get_legend_handles_labels()[0]) <= 12:
        ax.legend(fontsize=7)
    ax.grid(True, which="major", alpha=0.3)
    return fig


_METRIC_LABELS = {
    "tpot_s": "time per output token (s)",
    "ttft_s": "time to first token (s)",
    "e2e_latency_s": "end-to-end latency (s)",
    "decode_tokens_per_s": "decode throughput (tokens / s, one replica)",
    "usd_per_million_output_tokens": "USD / 1M output tokens",
    "j_per_output_token": "energy (J / output token)",
    "memory_bytes_per_device": "memory per device (bytes)",
}


def latency_vs_batch(columns, metric="tpot_s", ax=None, slo_s=None):
    """``metric`` vs batch from :func:`rightsize.sweep` columns, one line per (model, hardware,
    weights, tp, prompt, gen) series; infeasible points (NaN) leave gaps. ``slo_s``: a horizontal
    line for a latency SLO."""
    if metric not in columns:
        raise ValueError(f"latency_vs_batch: no column '{metric}' (have {', '.join(columns)})")
    fig, ax = _axes(ax)
    keys = list(zip(columns["model"], columns["hardware"], columns["weights"],
                    np.asarray(columns["tp"]).tolist(), np.asarray(columns["prompt_tokens"]).tolist(),
                    np.asarray(columns["gen_tokens"]).tolist()))
    batch = np.asarray(columns["batch"], dtype=float)
    values = np.asarray(columns[metric], dtype=float)
    series = {}
    for i, key in enumerate(keys):
        series.setdefault(key, []).append(i)
    vary = [len({k[j] for k in series}) > 1 for j in range(6)]  # label only what differs
    for key, idx in series.items():
        idx = np.array(idx)[np.argsort(batch[idx], kind="stable")]
        parts = [str(v) if j < 3 else f"{('tp', 'prompt', 'gen')[j - 3]}={v}"
                 for j, v in enumerate(key) if vary[j]]
        ax.plot(batch[idx], values[idx], marker="o", markersize=3, label=" ".join(parts) or key[0])
    if slo_s is not None:
        ax.axhline(slo_s, color="red", linestyle="--", linewidth=1, label="SLO")
    ax.set_xscale("log", base=2)
    ax.set_xlabel("batch (sequences)")
    ax.set_ylabel(_METRIC_LABELS.get(metric, metric))
    ax.set_title(f"{metric} vs batch", fontsize=10)
    if len(series) <= 16:
        ax.legend(fontsize=7)
    ax.grid(True, alpha=0.3)
    return fig
