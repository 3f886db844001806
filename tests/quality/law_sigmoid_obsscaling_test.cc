// Sigmoid compute -> accuracy map with the random baseline as floor, on the observational
// scaling table of Ruan et al. 2024 (148 public base models): MMLU (4 choices, floor 0.25)
// against log10 training FLOPs.
#include <cmath>

#include "tests/quality/catch_with_ceres.h"

#include "sim/fit/law_fitter.h"
#include "sim/util/csv.h"
#include "tests/quality/quality_test_util.h"

namespace rightsize {
namespace {

TEST_CASE("Sigmoid MMLU-vs-compute map on the Ruan et al. table beats a constant predictor",
          "[quality][fit]") {
  const CsvTable table = CsvTable::Load(
      testing::RepoPath("data/quality/obsscaling-ruan-2024/base_llm_benchmark_eval.csv"));
  CHECK(table.rows().size() == 148);
  std::vector<LawObservation> obs;
  for (const CsvRow& row : table.rows()) {
    const auto flops_1e21 = table.MaybeNumber(row, "FLOPs (1E21)");
    const auto mmlu = table.MaybeNumber(row, "MMLU");
    if (!flops_1e21 || !mmlu || *flops_1e21 <= 0) continue;
    LawObservation o;
    o.x = {std::log10(*flops_1e21 * 1e21), 0, 0};
    o.y = *mmlu;
    o.where = table.Where(row, "MMLU");
    obs.push_back(o);
  }
  REQUIRE(obs.size() > 100);
  LawFitOptions options;
  options.sigmoid_floor = 0.25;  // four-choice multiple choice
  const LawFit fit = FitLaw(LawForm::kSigmoid, obs, options);
  INFO(fit.report);
  REQUIRE(fit.usable);
  CHECK(fit.values[0] > 0);      // accuracy rises with compute
  CHECK(fit.values[2] <= 1.05);  // ceiling near or below 100 %
  double mean = 0.0;
  for (const auto& o : obs) mean += o.y / obs.size();
  double constant_sse = 0.0;
  for (const auto& o : obs) constant_sse += (o.y - mean) * (o.y - mean);
  const double constant_rmse = std::sqrt(constant_sse / obs.size());
  const double cv_rmse = CrossValidatedRmse(LawForm::kSigmoid, obs, 5, options);
  WARN("MMLU sigmoid on " << obs.size() << " models: w " << fit.values[0] << " x0 " << fit.values[1]
                          << " ceiling " << fit.values[2] << "; 5-fold CV RMSE " << cv_rmse
                          << " vs constant " << constant_rmse);
  CHECK(cv_rmse < 0.8 * constant_rmse);
}

}  // namespace
}  // namespace rightsize
