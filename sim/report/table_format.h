// Renders a JSON result (nested objects of scalars) as an aligned text table, CSV or a Markdown
// table, so every command has one JSON builder and its output formats cannot drift apart.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace rightsize {

enum class OutputFormat { kTable, kJson, kCsv, kMarkdown };
OutputFormat ParseOutputFormat(const std::string& text);  // table | json | csv | markdown

// Flattens {"a": {"b": 1}} to [("a.b", "1")]. Arrays of scalars become "x;y;z".
std::vector<std::pair<std::string, std::string>> Flatten(const nlohmann::json& object);
// Numbers with a unit suffix are shown in a readable unit (GiB, TFLOP, ms) in tables only, the
// unit named with the key ("latency.ttft [ms]  13.18").
std::string RenderTable(const nlohmann::json& object);
// One aligned text line per object under a header row: the given top-level keys in that order
// (default: id, name, then the first row's other keys in key order), cells and headers humanised
// as in RenderTable, numbers right-aligned, a missing or null value blank.
std::string RenderColumns(const std::vector<nlohmann::json>& rows,
                          std::vector<std::string> columns = {});
// Rows: one per object, columns: the given top-level keys first (each with the flattened keys
// under it), then the rest of the union of flattened keys in first-seen order.
std::string RenderCsv(const std::vector<nlohmann::json>& rows,
                      const std::vector<std::string>& columns = {});
// One Markdown table row per object, columns ordered as in RenderCsv, cells humanised as in
// RenderTable (for READMEs and reports).
std::string RenderMarkdown(const std::vector<nlohmann::json>& rows,
                           const std::vector<std::string>& columns = {});
std::string Render(const nlohmann::json& object, OutputFormat format);
std::string Render(const std::vector<nlohmann::json>& rows, OutputFormat format);
// Many rows of one kind (layouts, grid points, datasets) in `columns` order: RenderColumns,
// RenderCsv or RenderMarkdown, or a JSON array.
std::string RenderRows(const std::vector<nlohmann::json>& rows, OutputFormat format,
                       std::vector<std::string> columns = {});

}  // namespace rightsize
