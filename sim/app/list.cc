#include "sim/app/list.h"

#include "sim/util/error.h"

namespace rightsize::app {

std::vector<nlohmann::json> ListRows(const Catalog& catalog, const std::string& what) {
  std::vector<nlohmann::json> rows;
  if (what == "models") {
    for (const auto& [id, m] : catalog.models()) {
      const ParamCounts counts = CountParams(m);
      rows.push_back({{"id", id},
                      {"name", m.name},
                      {"total_params", counts.Total()},
                      {"active_params", counts.Active()},
                      {"layers", m.num_layers},
                      {"max_context_tokens", m.max_context_tokens},
                      {"moe", m.IsMoe()}});
    }
  } else if (what == "hardware") {
    for (const auto& [id, h] : catalog.hardware()) {
      rows.push_back({{"id", id},
                      {"name", h.name},
                      {"kind", ToString(h.kind)},
                      {"memory_bytes", h.memory_bytes},
                      {"memory_bandwidth_bytes_per_s", h.memory_bandwidth_bytes_per_s}});
    }
  } else if (what == "prices") {
    for (const auto& [id, p] : catalog.prices()) {
      rows.push_back({{"id", id},
                      {"hardware", p.hardware_id},
                      {"usd_per_hour", p.usd_per_hour},
                      {"kind", p.kind},
                      {"date", p.date}});
    }
  } else {
    throw InputError({"", 0, "what"},
                     "unknown list '" + what + "' (valid: models, hardware, prices)");
  }
  if (rows.empty()) {
    // An empty list is a wrong folder far more often than an empty catalogue.
    const char* folder = what == "models" ? "architectures" : what.c_str();
    throw InputError(
        {catalog.models_dir() + "/" + folder, 0, ""},
        "no specs (*.yaml) in this folder (RIGHTSIZE_MODELS_DIR must name a models/ folder)");
  }
  return rows;
}

std::vector<std::string> ListColumns(const std::string& what) {
  if (what == "models") {
    return {"id", "name", "total_params", "active_params", "layers", "max_context_tokens", "moe"};
  }
  if (what == "hardware") {
    return {"id", "name", "kind", "memory_bytes", "memory_bandwidth_bytes_per_s"};
  }
  return {"id", "hardware", "kind", "usd_per_hour", "date"};
}

}  // namespace rightsize::app
