// Shared set-up of the serving-simulator tests: catalogue lookups and an engine configuration
// built from a shipped profile.
#pragma once

#include <string>

#include "sim/serve/engine_profile.h"
#include "sim/serve/simulator.h"
#include "sim/spec/catalog.h"

namespace rightsize::testing {

inline const ModelSpec& Model(const std::string& id) { return Catalog::Default().Model(id); }
inline const HardwareSpec& Hardware(const std::string& id) {
  return Catalog::Default().Hardware(id);
}

// vLLM V1's defaults on a device, prefix caching off (the tests share no prefixes unless they
// say so).
inline EngineConfig VllmOn(const std::string& hardware_id) {
  EngineConfig e = ResolveEngineConfig(FindEngineProfile("vllm-v1"), Hardware(hardware_id));
  e.prefix_caching = false;
  return e;
}

inline std::vector<ServeRequest> Fixed(int n, int64_t prompt, int64_t output, double gap_s = 0.0) {
  std::vector<ServeRequest> r(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) {
    r[static_cast<std::size_t>(i)].arrival_s = gap_s * i;
    r[static_cast<std::size_t>(i)].prompt_tokens = prompt;
    r[static_cast<std::size_t>(i)].output_tokens = output;
  }
  return r;
}

}  // namespace rightsize::testing
