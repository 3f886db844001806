// The Zhang et al. 2024 fine-tuning law files (models/laws/finetune-zhang-2024-*.yaml): they load,
// carry the published Table 4 constants, predict a loss that falls with model size and with
// finetuning data, and agree with the paper's own Table 5 (which eq. 3 derives from Table 4).
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "tests/quality/catch_with_ceres.h"

#include "sim/quality/law_spec.h"

namespace rightsize {
namespace {

// Zhang, Liu, Cherry, Firat 2024 (arXiv 2402.17193), Appendix A, Table 4, block "Scaling for LLM
// model size and finetuning data size" (A_m, alpha_m) and the shared rows E and beta, as printed.
// Fitted finetuning-data ranges (examples) from Table 1b.
struct PublishedRow {
  const char* task;
  const char* method;
  double a_m, alpha_m, beta, e;
  double d_f_min_examples, d_f_max_examples;
};

const std::vector<PublishedRow>& Table4() {
  static const std::vector<PublishedRow> rows = {
      {"wmt14-en-de", "fmt", 1.2e5, 0.52, 0.15, 0.75, 1e5, 4.5e6},
      {"wmt14-en-de", "prompt", 3.9e3, 0.4, 0.051, 0.62, 8e3, 1e5},
      {"wmt14-en-de", "lora", 2.1e3, 0.36, 0.081, 0.62, 8e3, 1e5},
      {"wmt19-en-zh", "fmt", 3.3e3, 0.34, 0.14, 1.0, 1e6, 2.5e7},
      {"wmt19-en-zh", "prompt", 8.5e2, 0.33, 0.015, 0.77, 8e3, 1e5},
      {"wmt19-en-zh", "lora", 6.6e2, 0.31, 0.025, 0.73, 8e3, 1e5},
      {"mlsum", "fmt", 3.3e2, 0.24, 0.087, 0.98, 1e5, 9e5},
      {"mlsum", "prompt", 23, 0.1, 0.025, 0.00051, 8e3, 1e5},
      {"mlsum", "lora", 26, 0.11, 0.03, 0.2, 8e3, 1e5},
  };
  return rows;
}

Law LoadZhang(const std::string& task, const std::string& method) {
  return LoadLawYaml(std::string(RIGHTSIZE_SOURCE_DIR) + "/models/laws/finetune-zhang-2024-" +
                     task + "-" + method + ".yaml");
}

// Half a unit in the last printed place of a value printed to two significant figures (Table 4's
// convention: 1.2e5, 0.052, ...; "0.4" stands for 0.40).
double HalfUlpTwoFigures(double v) {
  return 0.5 * std::pow(10.0, std::floor(std::log10(std::fabs(v))) - 1.0);
}

struct Interval {
  double low, high;
  bool Contains(double v) const { return low <= v && v <= high; }
};

// gamma = (alpha_2 - alpha_1) / (beta_1 - beta_2) (Zhang et al. 2024, App. A eq. 3) over the box
// of the four inputs' rounding intervals. The expression is monotone in each input wherever the
// denominator keeps its sign, so the extremes lie at the box's corners.
Interval GammaInterval(const Law& one, const Law& two) {
  const double a1 = one.Coefficient("alpha"), a2 = two.Coefficient("alpha");
  const double b1 = one.Coefficient("beta"), b2 = two.Coefficient("beta");
  const double da1 = HalfUlpTwoFigures(a1), da2 = HalfUlpTwoFigures(a2);
  const double db1 = HalfUlpTwoFigures(b1), db2 = HalfUlpTwoFigures(b2);
  const double den_low = (b1 - db1) - (b2 + db2), den_high = (b1 + db1) - (b2 - db2);
  REQUIRE(den_low * den_high > 0.0);  // denominator keeps its sign on the box
  Interval out{HUGE_VAL, -HUGE_VAL};
  for (double x1 : {a1 - da1, a1 + da1}) {
    for (double x2 : {a2 - da2, a2 + da2}) {
      for (double den : {den_low, den_high}) {
        const double g = (x2 - x1) / den;
        out.low = std::min(out.low, g);
        out.high = std::max(out.high, g);
      }
    }
  }
  return out;
}

TEST_CASE("Zhang 2024 finetune laws load with Table 4's constants", "[quality]") {
  for (const PublishedRow& row : Table4()) {
    const Law law = LoadZhang(row.task, row.method);
    INFO(law.id);
    CHECK(law.id == std::string("finetune-zhang-2024-") + row.task + "-" + row.method);
    CHECK(law.form == LawForm::kFinetune);
    CHECK(law.source.find("2402.17193") != std::string::npos);
    CHECK(law.source.find("Table 4") != std::string::npos);
    CHECK(law.Coefficient("a") == row.a_m);
    CHECK(law.Coefficient("alpha") == row.alpha_m);
    CHECK(law.Coefficient("beta") == row.beta);
    CHECK(law.Coefficient("e_nats") == row.e);
  }
}

TEST_CASE("Zhang 2024 finetune laws: loss falls with model size and with finetuning data",
          "[quality]") {
  // The paper's LLMs (Table 1b): 1B-8B fitted, 16B held out; X is a raw parameter count.
  const std::vector<double> model_params = {1e9, 2e9, 4e9, 8e9, 16e9};
  for (const PublishedRow& row : Table4()) {
    const Law law = LoadZhang(row.task, row.method);
    INFO(law.id);
    const double e = law.Coefficient("e_nats");
    const std::vector<double> d_f = {row.d_f_min_examples,
                                     std::sqrt(row.d_f_min_examples * row.d_f_max_examples),
                                     row.d_f_max_examples};
    for (size_t i = 0; i < model_params.size(); ++i) {
      for (size_t j = 0; j < d_f.size(); ++j) {
        const double loss = FinetunedLoss(law, model_params[i], d_f[j]);
        INFO("X " << model_params[i] << " D_f " << d_f[j] << " L " << loss);
        CHECK(std::isfinite(loss));
        CHECK(loss > e);
        // Losses of the size the paper plots (log-perplexity of a few units at most); a unit
        // mistake (X in billions) would give values in the hundreds or more.
        CHECK(loss < 5.0);
        if (i > 0) CHECK(loss < FinetunedLoss(law, model_params[i - 1], d_f[j]));
        if (j > 0) CHECK(loss < FinetunedLoss(law, model_params[i], d_f[j - 1]));
      }
    }
  }
}

TEST_CASE("Zhang 2024 finetune laws reproduce Table 5's critical-size exponents", "[quality]") {
  // Table 5, block "Scaling LLM model size and finetuning data size", row gamma, as printed.
  // gamma for "A vs. B" follows from the two methods' alpha_m and beta by eq. 3 (App. A).
  // MLSum is left out: its printed gammas for F vs. L (-1.8) and P vs. L (2.3) lie outside what
  // Table 4's rounded alpha_m / beta allow, so they cannot check a transcription.
  struct Published {
    const char* task;
    const char* first;
    const char* second;
    double gamma;
  };
  const Published table5[] = {
      {"wmt14-en-de", "fmt", "prompt", -1.2}, {"wmt14-en-de", "fmt", "lora", -2.4},
      {"wmt14-en-de", "prompt", "lora", 1.5}, {"wmt19-en-zh", "fmt", "prompt", -0.12},
      {"wmt19-en-zh", "fmt", "lora", -0.3},   {"wmt19-en-zh", "prompt", "lora", 1.9},
  };
  for (const Published& p : table5) {
    const Interval gamma = GammaInterval(LoadZhang(p.task, p.first), LoadZhang(p.task, p.second));
    INFO(p.task << " " << p.first << " vs. " << p.second << ": [" << gamma.low << ", " << gamma.high
                << "] vs. printed " << p.gamma);
    CHECK(gamma.Contains(p.gamma));
    // And the interval is narrow enough to catch a swapped or mistyped exponent.
    CHECK(gamma.high - gamma.low < 2.5);
  }
  // A transcription slip is caught: LoRA's alpha_m read from the Prompt column (0.4 for 0.36)
  // moves FMT vs. LoRA's gamma off the printed -2.4.
  Law slipped = LoadZhang("wmt14-en-de", "lora");
  slipped.coefficients["alpha"] = LoadZhang("wmt14-en-de", "prompt").Coefficient("alpha");
  CHECK_FALSE(GammaInterval(LoadZhang("wmt14-en-de", "fmt"), slipped).Contains(-2.4));
}

}  // namespace
}  // namespace rightsize
