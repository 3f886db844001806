// End-to-end: the rightsize binary's predict and list commands, outputs and error exits.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdlib>

#include <nlohmann/json.hpp>

#include "tests/cli/run_binary.h"

using Catch::Matchers::Contains;
using rightsize::testing::RunRightsize;

namespace {
const std::string kFixtures = std::string(RIGHTSIZE_SOURCE_DIR) + "/tests/fixtures/";
}

TEST_CASE("predict --format json gives unit-suffixed keys and the KV size") {
  const auto r = RunRightsize("predict --model llama-3-8b --hardware rtx-4090 --format json");
  REQUIRE(r.exit_code == 0);
  const auto j = nlohmann::json::parse(r.output);
  CHECK(j["model"]["kv_cache_bytes_per_token"].get<double>() == 131072.0);
  CHECK(j["memory"]["fits"].get<bool>());
  CHECK(j["memory"]["weights_bytes"].get<double>() > 16e9);
  CHECK(j["schema_version"].get<int>() >= 1);
}

TEST_CASE("predict accepts a config.json path, and csv / table formats") {
  const auto csv =
      RunRightsize("predict --model " + kFixtures +
                   "hf_configs/qwen2.5-7b/config.json --hardware rtx-4090 --format csv");
  REQUIRE(csv.exit_code == 0);
  CHECK_THAT(csv.output, Contains("model.total_params"));
  CHECK_THAT(csv.output, Contains("7615616512"));
  const auto table = RunRightsize("predict --model qwen2.5-7b --hardware h100-sxm5-80gb");
  REQUIRE(table.exit_code == 0);
  CHECK_THAT(table.output, Contains("memory.fits"));
}

TEST_CASE("a full fine-tune that does not fit is answered as infeasible with the reason") {
  const auto r = RunRightsize(
      "predict --model llama-2-7b --hardware rtx-4090 --mode train --batch 1 --prompt-tokens 2048 "
      "--format json");
  REQUIRE(r.exit_code == 0);
  const auto j = nlohmann::json::parse(r.output);
  CHECK_FALSE(j["memory"]["fits"].get<bool>());
  CHECK_THAT(j["memory"]["reason"].get<std::string>(), Contains("out of memory"));
}

TEST_CASE("bad input gives a one-line error and a non-zero exit code") {
  struct Case {
    std::string args;
    std::string expected;
  };
  const Case cases[] = {
      {"predict --model llama-3-8 --hardware rtx-4090", "did you mean"},
      {"predict --model llama-3-8b --hardware rtx-4091", "unknown hardware id 'rtx-4091'"},
      {"predict --model " + kFixtures + "bad_specs/missing-key.yaml --hardware rtx-4090",
       "missing-key.yaml:5: architecture.d_model: missing required key"},
      {"predict --model " + kFixtures + "bad_specs/nan-size.yaml --hardware rtx-4090", "finite"},
      {"predict --model " + kFixtures + "hf_configs/mamba/config.json --hardware rtx-4090",
       "config.json:2: architectures: unsupported architecture"},
      {"predict --model llama-3-8b --hardware rtx-4090 --batch -4",
       "--batch: -4 is outside the valid range [1, "},
      {"predict --model llama-3-8b --hardware rtx-4090 --weights fp5", "unknown precision 'fp5'"},
      // A token count the model cannot hold is refused at once (it used to loop once per token).
      {"predict --model llama-3-8b --hardware rtx-4090 --gen-tokens 2147483647",
       "--gen-tokens: 2147483647 is outside the valid range [0, 16777216]"},
      {"predict --model llama-3-8b --hardware rtx-4090 --gen-tokens 9000",
       "512 + 9000 tokens exceed the context window of llama-3-8b (8192 tokens"},
      {"predict --model llama-3-8b --hardware rtx-4090 --usd-per-hour nan",
       "--usd-per-hour: 'nan' is not a finite number"},
      {"predict --model llama-3-8b --hardware rtx-4090 --mode train --train-tokens nan",
       "--train-tokens: 'nan' is not a finite number"},
      {"size --law x.json --target-loss 2 --inference-tokens nan",
       "--inference-tokens: 'nan' is not a finite number"},
      {"calibrate x.csv --loss-scale nan", "--loss-scale: 'nan' is not a finite number"},
      {"calibrate x.csv --level nan", "--level: 'nan' is not a finite number"},
      {"calibrate x.csv --prior-sd-scale nan", "--prior-sd-scale: 'nan' is not a finite number"},
      {"measure -o /tmp/rightsize_never --seconds-per-point nan",
       "--seconds-per-point: 'nan' is not a finite number"},
      {"predict --model missing.json --hardware rtx-4090", "missing.json: model file not found"},
      {"crossover " + std::string(RIGHTSIZE_SOURCE_DIR) +
           "/tests/plan/fixtures/unknown-ids-study.yaml",
       "unknown-ids-study.yaml:19: candidates[0].hardware: unknown hardware id 'h100-sxm'"},
  };
  for (const auto& c : cases) rightsize::testing::CheckOneLineInputError(c.args, c.expected);
}

TEST_CASE("list on a models folder without specs is an error naming the folder") {
  const std::string empty = "/tmp/rightsize_cli_empty_models";
  std::system(("rm -rf " + empty + " && mkdir -p " + empty).c_str());
  ::setenv("RIGHTSIZE_MODELS_DIR", empty.c_str(), 1);
  rightsize::testing::CheckOneLineInputError(
      "list models", empty + "/architectures: no specs (*.yaml) in this folder");
  ::unsetenv("RIGHTSIZE_MODELS_DIR");
  std::system(("rm -rf " + empty).c_str());
}

TEST_CASE("impossible parallel layouts are infeasible with the rule that fails") {
  struct Case {
    std::string args;
    std::string reason;
  };
  const Case cases[] = {
      {"predict --model llama-3-8b --hardware h100-sxm5-80gb --tp 3",
       "tp=3 does not divide the model's 32 attention heads"},
      {"predict --model mixtral-8x7b --hardware h100-sxm5-80gb --ep 3",
       "ep=3 does not divide the model's 8 experts"},
  };
  for (const auto& c : cases) {
    INFO(c.args);
    const auto r = RunRightsize(c.args + " --format json");
    REQUIRE(r.exit_code == 0);
    const auto j = nlohmann::json::parse(r.output);
    CHECK_FALSE(j["latency"]["feasible"].get<bool>());
    CHECK_THAT(j["latency"]["reason"].get<std::string>(), Contains(c.reason));
    CHECK(j["latency"]["tpot_s"].is_null());
    CHECK(j["cost"]["usd_per_million_output_tokens"].is_null());
  }
  // The same rule holds in a sweep: the row is infeasible with its reason.
  const auto sweep = RunRightsize("sweep --models llama-3-8b --hardware h100-sxm5-80gb --tp 2,3");
  REQUIRE(sweep.exit_code == 0);
  CHECK_THAT(sweep.output, Contains(",2,true,"));
  CHECK_THAT(sweep.output, Contains(",3,false,tp=3 does not divide"));
}

TEST_CASE("a thread count far above the cores is capped with a note, not an abort") {
  const auto sweep = RunRightsize("sweep --models qwen2.5-7b --hardware rtx-4090 --threads 100000");
  CHECK(sweep.exit_code == 0);
  CHECK_THAT(sweep.output, Contains("note: --threads 100000 is capped to"));
  CHECK_THAT(sweep.output, Contains("qwen2.5-7b,rtx-4090,1,512,128,bf16,1,true"));
  const auto study = RunRightsize(
      "sweep-study " + std::string(RIGHTSIZE_SOURCE_DIR) +
      "/tests/plan/fixtures/api-vs-selfhosted.yaml --set horizon_months=6,12 --threads 100000");
  CHECK(study.exit_code == 0);
  CHECK_THAT(study.output, Contains("note: --threads 100000 is capped to"));
}

TEST_CASE("list models and hardware show the catalogue") {
  const auto models = RunRightsize("list models --format csv");
  REQUIRE(models.exit_code == 0);
  CHECK_THAT(models.output, Contains("mixtral-8x7b"));
  const auto hw = RunRightsize("list hardware");
  REQUIRE(hw.exit_code == 0);
  CHECK_THAT(hw.output, Contains("h100-sxm5-80gb"));
}

TEST_CASE("the default study runs and writes its report", "[heavy]") {
  const std::string out = "/tmp/rightsize_cli_default_study";
  const auto r = RunRightsize(std::string("run ") + RIGHTSIZE_SOURCE_DIR +
                              "/examples/default-study.yaml -o " + out);
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.output, Contains("phi-3-mini"));
  CHECK_THAT(r.output, Contains("Verdict:"));
  CHECK(std::system(
            ("test -s " + out + "/report.md && test -s " + out + "/cost_vs_traffic.png").c_str()) ==
        0);
  std::system(("rm -rf " + out).c_str());
}

TEST_CASE("a bad study file is a one-line error naming file:line: key, and no report is written") {
  const std::string out = "/tmp/rightsize_cli_bad_study";
  const auto r = RunRightsize(std::string("report ") + RIGHTSIZE_SOURCE_DIR +
                              "/tests/plan/fixtures/bad-study.yaml -o " + out);
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.output, Contains("bad-study.yaml:6: traffic.requests_per_month"));
  CHECK(std::system(("test -e " + out).c_str()) != 0);
}

TEST_CASE("sweep writes one row per grid point") {
  const auto r = RunRightsize(
      "sweep --models qwen2.5-7b,mixtral-8x7b --hardware h100-sxm5-80gb,rtx-4090 --batch 1,8 "
      "--weights bf16,fp8");
  REQUIRE(r.exit_code == 0);
  CHECK(std::count(r.output.begin(), r.output.end(), '\n') == 1 + 2 * 2 * 2 * 2);
  CHECK_THAT(r.output, Contains("mixtral-8x7b,rtx-4090,1,512,128,bf16,1,false,\"out of memory"));
}
