#include "sim/quality/characters_per_token.h"

#include <vector>

#include <fmt/format.h>

#include "sim/util/csv.h"
#include "sim/util/strings.h"

namespace rightsize {

CharactersPerToken LoadCharactersPerToken(const std::string& path, const std::string& tokenizer,
                                          const SourceLocation& where) {
  const CsvTable table = CsvTable::Load(path);
  for (const char* column : {"tokenizer", "characters_per_token", "text", "source"}) {
    if (!table.HasColumn(column)) throw InputError({path, 1, column}, "missing column");
  }
  std::vector<std::string> known;
  for (const auto& row : table.rows()) {
    const std::string& name = table.Cell(row, "tokenizer");
    known.push_back(name);
    if (name != tokenizer) continue;
    CharactersPerToken c;
    c.tokenizer = name;
    c.characters_per_token = table.Number(row, "characters_per_token");
    // English text runs 1-10 characters per token in every published tokenizer; outside that
    // the row is a typo.
    if (!(c.characters_per_token >= 1.0 && c.characters_per_token <= 10.0)) {
      throw InputError(table.Where(row, "characters_per_token"), "must be in [1, 10]");
    }
    c.text = table.Cell(row, "text");
    c.source = table.Cell(row, "source");
    if (c.source.empty())
      throw InputError(table.Where(row, "source"), "every figure needs its source");
    return c;
  }
  throw InputError(where, fmt::format("unknown tokenizer '{}' (known in {}: {}) {}", tokenizer,
                                      path, fmt::join(known, ", "), DidYouMean(tokenizer, known)));
}

}  // namespace rightsize
