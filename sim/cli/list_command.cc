// rightsize list models|hardware|prices
#include <fmt/format.h>

#include "sim/app/list.h"
#include "sim/cli/commands.h"
#include "sim/cli/exit_codes.h"
#include "sim/cli/format_option.h"
#include "sim/report/table_format.h"
#include "sim/spec/catalog.h"

namespace rightsize {

void RegisterListCommand(CLI::App& app, int* exit_code) {
  auto* c = app.add_subcommand("list", "list the catalogue: models, hardware or prices");
  static std::string what;
  static std::string format = "table";
  c->add_option("what", what, "models | hardware | prices")->required();
  AddFormatOption(c, &format);
  c->callback([exit_code] {
    *exit_code = RunWithErrorHandling([] {
      const Catalog& catalog = Catalog::Default();
      const OutputFormat out = ParseOutputFormat(format);
      const std::vector<nlohmann::json> rows = app::ListRows(catalog, what);
      fmt::print("{}", RenderRows(rows, out, app::ListColumns(what)));
      return kExitOk;
    });
  });
}

}  // namespace rightsize
