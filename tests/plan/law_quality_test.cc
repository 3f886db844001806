// Quality from scaling laws in a study: the score equals the chain computed by hand from the law
// files, more fine-tune tokens never lower it, the region map uses it at each fine-tune token
// count, bad law blocks are errors with file:line: key, and the report draws the law.
#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>
#include <algorithm>
#include <fstream>

#include <fmt/format.h>

#include "sim/plan/crossover_runner.h"
#include "sim/plan/law_quality.h"
#include "sim/quality/law_spec.h"
#include "sim/report/crossover_report.h"
#include "sim/spec/catalog.h"
#include "sim/validate/validation.h"
#include "sim/util/error.h"
#include "sim/util/file_io.h"

using namespace rightsize;
using Catch::Matchers::Contains;
namespace fs = std::filesystem;

namespace {

const std::string kRepo = std::string(RIGHTSIZE_SOURCE_DIR) + "/";
const std::string kFixture = kRepo + "tests/plan/fixtures/law-quality.yaml";

// The study fixture with one candidate's quality block replaced, written to a temporary folder
// next to a copy of the map law it names.
std::string StudyWithQuality(const std::string& name, const std::string& quality_block) {
  const fs::path dir = fs::temp_directory_path() / "rightsize_law_quality_test";
  fs::create_directories(dir / "laws");
  fs::copy_file(kRepo + "tests/plan/fixtures/laws/test-error-map.yaml", dir / "laws/test-error-map.yaml",
                fs::copy_options::overwrite_existing);
  std::string text = ReadTextFile(kFixture);
  const std::string marker = "    quality:\n      law: models/laws/chinchilla-epoch-2024.yaml\n      pretrain_tokens: 1.0e10\n";
  const size_t at = text.find(marker);
  REQUIRE(at != std::string::npos);
  const size_t end = text.find("  - name: large", at);
  text = text.substr(0, at) + quality_block + text.substr(end);
  const std::string path = (dir / name).string();
  std::ofstream(path) << text;
  return path;
}

}  // namespace

TEST_CASE("a law-based score equals the chain computed by hand from the law files") {
  const StudySpec study = LoadStudy(kFixture, Catalog::Default());
  const CandidateSpec& small = study.candidates[0];
  REQUIRE(small.quality.law);
  const Law loss = LoadLawYaml(kRepo + "models/laws/chinchilla-epoch-2024.yaml");
  const Law transfer = LoadLawYaml(kRepo + "models/laws/transfer-hernandez-2021.yaml");
  const Law ptq = LoadLawYaml(kRepo + "models/laws/ptq-kumar-2024.yaml");
  const Law map = LoadLawYaml(kRepo + "tests/plan/fixtures/laws/test-error-map.yaml");
  const ParamCounts counts = CountParams(Catalog::Default().ResolveModel("qwen2.5-0.5b"));
  const double n = static_cast<double>(counts.Total());
  const double n_ne = static_cast<double>(counts.Total() - counts.embedding - counts.lm_head);
  const double d_pre = 1.0e10, d_f = 1.0e9;  // the fixture's pretrain_tokens and finetune.tokens
  // Hernandez et al. 2021 eq. 1.1.
  const double d_t = transfer.coefficients.at("k") * std::pow(d_f, transfer.coefficients.at("alpha")) *
                     std::pow(n_ne, transfer.coefficients.at("beta"));
  // Chinchilla eq. 2 at D_pre + D_F + D_T.
  const auto& c = loss.coefficients;
  const double l_pre = c.at("e_nats") + c.at("a") / std::pow(n, c.at("alpha")) +
                       c.at("b") / std::pow(d_pre + d_f + d_t, c.at("beta"));
  // Kumar et al. 2024 at the lowest precision served (int4: storage bits per weight).
  const double bits = BitsPerValue(Precision::kInt4);
  const auto& p = ptq.coefficients;
  const double penalty = p.at("c_t") * std::pow(d_pre, p.at("gamma_d")) / std::pow(n_ne, p.at("gamma_n")) *
                         std::exp(-bits / p.at("gamma_post"));
  // Gadre et al. 2024 eq. 5 -> accuracy in %.
  const auto& m = map.coefficients;
  const double error = m.at("epsilon") - m.at("k") * std::exp(-m.at("gamma") * (l_pre + penalty));
  const double hand = 100.0 * (1.0 - error);
  CHECK(penalty > 0.0);
  CHECK(d_t > 0.0);
  CHECK(small.quality.score == Approx(hand).epsilon(1e-9));
  const LawQualityPoint point = EvaluateLawQuality(*small.quality.law, d_f);
  CHECK(point.transferred_tokens == Approx(d_t).epsilon(1e-9));
  CHECK(point.ptq_penalty_nats == Approx(penalty).epsilon(1e-9));
  // No intervals with a stated level and no fitted map: nothing to propagate.
  CHECK(small.quality.sd == 0.0);
  CHECK_THAT(small.quality.source, Contains("transfer-hernandez-2021"));
}

TEST_CASE("more fine-tune tokens never lower a law-based score") {
  const StudySpec study = LoadStudy(kFixture, Catalog::Default());
  const QualitySpec& q = study.candidates[0].quality;
  double previous = QualityAtFinetuneTokens(q, 1.0);
  for (double tokens = 10.0; tokens <= 1e13; tokens *= 3.0) {
    const double score = QualityAtFinetuneTokens(q, tokens);
    INFO(tokens);
    CHECK(score >= previous);
    previous = score;
  }
  CHECK(QualityAtFinetuneTokens(q, 1e12) > QualityAtFinetuneTokens(q, 1e6));
  // A measured score does not move with fine-tune tokens.
  QualitySpec measured;
  measured.score = 70.0;
  CHECK(QualityAtFinetuneTokens(measured, 1e12) == 70.0);
}

TEST_CASE("the region map uses the law-based score at each fine-tune token count") {
  const StudySpec study = LoadStudy(kFixture, Catalog::Default());
  const CrossoverResult r = RunCrossover(study, Catalog::Default(), EfficiencyParams::Defaults());
  REQUIRE(!r.region.empty());
  const double large = r.candidates[1].candidate.quality;
  bool quality_blocks_cheaper = false, quality_admits = false;
  for (const auto& cell : r.region) {
    INFO(cell.finetune_tokens << " " << cell.requests_per_month);
    CHECK(cell.small_quality == Approx(QualityAtFinetuneTokens(study.candidates[0].quality, cell.finetune_tokens)));
    const bool within = cell.small_quality >= large - study.quality_tolerance;
    if (cell.small_wins) CHECK(within);  // small wins only within tolerance...
    // ...and a cell where it is cheaper (at the highest traffic) but not within tolerance is lost.
    if (!within && cell.requests_per_month == study.sweep_max_requests_per_month) quality_blocks_cheaper = true;
    if (within && cell.small_wins) quality_admits = true;
  }
  CHECK(quality_blocks_cheaper);
  CHECK(quality_admits);
  // With the score held at its nominal value the map would differ.
  StudySpec fixed = study;
  fixed.candidates[0].quality.law.reset();
  const CrossoverResult f = RunCrossover(fixed, Catalog::Default(), EfficiencyParams::Defaults());
  REQUIRE(f.region.size() == r.region.size());
  int differ = 0;
  for (size_t i = 0; i < r.region.size(); ++i) differ += r.region[i].small_wins != f.region[i].small_wins;
  CHECK(differ > 0);
}

TEST_CASE("a bad law block is an error with file:line: key") {
  const std::string base =
      "    quality:\n      law: models/laws/chinchilla-epoch-2024.yaml\n      pretrain_tokens: 1.0e10\n"
      "      pretrain_tokens_source: test input\n";
  const std::string map = "      accuracy_map: {law: laws/test-error-map.yaml}\n";
  const std::string transfer = "      transfer_law: models/laws/transfer-hernandez-2021.yaml\n";
  // Fine-tuned without a transfer law.
  CHECK_THROWS_WITH(LoadStudy(StudyWithQuality("no-transfer.yaml", base + map), Catalog::Default()),
                    Contains("no-transfer.yaml:") && Contains("candidates[0].quality") && Contains("transfer_law"));
  // A law of the wrong form.
  CHECK_THROWS_WITH(
      LoadStudy(StudyWithQuality("wrong-form.yaml",
                                 "    quality:\n      law: models/laws/ptq-kumar-2024.yaml\n      pretrain_tokens: 1e10\n"
                                 "      pretrain_tokens_source: t\n" + transfer + map), Catalog::Default()),
      Contains("wrong-form.yaml:") && Contains(": candidates[0].quality.law:") && Contains("expected chinchilla or gadre"));
  // Unknown key, missing file, missing map, fine-tune tokens given twice.
  CHECK_THROWS_WITH(LoadStudy(StudyWithQuality("unknown.yaml", base + transfer + map + "      pretrain_token: 3\n"), Catalog::Default()),
                    Contains("unknown.yaml:") && Contains("pretrain_token"));
  CHECK_THROWS_WITH(LoadStudy(StudyWithQuality("missing.yaml", base + "      transfer_law: models/laws/nope.yaml\n" + map), Catalog::Default()),
                    Contains("missing.yaml:") && Contains("candidates[0].quality.transfer_law") && Contains("no such file"));
  CHECK_THROWS_WITH(LoadStudy(StudyWithQuality("no-map.yaml", base + transfer), Catalog::Default()),
                    Contains("no-map.yaml:") && Contains("accuracy_map"));
  CHECK_THROWS_WITH(LoadStudy(StudyWithQuality("twice.yaml", base + transfer + map + "      finetune_tokens: 5e8\n"), Catalog::Default()),
                    Contains("twice.yaml:") && Contains("candidates[0].quality.finetune_tokens"));
  // A fitted map on a column that is not there.
  CHECK_THROWS_WITH(
      LoadStudy(StudyWithQuality("bad-column.yaml",
                                 base + transfer +
                                     "      accuracy_map: {form: gadre-error, data: "
                                     "data/quality/gadre-overtraining-2024/models_losses_evals_flat.csv, "
                                     "x_column: loss_c4, y_column: err_avg17}\n"), Catalog::Default()),
      Contains("bad-column.yaml:") && Contains("accuracy_map.x_column") && Contains("loss_c4"));
  fs::remove_all(fs::temp_directory_path() / "rightsize_law_quality_test");
}

TEST_CASE("a fitted accuracy map carries its residual scatter into the score's sd") {
  const StudySpec study = LoadStudy(kRepo + "examples/law-quality-study.yaml", Catalog::Default());
  for (const auto& c : study.candidates) {
    REQUIRE(c.quality.law);
    CHECK(c.quality.law->map_residual_sd_points > 0.0);
    CHECK(c.quality.sd == Approx(c.quality.law->map_residual_sd_points));  // Epoch's level is unstated
    CHECK_THAT(c.quality.source, Contains("NOT propagated"));
  }
  // The 70B model's predicted loss is lower than the 7B model's, so its score is higher.
  CHECK(study.candidates[1].quality.score > study.candidates[0].quality.score);
}

TEST_CASE("the report draws the law with its data, or says none is bundled, and links only files that exist") {
  const fs::path dir = fs::temp_directory_path() / "rightsize_law_report";
  for (const std::string law : {"chinchilla-epoch-2024", "chinchilla-hoffmann-2022"}) {
    INFO(law);
    std::string text = ReadTextFile(kFixture);
    for (size_t at = text.find("chinchilla-epoch-2024"); at != std::string::npos; at = text.find("chinchilla-epoch-2024", at)) {
      text.replace(at, std::string("chinchilla-epoch-2024").size(), law);
      at += law.size();
    }
    fs::remove_all(dir);
    fs::create_directories(dir.parent_path() / "rightsize_law_report_in/laws");
    const fs::path study_path = dir.parent_path() / "rightsize_law_report_in/study.yaml";
    std::ofstream(study_path) << text;
    fs::copy_file(kRepo + "tests/plan/fixtures/laws/test-error-map.yaml",
                  dir.parent_path() / "rightsize_law_report_in/laws/test-error-map.yaml", fs::copy_options::overwrite_existing);
    const StudySpec study = LoadStudy(study_path.string(), Catalog::Default());
    const CrossoverResult r = RunCrossover(study, Catalog::Default(), EfficiencyParams::Defaults());
    const auto files = WriteCrossoverReport(
        r, Catalog::Default(), EfficiencyParams::Defaults(),
        Validate(DefaultRunsDir(), Catalog::Default(), EfficiencyParams::Defaults()), "h", dir.string());
    for (const auto& f : files) {
      INFO(f);
      CHECK(fs::exists(dir / f));
    }
    for (const char* f : {"scaling_law.png", "scaling_law.csv", "scaling_law.gp", "calibration_parity.png",
                          "calibration_parity.csv", "calibration_parity.gp"}) {
      CHECK(std::find(files.begin(), files.end(), f) != files.end());
    }
    const std::string md = ReadTextFile((dir / "report.md").string());
    CHECK_THAT(md, Contains("(scaling_law.png)"));
    CHECK_THAT(md, Contains("(calibration_parity.png)"));
    const std::string csv = ReadTextFile((dir / "scaling_law.csv").string());
    if (law == "chinchilla-epoch-2024") {
      CHECK_THAT(md, Contains("245 runs the law file points to"));
      CHECK_THAT(csv, Contains("# fit data (245 points)"));
    } else {
      CHECK_THAT(md, Contains("no fit data is bundled with this law file"));
      CHECK_THAT(csv, !Contains("# fit data"));
    }
    // The small model's effective data (pre-training + fine-tune + transferred) labels its curve.
    const LawQualityPoint p = EvaluateLawQuality(*study.candidates[0].quality.law, 1e9);
    CHECK_THAT(csv, Contains(fmt::format("L(N, D = {:.3g}) [small]", p.effective_tokens)));
  }
  fs::remove_all(dir);
  fs::remove_all(dir.parent_path() / "rightsize_law_report_in");
}
