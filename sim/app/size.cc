#include "sim/app/size.h"

#include <cmath>
#include <utility>

#include <fmt/format.h>

#include "sim/cost/efficiency_params.h"
#include "sim/cost/money.h"
#include "sim/quality/law_spec.h"
#include "sim/spec/catalog.h"
#include "sim/util/error.h"
#include "sim/util/file_io.h"

namespace rightsize::app {
namespace {

constexpr int kSchemaVersion = 1;

// Re-costs a point under a demand and prices (same N and D).
SizingPoint Recost(const ChinchillaCoefficients& law, const SizingPoint& p,
                   const InferenceDemand& demand, const UsdPerFlop& usd) {
  SizingPoint out = p;
  out.loss_nats = ChinchillaLoss(law, p.n_params, p.d_train_tokens);
  out.train_flops = kTrainFlopsPerParamToken * p.n_params * p.d_train_tokens;
  out.inference_flops = kInferenceFlopsPerParamToken * p.n_params * demand.total_tokens();
  out.total_flops = out.train_flops + out.inference_flops;
  out.total_usd = usd.train * out.train_flops +
                  usd.prefill * kInferenceFlopsPerParamToken * p.n_params * demand.prefill_tokens +
                  usd.decode * kInferenceFlopsPerParamToken * p.n_params * demand.decode_tokens;
  return out;
}

nlohmann::json PointJson(const SizingPoint& p, bool priced) {
  nlohmann::json j = {{"n_params", p.n_params},
                      {"d_train_tokens", p.d_train_tokens},
                      {"tokens_per_param", p.tokens_per_param()},
                      {"loss_nats", p.loss_nats},
                      {"train_flops", p.train_flops},
                      {"inference_flops", p.inference_flops},
                      {"total_flops", p.total_flops}};
  if (priced) j["total_usd"] = p.total_usd;
  return j;
}

}  // namespace

SizeResult RunSize(const SizeOptions& options, const Catalog& catalog) {
  // The same bounds as the flags (Python callers reach here without them).
  const std::pair<const char*, double> non_negative[] = {
      {"target-loss", options.target_loss_nats},
      {"target-params", options.target_params},
      {"usd-per-train-flop", options.usd_per_train_flop},
      {"usd-per-prefill-flop", options.usd_per_prefill_flop},
      {"usd-per-decode-flop", options.usd_per_decode_flop},
      {"usd-per-hour", options.usd_per_hour},
      {"train-utilization", options.train_utilization},
      {"prefill-utilization", options.prefill_utilization},
      {"decode-batch", options.decode_batch}};
  for (const auto& [name, value] : non_negative) {
    if (!(value >= 0) || !std::isfinite(value)) {
      throw InputError({"", 0, name}, fmt::format("must be a finite number >= 0, got {}", value));
    }
  }
  const Law law = LoadLaw(options.law_path);
  const ChinchillaCoefficients c = ToChinchilla(law);
  if (!(options.inference_tokens >= 0)) {
    throw InputError({"", 0, "inference-tokens"}, "must be >= 0");
  }
  if (!(options.prefill_fraction >= 0 && options.prefill_fraction <= 1)) {
    throw InputError({"", 0, "prefill-fraction"}, "must be in [0, 1]");
  }
  SizeResult result;
  if (options.target_params > 0) {
    if (options.target_loss_nats > 0) {
      throw InputError({"", 0, "target-params"}, "give --target-loss or --target-params, not both");
    }
    result.target_loss_nats = ComputeOptimalForParams(c, options.target_params).loss_nats;
  } else {
    result.target_loss_nats = options.target_loss_nats;
  }
  InferenceDemand demand;
  demand.prefill_tokens = options.inference_tokens * options.prefill_fraction;
  demand.decode_tokens = options.inference_tokens - demand.prefill_tokens;
  UsdPerFlop usd{options.usd_per_train_flop, options.usd_per_prefill_flop,
                 options.usd_per_decode_flop};
  result.price_source = "--usd-per-*-flop";
  if (!options.hardware_id.empty()) {
    const HardwareSpec& hw = catalog.Hardware(options.hardware_id);
    const auto price = ResolvePrice(catalog, hw.id, options.usd_per_hour);
    if (!price) {
      throw InputError(
          {"", 0, "hardware"},
          "no price known for " + hw.id + " (add one in models/prices/ or give --usd-per-hour)");
    }
    const EfficiencyParams defaults = EfficiencyParams::Defaults();
    FlopPriceOptions fo;
    fo.weights = ParsePrecision(options.weights, {"", 0, "weights"});
    fo.train_utilization = options.train_utilization > 0
                               ? options.train_utilization
                               : defaults[EfficiencyParams::kComputeEfficiency];
    fo.prefill_utilization = options.prefill_utilization > 0
                                 ? options.prefill_utilization
                                 : defaults[EfficiencyParams::kComputeEfficiency];
    fo.decode_batch = options.decode_batch;
    fo.memory_efficiency = defaults[EfficiencyParams::kMemoryEfficiency];
    if (!(fo.train_utilization <= 1 && fo.prefill_utilization <= 1)) {
      throw InputError({"", 0, "train-utilization"}, "utilisations must be in (0, 1]");
    }
    if (!(fo.decode_batch >= 1)) throw InputError({"", 0, "decode-batch"}, "must be >= 1");
    const UsdPerFlopOnDevice priced = PricePerFlop(hw, price->usd_per_hour, fo);
    usd = {priced.train, priced.prefill, priced.decode};
    result.price_source = price->source;
    result.decode_utilization = priced.decode_utilization;
  }
  result.usd_per_flop = usd;
  result.priced = usd.train > 0 || usd.prefill > 0 || usd.decode > 0;
  const SizingPoint frontier = InferenceAwareOptimumFlops(c, result.target_loss_nats, 0.0);
  result.compute_optimal = Recost(c, frontier, demand, usd);
  result.inference_aware =
      Recost(c, InferenceAwareOptimumFlops(c, result.target_loss_nats, demand.total_tokens()),
             demand, usd);
  if (result.priced) {
    result.usd_optimal = InferenceAwareOptimumUsd(c, result.target_loss_nats, demand, usd);
  }
  return result;
}

nlohmann::json ToJson(const SizeOptions& options, const SizeResult& result) {
  nlohmann::json doc;
  doc["schema_version"] = kSchemaVersion;
  doc["kind"] = "rightsize.size";
  doc["inputs"] = nlohmann::json::array(
      {{{"path", options.law_path}, {"hash_fnv1a64", HashFileContents(options.law_path)}}});
  doc["target_loss_nats"] = result.target_loss_nats;
  doc["inference_tokens"] = options.inference_tokens;
  doc["prefill_fraction"] = options.prefill_fraction;
  doc["usd_per_flop"] = {{"train", result.usd_per_flop.train},
                         {"prefill", result.usd_per_flop.prefill},
                         {"decode", result.usd_per_flop.decode},
                         {"source", result.price_source}};
  if (!options.hardware_id.empty()) {
    doc["hardware"] = {{"id", options.hardware_id},
                       {"weights", options.weights},
                       {"decode_batch", options.decode_batch},
                       {"decode_utilization", result.decode_utilization}};
  }
  doc["compute_optimal"] = PointJson(result.compute_optimal, result.priced);
  doc["inference_aware"] = PointJson(result.inference_aware, result.priced);
  if (result.priced) doc["usd_optimal"] = PointJson(result.usd_optimal, true);
  return doc;
}

std::string FormatSizeResult(const SizeResult& result) {
  std::string out = fmt::format("target loss {:.4f} nats/token\n", result.target_loss_nats);
  if (result.priced) {
    out += fmt::format("priced at $/FLOP train {:.3g}, prefill {:.3g}, decode {:.3g} ({}{})\n",
                       result.usd_per_flop.train, result.usd_per_flop.prefill,
                       result.usd_per_flop.decode, result.price_source,
                       result.decode_utilization > 0 ? fmt::format("; decode at {:.1f}% of peak",
                                                                   100 * result.decode_utilization)
                                                     : "");
  }
  out += fmt::format("{:<18} {:>10} {:>12} {:>9} {:>11} {:>11} {:>11}{}\n", "", "N (B)",
                     "D (B tok)", "D/N", "train FLOP", "infer FLOP", "total FLOP",
                     result.priced ? fmt::format(" {:>12}", "total $") : "");
  auto row = [&](const char* name, const SizingPoint& p) {
    out += fmt::format("{:<18} {:>10.3f} {:>12.1f} {:>9.1f} {:>11.3e} {:>11.3e} {:>11.3e}{}\n",
                       name, p.n_params / 1e9, p.d_train_tokens / 1e9, p.tokens_per_param(),
                       p.train_flops, p.inference_flops, p.total_flops,
                       result.priced ? fmt::format(" {:>12.4g}", p.total_usd) : "");
  };
  row("compute-optimal", result.compute_optimal);
  row("inference-aware", result.inference_aware);
  if (result.priced) row("$-optimal", result.usd_optimal);
  out += fmt::format(
      "inference-aware saves {:.1f}% of lifetime FLOPs\n",
      100.0 * (1.0 - result.inference_aware.total_flops / result.compute_optimal.total_flops));
  return out;
}

}  // namespace rightsize::app
