"""rightsize.frames: one call from any result to a pandas DataFrame."""
import numpy as np
import pandas as pd
import pytest

import rightsize
from rightsize import frames


def test_sweep_frame():
    cols = rightsize.sweep(["llama-3-8b", "llama-3-70b"], "rtx-4090", batch=[1, 8, 64])
    df = rightsize.to_frame(cols)
    assert len(df) == 6
    assert list(df.columns) == list(cols)
    assert df["ttft_s"].dtype == np.float64
    assert df.loc[~df["feasible"], "tpot_s"].isna().all()
    assert (df.groupby("model")["batch"].apply(list) == pd.Series({"llama-3-70b": [1, 8, 64],
                                                                  "llama-3-8b": [1, 8, 64]})).all()


def test_catalogue_frames():
    models = rightsize.to_frame(rightsize.list_models())
    assert len(models) == len(rightsize.list_models())
    assert {"id", "total_params", "active_params"} <= set(models.columns)


def test_plan_frame(capacity_plan):
    df = rightsize.to_frame(capacity_plan)
    assert len(df) == len(capacity_plan["layouts"])
    assert df["usd_per_month"].iloc[0] == capacity_plan["layouts"][0]["usd_per_month"]


def test_predict_frame_flattens_nested_keys():
    df = rightsize.to_frame(rightsize.predict("llama-3-8b", "h100-sxm5-80gb"))
    assert len(df) == 1
    assert "memory.fits" in df.columns and "latency.tpot_s" in df.columns


def test_crossover_frames(default_crossover):
    doc = default_crossover
    costs = frames.to_frame(doc, "costs")
    assert len(costs) == len(doc["candidates"]) * len(doc["traffic_requests_per_month"])
    first = doc["candidates"][0]["name"]
    want = np.array([np.nan if v is None else v for v in doc["total_usd"][first]])
    np.testing.assert_array_equal(costs[costs["candidate"] == first]["total_usd"].to_numpy(), want)
    assert len(frames.to_frame(doc)) == len(doc["candidates"])
    assert "layouts" not in frames.to_frame(doc).columns
    assert set(frames.to_frame(doc, "region").columns) == {"hardware", "requests_per_month",
                                                           "finetune_tokens", "small_quality",
                                                           "small_wins"}
    layouts = frames.to_frame(doc, "layouts")
    assert set(layouts["candidate"]) <= {c["name"] for c in doc["candidates"]}
    with pytest.raises(ValueError, match="unknown kind"):
        frames.to_frame(doc, "nope")


def test_to_frame_rejects_other_types():
    with pytest.raises(TypeError):
        frames.to_frame(42)
