// Published scores as a random effect: every source of a model's score enters, the
// between-evaluator spread is pooled over the models several evaluators scored, and a study may
// pin one evaluator (today's single-source behaviour).
#include <catch2/catch.hpp>

#include <cmath>
#include <string>

#include "sim/plan/crossover_runner.h"
#include "sim/plan/study.h"
#include "sim/quality/published_scores.h"
#include "sim/spec/catalog.h"
#include "sim/util/file_io.h"
#include "tests/temp_file.h"

using namespace rightsize;

namespace {
const std::string kRepoDir = std::string(RIGHTSIZE_SOURCE_DIR) + "/";
const std::string kSyntheticScores = kRepoDir + "tests/plan/fixtures/scores/model-benchmarks.csv";
const std::string kDefaultStudy = kRepoDir + "examples/default-study.yaml";

// The MMLU binomial sd of an accuracy in % over the 14,042 test questions.
double MmluSamplingSd(double score_pct) {
  const double p = score_pct / 100.0;
  return 100.0 * std::sqrt(p * (1.0 - p) / 14042.0);
}

// The default study with `evaluator: <name>` added to both candidates' quality blocks.
std::string DefaultStudyPinnedTo(const std::string& evaluator) {
  std::string text = ReadTextFile(kDefaultStudy);
  const std::string anchor = "      benchmark: MMLU\n";
  for (size_t at = text.find(anchor); at != std::string::npos;
       at = text.find(anchor, at + anchor.size())) {
    text.insert(at + anchor.size(), "      evaluator: " + evaluator + "\n");
  }
  return text;
}

double MixtralScore(const StudySpec& study) {
  for (const CandidateSpec& c : study.candidates) {
    if (c.role == "large") return c.quality.score;
  }
  FAIL("no large candidate");
  return 0.0;
}
}  // namespace

TEST_CASE("the between-evaluator spread is pooled over models with two or more evaluators") {
  const PublishedScores scores = PublishedScores::Load(kSyntheticScores);
  // A: 60 and 64 (spelled A-v1) -> mean 62, squares 4 + 4 = 8, 1 degree of freedom.
  // B: 50, 52, 54 -> mean 52, squares 4 + 0 + 4 = 8, 2 degrees.
  // D: E1's two rows average 44, E2 42 -> mean 43, squares 1 + 1 = 2, 1 degree. C: one evaluator.
  // sd^2 = (8 + 8 + 2) / (1 + 2 + 1) = 4.5.
  const EvaluatorSpread x = scores.BetweenEvaluatorSpread("X");
  CHECK(x.models == 3);
  CHECK(x.sd == Approx(std::sqrt(4.5)));
  const EvaluatorSpread y = scores.BetweenEvaluatorSpread("Y");
  CHECK(y.models == 0);
  CHECK(y.sd == 0.0);
  // Either spelling finds both of A's sources.
  CHECK(scores.Find("A", "X").size() == 2);
  CHECK(scores.Find("A-v1", "X").size() == 2);
}

TEST_CASE("the default study enters both published Mixtral MMLU figures as a random effect") {
  const StudySpec study = LoadStudy(kDefaultStudy, Catalog::Default());
  const CandidateSpec& mixtral = study.candidates.at(1);
  REQUIRE(mixtral.role == "large");
  // Microsoft's Phi-3 card: 68.4; the Qwen2 blog: 71.8 (data/quality/model-benchmarks.csv).
  CHECK(mixtral.quality.score == Approx((68.4 + 71.8) / 2));
  CHECK(mixtral.quality.evaluators == "Microsoft + Qwen team");
  const EvaluatorSpread spread =
      PublishedScores::Load(kRepoDir + "data/quality/model-benchmarks.csv")
          .BetweenEvaluatorSpread("MMLU");
  // Two evaluators (Microsoft's Phi-3 card, the Qwen2 blog) scored Gemma-7B, Llama-3-8B-Instruct,
  // Mixtral-8x7B and Phi-2 on MMLU; they differ by points, not by MMLU's sampling noise.
  CHECK(spread.models == 4);
  const double tau = spread.sd;
  CHECK(tau > 1.0);
  CHECK(mixtral.quality.sd ==
        Approx(std::hypot(MmluSamplingSd(mixtral.quality.score), tau / std::sqrt(2.0))));
  // One source: the whole spread.
  const CandidateSpec& phi = study.candidates.at(0);
  CHECK(phi.quality.score == Approx(68.8));
  CHECK(phi.quality.sd == Approx(std::hypot(MmluSamplingSd(68.8), tau)));
  CHECK(mixtral.quality.source.find("71.8") != std::string::npos);
  CHECK(mixtral.quality.source.find("68.4") != std::string::npos);
}

TEST_CASE("a study that pins an evaluator gets that score with its sampling noise only") {
  const std::string path =
      WriteTempFile("rightsize_published_scores", "pinned.yaml", DefaultStudyPinnedTo("Microsoft"));
  const StudySpec study = LoadStudy(path, Catalog::Default());
  CHECK(MixtralScore(study) == Approx(68.4));
  for (const CandidateSpec& c : study.candidates) {
    CHECK(c.quality.sd == Approx(MmluSamplingSd(c.quality.score)));
    CHECK(c.quality.evaluators == "Microsoft (pinned)");
  }
  const CrossoverResult r = RunCrossover(study, Catalog::Default(), EfficiencyParams::Defaults());
  REQUIRE(r.pairs.size() == 1);
  CHECK(r.pairs[0].verdict.find("(Microsoft (pinned))") != std::string::npos);
  // 68.8 vs 68.4, both +- 0.39: within the 2-point tolerance for certain, not worse in 76% of
  // draws, and cheaper: it matches (beating needs 90%).
  CHECK(r.pairs[0].quality_tier == "matches");
  CHECK(r.pairs[0].p_quality_within_tolerance > 0.99);
  CHECK(r.pairs[0].p_quality_not_worse == Approx(0.76).margin(0.01));
}

TEST_CASE("dropping either published Mixtral figure changes P(small wins)", "[heavy]") {
  auto p_small_wins = [](const std::string& text, const std::string& name) {
    const std::string path = WriteTempFile("rightsize_published_scores", name, text);
    const CrossoverResult r = RunCrossover(LoadStudy(path, Catalog::Default()), Catalog::Default(),
                                           EfficiencyParams::Defaults());
    REQUIRE(r.pairs.size() == 1);
    return r.pairs[0];
  };
  const PairResult both = p_small_wins(ReadTextFile(kDefaultStudy), "both.yaml");
  const PairResult microsoft = p_small_wins(DefaultStudyPinnedTo("Microsoft"), "ms.yaml");
  // The Qwen team has no Phi-3-mini score: pin only Mixtral's figure to theirs.
  std::string qwen_block = ReadTextFile(kDefaultStudy);
  const std::string anchor = "      benchmark: MMLU\n";
  const size_t second = qwen_block.find(anchor, qwen_block.find(anchor) + anchor.size());
  qwen_block.insert(second + anchor.size(), "      evaluator: Qwen team\n");
  const PairResult qwen = p_small_wins(qwen_block, "qwen.yaml");
  // 71.8 is 3 points above Phi-3-mini's 68.8 (tolerance 2): far less likely than with 68.4.
  CHECK(qwen.p_small_wins_at_plan < both.p_small_wins_at_plan - 0.1);
  CHECK(microsoft.p_small_wins_at_plan > both.p_small_wins_at_plan + 0.1);
  for (const PairResult* p : {&both, &microsoft, &qwen}) CHECK(p->p_small_wins_se <= 0.01);
  // With both sources Phi-3-mini cannot be shown within the tolerance at 90%: it trails, with
  // P(within 2 points) = Phi((68.8 - 70.1 + 2) / hypot(sd_small, sd_large)).
  const StudySpec study = LoadStudy(kDefaultStudy, Catalog::Default());
  const QualitySpec& small = study.candidates.at(0).quality;
  const QualitySpec& large = study.candidates.at(1).quality;
  const double z =
      (small.score - large.score + study.quality_tolerance) / std::hypot(small.sd, large.sd);
  CHECK(both.p_quality_within_tolerance == Approx(0.5 * std::erfc(-z / std::sqrt(2.0))));
  CHECK(both.quality_tier == "trails");
  CHECK(both.verdict.find("small wins on the central estimate only") != std::string::npos);
}
