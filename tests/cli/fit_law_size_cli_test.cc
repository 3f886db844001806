// The fit-law and size subcommands, driven through their Register functions as main.cc does.
#include <cmath>
#include <fstream>

#include <nlohmann/json.hpp>
#include "tests/quality/catch_with_ceres.h"

#include "sim/app/size.h"
#include "sim/cli/commands.h"
#include "sim/quality/law_spec.h"
#include "sim/util/file_io.h"
#include "tests/quality/quality_test_util.h"

namespace rightsize {
namespace {

// The command's exit code (0 unless the command sets one).
int Run(std::vector<std::string> args) {
  CLI::App app{"rightsize"};
  app.require_subcommand(1);
  int exit_code = 0;
  RegisterFitLawCommand(app, &exit_code);
  RegisterSizeCommand(app);
  std::vector<const char*> argv = {"rightsize"};
  for (const auto& a : args) argv.push_back(a.c_str());
  app.parse(static_cast<int>(argv.size()), argv.data());
  return exit_code;
}

TEST_CASE("fit-law writes a law JSON that size reads", "[quality][cli][heavy]") {
  // Synthetic Chinchilla data with a training-FLOP column, like the Epoch file.
  const ChinchillaCoefficients truth{1.8, 480.0, 2100.0, 0.35, 0.37};
  const std::string csv = "/tmp/rightsize_quality_cli_points.csv";
  {
    std::ofstream out(csv);
    out << "params,flops,loss\n";
    for (double log10_n = 7.5; log10_n <= 10; log10_n += 0.5) {
      for (double tpp : {5.0, 20.0, 80.0, 320.0}) {
        const double n = std::pow(10.0, log10_n);
        out << n << "," << 6 * n * n * tpp << "," << ChinchillaLoss(truth, n, n * tpp) << "\n";
      }
    }
    out << "1e8,1e17,9.0\n";  // an outlier for --drop-highest-loss
  }
  const std::string law_json = "/tmp/rightsize_quality_cli_law.json";
  CHECK(Run({"fit-law", csv, "--form", "chinchilla", "--n-column", "params", "--flops-column",
             "flops", "--drop-highest-loss", "1", "--bootstrap", "20", "-o", law_json}) == 0);
  const nlohmann::json doc = nlohmann::json::parse(ReadTextFile(law_json));
  CHECK(doc["schema_version"] == 1);
  CHECK(doc["form"] == "chinchilla");
  CHECK(doc["n_points"] == 24);
  CHECK(doc["usable"] == true);
  CHECK(doc["inputs"][0]["hash_fnv1a64"] == HashFileContents(csv));
  CHECK(std::abs(doc["coefficients"]["alpha"].get<double>() - truth.alpha) < 0.01);
  CHECK(doc["intervals"]["alpha"]["low"].get<double>() <=
        doc["intervals"]["alpha"]["high"].get<double>());
  CHECK(doc["objective"]["value"].get<double>() >= 0.0);

  app::SizeOptions options;
  options.law_path = law_json;
  options.target_params = 30e9;
  options.inference_tokens = 1e13;
  const app::SizeResult result = app::RunSize(options, Catalog::Default());
  CHECK(result.inference_aware.n_params < result.compute_optimal.n_params);
  const std::string size_json = "/tmp/rightsize_quality_cli_size.json";
  Run({"size", "--law", law_json, "--target-params", "30e9", "--inference-tokens", "1e13",
       "--usd-per-train-flop", "2e-18", "--usd-per-inference-flop", "4e-18", "-o", size_json});
  const nlohmann::json size = nlohmann::json::parse(ReadTextFile(size_json));
  CHECK(size["schema_version"] == 1);
  CHECK(size["usd_optimal"]["total_usd"].get<double>() <=
        size["compute_optimal"]["total_usd"].get<double>());
}

TEST_CASE("size on Epoch's published law prints the 30B-quality example", "[quality][cli]") {
  app::SizeOptions options;
  options.law_path = testing::RepoPath("models/laws/chinchilla-epoch-2024.yaml");
  options.target_params = 30e9;
  options.inference_tokens = 1e13;
  const app::SizeResult result = app::RunSize(options, Catalog::Default());
  WARN(app::FormatSizeResult(result));
  CHECK(result.inference_aware.tokens_per_param() > result.compute_optimal.tokens_per_param());
}

TEST_CASE("size --hardware prices FLOPs on a device: dear decode FLOPs favour a smaller model",
          "[quality][cli]") {
  app::SizeOptions options;
  options.law_path = testing::RepoPath("models/laws/chinchilla-epoch-2024.yaml");
  options.target_params = 30e9;
  options.inference_tokens = 1e13;
  options.hardware_id = "h100-sxm5-80gb";
  options.decode_batch = 8;
  const app::SizeResult result = app::RunSize(options, Catalog::Default());
  REQUIRE(result.priced);
  // At batch 8 a decode step is memory-bound, so a decode FLOP costs more than a training FLOP,
  // and the $-optimal model is smaller than the FLOP-optimal one.
  CHECK(result.usd_per_flop.decode > result.usd_per_flop.train);
  CHECK(result.decode_utilization < 0.7);
  CHECK(result.usd_optimal.n_params < result.inference_aware.n_params);
  CHECK(result.usd_optimal.total_usd <= result.inference_aware.total_usd);
  options.hardware_id = "no-such-gpu";
  CHECK_THROWS_AS(app::RunSize(options, Catalog::Default()), UnknownIdError);
}

TEST_CASE("fit-law: bad input is an InputError naming file:line: column", "[quality][cli]") {
  const std::string csv = "/tmp/rightsize_quality_cli_bad.csv";
  std::ofstream(csv) << "n_params,d_tokens,loss\n1e9,2e10,2.5\n1e9,abc,2.5\n";
  try {
    Run({"fit-law", csv, "-o", "/tmp/rightsize_quality_cli_bad.json"});
    FAIL("no error");
  } catch (const InputError& e) {
    CHECK(std::string(e.what()).find(csv + ":3: d_tokens") != std::string::npos);
  }
  CHECK_THROWS_AS(Run({"fit-law", csv, "--form", "chinchila", "-o", "/tmp/x.json"}), InputError);
}

// Writes (N, D, loss) points on the Chinchilla surface of Hoffmann et al.'s coefficients.
std::string WritePoints(const std::string& name,
                        const std::vector<std::pair<double, double>>& n_d) {
  const ChinchillaCoefficients truth{1.8, 480.0, 2100.0, 0.35, 0.37};
  const std::string csv = "/tmp/rightsize_quality_cli_" + name + ".csv";
  std::ofstream out(csv);
  out << "n_params,d_tokens,loss\n";
  for (const auto& [n, d] : n_d) out << n << "," << d << "," << ChinchillaLoss(truth, n, d) << "\n";
  return csv;
}

// fit-law on these points: unusable, exit 2, the file written with usable false, null
// coefficients and the reason; size refuses the law with one line.
void CheckUnusable(const std::string& csv, const std::string& reason) {
  const std::string law_json = csv + ".law.json";
  std::remove(law_json.c_str());
  CHECK(Run({"fit-law", csv, "--form", "chinchilla", "-o", law_json}) == 2);
  const nlohmann::json doc = nlohmann::json::parse(ReadTextFile(law_json));
  CHECK(doc["usable"] == false);
  CHECK_THAT(doc["report"].get<std::string>(), Catch::Matchers::Contains(reason));
  for (const auto& [name, value] : doc["coefficients"].items()) {
    INFO(name);
    CHECK(value.is_null());
  }
  app::SizeOptions options;
  options.law_path = law_json;
  options.target_params = 30e9;
  try {
    app::RunSize(options, Catalog::Default());
    FAIL("size accepted an unusable law");
  } catch (const InputError& e) {
    // file:line: key, the line of "usable" in the law JSON.
    CHECK_THAT(
        std::string(e.what()),
        Catch::Matchers::Matches(".*" + law_json + ":[0-9]+: usable: the fit is not usable.*"));
    CHECK(std::string(e.what()).find('\n') == std::string::npos);
  }
}

TEST_CASE("fit-law with fewer points than coefficients is unusable, exits 2, and size refuses it",
          "[quality][cli]") {
  CheckUnusable(WritePoints("three", {{1e8, 2e9}, {1e9, 2e10}, {1e10, 2e11}}),
                "at least 6 are needed");
}

TEST_CASE("30 identical points identify nothing: unusable", "[quality][cli]") {
  CheckUnusable(WritePoints("identical", std::vector<std::pair<double, double>>(30, {1e9, 2e10})),
                "no spread in N");
}

TEST_CASE("two model sizes cannot separate E, A and alpha: unusable, rank-deficient",
          "[quality][cli]") {
  std::vector<std::pair<double, double>> n_d;
  for (double n : {1e8, 1e9}) {
    for (double d = 1e9; d <= 1e12; d *= 3) n_d.push_back({n, d});
  }
  CheckUnusable(WritePoints("two_sizes", n_d), "rank-deficient");
}

}  // namespace
}  // namespace rightsize
