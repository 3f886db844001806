"""One-call pandas conversion of every rightsize result.

pandas is imported inside the functions, so ``import rightsize`` works without it.
"""


def _pd():
    import pandas as pd  # lazily: the package itself does not need pandas
    return pd


def _is_columns(result):
    """A dict of equal-length sequences (what :func:`rightsize.sweep` returns)."""
    if not isinstance(result, dict) or not result:
        return False
    lengths = set()
    for value in result.values():
        if isinstance(value, (str, bytes, dict)) or not hasattr(value, "__len__"):
            return False
        lengths.add(len(value))
    return len(lengths) == 1


def crossover_costs(doc):
    """Long table of a crossover's cost curves: candidate, requests_per_month, total_usd,
    total_usd_p10, total_usd_p90 (NaN where the candidate cannot serve that traffic)."""
    pd = _pd()
    rows = []
    traffic = doc["traffic_requests_per_month"]
    for name, curve in doc["total_usd"].items():
        p10 = doc.get("total_usd_p10", {}).get(name) or [None] * len(curve)
        p90 = doc.get("total_usd_p90", {}).get(name) or [None] * len(curve)
        for i, x in enumerate(traffic):
            rows.append({"candidate": name, "requests_per_month": x, "total_usd": curve[i],
                         "total_usd_p10": p10[i], "total_usd_p90": p90[i]})
    return pd.DataFrame(rows, columns=["candidate", "requests_per_month", "total_usd",
                                       "total_usd_p10", "total_usd_p90"]).astype(
        {"total_usd": float, "total_usd_p10": float, "total_usd_p90": float})


def crossover_layouts(doc):
    """Every layout every crossover candidate tried, with the candidate's name first."""
    pd = _pd()
    rows = []
    for c in doc["candidates"]:
        for layout in c.get("layouts") or []:
            rows.append({"candidate": c["name"], **layout})
    return pd.json_normalize(rows)


def to_frame(result, kind=None):
    """A DataFrame from any rightsize result.

    - A DataFrame from :func:`plan`, :func:`crossover` or :func:`simulate`: itself, or with
      ``kind`` another view of the document in its ``attrs["result"]``.
    - :func:`sweep` columns, lists of dicts (:func:`list_models`, :func:`list_hardware`): one row
      per element.
    - :func:`plan`: one row per layout.
    - :func:`crossover`: ``kind`` = "candidates" (default), "costs" (cost curves, long format),
      "region", "pairs", "layouts", "sensitivity".
    - :func:`calibrate`: ``kind`` = "residuals" (default; measured vs fitted per point) or
      "groups" (one row per parameter group, parameters flattened as ``params.NAME``).
    - :func:`predict`, :func:`size`, :func:`fit_law` and any other dict: one row, nested keys
      flattened with dots (``memory.fits``).
    """
    pd = _pd()
    if isinstance(result, pd.DataFrame):
        # plan() / crossover() / simulate() frames: the frame itself, or another view of the
        # document behind it.
        if kind is None:
            return result
        if "result" not in result.attrs:
            raise ValueError("to_frame: this DataFrame carries no rightsize result")
        result = result.attrs["result"]
    if isinstance(result, list):
        return pd.json_normalize(result)
    if _is_columns(result):
        return pd.DataFrame(result)
    if not isinstance(result, dict):
        raise TypeError(f"to_frame: cannot convert a {type(result).__name__}")
    if "layouts" in result and "traffic" in result:  # plan
        return pd.json_normalize(result["layouts"])
    if "candidates" in result and "pairs" in result:  # crossover
        kind = kind or "candidates"
        if kind == "costs":
            return crossover_costs(result)
        if kind == "layouts":
            return crossover_layouts(result)
        if kind == "candidates":
            rows = [{k: v for k, v in c.items() if k != "layouts"} for c in result["candidates"]]
            return pd.json_normalize(rows)
        if kind in ("region", "pairs", "sensitivity"):
            return pd.json_normalize(result.get(kind) or [])
        raise ValueError(f"to_frame: unknown kind '{kind}' for a crossover result "
                         "(valid: candidates, costs, region, pairs, layouts, sensitivity)")
    if "groups" in result and "residuals" in result:  # calibrate
        kind = kind or "residuals"
        if kind == "residuals":
            return pd.DataFrame(result["residuals"],
                                columns=["where", "group", "series", "label", "measured_s",
                                         "predicted_s", "ape"])
        if kind == "groups":
            rows = [{k: v for k, v in g.items() if k != "covariance"} for g in result["groups"]]
            return pd.json_normalize(rows)
        raise ValueError(f"to_frame: unknown kind '{kind}' for a calibration (valid: residuals, groups)")
    return pd.json_normalize([result])
