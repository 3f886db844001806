// Bad spec files give one-line errors naming file:line: key.
#include <catch2/catch.hpp>

#include <string>

#include "sim/spec/catalog.h"
#include "sim/spec/yaml_loaders.h"
#include "sim/util/error.h"
#include "tests/error_of.h"

using namespace rightsize;
using Catch::Matchers::Contains;

namespace {
const std::string kFixtures = std::string(RIGHTSIZE_SOURCE_DIR) + "/tests/fixtures/";

std::string LoadError(const std::string& name) {
  try {
    LoadModelSpecYaml(kFixtures + "bad_specs/" + name);
  } catch (const InputError& e) {
    return e.what();
  }
  return "no error";
}
}  // namespace

TEST_CASE("the valid fixture loads") {
  const ModelSpec m = LoadModelSpecYaml(kFixtures + "tiny-model.yaml");
  CHECK(m.num_layers == 2);
  CHECK(m.layer_attention.size() == 2);
}

TEST_CASE("a missing key names the file, the mapping's line and the key") {
  const std::string e = LoadError("missing-key.yaml");
  CHECK_THAT(e, Contains("missing-key.yaml:5: architecture.d_model: missing required key"));
}

TEST_CASE("an unknown key is rejected with its line") {
  CHECK_THAT(LoadError("unknown-key.yaml"),
             Contains("unknown-key.yaml:11: architecture.d_fff: unknown key"));
}

TEST_CASE("a negative size is rejected") {
  CHECK_THAT(LoadError("negative-size.yaml"),
             Contains("negative-size.yaml:5: architecture.num_layers"));
  CHECK_THAT(LoadError("negative-size.yaml"), Contains("outside the valid range"));
}

TEST_CASE("NaN is rejected") {
  CHECK_THAT(LoadError("nan-size.yaml"),
             Contains("nan-size.yaml:6: architecture.d_model: must be a finite number"));
}

TEST_CASE("malformed YAML names the line") {
  CHECK_THAT(LoadError("malformed.yaml"), Contains("malformed.yaml:"));
  CHECK_THAT(LoadError("malformed.yaml"), Contains("malformed YAML"));
}

TEST_CASE("inconsistent shapes are rejected by Validate") {
  CHECK_THAT(LoadError("bad-heads.yaml"), Contains("not a multiple of num_kv_heads"));
}

TEST_CASE("errors are one line") {
  for (const char* name : {"missing-key.yaml", "unknown-key.yaml", "negative-size.yaml",
                           "nan-size.yaml", "bad-heads.yaml"}) {
    INFO(name);
    CHECK(LoadError(name).find('\n') == std::string::npos);
  }
}

TEST_CASE("an unknown id suggests close matches") {
  try {
    Catalog::Default().Model("llama-3-8");
    FAIL("expected UnknownIdError");
  } catch (const UnknownIdError& e) {
    CHECK_THAT(std::string(e.what()), Contains("did you mean"));
    CHECK_THAT(std::string(e.what()), Contains("llama-3-8b"));
  }
  CHECK_THROWS_AS(Catalog::Default().Hardware("h100-sxm"), UnknownIdError);
}

TEST_CASE(
    "every hardware spec has memory, bandwidth, a peak and a source, and every price names real "
    "hardware") {
  REQUIRE_FALSE(Catalog::Default().hardware().empty());
  REQUIRE_FALSE(Catalog::Default().prices().empty());
  for (const auto& [id, hw] : Catalog::Default().hardware()) {
    INFO(id);
    CHECK(hw.memory_bytes > 0);
    CHECK(hw.memory_bandwidth_bytes_per_s > 0);
    CHECK_FALSE(hw.peak_flops_per_s.empty());
    CHECK_FALSE(hw.source.empty());
  }
  for (const auto& [id, price] : Catalog::Default().prices()) {
    INFO(id);
    CHECK(Catalog::Default().hardware().count(price.hardware_id) == 1);
    CHECK(price.usd_per_hour > 0);
  }
}

TEST_CASE("an unknown hardware architecture names file, line and key, and lists the known ones") {
  const std::string e =
      testing::ErrorOf([] { LoadHardwareSpecYaml(kFixtures + "bad_specs/bad-architecture.yaml"); });
  CHECK_THAT(e, Contains("bad-architecture.yaml:7: architecture: unknown architecture 'lovelace'"));
  CHECK_THAT(e, Contains("ada"));
  CHECK(e.find('\n') == std::string::npos);
  // Every shipped device names a known one (the loader would refuse it otherwise).
  for (const auto& [id, hardware] : Catalog::Default().hardware()) {
    INFO(id);
    CHECK_FALSE(hardware.architecture.empty());
  }
}

TEST_CASE(
    "an unknown board class names file, line and key, and the class splits a transfer family") {
  const std::string e =
      testing::ErrorOf([] { LoadHardwareSpecYaml(kFixtures + "bad_specs/bad-board-class.yaml"); });
  CHECK_THAT(e, Contains("bad-board-class.yaml:8: board_class: unknown board class 'gaming'"));
  CHECK_THAT(e, Contains("consumer, pro-gddr, hbm"));
  const Catalog& catalog = Catalog::Default();
  CHECK(TransferFamily(catalog.hardware().at("rtx-3090")) == "ampere-consumer");
  CHECK(TransferFamily(catalog.hardware().at("a40")) == "ampere-pro-gddr");
  CHECK(TransferFamily(catalog.hardware().at("a100-sxm4-80gb")) == "ampere-hbm");
  CHECK(TransferFamily(catalog.hardware().at("apple-m2-ultra-76gpu")) == "apple");  // no class
  HardwareSpec unnamed;
  unnamed.board_class = "hbm";
  CHECK(TransferFamily(unnamed).empty());  // no architecture, no family
  // Every NVIDIA GPU states its class: GDDR boards and HBM parts do not share a level.
  for (const auto& [id, hardware] : catalog.hardware()) {
    INFO(id);
    if (hardware.vendor == "NVIDIA" && hardware.kind == DeviceKind::kGpu)
      CHECK_FALSE(hardware.board_class.empty());
  }
}
