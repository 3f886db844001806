// rightsize list models|hardware|prices
#include <fmt/format.h>

#include "sim/app/list.h"
#include "sim/cli/commands.h"
#include "sim/cli/exit_codes.h"
#include "sim/report/table_format.h"
#include "sim/spec/catalog.h"

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
      fmt::print("{}", out == OutputFormat::kTable ? RenderColumns(rows, app::ListColumns(what))
                                                   : Render(rows, out));
      return kExitOk;
    });
  });
}

}  // namespace rightsize
