// Bad input names file:line: column.
#include <cstdio>
#include <fstream>

#include "tests/quality/catch_with_ceres.h"

#include "sim/quality/law_data.h"
#include "sim/quality/law_spec.h"

namespace rightsize {
namespace {

std::string WriteTemp(const std::string& name, const std::string& text) {
  const std::string path = std::string("/tmp/rightsize_quality_") + name;
  std::ofstream(path) << text;
  return path;
}

std::string MessageOf(const std::string& path) {
  try {
    LoadLossPoints(path, LossColumns{});
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

TEST_CASE("Loss CSV: missing column, NaN and negative N name file:line: column", "[quality]") {
  const std::string missing = WriteTemp("missing.csv", "n_params,loss\n1e9,2.5\n");
  CHECK(MessageOf(missing).find(missing + ":1: d_tokens") != std::string::npos);

  const std::string nan =
      WriteTemp("nan.csv", "n_params,d_tokens,loss\n1e9,2e10,2.5\n2e9,4e10,nan\n");
  CHECK(MessageOf(nan).find(nan + ":3: loss") != std::string::npos);

  const std::string negative = WriteTemp(
      "negative.csv", "n_params,d_tokens,loss\n1e9,2e10,2.5\n1e9,2e10,2.4\n-3e9,1e10,2.6\n");
  const std::string message = MessageOf(negative);
  INFO(message);
  CHECK(message.find(negative + ":4: n_params") != std::string::npos);
  CHECK(message.find("> 0") != std::string::npos);
}

TEST_CASE("Law YAML: unknown key and unknown form are input errors", "[quality]") {
  const std::string unknown_key = WriteTemp(
      "law_key.yaml",
      "id: x\nform: chinchilla\nsource: s\nequation: e\ncoefficients:\n  e_nats: 1\n  a: 1\n"
      "  alpha: 0.3\n  b: 1\n  beta: 0.3\n  gamma: 2\n");
  CHECK_THROWS_AS(LoadLawYaml(unknown_key), InputError);
  const std::string bad_form = WriteTemp(
      "law_form.yaml", "id: x\nform: chinchila\nsource: s\nequation: e\ncoefficients: {}\n");
  try {
    LoadLawYaml(bad_form);
    FAIL("no error");
  } catch (const InputError& e) {
    CHECK(std::string(e.what()).find(bad_form + ":2: form") != std::string::npos);
    CHECK(std::string(e.what()).find("chinchilla") != std::string::npos);
  }
}

TEST_CASE("Law JSON: overflowing numbers and wrong types name file, line and key", "[quality]") {
  auto error_of = [](const std::string& name, const std::string& text) {
    try {
      LoadLawJson(WriteTemp(name, text));
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  const std::string head = "{\"schema_version\": 1,\n \"form\": \"kaplan-n\",\n \"coefficients\": ";
  CHECK(error_of("big.json", head + "{\"n_c\": 8.8e13,\n  \"alpha_n\": 1e999}}")
            .find("rightsize_quality_big.json:4: malformed JSON: number overflow") !=
        std::string::npos);
  CHECK(
      error_of("type.json", head + "{\"n_c\": 8.8e13,\n  \"alpha_n\": \"0.076\"}}") ==
      "/tmp/rightsize_quality_type.json:4: coefficients.alpha_n: expected a number, got \"0.076\"");
  CHECK(error_of("form.json", "{\"schema_version\": 1,\n \"form\": 5}") ==
        "/tmp/rightsize_quality_form.json:2: form: expected a string, got 5");
  CHECK(
      error_of("interval.json",
               head + "{\"n_c\": 8.8e13, \"alpha_n\": 0.076},\n \"intervals\": {\"n_c\": [1, 2]}}")
          .find("rightsize_quality_interval.json:4: intervals.n_c: expected a JSON object") !=
      std::string::npos);
  CHECK(error_of("version.json", "{\"schema_version\": 2}")
            .find("schema_version: value 2 is outside") != std::string::npos);
  const Law law =
      LoadLawJson(WriteTemp("good.json", head + "{\"n_c\": 8.8e13, \"alpha_n\": 0.076}}"));
  CHECK(law.Coefficient("alpha_n") == 0.076);
}

TEST_CASE("Every law in models/laws loads and names its source", "[quality]") {
  for (const char* id :
       {"chinchilla-epoch-2024", "chinchilla-epoch-2024-mle", "chinchilla-hoffmann-2022",
        "chinchilla-sardana-2024", "transfer-hernandez-2021", "ptq-kumar-2024"}) {
    const Law law = LoadLawYaml(std::string(RIGHTSIZE_SOURCE_DIR) + "/models/laws/" + id + ".yaml");
    CHECK(law.id == id);
    CHECK_FALSE(law.source.empty());
    CHECK_FALSE(law.equation.empty());
  }
}

TEST_CASE("PTQ penalty grows with D/N and shrinks with bits (Kumar et al. 2024)", "[quality]") {
  const Law ptq =
      LoadLawYaml(std::string(RIGHTSIZE_SOURCE_DIR) + "/models/laws/ptq-kumar-2024.yaml");
  const double n = 7e9;
  CHECK(PtqPenalty(ptq, n, 200 * n, 4) > PtqPenalty(ptq, n, 20 * n, 4));
  CHECK(PtqPenalty(ptq, n, 20 * n, 3) > PtqPenalty(ptq, n, 20 * n, 4));
  CHECK(PtqPenalty(ptq, n, 20 * n, 8) < PtqPenalty(ptq, n, 20 * n, 4));
}

}  // namespace
}  // namespace rightsize
