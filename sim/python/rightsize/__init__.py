"""rightsize: scaling-law and cost simulation of transformer LLMs, from Python.

Every function calls the C++ library through the ``_rightsize`` extension, the same entry point as
the CLI subcommand of the same name. :func:`plan`, :func:`crossover` and :func:`simulate` take a
study or spec as a file path or as a dict of the file's keys, and return pandas DataFrames (the
whole ``--format json`` document in ``frame.attrs["result"]``); the others return plain Python
objects shaped like the CLI's ``--format json`` output (keys carry their units), or for
:func:`sweep` a dict of columns (numpy arrays for numbers, lists for text).
:mod:`rightsize.frames` turns any of them into a DataFrame; :mod:`rightsize.plotting` draws the
standard figures.

Bad input raises :class:`InputError` (a ``ValueError``; :class:`UnknownIdError` for an id not in
the catalogue, with close matches in the message), an unreadable file :class:`IoError` (an
``OSError``), a bug :class:`InvariantError` (a ``RuntimeError``), each with the C++ message.
"""

from __future__ import annotations

import collections
import csv
import json
import os
import tempfile
from typing import TYPE_CHECKING, Any, Dict, List, Mapping, Optional, Sequence, Union

from . import _rightsize as _rs
from ._rightsize import InputError, InvariantError, IoError, UnknownIdError

if TYPE_CHECKING:  # annotations only: the package imports pandas lazily
    import pandas

__all__ = [
    "InputError", "UnknownIdError", "IoError", "InvariantError",
    "source_path", "list_models", "list_hardware", "predict", "plan", "simulate", "Simulation",
    "result_of", "PLAN_COLUMNS", "CROSSOVER_COLUMNS",
    "sweep", "sweep_bench",
    "crossover", "report", "fit_law", "size", "calibrate", "to_frame",
]

#: The data folder (its examples/, data/ and models/): $RIGHTSIZE_SOURCE_DIR when set (a source
#: tree), else the package's own ``share/`` (links to the source tree in a build folder, copies
#: in a pip-installed package). The C++ library reads the catalogue and measured data from it,
#: so the package works from any directory and no source path is compiled in.
SOURCE_DIR = (os.environ.get("RIGHTSIZE_SOURCE_DIR")
              or os.path.join(os.path.dirname(os.path.abspath(__file__)), "share"))
_rs.set_data_root(SOURCE_DIR)


#: A file path (str or os.PathLike).
PathLike = Union[str, "os.PathLike[str]"]
#: A study or simulation spec: a YAML file's path, or a dict of the same keys.
StudyLike = Union[PathLike, Mapping[str, Any]]
#: A sweep axis: one value or a sequence of values.
Axis = Union[str, int, PathLike, Sequence[Any]]


def source_path(*parts: str) -> str:
    """A path inside the data folder, e.g. ``source_path("examples", "default-study.yaml")``."""
    return os.path.join(SOURCE_DIR, *parts)


def _study_args(study, what):
    """(path, text) for the C++ entry points: a path as is, a dict as JSON text (JSON is YAML)
    labelled ``what(dict)`` in error messages."""
    if isinstance(study, Mapping):
        return f"{what}(dict)", json.dumps(study)
    if isinstance(study, (str, bytes, os.PathLike)):
        return _path(study), ""
    raise TypeError(f"{what}() takes a study file path or a dict, not {type(study).__name__}")


def _frame(rows, document, columns=None):
    """A DataFrame of ``rows`` (nested keys flattened with dots) carrying ``document`` in
    ``attrs["result"]``."""
    import pandas as pd
    frame = pd.json_normalize(rows) if rows else pd.DataFrame(columns=columns or [])
    if columns:
        frame = frame[[c for c in columns if c in frame.columns]
                      + [c for c in frame.columns if c not in columns]]
    frame.attrs["result"] = document
    return frame


def result_of(frame: Any) -> Dict[str, Any]:
    """The ``--format json`` document behind a DataFrame from :func:`plan`, :func:`crossover` or
    :func:`simulate` (a dict passes through unchanged)."""
    if isinstance(frame, dict):
        return frame
    attrs = getattr(frame, "attrs", None)
    if attrs is None or "result" not in attrs:
        raise TypeError("result_of() takes a DataFrame returned by plan(), crossover() or "
                        "simulate(), or their dict")
    return attrs["result"]


def _path(value):
    """'' for None, else the path as a string (accepts pathlib.Path)."""
    return "" if value is None else os.fspath(value)


def _axis(value, kind):
    """A sweep axis as a list: a scalar becomes a one-value axis; numpy arrays become lists."""
    if isinstance(value, (str, bytes)) or not hasattr(value, "__iter__"):
        value = [value]
    return [kind(v) for v in value]


def list_models() -> List[Dict[str, Any]]:
    """The model catalogue (models/architectures): a list of dicts, as ``rightsize list models``."""
    return _rs.list_models()


def list_hardware() -> List[Dict[str, Any]]:
    """The hardware catalogue (models/hardware): a list of dicts, as ``rightsize list hardware``."""
    return _rs.list_hardware()


def predict(model: PathLike, hardware: str, *, calibration: Optional[PathLike] = None,
            calibration_group: str = "", **workload: Any) -> Dict[str, Any]:
    """Everything rightsize predicts for one configuration, as ``rightsize predict --format json``.

    ``model`` is a catalogue id or a path to a Hugging Face config.json; ``hardware`` a catalogue id.
    ``workload`` takes the CLI's workload flags with underscores: mode, batch, prompt_tokens,
    gen_tokens, weights, activations, kv, devices, tp, pp, ep, zero, recompute, lora_rank,
    memory_utilization, usd_per_hour, train_tokens. ``calibration``: a calibration JSON from
    :func:`calibrate` (default: the uncalibrated priors).
    """
    return _rs.predict(_path(model), hardware, calibration=_path(calibration),
                       calibration_group=calibration_group, **workload)


def _slo_flags(slo):
    """{"ttft_p99_s": 0.5} -> ["ttft_p99_s=0.5"], as ``--slo`` takes them."""
    return [f"{key}={float(seconds)!r}" for key, seconds in (slo or {}).items()]


#: The first columns of :func:`plan`'s frame (the CLI table's order).
PLAN_COLUMNS = ["model", "hardware", "tp", "weights_precision", "replicas", "devices",
                "usd_per_month", "usd_per_million_output_tokens", "ttft_p99_s", "tpot_p99_s",
                "replica_max_requests_per_s", "priced_by", "feasible", "reason"]


def plan(study: StudyLike, *, calibration: Optional[PathLike] = None, calibration_group: str = "",
         slo: Optional[Mapping[str, float]] = None) -> "pandas.DataFrame":
    """Capacity plan of a study: every layout with devices and $, cheapest feasible first.

    ``study`` is a capacity-study YAML path (examples/capacity-study.yaml) or a dict of the same
    keys (``traffic``, ``slo``, ``candidates``, ...). Returns a DataFrame, one row per layout
    (:data:`PLAN_COLUMNS` first, nested keys flattened with dots); ``frame.attrs["result"]`` (or
    :func:`result_of`) is the ``rightsize plan --format json`` document: study, traffic, slo,
    sizing, calibration and layouts. With ``calibration``, each device is priced with the group
    fitted on it (``calibration_group``: a group, hardware id or engine; rules in
    docs/calibration.md). ``slo``: {key: seconds} replacing the study's targets of those keys
    (``ttft_p99_s``, ``tpot_p50_s``, ...), as ``--slo KEY=SECONDS``."""
    path, text = _study_args(study, "plan")
    doc = _rs.plan(path, study_text=text, calibration=_path(calibration),
                   calibration_group=calibration_group, slo=_slo_flags(slo))
    return _frame(doc["layouts"], doc, PLAN_COLUMNS)


#: What :func:`simulate` returns: ``summary`` (the dict ``rightsize simulate --format json``
#: prints), ``requests`` (a pandas DataFrame, one row per request: index, arrival_s,
#: prompt_tokens, output_tokens, cached_prompt_tokens, ttft_s, tpot_s, e2e_s, preemptions, rank)
#: and ``timeseries`` (a DataFrame: time_s, running, waiting, kv_used_fraction, step_tokens).
Simulation = collections.namedtuple("Simulation", ["summary", "requests", "timeseries"])


def simulate(spec_path: Optional[StudyLike] = None, *, calibration: Optional[PathLike] = None,
             calibration_group: str = "", **spec: Any) -> Simulation:
    """The serving simulation of ``rightsize simulate``.

    The spec is a file (``examples/simulate-vllm-h100.yaml``), a dict, or the same keys as
    keywords (``model``, ``hardware``, ``layout``, ``engine``, ``engine_overrides``,
    ``speculative``, ``traffic``, ``seed``, ``slo``, ``goodput``, ``max_rate``,
    ``timeseries_interval_s``; docs/serving.md). Returns a :data:`Simulation`: the summary dict
    and the per-request and time-series DataFrames (each with the summary in
    ``attrs["result"]``). With ``calibration``, the fitted efficiencies (host overheads included)
    replace the defaults and the engine's priors."""
    import pandas as pd

    if (spec_path is None) == (not spec):
        raise TypeError("simulate() takes a spec file or dict, or the spec's keys as keywords, "
                        "not both")
    if spec_path is None:
        spec_path = spec
    label, text = _study_args(spec_path, "simulate")
    raw = _rs.simulate("" if text else label, spec_text=text, label=label,
                       calibration=_path(calibration), calibration_group=calibration_group)
    requests = ["index", "arrival_s", "prompt_tokens", "output_tokens", "cached_prompt_tokens",
                "ttft_s", "tpot_s", "e2e_s", "preemptions", "rank"]
    timeseries = ["time_s", "running", "waiting", "kv_used_fraction", "step_tokens"]
    frames = []
    for rows, columns in ((raw["requests"], requests), (raw["timeseries"], timeseries)):
        frame = pd.DataFrame(rows, columns=columns)
        frame.attrs["result"] = raw["summary"]
        frames.append(frame)
    return Simulation(raw["summary"], *frames)


def sweep(models: Axis, hardware: Axis, batch: Axis = 1, prompt_tokens: Axis = 512,
          gen_tokens: Axis = 128, weights: Axis = "bf16", tp: Axis = 1, threads: int = 0, *,
          calibration: Optional[PathLike] = None, calibration_group: str = "") -> Dict[str, Any]:
    """Predict every combination of the grid in parallel (``threads=0``: all cores).

    Each axis is a value or a sequence. Returns a dict of columns in grid order (model slowest, tp
    fastest): ``model, hardware, weights, reason`` (lists of str) and ``batch, prompt_tokens,
    gen_tokens, tp, feasible, memory_bytes_per_device, ttft_s, tpot_s, e2e_latency_s,
    decode_tokens_per_s, usd_per_million_output_tokens, j_per_output_token`` (numpy arrays; NaN
    where a configuration is infeasible or unpriced). Same columns as ``rightsize sweep``.
    """
    return _rs.sweep(_axis(models, _path), _axis(hardware, str), batch=_axis(batch, int),
                     prompt_tokens=_axis(prompt_tokens, int), gen_tokens=_axis(gen_tokens, int),
                     weights=_axis(weights, str), tp=_axis(tp, int), threads=int(threads),
                     calibration=_path(calibration), calibration_group=calibration_group)


def sweep_bench(models: Axis, hardware: Axis, batch: Axis = 1, prompt_tokens: Axis = 512,
                gen_tokens: Axis = 128, weights: Axis = "bf16", tp: Axis = 1,
                threads: int = 0) -> float:
    """Seconds the C++ sweep alone takes on this grid (what ``rightsize sweep --bench`` times)."""
    return _rs.sweep_bench(_axis(models, _path), _axis(hardware, str), batch=_axis(batch, int),
                           prompt_tokens=_axis(prompt_tokens, int), gen_tokens=_axis(gen_tokens, int),
                           weights=_axis(weights, str), tp=_axis(tp, int), threads=int(threads))


#: The first columns of :func:`crossover`'s frame (the CLI table's order).
CROSSOVER_COLUMNS = ["name", "role", "model", "quality", "quality_sd", "feasible",
                     "total_usd_at_plan", "usd_per_million_tokens_at_plan", "layout_at_plan",
                     "reason"]


def crossover(study: StudyLike, *, calibration: Optional[PathLike] = None,
              calibration_group: str = "",
              slo: Optional[Mapping[str, float]] = None) -> "pandas.DataFrame":
    """Small-vs-large verdict of a study.

    ``study`` is a study YAML path (examples/default-study.yaml) or a dict of the same keys.
    Returns a DataFrame, one row per candidate (:data:`CROSSOVER_COLUMNS` first; each
    candidate's layouts are in ``rightsize.to_frame(frame, "layouts")``).
    ``frame.attrs["result"]`` (or :func:`result_of`) is the ``rightsize crossover --format json``
    document (``pairs`` with each verdict sentence and P(small wins), ``sensitivity``,
    ``pareto_front``) plus the curves behind the report's figures:
    ``traffic_requests_per_month``, ``total_usd`` / ``total_usd_p10`` / ``total_usd_p90``
    (candidate name -> total $ over the horizon per traffic point, None where infeasible) and
    ``region`` (one dict per cell: hardware, requests_per_month, finetune_tokens, small_wins).
    ``slo``: {key: seconds} replacing the study's targets of those keys, as ``--slo``."""
    path, text = _study_args(study, "crossover")
    doc = _rs.crossover(path, study_text=text, calibration=_path(calibration),
                        calibration_group=calibration_group, slo=_slo_flags(slo))
    rows = [{k: v for k, v in c.items() if k != "layouts"} for c in doc["candidates"]]
    return _frame(rows, doc, CROSSOVER_COLUMNS)


def report(study: StudyLike, out_dir: PathLike, *, calibration: Optional[PathLike] = None,
           calibration_group: str = "", slo: Optional[Mapping[str, float]] = None) -> list:
    """Write a study's report folder (report.md, report.html, figures, data), as
    ``rightsize report``; returns the files written, relative to ``out_dir``. ``study`` and
    ``slo`` as in :func:`crossover`."""
    path, text = _study_args(study, "report")
    return _rs.report(path, _path(out_dir), study_text=text, calibration=_path(calibration),
                      calibration_group=calibration_group, slo=_slo_flags(slo))


def fit_law(data_path: PathLike, form: str = "chinchilla", *, output: Optional[PathLike] = None,
            **options: Any) -> Dict[str, Any]:
    """Fit a scaling law to a CSV of observations, as ``rightsize fit-law``; returns the law
    document (also written to ``output`` when given). Options: bootstrap, level,
    drop_highest_loss, n_column, d_column, flops_column, loss_column, x_columns, y_column, floor,
    threads, seed."""
    return _rs.fit_law(_path(data_path), form=form, output=_path(output), **options)


def size(law_path: PathLike, target_loss: float = 0.0, inference_tokens: float = 0.0, *,
         output: Optional[PathLike] = None, **options: Any) -> Dict[str, Any]:
    """Cheapest (N, D) reaching a target loss, compute-optimal vs inference-aware, as
    ``rightsize size``. Options: target_params, prefill_fraction, usd_per_train_flop,
    usd_per_prefill_flop, usd_per_decode_flop."""
    return _rs.size(_path(law_path), target_loss=float(target_loss),
                    inference_tokens=float(inference_tokens), output=_path(output), **options)


def _read_residuals(path):
    rows = []
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            for key in ("measured_s", "predicted_s", "ape"):
                row[key] = float(row[key])
            rows.append(row)
    return rows


def calibrate(logs: Union[PathLike, Sequence[PathLike]], *, output: Optional[PathLike] = None,
              **options: Any) -> Dict[str, Any]:
    """Fit the latency model's efficiency parameters to benchmark logs, as ``rightsize calibrate``.

    ``logs``: one path or a list. Options: format, hardware, engine, model, loss, loss_scale,
    priors (default on), prior_sd_scale, level, folds, logo, strict, threads, seed, share ("auto" or
    "name,name": parameters fitted once for every group, as ``--share``). Returns the calibration
    document (written to ``output`` when given; pass that file as ``calibration=`` to
    :func:`predict`, :func:`sweep` or :func:`plan`) with two more keys: ``summary`` (the text the CLI
    prints) and ``residuals`` (one dict per fitted point: where, group, series, label, measured_s,
    predicted_s, ape, as ``--residuals`` writes them).
    """
    if isinstance(logs, (str, bytes, os.PathLike)):
        logs = [logs]
    with tempfile.TemporaryDirectory(prefix="rightsize-calibrate-") as tmp:
        residuals = os.path.join(tmp, "residuals.csv")
        doc, summary = _rs.calibrate([_path(p) for p in logs], output=_path(output),
                                     residuals=residuals, **options)
        doc["summary"] = summary
        doc["residuals"] = _read_residuals(residuals) if os.path.exists(residuals) else []
    return doc


def to_frame(result: Any, kind: Optional[str] = None) -> "pandas.DataFrame":
    """Any result of this package as a pandas DataFrame (see :func:`rightsize.frames.to_frame`)."""
    from . import frames
    return frames.to_frame(result, kind)
