"""Every function of the rightsize package: what it returns, that it agrees with the CLI of the
same build, and that bad input raises the Python exception with the C++ message."""
import glob
import json
import math
import os
import re

import numpy as np
import pytest

import rightsize


def _yaml_ids(folder):
    """The `id:` of every YAML file in models/<folder>/ (read here, not hard-coded)."""
    ids = set()
    for path in glob.glob(rightsize.source_path("models", folder, "*.yaml")):
        with open(path) as f:
            match = re.search(r"^id:\s*(\S+)", f.read(), re.MULTILINE)
        assert match, f"{path} has no id"
        ids.add(match.group(1).strip("'\""))
    return ids


def test_exception_hierarchy():
    assert issubclass(rightsize.InputError, ValueError)
    assert issubclass(rightsize.UnknownIdError, rightsize.InputError)
    assert issubclass(rightsize.IoError, OSError)
    assert issubclass(rightsize.InvariantError, RuntimeError)


def test_list_models_is_the_catalogue():
    models = rightsize.list_models()
    assert {m["id"] for m in models} == _yaml_ids("architectures")
    moe = [m for m in models if m["moe"]]
    assert moe, "the catalogue has mixture-of-experts models"
    for m in models:
        assert m["active_params"] <= m["total_params"]
    for m in moe:  # a token touches only its experts
        assert m["active_params"] < m["total_params"]


def test_list_hardware_is_the_catalogue():
    hardware = rightsize.list_hardware()
    assert {h["id"] for h in hardware} == _yaml_ids("hardware")
    assert all(h["memory_bytes"] > 0 and h["memory_bandwidth_bytes_per_s"] > 0 for h in hardware)


def test_predict_matches_cli(cli):
    args = dict(batch=8, prompt_tokens=1024, gen_tokens=256, weights="fp8", tp=2)
    got = rightsize.predict("llama-3-8b", "h100-sxm5-80gb", **args)
    want = cli("predict", "--model", "llama-3-8b", "--hardware", "h100-sxm5-80gb", "--batch", "8",
               "--prompt-tokens", "1024", "--gen-tokens", "256", "--weights", "fp8", "--tp", "2",
               "--format", "json")
    assert got == want


def test_predict_scales_with_batch_and_reports_oom():
    one = rightsize.predict("llama-3-8b", "h100-sxm5-80gb", batch=1)
    eight = rightsize.predict("llama-3-8b", "h100-sxm5-80gb", batch=8)
    assert eight["flops"]["decode_flops"] == pytest.approx(8 * one["flops"]["decode_flops"])
    assert one["model"]["total_params"] == next(
        m["total_params"] for m in rightsize.list_models() if m["id"] == "llama-3-8b")
    # 70B parameters in bf16 are ~140 GB: they cannot fit one 24 GB card, and the answer says why.
    oom = rightsize.predict("llama-3-70b", "rtx-4090")
    assert oom["memory"]["fits"] is False
    assert oom["memory"]["reason"]
    assert oom["memory"]["shortfall_bytes"] > 0


def test_predict_unknown_model_raises_with_cpp_message():
    with pytest.raises(rightsize.UnknownIdError) as err:
        rightsize.predict("llama-3-8bb", "h100-sxm5-80gb")
    message = str(err.value)
    assert "llama-3-8bb" in message
    assert "llama-3-8b" in message.replace("llama-3-8bb", "")  # the close match is suggested
    with pytest.raises(ValueError):  # catchable as a plain ValueError too
        rightsize.predict("llama-3-8b", "no-such-gpu")


def test_predict_bad_workload_raises_input_error():
    with pytest.raises(rightsize.InputError, match="weights"):
        rightsize.predict("llama-3-8b", "h100-sxm5-80gb", weights="fp7")
    with pytest.raises(TypeError):  # a misspelt keyword is not silently ignored
        rightsize.predict("llama-3-8b", "h100-sxm5-80gb", batchsize=4)


def test_plan_matches_cli_and_is_sorted(capacity_plan, cli, src):
    assert capacity_plan == cli("plan", src("examples", "capacity-study.yaml"), "--format", "json")


def test_plan_layouts(capacity_plan):
    layouts = capacity_plan["layouts"]
    priced = [l for l in layouts if l["feasible"] and l["usd_per_month"] is not None]
    assert priced, "the example study has at least one priced feasible layout"
    costs = [l["usd_per_month"] for l in priced]
    assert costs == sorted(costs)
    assert layouts[: len(priced)] == priced  # cheapest feasible first
    for l in priced:
        assert l["devices"] == l["replicas"] * l["tp"]
        assert l["replicas"] * l["replica_max_requests_per_s"] >= capacity_plan["traffic"]["requests_per_s"] * (1 - 1e-9)
        assert l["sizing"].startswith("simulated: engine vllm-v1")
        assert l["sizing_simulations"] >= 3
    infeasible = [l for l in layouts if not l["feasible"]]
    assert infeasible, "the example study has layouts that cannot serve the traffic"
    for l in infeasible:
        assert l["reason"] and l["usd_per_month"] is None


def _study_dict(src, name):
    import yaml
    with open(src("examples", name)) as f:
        return yaml.safe_load(f)


def test_plan_takes_a_dict_and_returns_one_row_per_layout(src, cli, capacity_plan):
    study = _study_dict(src, "capacity-study.yaml")
    frame = rightsize.plan(study)
    assert list(frame.columns[:len(rightsize.PLAN_COLUMNS)]) == rightsize.PLAN_COLUMNS
    assert len(frame) == len(capacity_plan["layouts"])
    # The same plan as the file gives (the CLI's cheapest layout and its $ / month).
    cheapest = cli("plan", src("examples", "capacity-study.yaml"), "--format", "json")["layouts"][0]
    assert frame.iloc[0]["usd_per_month"] == pytest.approx(cheapest["usd_per_month"])
    assert rightsize.result_of(frame)["study"] == "plan(dict)"
    # A different traffic in the dict changes the answer.
    study["traffic"]["requests_per_s"] *= 4
    busier = rightsize.plan(study)
    assert busier.iloc[0]["devices"] > frame.iloc[0]["devices"]


def test_crossover_dict_frame_and_a_bad_key_names_the_dict(src, default_crossover):
    study = _study_dict(src, "default-study.yaml")
    frame = rightsize.crossover(study)
    assert list(frame["name"]) == [c["name"] for c in default_crossover["candidates"]]
    assert list(frame.columns[:3]) == rightsize.CROSSOVER_COLUMNS[:3]
    assert "layouts" not in frame.columns
    assert len(rightsize.to_frame(frame, "layouts")) == sum(
        len(c["layouts"]) for c in default_crossover["candidates"])
    verdicts = [p["verdict"] for p in rightsize.result_of(frame)["pairs"]]
    assert verdicts == [p["verdict"] for p in default_crossover["pairs"]]
    study["no_such_key"] = 1
    with pytest.raises(rightsize.InputError, match=r"crossover\(dict\).*no_such_key"):
        rightsize.crossover(study)
    with pytest.raises(TypeError):
        rightsize.crossover(42)


def test_simulate_takes_a_dict_like_keywords():
    assert rightsize.simulate(SMALL_SIM).summary == rightsize.simulate(**SMALL_SIM).summary


def test_plan_missing_file_raises():
    with pytest.raises((rightsize.IoError, rightsize.InputError), match="no-such-study.yaml"):
        rightsize.plan("/nonexistent/no-such-study.yaml")


SMALL_SIM = dict(model="llama-3.1-8b", hardware="h100-sxm5-80gb", seed=3,
                 traffic={"arrival": "poisson", "requests_per_s": 4, "requests": 150,
                          "prompt_tokens": 512, "output_tokens": "uniform:16:64"})


def test_simulate_frames_agree_with_the_summary():
    sim = rightsize.simulate(**SMALL_SIM)
    req, ts = sim.requests, sim.timeseries
    assert len(req) == 150 == sim.summary["result"]["requests"]
    assert req["output_tokens"].between(16, 64).all() and (req["prompt_tokens"] == 512).all()
    assert (req["ttft_s"] > 0).all() and (req["e2e_s"] >= req["ttft_s"]).all()
    assert math.isclose(req["e2e_s"].mean(), sim.summary["result"]["e2e"]["mean_s"], rel_tol=1e-9)
    assert math.isclose(req["ttft_s"].quantile(0.9), sim.summary["result"]["ttft"]["p90_s"],
                        rel_tol=1e-9)
    assert list(ts.columns) == ["time_s", "running", "waiting", "kv_used_fraction", "step_tokens"]
    assert ts["time_s"].is_monotonic_increasing and (ts["running"] >= 0).all()
    assert ts["kv_used_fraction"].between(0, 1).all()


def test_simulate_file_matches_cli(tmp_path, cli):
    spec = tmp_path / "sim.json"  # JSON is YAML
    spec.write_text(json.dumps(SMALL_SIM))
    assert rightsize.simulate(spec).summary == cli("simulate", str(spec), "--format", "json")


def test_simulate_bad_input_raises_with_the_key():
    with pytest.raises(rightsize.InputError, match="engine"):
        rightsize.simulate(**dict(SMALL_SIM, engine="vllm-v9"))
    with pytest.raises(rightsize.InputError, match="requests_per_s"):
        rightsize.simulate(**dict(SMALL_SIM, traffic=dict(SMALL_SIM["traffic"], requests_per_s=-1)))
    with pytest.raises(TypeError):
        rightsize.simulate()


def test_sweep_columns_in_grid_order():
    cols = rightsize.sweep(["llama-3-8b", "llama-3-70b"], ["h100-sxm5-80gb", "rtx-4090"],
                           batch=[1, 16], prompt_tokens=512, gen_tokens=[64, 128],
                           weights=["bf16", "fp8"], tp=[1, 2])
    n = 2 * 2 * 2 * 1 * 2 * 2 * 2
    assert all(len(v) == n for v in cols.values())
    assert isinstance(cols["ttft_s"], np.ndarray) and cols["ttft_s"].dtype == np.float64
    # Grid order: model slowest, tp fastest.
    assert cols["model"][: n // 2] == ["llama-3-8b"] * (n // 2)
    assert cols["tp"][:2].tolist() == [1, 2]
    assert cols["weights"][:4] == ["bf16", "bf16", "fp8", "fp8"]
    feasible = cols["feasible"]
    assert feasible.any() and not feasible.all()  # 70B bf16 on one 24 GB card cannot run
    assert np.isnan(cols["tpot_s"][~feasible]).all()
    assert all(cols["reason"][i] for i in np.flatnonzero(~feasible))
    assert (cols["tpot_s"][feasible] > 0).all()


def test_sweep_matches_predict():
    cols = rightsize.sweep("llama-3-8b", "h100-sxm5-80gb", batch=[4], prompt_tokens=[1024],
                           gen_tokens=[256], weights="bf16", tp=1)
    one = rightsize.predict("llama-3-8b", "h100-sxm5-80gb", batch=4, prompt_tokens=1024,
                            gen_tokens=256)
    assert cols["tpot_s"][0] == pytest.approx(one["latency"]["tpot_s"], rel=1e-9)
    assert cols["ttft_s"][0] == pytest.approx(one["latency"]["ttft_s"], rel=1e-9)


def test_sweep_matches_cli(cli):
    cols = rightsize.sweep(["llama-3-8b", "llama-3-70b"], ["h100-sxm5-80gb", "rtx-4090"],
                           batch=[1, 64], weights=["bf16", "int4"])
    rows = cli("sweep", "--models", "llama-3-8b,llama-3-70b", "--hardware",
               "h100-sxm5-80gb,rtx-4090", "--batch", "1,64", "--weights", "bf16,int4",
               "--format", "json")["rows"]
    assert len(rows) == len(cols["model"])
    for i, row in enumerate(rows):
        for key, want in row.items():
            got = cols[key][i]
            if want is None:
                assert math.isnan(got), (i, key)
            elif isinstance(want, float):
                assert got == pytest.approx(want, rel=1e-12), (i, key)
            else:
                assert got == want, (i, key)


def test_sweep_bad_input():
    with pytest.raises(rightsize.InputError, match="batch must be >= 1, got 0"):
        rightsize.sweep("llama-3-8b", "h100-sxm5-80gb", batch=[0])
    with pytest.raises(rightsize.UnknownIdError, match="h100-sxm6"):
        rightsize.sweep("llama-3-8b", "h100-sxm6")


def test_crossover_matches_cli_and_has_curves(default_crossover, cli, src):
    want = cli("crossover", src("examples", "default-study.yaml"), "--format", "json")
    got = {k: v for k, v in default_crossover.items() if k in want}
    assert got == want
    traffic = default_crossover["traffic_requests_per_month"]
    assert len(traffic) > 2 and traffic == sorted(traffic)
    names = {c["name"] for c in default_crossover["candidates"]}
    assert set(default_crossover["total_usd"]) == names
    assert all(len(curve) == len(traffic) for curve in default_crossover["total_usd"].values())
    assert default_crossover["region"]


def test_crossover_break_even_is_where_curves_cross(src):
    # The default study has no break-even in its swept range; this fixture (an API against a
    # self-hosted model) has one, checked against the closed form in tests/plan/study_test.cc.
    doc = rightsize.result_of(
        rightsize.crossover(src("tests", "plan", "fixtures", "api-vs-selfhosted.yaml")))
    traffic = np.array(doc["traffic_requests_per_month"])
    checked = 0
    for pair in doc["pairs"]:
        small = np.array([np.nan if v is None else v for v in doc["total_usd"][pair["small"]]])
        large = np.array([np.nan if v is None else v for v in doc["total_usd"][pair["large"]]])
        ok = np.isfinite(small) & np.isfinite(large)
        for x in pair["break_even_requests_per_month"]:
            below, above = (traffic < x) & ok, (traffic > x) & ok
            assert below.any() and above.any(), f"break-even {x} outside the priced curve"
            i, j = np.flatnonzero(below)[-1], np.flatnonzero(above)[0]
            assert np.sign(small[i] - large[i]) != np.sign(small[j] - large[j])
            checked += 1
    assert checked >= 1


def test_crossover_bad_study(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("title: x\nno_such_key: 1\n")
    with pytest.raises(rightsize.InputError, match=str(bad)):
        rightsize.crossover(bad)


def test_report_writes_files(tmp_path, src):
    out = tmp_path / "report"
    files = rightsize.report(src("examples", "default-study.yaml"), out)
    assert "report.md" in files
    for f in files:
        assert (out / f).is_file(), f
    assert "break-even" in (out / "report.md").read_text().lower()


def _law_coefficients(path):
    """coefficients: block of a models/laws YAML file, read with a regex (no YAML dependency)."""
    text = open(path).read()
    block = text.split("coefficients:", 1)[1]
    return {k: float(v) for k, v in re.findall(r"^\s+(\w+):\s*([-+0-9.eE]+)\s*$", block.split("\n#")[0],
                                               re.MULTILINE)}


def test_fit_law_recovers_a_known_law(tmp_path, src):
    truth = _law_coefficients(src("models", "laws", "chinchilla-epoch-2024.yaml"))
    csv = tmp_path / "points.csv"
    lines = ["n_params,d_tokens,loss"]
    for log10_n in np.arange(7.5, 10.01, 0.5):
        for tokens_per_param in (5, 20, 80, 320):
            n = 10 ** log10_n
            d = n * tokens_per_param
            loss = truth["e_nats"] + truth["a"] / n ** truth["alpha"] + truth["b"] / d ** truth["beta"]
            lines.append(f"{n},{d},{loss}")
    csv.write_text("\n".join(lines) + "\n")
    out = tmp_path / "law.json"
    law = rightsize.fit_law(csv, form="chinchilla", output=out)
    assert out.is_file()
    assert law["usable"] is True and law["n_points"] == len(lines) - 1
    assert law["coefficients"]["alpha"] == pytest.approx(truth["alpha"], abs=0.01)
    assert law["coefficients"]["beta"] == pytest.approx(truth["beta"], abs=0.01)

    sized = rightsize.size(out, target_params=30e9, inference_tokens=1e13)
    assert sized["inference_aware"]["n_params"] < sized["compute_optimal"]["n_params"]


def test_fit_law_bad_column_raises(tmp_path):
    csv = tmp_path / "bad.csv"
    csv.write_text("n_params,d_tokens,loss\n1e9,2e10,2.5\n1e9,abc,2.5\n")
    with pytest.raises(rightsize.InputError, match=re.escape(f"{csv}:3: d_tokens")):
        rightsize.fit_law(csv)


def test_size_on_published_law(src):
    doc = rightsize.size(src("models", "laws", "chinchilla-epoch-2024.yaml"), target_params=30e9,
                         inference_tokens=1e13)
    ca, ia = doc["compute_optimal"], doc["inference_aware"]
    # More inference demand -> a smaller model trained on more tokens per parameter.
    assert ia["n_params"] < ca["n_params"]
    assert ia["tokens_per_param"] > ca["tokens_per_param"]
    assert ia["d_train_tokens"] / ia["n_params"] == pytest.approx(ia["tokens_per_param"])
    # ...and it costs fewer FLOPs over its lifetime, at the same loss.
    assert ia["total_flops"] < ca["total_flops"]
    assert ia["loss_nats"] == pytest.approx(ca["loss_nats"], rel=1e-6)


def test_size_bad_target_raises(src):
    with pytest.raises(rightsize.InputError):
        rightsize.size(src("models", "laws", "chinchilla-epoch-2024.yaml"), target_loss=0.5)


OPTIMUM_LOG = ("data", "runs", "optimum-benchmark-running-llamas", "Llama-7b", "short_report.csv")


def test_calibrate_on_bundled_log(tmp_path, src):
    out = tmp_path / "cal.json"
    doc = rightsize.calibrate(src(*OPTIMUM_LOG), output=out, folds=3)
    assert out.is_file()
    assert doc["n_points"] > 0 and doc["groups"]
    assert len(doc["residuals"]) == doc["n_points"]
    for r in doc["residuals"]:
        assert r["measured_s"] > 0 and r["predicted_s"] > 0
        assert r["ape"] == pytest.approx(abs(r["predicted_s"] / r["measured_s"] - 1), abs=1e-3)
    assert "kfold" in doc["cross_validation"]
    assert "fit" in doc["summary"]
    assert doc["usable"]
    # The fitted parameters feed predict(): the same configuration, a different answer.
    group = doc["groups"][0]["group"]
    hw = group.split("/")[0]
    base = rightsize.predict("llama-2-7b", hw, batch=4, weights="fp16", activations="fp16",
                             kv="fp16")
    fitted = rightsize.predict("llama-2-7b", hw, batch=4, weights="fp16", activations="fp16",
                               kv="fp16", calibration=out, calibration_group=group)
    assert fitted["latency"]["tpot_s"] != base["latency"]["tpot_s"]


def test_calibrate_shares_parameters_by_name(src):
    doc = rightsize.calibrate(src(*OPTIMUM_LOG), folds=0, share="memory_efficiency")
    assert len(doc["groups"]) > 1  # fp16, +BetterTransformer, +FlashAttention-2
    assert doc["options"]["shared"] == ["memory_efficiency"]
    values = {g["params"]["memory_efficiency"] for g in doc["groups"]}
    assert len(values) == 1  # one value for every group
    assert all(g["shared"] == ["memory_efficiency"] for g in doc["groups"])
    with pytest.raises(rightsize.InputError, match="share"):
        rightsize.calibrate(src(*OPTIMUM_LOG), folds=0, share="memory_efficency_typo")


def test_calibrate_bad_input(tmp_path):
    with pytest.raises((rightsize.InputError, rightsize.IoError), match="missing.csv"):
        rightsize.calibrate(tmp_path / "missing.csv")
    with pytest.raises(rightsize.InputError, match="folds"):
        rightsize.calibrate(rightsize.source_path(*OPTIMUM_LOG), folds=1)


def test_public_functions_have_type_hints_and_docstrings():
    import inspect
    checked = 0
    for name in rightsize.__all__:
        obj = getattr(rightsize, name)
        if not inspect.isfunction(obj):
            continue
        assert obj.__doc__, name
        assert "return" in obj.__annotations__, name
        for parameter in inspect.signature(obj).parameters.values():
            assert parameter.name in obj.__annotations__, f"{name}({parameter.name})"
        checked += 1
    assert checked >= 14
