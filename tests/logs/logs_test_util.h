// Shared helpers for the log-reader tests: the fixture folder and a small catalogue of made-up
// specs (tests/logs/fixtures/catalog) so reader tests do not depend on models/.
#pragma once

#include <string>

#include "sim/logs/readers.h"

namespace rightsize::testing {

inline std::string LogFixture(const std::string& name) {
  return std::string(RIGHTSIZE_SOURCE_DIR) + "/tests/logs/fixtures/" + name;
}

inline const Catalog& FixtureCatalog() {
  static const Catalog catalog = Catalog::Load(LogFixture("catalog"));
  return catalog;
}

// Options that map every row to the fixture model and device.
inline LogReadOptions FixtureOptions(bool force_model = true, bool force_hardware = true) {
  LogReadOptions options(FixtureCatalog());
  if (force_model) options.model_id = "tiny-model";
  if (force_hardware) options.hardware_id = "test-gpu";
  return options;
}

}  // namespace rightsize::testing
