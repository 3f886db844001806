#include "sim/report/table_format.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "sim/util/csv.h"
#include "sim/util/error.h"
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

// Human-readable value for a table cell, chosen by the key's unit suffix.
std::string Humanise(const std::string& key, const nlohmann::json& v) {
  if (!v.is_number() || v.is_number_integer()) {
    if (v.is_number_integer() && EndsWith(key, "_bytes")) {
      return fmt::format("{:.3f} GiB", v.get<double>() / kGiB);
    }
    if (v.is_number_integer() && EndsWith(key, "params")) {
      return fmt::format("{} ({:.3f} B)", v.get<int64_t>(), v.get<double>() / kGiga);
    }
    return Scalar(v);
  }
  const double x = v.get<double>();
  if (EndsWith(key, "_ape")) return fmt::format("{:.1f}%", x * 100.0);  // absolute percentage error
  if (EndsWith(key, "_bytes") || EndsWith(key, "_bytes_per_device"))
    return fmt::format("{:.3f} GiB", x / kGiB);
  if (EndsWith(key, "_bytes_per_token")) return fmt::format("{:.0f} B ({:.1f} KiB)", x, x / kKiB);
  if (EndsWith(key, "_flops_per_token")) return fmt::format("{:.4g} GFLOP", x / kGiga);
  if (EndsWith(key, "_flops")) return fmt::format("{:.4g} TFLOP", x / kTera);
  if (EndsWith(key, "_per_s")) return fmt::format("{:.6g}", x);  // a rate, not a duration
  if (EndsWith(key, "_s")) return fmt::format("{:.4g} ms", x * 1e3);
  return fmt::format("{:.6g}", x);
}

void TableInto(const nlohmann::json& v, const std::string& prefix,
               std::vector<std::pair<std::string, std::string>>& out) {
  if (v.is_object()) {
    for (auto it = v.begin(); it != v.end(); ++it) {
      TableInto(it.value(), prefix.empty() ? it.key() : prefix + "." + it.key(), out);
    }
  } else if (v.is_array()) {
    std::vector<std::pair<std::string, std::string>> flat;
    FlattenInto(v, prefix, flat);
    out.insert(out.end(), flat.begin(), flat.end());
  } else {
    const std::string leaf = prefix.substr(prefix.rfind('.') + 1);
    out.emplace_back(prefix, Humanise(leaf, v));
  }
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
  std::vector<std::pair<std::string, std::string>> rows;
  TableInto(object, "", rows);
  size_t width = 0;
  for (const auto& [key, value] : rows) width = std::max(width, key.size());
  std::string out;
  for (const auto& [key, value] : rows) {
    if (value.empty()) continue;
    out += fmt::format("{:<{}}  {}\n", key, width, value);
  }
  return out;
}

namespace {

using KeyedCells = std::vector<std::pair<std::string, std::string>>;

// Rows of (key, cell) pairs laid out as a grid: columns are the union of keys in first-seen
// order, a row without a key gets an empty cell. Returns the header, then one line per row.
std::vector<std::vector<std::string>> Grid(const std::vector<KeyedCells>& rows) {
  std::vector<std::string> columns;
  for (const auto& row : rows) {
    for (const auto& [key, value] : row) {
      if (std::find(columns.begin(), columns.end(), key) == columns.end()) columns.push_back(key);
    }
  }
  std::vector<std::vector<std::string>> grid = {columns};
  for (const auto& row : rows) {
    std::vector<std::string> cells(columns.size());
    for (const auto& [key, value] : row) {
      cells[std::find(columns.begin(), columns.end(), key) - columns.begin()] = value;
    }
    grid.push_back(std::move(cells));
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

std::string RenderCsv(const std::vector<nlohmann::json>& rows) {
  std::vector<KeyedCells> flat;
  for (const auto& row : rows) flat.push_back(Flatten(row));
  std::string out;
  for (const auto& line : Grid(flat)) out += CsvLine(line);
  return out;
}

std::string RenderMarkdown(const std::vector<nlohmann::json>& rows) {
  std::vector<KeyedCells> humanised(rows.size());
  for (size_t i = 0; i < rows.size(); ++i) TableInto(rows[i], "", humanised[i]);
  const auto grid = Grid(humanised);
  std::string out =
      MarkdownLine(grid[0]) + MarkdownLine(std::vector<std::string>(grid[0].size(), "---"));
  for (size_t i = 1; i < grid.size(); ++i) out += MarkdownLine(grid[i]);
  return out;
}

std::string Render(const nlohmann::json& object, OutputFormat format) {
  return Render(std::vector<nlohmann::json>{object}, format);
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

}  // namespace rightsize
