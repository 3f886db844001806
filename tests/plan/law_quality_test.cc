// Quality from scaling laws in a study: the score equals the chain computed by hand from the law
// files, more fine-tune tokens never lower it, the region map uses it at each fine-tune token
// count, bad law blocks are errors with file:line: key, and the report draws the law.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>

#include <fmt/format.h>

#include "sim/plan/crossover_runner.h"
#include "sim/plan/law_quality.h"
#include "sim/quality/law_spec.h"
#include "sim/report/crossover_report.h"
#include "sim/spec/catalog.h"
#include "sim/util/csv.h"
#include "sim/util/error.h"
#include "sim/util/file_io.h"
#include "sim/validate/validation.h"

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
  fs::copy_file(kRepo + "tests/plan/fixtures/laws/test-error-map.yaml",
                dir / "laws/test-error-map.yaml", fs::copy_options::overwrite_existing);
  std::string text = ReadTextFile(kFixture);
  const std::string marker =
      "    quality:\n      law: models/laws/chinchilla-epoch-2024.yaml\n      pretrain_tokens: "
      "1.0e10\n";
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
  const double d_pre = 1.0e10;  // the fixture's pretrain_tokens
  const double chars_per_token =
      3.94;  // the fixture's tokenizer, llama-3 (Llama 3 report sec. 3.2)
  const auto& c = loss.coefficients;
  auto law = [&](double d) {
    return c.at("e_nats") + c.at("a") / std::pow(n, c.at("alpha")) +
           c.at("b") / std::pow(d, c.at("beta"));
  };
  // Kumar et al. 2024 eq. 2 with App. K's bias at the lowest precision served: int4, 4 bits.
  const auto& p = ptq.coefficients;
  const double penalty = p.at("c_t") * std::pow(d_pre, p.at("gamma_d")) /
                         std::pow(n_ne, p.at("gamma_n")) *
                         std::exp(-4.0 / p.at("gamma_post") + p.at("b"));
  const auto& m = map.coefficients;
  auto score = [&](double l) {
    return 100.0 * (1.0 - (m.at("epsilon") - m.at("k") * std::exp(-m.at("gamma") * l)));
  };
  for (const double d_f : {1.0e9, 1.0e11}) {  // the fixture's finetune.tokens, and 100x more
    INFO(d_f);
    // Hernandez et al. 2021 eq. 1.1 in characters; the fine-tuned model is a from-scratch model
    // on D_F + D_T (sec. 1.1), used only where that loss is below the pre-trained one.
    const double d_t_chars = transfer.coefficients.at("k") *
                             std::pow(d_f * chars_per_token, transfer.coefficients.at("alpha")) *
                             std::pow(n_ne, transfer.coefficients.at("beta"));
    const double l_ft = law(d_f + d_t_chars / chars_per_token);
    const double l_base = law(d_pre);
    const double hand = score(std::min(l_base, l_ft) + penalty);
    const LawQualityPoint point = EvaluateLawQuality(*small.quality.law, d_f);
    CHECK(point.transferred_characters == Approx(d_t_chars).epsilon(1e-9));
    CHECK(point.finetuned_loss_nats == Approx(l_ft).epsilon(1e-12));
    CHECK(point.base_loss_nats == Approx(l_base).epsilon(1e-12));
    CHECK(point.finetune_used == (l_ft < l_base));
    CHECK(point.ptq_penalty_nats == Approx(penalty).epsilon(1e-9));
    CHECK(point.score == Approx(hand).epsilon(1e-9));
  }
  // At the nominal 1e9 tokens the fine-tune (worth about 1.5e9 tokens from scratch) is below the
  // 1e10 pre-training tokens' loss, so it is not used; at 1e11 it is.
  CHECK(!EvaluateLawQuality(*small.quality.law, 1e9).finetune_used);
  CHECK(EvaluateLawQuality(*small.quality.law, 1e11).finetune_used);
  CHECK(small.quality.score ==
        Approx(EvaluateLawQuality(*small.quality.law, 1e9).score).epsilon(1e-12));
  // No intervals with a stated level, no fitted map, a map file with no range: nothing to
  // propagate.
  CHECK(small.quality.sd == 0.0);
  CHECK_THAT(small.quality.source,
             Contains("transfer-hernandez-2021") && Contains("characters/token"));
}

TEST_CASE(
    "fine-tune tokens are not added to pre-training tokens and more of them raise the transferred "
    "quality") {
  const StudySpec study = LoadStudy(kFixture, Catalog::Default());
  const LawQualityModel& m = *study.candidates[0].quality.law;
  const LawQualityPoint none = EvaluateLawQuality(m, 0.0);
  double previous_loss = std::numeric_limits<double>::infinity();
  double previous_score = 0.0;
  for (double d_f = 1e6; d_f <= 1e13; d_f *= 10.0) {
    INFO(d_f);
    const LawQualityPoint p = EvaluateLawQuality(m, d_f);
    // The pre-trained loss does not move with the fine-tune.
    CHECK(p.base_loss_nats == none.base_loss_nats);
    // The transferred (fine-tuned) loss falls with every 10x of fine-tune data.
    CHECK(p.finetuned_loss_nats < previous_loss);
    CHECK(p.score >= previous_score);
    previous_loss = p.finetuned_loss_nats;
    previous_score = p.score;
  }
  // Once the fine-tune is used, 10x more data raises the score by more than a point.
  CHECK(EvaluateLawQuality(m, 1e12).score > EvaluateLawQuality(m, 1e11).score + 1.0);
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
    CHECK(cell.small_quality ==
          Approx(QualityAtFinetuneTokens(study.candidates[0].quality, cell.finetune_tokens)));
    const bool within = cell.small_quality >= large - study.quality_tolerance;
    if (cell.small_wins) CHECK(within);  // small wins only within tolerance...
    // ...and a cell where it is cheaper (at the highest traffic) but not within tolerance is lost.
    if (!within && cell.requests_per_month == study.sweep_max_requests_per_month)
      quality_blocks_cheaper = true;
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
  for (size_t i = 0; i < r.region.size(); ++i)
    differ += r.region[i].small_wins != f.region[i].small_wins;
  CHECK(differ > 0);
}

TEST_CASE("a bad law block is an error with file:line: key") {
  const std::string base =
      "    quality:\n      law: models/laws/chinchilla-epoch-2024.yaml\n      pretrain_tokens: "
      "1.0e10\n"
      "      pretrain_tokens_source: test input\n";
  const std::string map = "      accuracy_map: {law: laws/test-error-map.yaml}\n";
  const std::string transfer =
      "      transfer_law: models/laws/transfer-hernandez-2021.yaml\n      tokenizer: llama-3\n";
  // Fine-tuned without a transfer law.
  CHECK_THROWS_WITH(LoadStudy(StudyWithQuality("no-transfer.yaml", base + map), Catalog::Default()),
                    Contains("no-transfer.yaml:") && Contains("candidates[0].quality") &&
                        Contains("transfer_law"));
  // A law of the wrong form.
  CHECK_THROWS_WITH(
      LoadStudy(StudyWithQuality("wrong-form.yaml",
                                 "    quality:\n      law: models/laws/ptq-kumar-2024.yaml\n      "
                                 "pretrain_tokens: 1e10\n"
                                 "      pretrain_tokens_source: t\n" +
                                     transfer + map),
                Catalog::Default()),
      Contains("wrong-form.yaml:") && Contains(": candidates[0].quality.law:") &&
          Contains("expected chinchilla or gadre"));
  // Unknown key, missing file, missing map, fine-tune tokens given twice.
  CHECK_THROWS_WITH(LoadStudy(StudyWithQuality("unknown.yaml",
                                               base + transfer + map + "      pretrain_token: 3\n"),
                              Catalog::Default()),
                    Contains("unknown.yaml:") && Contains("pretrain_token"));
  CHECK_THROWS_WITH(
      LoadStudy(StudyWithQuality("missing.yaml",
                                 base + "      transfer_law: models/laws/nope.yaml\n" + map),
                Catalog::Default()),
      Contains("missing.yaml:") && Contains("candidates[0].quality.transfer_law") &&
          Contains("no such file"));
  CHECK_THROWS_WITH(LoadStudy(StudyWithQuality("no-map.yaml", base + transfer), Catalog::Default()),
                    Contains("no-map.yaml:") && Contains("accuracy_map"));
  CHECK_THROWS_WITH(LoadStudy(StudyWithQuality("twice.yaml", base + transfer + map +
                                                                 "      finetune_tokens: 5e8\n"),
                              Catalog::Default()),
                    Contains("twice.yaml:") && Contains("candidates[0].quality.finetune_tokens"));
  // A transfer law without the tokenizer that converts its tokens to characters, or an unknown one.
  CHECK_THROWS_WITH(
      LoadStudy(StudyWithQuality(
                    "no-tokenizer.yaml",
                    base + "      transfer_law: models/laws/transfer-hernandez-2021.yaml\n" + map),
                Catalog::Default()),
      Contains("no-tokenizer.yaml:") && Contains("tokenizer"));
  CHECK_THROWS_WITH(
      LoadStudy(
          StudyWithQuality("bad-tokenizer.yaml",
                           base +
                               "      transfer_law: models/laws/transfer-hernandez-2021.yaml\n"
                               "      tokenizer: llama-9\n" +
                               map),
          Catalog::Default()),
      Contains("bad-tokenizer.yaml:") && Contains("candidates[0].quality.tokenizer") &&
          Contains("llama-2"));
  // A fitted map on a column that is not there.
  CHECK_THROWS_WITH(
      LoadStudy(
          StudyWithQuality("bad-column.yaml",
                           base + transfer +
                               "      accuracy_map: {form: gadre-error, data: "
                               "data/quality/gadre-overtraining-2024/models_losses_evals_flat.csv, "
                               "x_column: loss_c4, y_column: err_avg17}\n"),
          Catalog::Default()),
      Contains("bad-column.yaml:") && Contains("accuracy_map.x_column") && Contains("loss_c4"));
  fs::remove_all(fs::temp_directory_path() / "rightsize_law_quality_test");
}

TEST_CASE("a fitted accuracy map carries its residual scatter into the score's sd") {
  const StudySpec study = LoadStudy(kRepo + "examples/law-quality-study.yaml", Catalog::Default());
  for (const auto& c : study.candidates) {
    REQUIRE(c.quality.law);
    const LawQualityModel& m = *c.quality.law;
    CHECK(m.map_residual_sd_points > 0.0);
    const double extrapolation =
        EvaluateLawQuality(m, m.finetune_tokens).map_extrapolation_sd_points;
    // Epoch's interval level is unstated: the sd is the residual and the extrapolation term.
    CHECK(c.quality.sd == Approx(std::hypot(m.map_residual_sd_points, extrapolation)));
    CHECK_THAT(c.quality.source, Contains("NOT propagated"));
  }
  // The 70B model's predicted loss is lower than the 7B model's, so its score is higher.
  CHECK(study.candidates[1].quality.score > study.candidates[0].quality.score);
}

TEST_CASE("a loss outside the map's fitted range is flagged and widens the sd by the stated rule") {
  // The example feeds MassiveText losses of Llama-2 models (about 1.9-2.1 nats) to a map fitted on
  // Gadre et al.'s C4 losses; the smallest loss among the rows it fits on is read from the file.
  const StudySpec study = LoadStudy(kRepo + "examples/law-quality-study.yaml", Catalog::Default());
  const CsvTable runs =
      CsvTable::Load(kRepo + "data/quality/gadre-overtraining-2024/models_losses_evals_flat.csv");
  double lowest = std::numeric_limits<double>::infinity(), highest = 0.0;
  for (const auto& row : runs.rows()) {
    lowest = std::min(lowest, runs.Number(row, "loss_c4_val"));
    highest = std::max(highest, runs.Number(row, "loss_c4_val"));
  }
  for (const auto& c : study.candidates) {
    INFO(c.name);
    const LawQualityModel& m = *c.quality.law;
    REQUIRE(m.map_loss_range_nats);
    CHECK(m.map_loss_range_nats->low == lowest);
    CHECK(m.map_loss_range_nats->high == highest);
    const LawQualityPoint p = EvaluateLawQuality(m, m.finetune_tokens);
    REQUIRE(p.loss_nats < lowest);
    CHECK(p.map_extrapolated);
    // The rule: |map(L) - map(nearest end of the range)|, by hand from Gadre eq. 5.
    const auto& k = m.accuracy_map.coefficients;
    auto score = [&](double l) {
      return 100.0 * (1.0 - (k.at("epsilon") - k.at("k") * std::exp(-k.at("gamma") * l)));
    };
    CHECK(p.map_extrapolation_sd_points ==
          Approx(std::abs(score(p.loss_nats) - score(lowest))).epsilon(1e-9));
    CHECK(p.map_extrapolation_sd_points > 1.0);
    CHECK_THAT(c.quality.source,
               Contains("EXTRAPOLATED") && Contains("CORPUS MISMATCH") && Contains("MassiveText"));
  }
  // A loss inside the range is not flagged.
  LawQualityModel inside = *study.candidates[0].quality.law;
  inside.map_loss_range_nats = CoefficientInterval{1.0, 6.0};
  CHECK(!EvaluateLawQuality(inside, inside.finetune_tokens).map_extrapolated);
  CHECK(EvaluateLawQuality(inside, inside.finetune_tokens).map_extrapolation_sd_points == 0.0);
}

TEST_CASE(
    "the report draws the law with its data, or says none is bundled, and links only files that "
    "exist") {
  const fs::path dir = fs::temp_directory_path() / "rightsize_law_report";
  for (const std::string law : {"chinchilla-epoch-2024", "chinchilla-hoffmann-2022"}) {
    INFO(law);
    std::string text = ReadTextFile(kFixture);
    for (size_t at = text.find("chinchilla-epoch-2024"); at != std::string::npos;
         at = text.find("chinchilla-epoch-2024", at)) {
      text.replace(at, std::string("chinchilla-epoch-2024").size(), law);
      at += law.size();
    }
    fs::remove_all(dir);
    fs::create_directories(dir.parent_path() / "rightsize_law_report_in/laws");
    const fs::path study_path = dir.parent_path() / "rightsize_law_report_in/study.yaml";
    std::ofstream(study_path) << text;
    fs::copy_file(kRepo + "tests/plan/fixtures/laws/test-error-map.yaml",
                  dir.parent_path() / "rightsize_law_report_in/laws/test-error-map.yaml",
                  fs::copy_options::overwrite_existing);
    const StudySpec study = LoadStudy(study_path.string(), Catalog::Default());
    const CrossoverResult r = RunCrossover(study, Catalog::Default(), EfficiencyParams::Defaults());
    const auto files = WriteCrossoverReport(
        r, Catalog::Default(), EfficiencyParams::Defaults(),
        Validate(DefaultRunsDir(), Catalog::Default(), EfficiencyParams::Defaults()), "h",
        dir.string());
    for (const auto& f : files) {
      INFO(f);
      CHECK(fs::exists(dir / f));
    }
    for (const char* f :
         {"scaling_law.png", "scaling_law.csv", "scaling_law.gp", "calibration_parity.png",
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
