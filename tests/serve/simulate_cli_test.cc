// rightsize simulate end to end: outputs, the per-request CSV, and bad input (one line naming
// file:line: key, exit 2).
#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "sim/util/file_io.h"
#include "tests/cli/run_binary.h"
#include "tests/temp_file.h"

using namespace rightsize::testing;

namespace {

const std::string kBase = "simulate --model llama-3.1-8b --hardware l40s ";

}  // namespace

TEST_CASE("simulate prints percentiles as a table and as JSON, and writes the per-request CSV") {
  const std::string csv = WriteTempFile("rightsize_serve_cli_test", "requests.csv", "");
  std::filesystem::remove(csv);
  const CommandResult table =
      RunRightsize(kBase +
                   "--arrival poisson --rate 2 --requests 200 "
                   "--prompt-tokens 800 --output-tokens 100 --requests-csv " +
                   csv);
  REQUIRE(table.exit_code == 0);
  CHECK_THAT(table.output, Catch::Matchers::Contains("TTFT"));
  CHECK_THAT(table.output, Catch::Matchers::Contains("p99"));
  const std::string rows = rightsize::ReadTextFile(csv);
  CHECK(std::count(rows.begin(), rows.end(), '\n') == 201);
  CHECK(rows.rfind("index,arrival_s,prompt_tokens,output_tokens", 0) == 0);
  const CommandResult json = RunRightsize(kBase +
                                          "--arrival poisson --rate 2 --requests 200 "
                                          "--prompt-tokens 800 --output-tokens 100 --format json");
  REQUIRE(json.exit_code == 0);
  const nlohmann::json j = nlohmann::json::parse(json.output);
  CHECK(j["schema_version"] == 1);
  CHECK(j["result"]["ttft"]["p99_s"].get<double>() >= j["result"]["ttft"]["p50_s"].get<double>());
  CHECK(j["result"]["requests"] == 200);
}

TEST_CASE("an overloaded simulate run reports the growing queue instead of a latency") {
  const CommandResult r = RunRightsize(kBase +
                                       "--arrival poisson --rate 500 --requests 1000 "
                                       "--prompt-tokens 500 --output-tokens 100");
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.output, Catch::Matchers::Contains("queue grows without bound"));
  CHECK_THAT(r.output, !Catch::Matchers::Contains("p99"));
}

TEST_CASE("a simulation YAML runs, and its bad keys name file, line and key") {
  const std::string good =
      WriteTempFile("rightsize_serve_cli_test", "good.yaml", R"(model: llama-3.1-8b
hardware: l40s
engine: vllm-v1
engine_overrides:
  max_num_seqs: 64
traffic:
  arrival: gamma
  requests_per_s: 2
  cv: 2
  requests: 100
  prompt_tokens: "lognormal:600:0.5"
  output_tokens: 80
slo:
  ttft_p99_s: 5
)");
  const CommandResult ok = RunRightsize("simulate " + good);
  REQUIRE(ok.exit_code == 0);
  CHECK_THAT(ok.output, Catch::Matchers::Contains("max_num_seqs 64"));
  std::string text = rightsize::ReadTextFile(good);
  text.replace(text.find("max_num_seqs"), 12, "max_num_seq");
  const std::string unknown = WriteTempFile("rightsize_serve_cli_test", "unknown.yaml", text);
  CheckOneLineInputError("simulate " + unknown, unknown + ":5: engine_overrides.max_num_seq");
  text = rightsize::ReadTextFile(good);
  text.replace(text.find("output_tokens: 80"), 17, "output_tokens: 0");
  const std::string zero = WriteTempFile("rightsize_serve_cli_test", "zero.yaml", text);
  CheckOneLineInputError("simulate " + zero, zero + ":12: traffic.output_tokens");
  text = rightsize::ReadTextFile(good);
  text.replace(text.find("engine: vllm-v1"), 15, "engine: vllm-v9");
  const std::string engine = WriteTempFile("rightsize_serve_cli_test", "engine.yaml", text);
  CheckOneLineInputError("simulate " + engine, engine + ":3: engine");
}

TEST_CASE("bad traces are one-line errors naming file, line and key, exit 2") {
  const std::string negative =
      WriteTempFile("rightsize_serve_cli_test", "negative.jsonl",
                    "{\"arrival_s\": 0, \"prompt_tokens\": 10, \"output_tokens\": 5}\n"
                    "{\"arrival_s\": -1, \"prompt_tokens\": 10, \"output_tokens\": 5}\n");
  CheckOneLineInputError(kBase + "--trace " + negative, negative + ":2: arrival_s");
  const std::string unsorted =
      WriteTempFile("rightsize_serve_cli_test", "unsorted.csv",
                    "arrival_s,prompt_tokens,output_tokens\n2,10,5\n1,10,5\n");
  CheckOneLineInputError(kBase + "--trace " + unsorted, unsorted + ":3: arrival_s");
  const std::string zero =
      WriteTempFile("rightsize_serve_cli_test", "zero.jsonl",
                    "{\"arrival_s\": 0, \"prompt_tokens\": 10, \"output_tokens\": 0}\n");
  CheckOneLineInputError(kBase + "--trace " + zero, zero + ":1: output_tokens");
  const std::string too_long =
      WriteTempFile("rightsize_serve_cli_test", "long.jsonl",
                    "{\"arrival_s\": 0, \"prompt_tokens\": 130000, \"output_tokens\": 2000}\n");
  CheckOneLineInputError(kBase + "--trace " + too_long, too_long + ":1: prompt_tokens");
  const std::string unknown =
      WriteTempFile("rightsize_serve_cli_test", "key.jsonl",
                    "{\"arrival_s\": 0, \"prompt_tokens\": 10, \"outputs\": 3}\n");
  CheckOneLineInputError(kBase + "--trace " + unknown, unknown + ":1: outputs");
}

TEST_CASE("bad flags are one-line errors, exit 2") {
  CheckOneLineInputError(kBase +
                             "--arrival poisson --rate 1 --requests 10 --prompt-tokens 10 "
                             "--output-tokens 10 --engine vllm-v2",
                         "vllm-v1");
  CheckOneLineInputError(kBase + "--arrival sometimes", "--arrival");
  CheckOneLineInputError(kBase +
                             "--arrival poisson --rate 1 --requests 10 --prompt-tokens 10 "
                             "--output-tokens 10 --slo ttft_p95_s=1",
                         "ttft_p95_s");
}

TEST_CASE("an unknown key in an engine profile is a one-line error naming file, line and key") {
  // A copy of models/ whose vllm-v1 profile has a misspelt key, chosen with RIGHTSIZE_MODELS_DIR.
  namespace fs = std::filesystem;
  const fs::path models = fs::temp_directory_path() / "rightsize_serve_cli_test" / "models";
  fs::remove_all(models);
  fs::copy(std::string(RIGHTSIZE_SOURCE_DIR) + "/models", models, fs::copy_options::recursive);
  const std::string profile = (models / "engines" / "vllm-v1.yaml").string();
  std::string text = rightsize::ReadTextFile(profile);
  const std::size_t at = text.find("  max_num_batched_tokens:");
  text.insert(at, "  max_num_seq: 64\n");
  std::ofstream(profile) << text;
  int line = 1;
  for (std::size_t i = 0; i < at; ++i) line += text[i] == '\n' ? 1 : 0;
  setenv("RIGHTSIZE_MODELS_DIR", models.c_str(), 1);
  CheckOneLineInputError(
      kBase + "--arrival offline --requests 10 --prompt-tokens 10 --output-tokens 10",
      profile + ":" + std::to_string(line) + ": scheduler.max_num_seq");
  unsetenv("RIGHTSIZE_MODELS_DIR");
}

namespace {

const char* kGridSpec = R"(model: llama-3.1-8b
hardware: l40s
traffic:
  arrival: poisson
  requests_per_s: 2
  requests: 150
  prompt_tokens: 500
  output_tokens: 60
slo:
  ttft_p99_s: 5
)";

}  // namespace

TEST_CASE("simulate --set runs one simulation per combination, each row that of the single run") {
  const std::string spec = WriteTempFile("rightsize_serve_cli_test", "grid.yaml", kGridSpec);
  const CommandResult grid = RunRightsize("simulate " + spec +
                                          " --set traffic.requests_per_s=1,3 --set layout.tp=1,2 "
                                          "--max-num-seqs 32 --format json");
  REQUIRE(grid.exit_code == 0);
  const nlohmann::json rows = nlohmann::json::parse(grid.output);
  REQUIRE(rows.size() == 4);
  // The first --set varies slowest; the flags apply on top of every combination.
  const std::vector<std::pair<std::string, std::string>> order = {
      {"1", "1"}, {"1", "2"}, {"3", "1"}, {"3", "2"}};
  for (size_t i = 0; i < order.size(); ++i) {
    CHECK(rows[i]["traffic.requests_per_s"] == order[i].first);
    CHECK(rows[i]["layout.tp"] == order[i].second);
    CHECK(rows[i]["tp"] == std::stoi(order[i].second));
  }
  // Row (3, 2) is the simulation `simulate FILE --rate 3 --tp 2` runs, to the bit.
  const CommandResult one =
      RunRightsize("simulate " + spec + " --rate 3 --tp 2 --max-num-seqs 32 --format json");
  REQUIRE(one.exit_code == 0);
  const nlohmann::json run = nlohmann::json::parse(one.output);
  CHECK(run["engine"]["max_num_seqs"] == 32);
  CHECK(rows[3]["requests_per_s"].get<double>() == run["result"]["requests_per_s"].get<double>());
  CHECK(rows[3]["ttft_p99_s"].get<double>() == run["result"]["ttft"]["p99_s"].get<double>());
  CHECK(rows[3]["tpot_p50_s"].get<double>() == run["result"]["tpot"]["p50_s"].get<double>());
  CHECK(rows[3]["slo_met"] == run["slo"]["met"]);
  // More offered load on the same layout: more served requests per second.
  CHECK(rows[2]["requests_per_s"].get<double>() > rows[0]["requests_per_s"].get<double>());
}

TEST_CASE("simulate --set refuses what a grid cannot do, exit 2") {
  const std::string spec = WriteTempFile("rightsize_serve_cli_test", "grid.yaml", kGridSpec);
  CheckOneLineInputError(kBase + "--arrival poisson --set traffic.requests_per_s=1,2", "--set");
  CheckOneLineInputError("simulate " + spec + " --set traffic.requests_per_s=1,2 --figure out",
                         "--figure");
  CheckOneLineInputError("simulate " + spec + " --set traffic.requests_per_s", "--set");
  CheckOneLineInputError("simulate " + spec + " --set traffic.requests_per_s=1,-2",
                         spec + " [traffic.requests_per_s=-2]:1: traffic.requests_per_s");
  CheckOneLineInputError("simulate " + spec + " --set traffic.rate=1,2", "traffic.rate");
}
