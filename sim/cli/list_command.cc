// rightsize list models|hardware|prices
#include <fmt/format.h>

#include "sim/cli/commands.h"
#include "sim/cli/exit_codes.h"
#include "sim/report/table_format.h"
#include "sim/spec/catalog.h"
#include "sim/util/error.h"
#include "sim/util/units.h"

namespace rightsize {

void RegisterListCommand(CLI::App& app, int* exit_code) {
  auto* c = app.add_subcommand("list", "list the catalogue: models, hardware or prices");
  static std::string what;
  static std::string format = "table";
  c->add_option("what", what, "models | hardware | prices")->required();
  c->add_option("--format", format, "table | json | csv | markdown")->capture_default_str();
  c->callback([exit_code] {
    *exit_code = RunWithErrorHandling([] {
      const Catalog& catalog = Catalog::Default();
      const OutputFormat out = ParseOutputFormat(format);
      std::vector<nlohmann::json> rows;
      if (what == "models") {
        for (const auto& [id, m] : catalog.models()) {
          const ParamCounts counts = CountParams(m);
          rows.push_back({{"id", id}, {"name", m.name}, {"total_params", counts.Total()},
                          {"active_params", counts.Active()}, {"layers", m.num_layers},
                          {"max_context_tokens", m.max_context_tokens}, {"moe", m.IsMoe()}});
        }
      } else if (what == "hardware") {
        for (const auto& [id, h] : catalog.hardware()) {
          rows.push_back({{"id", id}, {"name", h.name}, {"kind", ToString(h.kind)},
                          {"memory_bytes", h.memory_bytes},
                          {"memory_bandwidth_bytes_per_s", h.memory_bandwidth_bytes_per_s}});
        }
      } else if (what == "prices") {
        for (const auto& [id, p] : catalog.prices()) {
          rows.push_back({{"id", id}, {"hardware", p.hardware_id}, {"usd_per_hour", p.usd_per_hour},
                          {"kind", p.kind}, {"date", p.date}});
        }
      } else {
        throw InputError({"", 0, "what"}, "unknown list '" + what + "' (valid: models, hardware, prices)");
      }
      if (rows.empty()) {
        // An empty list is a wrong folder far more often than an empty catalogue.
        const char* folder = what == "models" ? "architectures" : what.c_str();
        throw InputError(
            {catalog.models_dir() + "/" + folder, 0, ""},
            "no specs (*.yaml) in this folder (RIGHTSIZE_MODELS_DIR must name a models/ folder)");
      }
      if (out == OutputFormat::kTable) {
        for (const auto& row : rows) {
          std::string line;
          for (auto it = row.begin(); it != row.end(); ++it) {
            std::string cell = it.value().is_string() ? it.value().get<std::string>() : it.value().dump();
            if (it.key() == "memory_bytes") cell = fmt::format("{:.0f} GiB", it.value().get<double>() / kGiB);
            if (it.key().ends_with("params")) cell = fmt::format("{:.2f}B", it.value().get<double>() / kGiga);
            if (it.key() == "memory_bandwidth_bytes_per_s") cell = fmt::format("{:.0f} GB/s", it.value().get<double>() / kGiga);
            line += fmt::format("{:<{}}", cell, it.key() == "name" ? 44 : 18);
          }
          fmt::print("{}\n", line);
        }
      } else {
        fmt::print("{}", Render(rows, out));
      }
      return kExitOk;
    });
  });
}

}  // namespace rightsize
