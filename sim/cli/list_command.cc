// rightsize list models|hardware|prices
#include <fmt/format.h>

#include "sim/app/list.h"
#include "sim/cli/commands.h"
#include "sim/cli/exit_codes.h"
#include "sim/report/table_format.h"
#include "sim/spec/catalog.h"
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
      const std::vector<nlohmann::json> rows = app::ListRows(catalog, what);
      if (out == OutputFormat::kTable) {
        for (const auto& row : rows) {
          std::string line;
          for (auto it = row.begin(); it != row.end(); ++it) {
            std::string cell =
                it.value().is_string() ? it.value().get<std::string>() : it.value().dump();
            if (it.key() == "memory_bytes")
              cell = fmt::format("{:.0f} GiB", it.value().get<double>() / kGiB);
            if (it.key().ends_with("params"))
              cell = fmt::format("{:.2f}B", it.value().get<double>() / kGiga);
            if (it.key() == "memory_bandwidth_bytes_per_s")
              cell = fmt::format("{:.0f} GB/s", it.value().get<double>() / kGiga);
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
