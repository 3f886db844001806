#include "sim/report/crossover_report.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "sim/cost/latency.h"
#include "sim/cost/memory.h"
#include "sim/fit/calibrator.h"
#include "sim/quality/law_data.h"
#include "sim/quality/law_quality.h"
#include "sim/report/document.h"
#include "sim/report/figure.h"
#include "sim/util/csv.h"
#include "sim/util/file_io.h"
#include "sim/util/output_path.h"
#include "sim/util/stats.h"
#include "sim/util/units.h"
#include "sim/validate/validation.h"

namespace rightsize {
namespace {

std::string Usd(double usd) {
  if (std::abs(usd) >= 1e6) return fmt::format("${:.2f}M", usd / 1e6);
  if (std::abs(usd) >= 1e3) return fmt::format("${:.1f}k", usd / 1e3);
  return fmt::format("${:.2f}", usd);
}

// "3M", "10k", "1.5B": a count a manager reads at a glance.
std::string HumanCount(double value) {
  const double a = std::abs(value);
  if (a >= 1e9) return fmt::format("{:.3g}B", value / 1e9);
  if (a >= 1e6) return fmt::format("{:.3g}M", value / 1e6);
  if (a >= 1e3) return fmt::format("{:.3g}k", value / 1e3);
  return fmt::format("{:.3g}", value);
}

// gnuplot tics at each power of ten in [lo, hi], labelled by `label` (log axes: "10k", "$1M").
std::string DecadeTics(const std::string& axis, double lo, double hi,
                       const std::function<std::string(double)>& label) {
  std::string tics = "set " + axis + "tics (";
  bool first = true;
  for (double v = std::pow(10.0, std::floor(std::log10(lo))); v <= hi * 1.0001; v *= 10) {
    if (v < lo * 0.9999) continue;
    tics += fmt::format("{}\"{}\" {:.9g}", first ? "" : ", ", label(v), v);
    first = false;
  }
  return tics + ")\n";
}

std::string UsdTick(double usd) { return "$" + HumanCount(usd); }

Figure CostVsTraffic(const CrossoverResult& r) {
  Figure f;
  f.name = "cost_vs_traffic";
  f.title = "Average cost per month vs traffic (cheapest layout meeting the SLO)";
  f.x_label = "traffic (requests / month)";
  f.y_label = fmt::format("average cost over {:.0f} months (USD / month)", r.study.horizon_months);
  f.log_x = f.log_y = true;
  const double months = r.study.horizon_months;
  auto per_month = [months](std::vector<double> usd) {
    for (double& v : usd) v /= months;
    return usd;
  };
  double y_lo = std::numeric_limits<double>::infinity(), y_hi = 0;
  for (size_t c = 0; c < r.candidates.size(); ++c) {
    if (r.total_usd[c].empty()) continue;
    Series s{r.candidates[c].spec.name,
             r.traffic_grid,
             per_month(r.total_usd[c]),
             per_month(r.total_usd_p10[c]),
             per_month(r.total_usd_p90[c]),
             {},
             "lines"};
    for (size_t i = 0; i < s.y.size(); ++i) {
      y_lo = std::min({y_lo, s.y[i], s.y_low[i]});
      y_hi = std::max({y_hi, s.y[i], s.y_high[i]});
    }
    f.series.push_back(std::move(s));
  }
  f.markers.push_back(
      {r.study.requests_per_month,
       fmt::format("planning traffic: {}/month", HumanCount(r.study.requests_per_month))});
  for (const auto& p : r.pairs) {
    for (double be : p.break_even_requests_per_month) {
      f.markers.push_back(
          {be, fmt::format("break-even {} vs {}: {}/month", p.small, p.large, HumanCount(be))});
    }
  }
  if (!r.traffic_grid.empty()) {
    f.extra = DecadeTics("x", r.traffic_grid.front(), r.traffic_grid.back(), HumanCount);
  }
  if (y_hi > 0) f.extra += DecadeTics("y", y_lo, y_hi, UsdTick);
  f.caption = fmt::format(
      "{}: one-off fine-tuning plus serving at the SLO ({}) on the cheapest "
      "feasible layout each month, averaged over {:.0f} months; {:.0f} prompt + {:.0f} output "
      "tokens per request; bands: 10th-90th percentile over {} Monte Carlo draws (throughput sd "
      "{:.0f}%, quality sd as given).",
      r.study.title, r.study.slo.Describe(), months, r.study.prompt_tokens, r.study.output_tokens,
      r.monte_carlo_draws, 100 * r.study.throughput_rel_sd);
  return f;
}

std::vector<Figure> RegionMaps(const CrossoverResult& r) {
  std::vector<Figure> figures;
  std::vector<std::string> hardware;
  for (const auto& cell : r.region) {
    if (std::find(hardware.begin(), hardware.end(), cell.hardware_id) == hardware.end())
      hardware.push_back(cell.hardware_id);
  }
  for (const auto& hw : hardware) {
    // A map needs a second axis with data: with one fine-tune token count (no candidate is
    // fine-tuned) the winner depends on traffic alone, which the cost figure already shows.
    std::vector<double> tokens;
    for (const auto& cell : r.region) {
      if (cell.hardware_id == hw &&
          std::find(tokens.begin(), tokens.end(), cell.finetune_tokens) == tokens.end())
        tokens.push_back(cell.finetune_tokens);
    }
    if (tokens.size() < 2) continue;
    Figure f;
    f.name = "region_" + hw;
    std::replace(f.name.begin(), f.name.end(), '.', '_');
    f.title = "Where the small model wins (small model served on " + hw + ")";
    f.x_label = "traffic (requests / month)";
    f.y_label = "fine-tuning tokens (count)";
    f.log_x = f.log_y = true;
    f.palette =
        "set palette defined (0 '#d7301f', 1 '#1a9850')\nset cbrange [0:1]\nset cbtics ('large "
        "wins' 0, 'small wins' 1)";
    Series s{"winner", {}, {}, {}, {}, {}, "points"};
    for (const auto& cell : r.region) {
      if (cell.hardware_id != hw) continue;
      s.x.push_back(cell.requests_per_month);
      s.y.push_back(std::max(cell.finetune_tokens, 1.0));
      s.color.push_back(cell.small_wins ? 1.0 : 0.0);
    }
    f.series.push_back(std::move(s));
    // Which small candidate the map is drawn for (the runner draws the first feasible small one).
    const CandidateResult* small = nullptr;
    for (const auto& c : r.candidates) {
      if (c.spec.role == "small" && c.candidate.infeasible_reason.empty()) {
        small = &c;
        break;
      }
    }
    const bool law_tokens =
        small && small->spec.quality.law && small->spec.quality.law->transfer_law;
    double q_lo = 0, q_hi = 0;
    bool first = true;
    for (const auto& cell : r.region) {
      if (cell.hardware_id != hw) continue;
      q_lo = first ? cell.small_quality : std::min(q_lo, cell.small_quality);
      q_hi = first ? cell.small_quality : std::max(q_hi, cell.small_quality);
      first = false;
    }
    f.caption = fmt::format(
        "Green: the small model is within {:.1f} points of the large one and costs less over "
        "{:.0f} months; red: it does not. Fine-tuning cost scales with its tokens; {}",
        r.study.quality_tolerance, r.study.horizon_months,
        law_tokens ? fmt::format("the small model's score follows its scaling-law chain at each "
                                 "fine-tune token count ({:.2f} to {:.2f} over the grid).",
                                 q_lo, q_hi)
                   : std::string("the quality scores are held fixed across the grid."));
    figures.push_back(std::move(f));
  }
  return figures;
}

// The layout each candidate serves on at the planning traffic (null: an API or none feasible).
const LayoutPlan* ChosenLayout(const CandidateResult& c) {
  return c.layout_at_plan_index < 0 ? nullptr : &c.layouts[c.layout_at_plan_index];
}

Figure Pareto(const CrossoverResult& r) {
  Figure f;
  f.name = "pareto";
  f.title =
      fmt::format("Quality vs cost at {} requests / month", HumanCount(r.study.requests_per_month));
  f.x_label = fmt::format("average cost over {:.0f} months (USD / month)", r.study.horizon_months);
  f.y_label = "task score (" + r.study.task + ")";
  f.log_x = true;
  const double months = r.study.horizon_months;
  double x_lo = std::numeric_limits<double>::infinity(), x_hi = 0;
  for (size_t c = 0; c < r.candidates.size(); ++c) {
    if (r.total_usd[c].empty()) continue;
    const auto& cr = r.candidates[c];
    const double usd_per_month = cr.usd_at_plan / months;
    x_lo = std::min(x_lo, usd_per_month);
    x_hi = std::max(x_hi, usd_per_month);
    f.series.push_back({cr.spec.name + " (+-1 sd)",
                        {usd_per_month},
                        {cr.candidate.quality},
                        {cr.candidate.quality - cr.candidate.quality_sd},
                        {cr.candidate.quality + cr.candidate.quality_sd},
                        {},
                        "yerrorbars pt 7 ps 2"});
    f.extra += fmt::format("set label \"{}\\n{}, {}/month\" at {:.9g},{:.9g} offset 1.5,1.2\n",
                           cr.spec.name, cr.layout_at_plan, UsdTick(usd_per_month), usd_per_month,
                           cr.candidate.quality);
  }
  Series front{"Pareto front", {}, {}, {}, {}, {}, "lines dt 2"};
  for (size_t i : r.pareto) {
    front.x.push_back(r.candidates[i].usd_at_plan / months);
    front.y.push_back(r.candidates[i].candidate.quality);
  }
  if (front.x.size() > 1) f.series.push_back(front);
  if (x_hi > 0) {
    // A decade of room each side so the labelled points sit inside the frame.
    x_lo /= 4;
    x_hi *= 8;
    f.extra += fmt::format("set xrange [{:.9g}:{:.9g}]\n", x_lo, x_hi) +
               DecadeTics("x", x_lo, x_hi, UsdTick) + "set offsets 0, 0, graph 0.2, graph 0.2\n";
  }
  f.caption = fmt::format(
      "At {:.3g} requests/month; points: each candidate's cheapest layout (named beside it) and "
      "its total cost averaged over the horizon; error bars: +-1 sd of the score; up and left is "
      "better.",
      r.study.requests_per_month);
  return f;
}

std::string DescribeParams(const DeviceEfficiencyParams& params);

Figure LatencyVsBatch(const CrossoverResult& r, const Catalog& catalog,
                      const DeviceEfficiencyParams& params) {
  Figure f;
  f.name = "latency_vs_batch";
  f.title = "Decode time per output token vs batch, on the layout chosen at plan";
  f.x_label = "batch (sequences decoding together)";
  f.y_label = "TPOT (ms)";
  f.log_x = true;
  const int64_t context = static_cast<int64_t>(r.study.prompt_tokens + r.study.output_tokens / 2);
  for (const auto& c : r.candidates) {
    if (const LayoutPlan* chosen = ChosenLayout(c)) {
      const LayoutPlan& l = *chosen;
      const ModelSpec model = catalog.ResolveModel(c.spec.model);
      const HardwareSpec& hw = catalog.Hardware(l.layout.hardware_id);
      Workload w;
      w.weights = l.layout.weights;
      w.parallel.tensor = l.layout.tensor_parallel;
      w.prompt_tokens = std::max<int64_t>(1, context);
      w.gen_tokens = 1;
      const int64_t max_batch = std::max<int64_t>(1, CheckFit(model, hw, w).max_batch);
      Series s{fmt::format("{} on {}", c.spec.name, c.layout_at_plan),
               {},
               {},
               {},
               {},
               {},
               "linespoints"};
      for (int64_t b = 1; b <= std::min<int64_t>(max_batch, 1024); b *= 2) {
        s.x.push_back(static_cast<double>(b));
        s.y.push_back(1e3 * DecodeStepTime_s(model, hw, w, b, context, params.For(hw.id)));
      }
      f.series.push_back(std::move(s));
    }
  }
  // Batches are powers of two: label them so, and keep the legend inside the frame.
  f.extra = "set xtics 1,2\nset format x '%g'\nset key inside left top";
  f.caption = fmt::format(
      "Each candidate's layout chosen at the planning traffic, predicted by the latency model "
      "with {} at a context of {} tokens, up to the largest batch that fits.",
      DescribeParams(params), context);
  return f;
}

Figure MemoryFigure(const CrossoverResult& r, const Catalog& catalog) {
  Figure f;
  f.name = "memory_breakdown";
  f.title = "Memory per device at the largest batch that fits, on the layout chosen at plan";
  f.x_label = "candidate and the layout chosen at the planning traffic";
  f.y_label = "GiB per device";
  std::string tics = "set xtics (";
  const std::vector<std::string> parts = {"weights", "KV cache", "activations"};
  std::vector<Series> series(parts.size());
  for (size_t k = 0; k < parts.size(); ++k) series[k] = {parts[k], {}, {}, {}, {}, {}, "boxes"};
  int index = 0;
  for (const auto& c : r.candidates) {
    if (const LayoutPlan* chosen = ChosenLayout(c)) {
      const LayoutPlan& l = *chosen;
      const ModelSpec model = catalog.ResolveModel(c.spec.model);
      Workload w;
      w.weights = l.layout.weights;
      w.parallel.tensor = l.layout.tensor_parallel;
      w.prompt_tokens = static_cast<int64_t>(r.study.prompt_tokens);
      w.gen_tokens = static_cast<int64_t>(r.study.output_tokens);
      w.batch = std::max<int64_t>(
          1, CheckFit(model, catalog.Hardware(l.layout.hardware_id), w).max_batch);
      const MemoryBreakdown m = EstimateMemoryPerDevice(model, w);
      const double values[] = {m.weights_bytes, m.kv_cache_bytes, m.activation_bytes};
      for (size_t k = 0; k < parts.size(); ++k) {
        series[k].x.push_back(index + 0.25 * (static_cast<double>(k) - 1.0));
        series[k].y.push_back(values[k] / kGiB);
      }
      tics +=
          fmt::format("{}\"{}\\n{}\" {}", index ? ", " : "", c.spec.name, c.layout_at_plan, index);
      ++index;
    }
  }
  f.series = std::move(series);
  f.extra = tics +
            ")\nset bmargin 5\nset xlabel offset 0,-1\nset boxwidth 0.22\nset style fill solid "
            "0.7\nset yrange [0:*]\nset xrange [-0.6:" +
            std::to_string(std::max(index, 1) - 0.4) + "]";
  f.caption =
      "Each candidate's layout chosen at the planning traffic, at its largest batch at the "
      "study's prompt + output length.";
  return f;
}

std::string TrimDot(std::string text) {
  while (!text.empty() && (text.back() == '.' || text.back() == ' ')) text.pop_back();
  return text;
}

// One figure per loss law used by a law-based candidate: loss vs parameters, the law's curve at
// each candidate's effective data, the candidates marked, and the law's fit data if bundled.
std::vector<Figure> ScalingLawFigures(const CrossoverResult& r) {
  std::vector<Figure> figures;
  std::vector<std::string> files;
  for (const auto& c : r.candidates) {
    if (c.spec.quality.law &&
        std::find(files.begin(), files.end(), c.spec.quality.law->loss_law_file) == files.end()) {
      files.push_back(c.spec.quality.law->loss_law_file);
    }
  }
  for (size_t k = 0; k < files.size(); ++k) {
    Figure f;
    f.name = files.size() == 1 ? "scaling_law" : fmt::format("scaling_law_{}", k + 1);
    f.x_label = "parameters N (count)";
    f.y_label = "loss L (nats / token)";
    f.log_x = true;
    const Law* law = nullptr;
    std::vector<const CandidateResult*> users;
    for (const auto& c : r.candidates) {
      if (c.spec.quality.law && c.spec.quality.law->loss_law_file == files[k]) {
        users.push_back(&c);
        law = &c.spec.quality.law->loss_law;
      }
    }
    f.title = "Scaling law " + law->id + ": loss vs parameters";
    double n_lo = std::numeric_limits<double>::infinity(), n_hi = 0;
    for (const auto* c : users) {
      n_lo = std::min(n_lo, c->spec.quality.law->n_params);
      n_hi = std::max(n_hi, c->spec.quality.law->n_params);
    }
    std::string data_part;
    if (!law->data_path.empty()) {
      const std::vector<LossPoint> points =
          LoadLossPoints(ResolveProjectPath(law->data_path, files[k]), law->data_columns);
      Series data{fmt::format("fit data ({} points)", points.size()),
                  {},
                  {},
                  {},
                  {},
                  {},
                  "points pt 6 ps 0.6"};
      for (const auto& p : points) {
        data.x.push_back(p.n_params);
        data.y.push_back(p.loss_nats);
        n_lo = std::min(n_lo, p.n_params);
        n_hi = std::max(n_hi, p.n_params);
      }
      f.series.push_back(std::move(data));
      data_part = fmt::format(
          "grey points: the {} runs the law file points to ({}; each run has its own D, so they "
          "scatter about the curves).",
          points.size(), law->data_path);
    } else {
      data_part = "no fit data is bundled with this law file, so no observations are drawn.";
    }
    const ChinchillaCoefficients cc = ToChinchilla(*law);
    std::string curves;
    for (const auto* c : users) {
      const LawQualityModel& m = *c->spec.quality.law;
      const LawQualityPoint p = EvaluateLawQuality(m, m.finetune_tokens);
      Series curve{fmt::format("L(N, D = {:.3g}) [{}]", p.effective_tokens, c->spec.name),
                   {},
                   {},
                   {},
                   {},
                   {},
                   "lines"};
      constexpr int kPoints = 80;
      const double lo = n_lo / 3, hi = n_hi * 3;
      for (int i = 0; i < kPoints; ++i) {
        const double n = lo * std::pow(hi / lo, static_cast<double>(i) / (kPoints - 1));
        curve.x.push_back(n);
        curve.y.push_back(ChinchillaLoss(cc, n, p.effective_tokens));
      }
      f.series.push_back(std::move(curve));
      f.series.push_back({c->spec.name + (p.ptq_penalty_nats > 0 ? " (incl. PTQ)" : ""),
                          {m.n_params},
                          {p.loss_nats},
                          {},
                          {},
                          {},
                          "points pt 7 ps 2"});
      const std::string data =
          p.finetune_used
              ? fmt::format(
                    "D = fine-tune {:.3g} + transferred {:.3g} tokens (Hernandez et al. 2021; the "
                    "pre-trained loss at {:.3g} tokens is higher)",
                    p.finetune_tokens, p.transferred_tokens, m.pretrain_tokens)
              : fmt::format("D = {:.3g} pre-training tokens", m.pretrain_tokens);
      curves += fmt::format(
          " {}: N = {:.3g} ({}), {}, L = {:.4f}{};", c->spec.name, m.n_params, m.n_params_kind,
          data, p.loss_nats,
          p.ptq_penalty_nats > 0
              ? fmt::format(" incl. PTQ {:.4f} at {}", p.ptq_penalty_nats, m.post_precision)
              : std::string());
    }
    f.caption = fmt::format(
        "Law file {} ({}; E = {:.4g}, A = {:.4g}, alpha = {:.4g}, B = {:.4g}, beta = {:.4g}); "
        "lines: "
        "the law at each candidate's effective data; big points: the candidates.{} {}",
        files[k], TrimDot(law->source), cc.e_nats, cc.a, cc.alpha, cc.b, cc.beta, curves,
        data_part);
    figures.push_back(std::move(f));
  }
  return figures;
}

std::string DescribeParams(const EfficiencyParams& params) {
  const EfficiencyParams defaults = EfficiencyParams::Defaults();
  bool is_default = true;
  std::string values;
  for (int i = 0; i < EfficiencyParams::kNumParams; ++i) {
    const auto index = static_cast<EfficiencyParams::Index>(i);
    is_default = is_default && params[index] == defaults[index];
    values += fmt::format("{}{} = {:.4g}", i ? ", " : "", EfficiencyParams::kParamNames[i],
                          params[index]);
  }
  return is_default ? "the uncalibrated default efficiency parameters"
                    : "the calibrated efficiency parameters (" + values + ")";
}

std::string DescribeParams(const DeviceEfficiencyParams& params) {
  if (params.by_hardware.empty()) return DescribeParams(params.common);
  std::string text;
  for (const auto& [hardware, fitted] : params.by_hardware) {
    text += fmt::format("{}on {}: {}", text.empty() ? "" : "; ", hardware, DescribeParams(fitted));
  }
  return text + "; on other devices: " + DescribeParams(params.common);
}

// Predicted vs measured for the shipped runs (the validation the caller ran, as `rightsize
// validate`), on the study's hardware when any run matches, with the parameters this report was
// run with.
Figure CalibrationParity(const CrossoverResult& r, const ValidationResult& v,
                         const DeviceEfficiencyParams& params) {
  Figure f;
  f.name = "calibration_parity";
  f.title = "Latency model: predicted vs measured on shipped runs";
  f.x_label = "measured time (s): per output token, per prefill, per step";
  f.y_label = "predicted time (s)";
  f.log_x = f.log_y = true;
  std::vector<std::string> hardware;
  for (const auto& c : r.candidates) {
    for (const auto& h : c.spec.hardware) hardware.push_back(h);
    if (c.spec.finetune) hardware.push_back(c.spec.finetune->hardware_id);
  }
  // Durations only (TTFT, TPOT, step times, in seconds), so one axis holds them all; training
  // throughputs (tokens/s, FLOP/s per device) are in `rightsize validate`.
  std::vector<const ValidationPoint*> durations;
  for (const auto& p : v.points) {
    const bool rate = p.metric.find("_per_s") != std::string::npos;
    if (!rate) durations.push_back(&p);
  }
  std::vector<const ValidationPoint*> chosen;
  for (const auto* p : durations) {
    if (std::find(hardware.begin(), hardware.end(), p->hardware_id) != hardware.end())
      chosen.push_back(p);
  }
  const bool matched = !chosen.empty();
  if (!matched) chosen = durations;
  std::vector<std::string> metrics;
  for (const auto* p : chosen) {
    if (std::find(metrics.begin(), metrics.end(), p->metric) == metrics.end())
      metrics.push_back(p->metric);
  }
  double lo = std::numeric_limits<double>::infinity(), hi = 0;
  std::vector<double> apes;
  int within = 0;
  std::vector<std::string> hw_used;
  for (const auto* p : chosen) {
    lo = std::min({lo, p->measured, p->predicted});
    hi = std::max({hi, p->measured, p->predicted});
    apes.push_back(p->Ape());
    within += p->Ape() <= 0.2;
    if (std::find(hw_used.begin(), hw_used.end(), p->hardware_id) == hw_used.end())
      hw_used.push_back(p->hardware_id);
  }
  if (chosen.empty()) {
    lo = 1e-3;
    hi = 1;
  }
  Series band{"y = x (band: +-20%)", {}, {}, {}, {}, {}, "lines dt 2"};
  constexpr int kPoints = 40;
  for (int i = 0; i < kPoints; ++i) {
    const double x =
        lo / 1.5 * std::pow(hi * 1.5 / (lo / 1.5), static_cast<double>(i) / (kPoints - 1));
    band.x.push_back(x);
    band.y.push_back(x);
    band.y_low.push_back(0.8 * x);
    band.y_high.push_back(1.2 * x);
  }
  f.series.push_back(std::move(band));
  for (const auto& metric : metrics) {
    std::string title = metric;  // gnuplot's enhanced text would read '_' as a subscript
    std::replace(title.begin(), title.end(), '_', ' ');
    Series s{title, {}, {}, {}, {}, {}, "points pt 7 ps 0.8"};
    for (const auto* p : chosen) {
      if (p->metric != metric) continue;
      s.x.push_back(p->measured);
      s.y.push_back(p->predicted);
    }
    f.series.push_back(std::move(s));
  }
  const double median = apes.empty() ? std::nan("") : Quantile(apes, 0.5);
  std::vector<std::string> datasets;
  for (const auto* p : chosen) {
    if (std::find(datasets.begin(), datasets.end(), p->dataset) == datasets.end())
      datasets.push_back(p->dataset);
  }
  f.caption = fmt::format(
      "{} {} measured points from data/runs ({}) on {}, predicted with {} (the same validation as "
      "`rightsize "
      "validate`; training throughputs are listed there, not drawn); {} of {} ({:.0f}%) within "
      "+-20%, median "
      "absolute error {:.0f}%. Dashed line: y = x; shaded band: +-20%.",
      matched ? "The study's hardware:"
              : "No shipped run is on the study's hardware, so all shipped runs are shown:",
      chosen.size(), fmt::join(datasets, ", "), fmt::join(hw_used, ", "), DescribeParams(params),
      within, chosen.size(), chosen.empty() ? 0.0 : 100.0 * within / chosen.size(), 100 * median);
  return f;
}

}  // namespace

// The candidates (score, cost at plan, status), where each score comes from, and every layout
// tried with its capacity or the reason it is infeasible.
void AddCandidateTables(const CrossoverResult& r, ReportDocument* report) {
  ReportDocument& doc = *report;
  doc.Heading(2, "Candidates");
  TextTable cands{{"candidate", "role", "model", "score", "layout at plan", "one-off",
                   "total at plan", "$/M tokens", "status"},
                  {}};
  for (const auto& c : r.candidates) {
    const bool ok = c.candidate.infeasible_reason.empty();
    cands.rows.push_back(
        {c.spec.name, c.spec.role, c.spec.api ? "API" : c.spec.model,
         fmt::format("{:.1f} +- {:.1f}", c.candidate.quality, c.candidate.quality_sd),
         ok ? c.layout_at_plan : "-", Usd(c.candidate.one_off_usd), ok ? Usd(c.usd_at_plan) : "-",
         ok ? fmt::format("{:.3f}", c.usd_per_million_tokens_at_plan) : "-",
         ok ? "feasible" : c.candidate.infeasible_reason});
  }
  doc.Table(cands);
  TextTable sources{{"candidate", "quality source"}, {}};
  for (const auto& c : r.candidates) sources.rows.push_back({c.spec.name, c.spec.quality.source});
  doc.Table(sources);

  doc.Heading(2, "Layouts tried");
  TextTable layouts{{"candidate", "hardware", "tp", "weights", "replica max req/s",
                     "TTFT mean / p99 (ms)", "TPOT mean / p99 (ms)", "status"},
                    {}};
  for (const auto& c : r.candidates) {
    for (const auto& l : c.layouts) {
      layouts.rows.push_back(
          {c.spec.name, l.layout.hardware_id, std::to_string(l.layout.tensor_parallel),
           ToString(l.layout.weights),
           l.feasible ? fmt::format("{:.3g}", l.replica_max_requests_per_s) : "-",
           l.state.feasible
               ? fmt::format("{:.1f} / {:.1f}", 1e3 * l.state.ttft_mean_s, 1e3 * l.state.ttft_p99_s)
               : "-",
           l.state.feasible
               ? fmt::format("{:.1f} / {:.1f}", 1e3 * l.state.tpot_mean_s, 1e3 * l.state.tpot_p99_s)
               : "-",
           l.feasible ? "feasible" : l.reason});
    }
  }
  doc.Table(layouts);
}

// The title, the question, the study's inputs and the verdict of each pair with its break-even.
void AddVerdict(const CrossoverResult& r, const std::string& study_hash, ReportDocument* report) {
  ReportDocument& doc = *report;
  doc.Heading(1, r.study.title);
  if (!r.study.question.empty()) doc.Paragraph("**Question.** " + r.study.question);
  doc.Paragraph(
      fmt::format("Task: {}. Traffic: {:.3g} requests/month ({:.0f} prompt + {:.0f} output "
                  "tokens each), growing {:.0f}%/month; "
                  "SLO: {}; replicas sized by simulation ({}); horizon {:.0f} months; quality "
                  "tolerance {:.1f} points. Study file: `{}` ({}).",
                  r.study.task, r.study.requests_per_month, r.study.prompt_tokens,
                  r.study.output_tokens, 100 * r.study.monthly_growth, r.study.slo.Describe(),
                  r.study.simulation.Describe(r.study.slo), r.study.horizon_months,
                  r.study.quality_tolerance, r.study.file, study_hash));
  doc.Heading(2, "Verdict");
  for (const auto& p : r.pairs) doc.Paragraph(p.verdict);
  TextTable be{
      {"small", "large", "break-even (nominal)", "p10", "p50", "p90", "P(small wins at plan)"}, {}};
  for (const auto& p : r.pairs) {
    be.rows.push_back(
        {p.small, p.large,
         p.break_even_requests_per_month.empty()
             ? "none in range"
             : fmt::format("{:.3g}", p.break_even_requests_per_month.front()),
         p.break_even_p10 > 0 ? fmt::format("{:.3g}", p.break_even_p10) : "-",
         p.break_even_p50 > 0 ? fmt::format("{:.3g}", p.break_even_p50) : "-",
         p.break_even_p90 > 0 ? fmt::format("{:.3g}", p.break_even_p90) : "-",
         fmt::format("{:.0f}% +- {:.1f}", 100 * p.p_small_wins_at_plan, 100 * p.p_small_wins_se)});
  }
  doc.Table(be);
}

std::vector<std::string> WriteCrossoverReport(const CrossoverResult& r, const Catalog& catalog,
                                              const DeviceEfficiencyParams& params,
                                              const ValidationResult& validation,
                                              const std::string& study_hash,
                                              const std::string& out_dir) {
  std::vector<std::string> written;
  WriteFolderAtomically(out_dir, [&](const std::string& dir) {
    ReportDocument doc;
    AddVerdict(r, study_hash, &doc);

    AddCandidateTables(r, &doc);

    doc.Heading(2, "Figures");
    auto add = [&](const Figure& f) {
      if (f.series.empty()) {
        // The per-layout figures are empty when every candidate is served by an API.
        doc.Paragraph(f.title + ": nothing to draw.");
        return;
      }
      const FigureFiles files = RenderFigure(f, dir);
      doc.Figure(files, f.title + ". " + f.caption);
    };
    add(CostVsTraffic(r));
    const std::vector<Figure> maps = RegionMaps(r);
    for (const auto& f : maps) add(f);
    if (maps.empty()) {
      doc.Paragraph(
          "No region map: no small candidate is fine-tuned over a range of token counts, so the "
          "winner depends on traffic alone (the cost figure above).");
    }
    add(Pareto(r));
    add(LatencyVsBatch(r, catalog, params));
    add(MemoryFigure(r, catalog));
    for (const auto& f : ScalingLawFigures(r)) add(f);
    add(CalibrationParity(r, validation, params));

    doc.Heading(2, "Sensitivity");
    doc.Paragraph(
        "Cost gap (small minus large, total over the horizon at the planning traffic) when one "
        "input is "
        "scaled by 0.75 and 1.25, largest swing first: the inputs that move the answer most.");
    TextTable sens{{"input", "gap at x0.75", "gap at x1.25", "swing"}, {}};
    for (const auto& s : r.sensitivity) {
      sens.rows.push_back({s.input, Usd(s.gap_low_usd), Usd(s.gap_high_usd), Usd(s.swing_usd)});
    }
    doc.Table(sens);
    doc.Paragraph(fmt::format(
        "Uncertainty: throughput relative sd {:.0f}% ({}); traffic forecast relative sd {:.0f}%{}; "
        "utilisation {:g} (drawn in [{:g}, {:g}]); prices drawn among the quotes of each device's "
        "kind ({}); quality sd per candidate as given.",
        100 * r.study.throughput_rel_sd, r.study.throughput_rel_sd_source,
        100 * r.study.traffic_rel_sd,
        r.study.traffic_rel_sd > 0 ? " (" + r.study.traffic_rel_sd_source + ")" : "",
        r.study.utilisation, r.study.utilisation_min, r.study.utilisation_max,
        fmt::join(r.study.prices.kinds, ", ")));
    for (const PairResult& pair : r.pairs) {
      if (pair.drivers.empty()) continue;
      doc.Paragraph(fmt::format(
          "What moves P({} wins against {}): every Monte Carlo input, the draws split at its "
          "median.",
          pair.small, pair.large));
      TextTable drivers{{"drawn input", "P below its median", "P above its median"}, {}};
      for (const DrawnInputEffect& d : pair.drivers) {
        drivers.rows.push_back({d.input, fmt::format("{:.0f}%", 100 * d.p_win_low),
                                fmt::format("{:.0f}%", 100 * d.p_win_high)});
      }
      doc.Table(drivers);
    }

    std::vector<nlohmann::json> rows;
    for (size_t c = 0; c < r.candidates.size(); ++c) {
      for (size_t t = 0; t < r.total_usd[c].size(); ++t) {
        rows.push_back({{"candidate", r.candidates[c].spec.name},
                        {"requests_per_month", r.traffic_grid[t]},
                        {"total_usd", r.total_usd[c][t]},
                        {"total_usd_p10", r.total_usd_p10[c][t]},
                        {"total_usd_p90", r.total_usd_p90[c][t]}});
      }
    }
    std::string csv =
        CsvLine({"candidate", "requests_per_month", "total_usd", "total_usd_p10", "total_usd_p90"});
    for (const auto& row : rows) {
      csv += CsvLine({row["candidate"].get<std::string>(),
                      fmt::format("{:.9g}", row["requests_per_month"].get<double>()),
                      fmt::format("{:.9g}", row["total_usd"].get<double>()),
                      fmt::format("{:.9g}", row["total_usd_p10"].get<double>()),
                      fmt::format("{:.9g}", row["total_usd_p90"].get<double>())});
    }
    WriteFileAtomically(dir + "/cost_vs_traffic.csv", csv);
    nlohmann::json j = ToJson(r);
    j["inputs"] = {{"study", r.study.file}, {"study_hash", study_hash}};
    WriteFileAtomically(dir + "/crossover.json", j.dump(2) + "\n");
    doc.Paragraph(
        "Data: [crossover.json](crossover.json), [cost_vs_traffic.csv](cost_vs_traffic.csv).");
    WriteFileAtomically(dir + "/report.md", doc.Markdown());
    WriteFileAtomically(dir + "/report.html", doc.Html(r.study.title));
    written = doc.LinkedFiles();
    for (const char* f : {"report.md", "report.html", "crossover.json", "cost_vs_traffic.csv"})
      written.push_back(f);
  });
  return written;
}

}  // namespace rightsize
