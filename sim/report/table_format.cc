#include "sim/report/table_format.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include <fmt/format.h>

#include "sim/util/csv.h"
#include "sim/util/error.h"
#include "sim/util/strings.h"
#include "sim/util/units.h"

namespace rightsize {
namespace {

bool EndsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string Scalar(const nlohmann::json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
  if (v.is_number_integer()) return std::to_string(v.get<int64_t>());
  if (v.is_number()) return fmt::format("{:.6g}", v.get<double>());
  if (v.is_null()) return "";
  return v.dump();
}

void FlattenInto(const nlohmann::json& v, const std::string& prefix,
                 std::vector<std::pair<std::string, std::string>>& out) {
  if (v.is_object()) {
    for (auto it = v.begin(); it != v.end(); ++it) {
      FlattenInto(it.value(), prefix.empty() ? it.key() : prefix + "." + it.key(), out);
    }
  } else if (v.is_array()) {
    std::string joined;
    for (const auto& item : v) joined += (joined.empty() ? "" : ";") + Scalar(item);
    out.emplace_back(prefix, joined);
  } else {
    out.emplace_back(prefix, Scalar(v));
  }
}

// A number as a reader wants it in a table: grouped whole numbers from 10,000 up, four
// significant figures from 1 to 10,000, three below 1, scientific only far outside that range.
std::string HumanNumber(double x) {
  const double a = std::fabs(x);
  if (a == 0) return "0";
  if (a >= 1e15 || a < 1e-3) return fmt::format("{:.3g}", x);
  if (a >= 1e4) return GroupedInteger(x);
  if (a >= 1) return fmt::format("{:.4g}", x);
  return fmt::format("{:.3g}", x);
}

// Dollars: whole (grouped) dollars from $100 up, three significant figures below.
std::string Dollars(double x) {
  return std::fabs(x) >= 100 ? GroupedInteger(x) : fmt::format("{:.3g}", x);
}

// A table cell: the value in a readable unit, and its key with the unit the value is shown in
// ("latency.ttft_s", 0.01318 -> "latency.ttft [ms]", "13.18"), so a header never names one unit
// while the cell holds another.
struct HumanCell {
  std::string key;
  std::string text;
};

// `key` without its unit suffix, plus the unit shown.
std::string Relabel(const std::string& key, const std::string& suffix, const std::string& unit) {
  return key.substr(0, key.size() - suffix.size()) + " [" + unit + "]";
}

// Human-readable value for a table cell, chosen by the key's unit suffix.
HumanCell Humanise(const std::string& key, const nlohmann::json& v) {
  if (!v.is_number()) return {key, Scalar(v)};
  const double x = v.get<double>();
  if (v.is_number_integer()) {
    if (EndsWith(key, "_bytes"))
      return {Relabel(key, "_bytes", "GiB"), fmt::format("{:.3f}", x / kGiB)};
    if (EndsWith(key, "params")) {
      return {key, fmt::format("{} ({:.3f} B)", v.get<int64_t>(), x / kGiga)};
    }
    return {key, Scalar(v)};
  }
  if (EndsWith(key, "_ape"))
    return {key + " [%]", fmt::format("{:.1f}", x * 100.0)};  // absolute % error
  if (EndsWith(key, "_bytes"))
    return {Relabel(key, "_bytes", "GiB"), fmt::format("{:.3f}", x / kGiB)};
  if (EndsWith(key, "_bytes_per_device")) {
    return {Relabel(key, "_bytes_per_device", "GiB per device"), fmt::format("{:.3f}", x / kGiB)};
  }
  if (EndsWith(key, "_bytes_per_token")) {
    return {Relabel(key, "_bytes_per_token", "KiB per token"), fmt::format("{:.1f}", x / kKiB)};
  }
  if (EndsWith(key, "_flops_per_token"))
    return {key + " [GFLOP]", fmt::format("{:.4g}", x / kGiga)};
  if (EndsWith(key, "_flops")) return {key + " [TFLOP]", fmt::format("{:.4g}", x / kTera)};
  if (EndsWith(key, "_bytes_per_s")) {
    return {Relabel(key, "_bytes_per_s", "GB/s"), fmt::format("{:.0f}", x / kGiga)};
  }
  if (EndsWith(key, "_per_s")) return {key, HumanNumber(x)};  // a rate, not a duration
  // Dollars: whole dollars from $100 up, three significant figures below.
  const std::string leaf = key.substr(key.rfind('.') + 1);
  if (leaf.rfind("usd_", 0) == 0) return {key, Dollars(x)};
  if (EndsWith(key, "_usd")) return {Relabel(key, "_usd", "$"), Dollars(x)};
  // Durations always in ms, so a column never mixes units; long ones grouped, not 1.113e+04.
  if (EndsWith(key, "_s")) return {Relabel(key, "_s", "ms"), HumanNumber(x * 1e3)};
  return {key, HumanNumber(x)};
}

// One flattened cell: its dotted key (what columns are ordered and matched by), the header it is
// shown under and its text.
struct Cell {
  std::string key;
  std::string label;
  std::string text;
};
using Cells = std::vector<Cell>;

// Flattened cells of a row, humanised (Humanise) or as plain scalars (CSV, JSON-faithful).
void CellsInto(const nlohmann::json& v, const std::string& prefix, bool humanise, Cells& out) {
  if (v.is_object()) {
    for (auto it = v.begin(); it != v.end(); ++it) {
      CellsInto(it.value(), prefix.empty() ? it.key() : prefix + "." + it.key(), humanise, out);
    }
  } else if (v.is_array() || !humanise) {
    std::vector<std::pair<std::string, std::string>> flat;
    FlattenInto(v, prefix, flat);
    for (auto& [key, text] : flat) out.push_back({key, key, std::move(text)});
  } else {
    HumanCell cell = Humanise(prefix, v);
    out.push_back({prefix, std::move(cell.key), std::move(cell.text)});
  }
}

Cells CellsOf(const nlohmann::json& row, bool humanise) {
  Cells out;
  CellsInto(row, "", humanise, out);
  return out;
}

}  // namespace

OutputFormat ParseOutputFormat(const std::string& text) {
  if (text == "table") return OutputFormat::kTable;
  if (text == "json") return OutputFormat::kJson;
  if (text == "csv") return OutputFormat::kCsv;
  if (text == "markdown") return OutputFormat::kMarkdown;
  throw InputError({"", 0, "format"},
                   "unknown format '" + text + "' (valid: table, json, csv, markdown)");
}

std::vector<std::pair<std::string, std::string>> Flatten(const nlohmann::json& object) {
  std::vector<std::pair<std::string, std::string>> out;
  FlattenInto(object, "", out);
  return out;
}

std::string RenderTable(const nlohmann::json& object) {
  const Cells cells = CellsOf(object, true);
  size_t width = 0;
  for (const Cell& c : cells) width = std::max(width, c.label.size());
  std::string out;
  for (const Cell& c : cells) {
    if (c.text.empty()) continue;
    out += fmt::format("{:<{}}  {}\n", c.label, width, c.text);
  }
  return out;
}

namespace {

// True when `key` is the column `column` or a key nested under it ("latency" holds
// "latency.ttft_s").
bool InColumn(const std::string& key, const std::string& column) {
  return key == column || (key.size() > column.size() &&
                           key.compare(0, column.size(), column) == 0 && key[column.size()] == '.');
}

// Rows of cells laid out as a grid: the `preferred` columns first (each with the keys nested under
// it), then every other key in first-seen order; a row without a key gets an empty cell. Returns
// the header (each column's label from the first row that has it), then one line per row.
std::vector<std::vector<std::string>> Grid(const std::vector<Cells>& rows,
                                           const std::vector<std::string>& preferred) {
  std::vector<std::string> seen;
  for (const Cells& row : rows) {
    for (const Cell& c : row) {
      if (std::find(seen.begin(), seen.end(), c.key) == seen.end()) seen.push_back(c.key);
    }
  }
  std::vector<std::string> keys;
  for (const std::string& column : preferred) {
    for (const std::string& key : seen) {
      if (InColumn(key, column) && std::find(keys.begin(), keys.end(), key) == keys.end()) {
        keys.push_back(key);
      }
    }
  }
  for (const std::string& key : seen) {
    if (std::find(keys.begin(), keys.end(), key) == keys.end()) keys.push_back(key);
  }
  std::vector<std::vector<std::string>> grid = {std::vector<std::string>(keys.size())};
  for (const Cells& row : rows) {
    std::vector<std::string> line(keys.size());
    for (const Cell& c : row) {
      const size_t at =
          static_cast<size_t>(std::find(keys.begin(), keys.end(), c.key) - keys.begin());
      line[at] = c.text;
      if (grid[0][at].empty()) grid[0][at] = c.label;
    }
    grid.push_back(std::move(line));
  }
  return grid;
}

std::string MarkdownLine(const std::vector<std::string>& cells) {
  std::string out = "|";
  for (std::string cell : cells) {
    for (size_t at = cell.find('|'); at != std::string::npos; at = cell.find('|', at + 2)) {
      cell.replace(at, 1, "\\|");
    }
    out += " " + cell + " |";
  }
  return out + "\n";
}

}  // namespace

std::string RenderCsv(const std::vector<nlohmann::json>& rows,
                      const std::vector<std::string>& columns) {
  std::vector<Cells> flat;
  for (const auto& row : rows) flat.push_back(CellsOf(row, false));
  std::string out;
  for (const auto& line : Grid(flat, columns)) out += CsvLine(line);
  return out;
}

std::string RenderMarkdown(const std::vector<nlohmann::json>& rows,
                           const std::vector<std::string>& columns) {
  std::vector<Cells> humanised;
  for (const auto& row : rows) humanised.push_back(CellsOf(row, true));
  const auto grid = Grid(humanised, columns);
  std::string out =
      MarkdownLine(grid[0]) + MarkdownLine(std::vector<std::string>(grid[0].size(), "---"));
  for (size_t i = 1; i < grid.size(); ++i) out += MarkdownLine(grid[i]);
  return out;
}

std::string RenderColumns(const std::vector<nlohmann::json>& rows,
                          std::vector<std::string> columns) {
  if (rows.empty()) return "";
  if (columns.empty()) {  // the first row's keys: id and name first, then the rest in key order
    for (const char* first : {"id", "name"}) {
      if (rows[0].contains(first)) columns.emplace_back(first);
    }
    for (auto it = rows[0].begin(); it != rows[0].end(); ++it) {
      if (it.key() != "id" && it.key() != "name") columns.push_back(it.key());
    }
  }
  // Header: the key with the unit its cells are shown in (from the first row that has a value).
  std::vector<std::vector<std::string>> grid(1 + rows.size());
  std::vector<bool> numeric(columns.size(), false);
  for (size_t c = 0; c < columns.size(); ++c) {
    std::string header = columns[c];
    for (size_t r = 0; r < rows.size(); ++r) {
      const auto it = rows[r].find(columns[c]);
      const bool has = it != rows[r].end() && !it->is_null();
      const HumanCell cell = has ? Humanise(columns[c], *it) : HumanCell{columns[c], ""};
      if (has && header == columns[c]) header = cell.key;
      if (has && it->is_number()) numeric[c] = true;
      grid[r + 1].push_back(cell.text);
    }
    grid[0].push_back(header);
  }
  std::vector<size_t> width(columns.size(), 0);
  for (const auto& line : grid) {
    for (size_t c = 0; c < line.size(); ++c) width[c] = std::max(width[c], line[c].size());
  }
  std::string out;
  for (const auto& line : grid) {
    std::string text;
    for (size_t c = 0; c < line.size(); ++c) {
      // Numbers right-aligned (headers too) so their digits line up; text left-aligned.
      text += (c ? "  " : "") + (numeric[c] ? fmt::format("{:>{}}", line[c], width[c])
                                            : fmt::format("{:<{}}", line[c], width[c]));
    }
    while (!text.empty() && text.back() == ' ') text.pop_back();
    out += text + "\n";
  }
  return out;
}

std::string Render(const nlohmann::json& object, OutputFormat format) {
  if (format != OutputFormat::kMarkdown) return Render(std::vector<nlohmann::json>{object}, format);
  // One result: a key / value table reads better than one row of many columns.
  std::string out = MarkdownLine({"key", "value"}) + MarkdownLine({"---", "---"});
  for (const Cell& c : CellsOf(object, true)) {
    if (!c.text.empty()) out += MarkdownLine({c.label, c.text});
  }
  return out;
}

std::string Render(const std::vector<nlohmann::json>& rows, OutputFormat format) {
  switch (format) {
    case OutputFormat::kJson:
      return (rows.size() == 1 ? rows[0].dump(2) : nlohmann::json(rows).dump(2)) + "\n";
    case OutputFormat::kCsv:
      return RenderCsv(rows);
    case OutputFormat::kMarkdown:
      return RenderMarkdown(rows);
    case OutputFormat::kTable: {
      std::string out;
      for (size_t i = 0; i < rows.size(); ++i) out += (i ? "\n" : "") + RenderTable(rows[i]);
      return out;
    }
  }
  return "";
}

std::string RenderRows(const std::vector<nlohmann::json>& rows, OutputFormat format,
                       std::vector<std::string> columns) {
  switch (format) {
    case OutputFormat::kTable:
      return RenderColumns(rows, std::move(columns));
    case OutputFormat::kCsv:
      return RenderCsv(rows, columns);
    case OutputFormat::kMarkdown:
      return RenderMarkdown(rows, columns);
    case OutputFormat::kJson:
      break;
  }
  return Render(rows, format);
}

}  // namespace rightsize
