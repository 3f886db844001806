// rightsize validate: the command runs over every dataset in data/runs, reports finite errors,
// and counts every row it does not compare.
#include <catch2/catch.hpp>

#include <cmath>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "sim/spec/catalog.h"
#include "sim/util/csv.h"
#include "sim/validate/validation.h"

using namespace rightsize;

TEST_CASE("validation compares rows of every dataset and accounts for every row") {
  const ValidationResult r =
      Validate(DefaultRunsDir(), Catalog::Default(), EfficiencyParams::Defaults());
  REQUIRE(r.datasets.size() == ValidationDatasets().size());
  int used_total = 0;
  for (const auto& d : r.datasets) {
    INFO(d.dataset);
    CHECK(d.rows > 0);
    int skipped = 0;
    for (const auto& [reason, n] : d.skipped) skipped += n;
    // Rows used + unmatched + skipped = rows (optimum-benchmark rows give two points each).
    CHECK(d.used / (d.dataset == "optimum-benchmark-running-llamas" ? 2 : 1) + d.unknown_model +
              d.unknown_hardware + skipped ==
          d.rows);
    // Every shipped dataset has rows the model can price (the README's table quotes each).
    CHECK(d.used > 0);
    CHECK(std::isfinite(d.median_ape));
    CHECK(std::isfinite(d.p90_ape));
    CHECK(d.p90_ape >= d.median_ape);
    used_total += d.used;
  }
  CHECK(used_total > 0);
  REQUIRE(r.points.size() == static_cast<size_t>(used_total));
  for (const auto& p : r.points) {
    CHECK(p.measured > 0);
    CHECK(std::isfinite(p.predicted));
    CHECK(p.predicted > 0);
  }
}

TEST_CASE("dataset model names map to catalogue ids") {
  const Catalog& c = Catalog::Default();
  const ModelSpec* m = c.MatchModel("LLaMA 3 8B");
  REQUIRE(m);
  CHECK(m->id == "llama-3-8b");
  const ModelSpec* big = c.MatchModel("LLAMA3_70B");
  REQUIRE(big);
  CHECK(big->id == "llama-3-70b");
  CHECK(c.MatchModel("no-such-model-xyz") == nullptr);
}

namespace {

struct NameColumn {
  const char* file;    // under data/runs
  const char* column;  // the column that names a device or a model
};

// Every column of data/runs that names a device or a model, as the datasets print them.
const NameColumn kDeviceColumns[] = {
    {"llamacpp-gpu-benchmarks-xiongjiedai/llama3_llamacpp_bench.csv", "gpu"},
    {"megatron-bridge-training-perf/training_perf.csv", "System"},
    {"megatron-lm-training-mfu/h100_weak_scaling_mcore_r0.8.csv", "gpu"},
    {"megatron-lm-training-mfu/a100_mfu_hfu_2022.csv", "gpu"},
    {"ml-energy-leaderboard-v2/llm_runs.csv", "GPU"},
    {"ml-energy-leaderboard-v3/llm_configurations.csv", "gpu_model"},
    {"optimum-benchmark-running-llamas/Llama-7b/short_report.csv", "GPU Name"},
    {"vidur/mlp_medians_all.csv", "gpu"},
};
const NameColumn kModelColumns[] = {
    {"llamacpp-gpu-benchmarks-xiongjiedai/llama3_llamacpp_bench.csv", "model"},
    {"megatron-bridge-training-perf/training_perf.csv", "model"},
    {"ml-energy-leaderboard-v2/llm_runs.csv", "Model"},
    {"ml-energy-leaderboard-v3/llm_configurations.csv", "model_id"},
    {"optimum-benchmark-running-llamas/Llama-7b/short_report.csv", "Model"},
    {"optimum-benchmark-running-llamas/Llama-13b/short_report.csv", "Model"},
    {"vidur/mlp_medians_all.csv", "model"},
};

// Devices named in data/runs that models/hardware has no sourced spec for (yet). Each must stay
// unmatched: a spec added for one of them has to be taken off this list.
const std::set<std::string> kDevicesWithoutSpec = {"DGX-GB200", "DGX-GB300", "DGX-B300"};

std::set<std::string> DistinctNames(const NameColumn& c) {
  const CsvTable t = CsvTable::Load(DefaultRunsDir() + "/" + c.file);
  std::set<std::string> names;
  for (const auto& row : t.rows()) names.insert(t.Cell(row, c.column));
  return names;
}

// "8B", "70b", "1.5B", "0.5b" in a name, lower-cased; "" when the name carries no size.
std::string SizeToken(const std::string& name) {
  static const std::regex size(R"((^|[^0-9.])([0-9]+(\.[0-9]+)?)[bB]($|[^a-zA-Z]))");
  std::smatch m;
  return std::regex_search(name, m, size) ? m[2].str() : "";
}

}  // namespace

TEST_CASE("every device name in data/runs maps through the catalogue's one matcher") {
  const Catalog& c = Catalog::Default();
  int mapped = 0;
  for (const NameColumn& column : kDeviceColumns) {
    for (const std::string& name : DistinctNames(column)) {
      INFO(column.file << ": " << column.column << " '" << name << "'");
      const HardwareSpec* hw = c.MatchHardware(name);
      if (kDevicesWithoutSpec.count(name)) {
        CHECK(hw == nullptr);
      } else {
        CHECK(hw != nullptr);
        ++mapped;
      }
    }
  }
  CHECK(mapped >= 15);
  REQUIRE(c.MatchHardware("DGX-B200"));
  CHECK(c.MatchHardware("DGX-B200")->id == "b200-sxm-180gb");
  CHECK(c.MatchHardware("NVIDIA H100 80GB HBM3")->id == "h100-sxm5-80gb");
  CHECK(c.MatchHardware("NVIDIA GeForce RTX 4090")->id == "rtx-4090");
}

TEST_CASE("model names in data/runs map to a catalogue spec of the same size, or to none") {
  const Catalog& c = Catalog::Default();
  int mapped = 0, sized = 0;
  for (const NameColumn& column : kModelColumns) {
    for (const std::string& name : DistinctNames(column)) {
      const ModelSpec* m = c.MatchModel(name);
      if (m == nullptr) continue;
      INFO(column.file << ": " << column.column << " '" << name << "' -> " << m->id);
      ++mapped;
      const std::string in_name = SizeToken(name), in_id = SizeToken(m->id);
      if (!in_name.empty() && !in_id.empty()) {
        CHECK(in_name == in_id);
        ++sized;
      }
    }
  }
  CHECK(mapped >= 10);
  CHECK(sized >= 10);
}

TEST_CASE("validate scores the Megatron-Bridge DGX-B200 rows") {
  const ValidationResult r =
      Validate(DefaultRunsDir(), Catalog::Default(), EfficiencyParams::Defaults(),
               {"megatron-bridge-training-perf"});
  int b200_points = 0;
  for (const auto& p : r.points) b200_points += p.hardware_id == "b200-sxm-180gb";
  CHECK(b200_points > 0);
}

TEST_CASE(
    "Megatron-LM H100 weak scaling: every GPT row fits with 1F1B micro-batches and is predicted "
    "within 10% median") {
  const ValidationResult r = Validate(DefaultRunsDir(), Catalog::Default(),
                                      EfficiencyParams::Defaults(), {"megatron-lm-training-mfu"});
  REQUIRE(r.datasets.size() == 1);
  const DatasetSummary& d = r.datasets[0];
  CHECK(d.rows == 9);
  CHECK(
      d.used ==
      9);  // pipeline rows (PP 2-16) hold min(PP, micro-batches) micro-batches, not the whole batch
  CHECK(d.median_ape <= 0.10);
  CHECK(d.p90_ape <= 0.35);
}
