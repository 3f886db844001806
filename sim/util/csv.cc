#include "sim/util/csv.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include <fmt/format.h>

#include "sim/util/file_io.h"
#include "sim/util/integers.h"
#include "sim/util/strings.h"

namespace rightsize {

CsvTable CsvTable::Parse(const std::string& text, const std::string& file_label, bool has_header) {
  CsvTable table;
  table.file_ = file_label;
  std::vector<CsvRow> records;
  CsvRow record;
  std::string field;
  bool in_quotes = false;
  bool field_started = false;
  int line = 1;
  record.line = 1;
  auto end_field = [&] {
    record.fields.push_back(field);
    field.clear();
    field_started = false;
  };
  auto end_record = [&] {
    end_field();
    const bool blank = record.fields.size() == 1 && Trim(record.fields[0]).empty();
    if (!blank) records.push_back(record);
    record = CsvRow{};
    record.line = line;
  };
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_quotes) {
      if (c == '"') {
        if (i + 1 < text.size() && text[i + 1] == '"') {
          field += '"';
          ++i;
        } else {
          in_quotes = false;
        }
      } else {
        if (c == '\n') ++line;
        field += c;
      }
      continue;
    }
    if (c == '"' && !field_started) {
      in_quotes = true;
      field_started = true;
    } else if (c == ',') {
      end_field();
    } else if (c == '\n') {
      ++line;
      end_record();
    } else if (c != '\r') {
      field += c;
      field_started = true;
    }
  }
  if (in_quotes) throw InputError({file_label, record.line, ""}, "unterminated quoted field");
  if (!field.empty() || !record.fields.empty()) end_record();

  size_t first_data = 0;
  if (has_header) {
    if (records.empty()) throw InputError({file_label, 1, ""}, "empty CSV file (no header)");
    table.header_ = records[0].fields;
    for (auto& h : table.header_) h = Trim(h);
    first_data = 1;
  } else if (!records.empty()) {
    for (size_t i = 0; i < records[0].fields.size(); ++i)
      table.header_.push_back(std::to_string(i));
  }
  for (size_t i = 0; i < table.header_.size(); ++i) {
    table.column_index_[table.header_[i]] = static_cast<int>(i);
  }
  for (size_t r = first_data; r < records.size(); ++r) {
    if (records[r].fields.size() != table.header_.size()) {
      throw InputError({file_label, records[r].line, ""},
                       fmt::format("row has {} fields, header has {}", records[r].fields.size(),
                                   table.header_.size()));
    }
    table.rows_.push_back(records[r]);
  }
  return table;
}

CsvTable CsvTable::Load(const std::string& path, bool has_header) {
  return Parse(ReadTextFile(path), path, has_header);
}

int CsvTable::ColumnIndex(const std::string& name) const {
  auto it = column_index_.find(name);
  if (it == column_index_.end()) {
    throw InputError({file_, 1, name}, "missing column " + DidYouMean(name, header_));
  }
  return it->second;
}

SourceLocation CsvTable::Where(const CsvRow& row, const std::string& column) const {
  return {file_, row.line, column};
}

const std::string& CsvTable::Cell(const CsvRow& row, const std::string& column) const {
  return row.fields[ColumnIndex(column)];
}

std::optional<double> CsvTable::MaybeNumber(const CsvRow& row, const std::string& column) const {
  const std::string text = Trim(Cell(row, column));
  if (text.empty()) return std::nullopt;
  char* end = nullptr;
  const double value = std::strtod(text.c_str(), &end);
  if (end == text.c_str() || *end != '\0') {
    throw InputError(Where(row, column), "expected a number, got '" + text + "'");
  }
  if (!std::isfinite(value)) throw InputError(Where(row, column), "value is not finite: " + text);
  return value;
}

double CsvTable::Number(const CsvRow& row, const std::string& column) const {
  auto value = MaybeNumber(row, column);
  if (!value) throw InputError(Where(row, column), "empty cell, a number is required");
  return *value;
}

int64_t CsvTable::Integer(const CsvRow& row, const std::string& column, int64_t min,
                          int64_t max) const {
  return WholeInRange(Number(row, column), min, max, Where(row, column));
}

void AppendCsvField(std::string_view field, std::string* out) {
  auto special = [](char c) { return c == ',' || c == '"' || c == '\n' || c == '\r'; };
  if (std::none_of(field.begin(), field.end(), special)) {
    out->append(field);
    return;
  }
  out->push_back('"');
  for (size_t at = 0; at < field.size();) {
    const size_t quote = std::min(field.find('"', at), field.size());
    out->append(field.substr(at, quote - at));
    if (quote == field.size()) break;
    out->append("\"\"");
    at = quote + 1;
  }
  out->push_back('"');
}

std::string CsvEscape(const std::string& field) {
  std::string out;
  AppendCsvField(field, &out);
  return out;
}

std::string CsvLine(const std::vector<std::string>& fields) {
  std::string out;
  for (size_t i = 0; i < fields.size(); ++i) out += (i ? "," : "") + CsvEscape(fields[i]);
  return out + "\n";
}

}  // namespace rightsize
