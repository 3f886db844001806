// A small RFC 4180 CSV reader that keeps each row's line number for error messages, and a
// writer that quotes only when needed.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sim/util/error.h"

namespace rightsize {

struct CsvRow {
  int line = 0;  // 1-based line in the file where the row starts
  std::vector<std::string> fields;
};

class CsvTable {
 public:
  // Parses text; has_header=false gives columns named "0", "1", ...
  static CsvTable Parse(const std::string& text, const std::string& file_label,
                        bool has_header = true);
  static CsvTable Load(const std::string& path, bool has_header = true);

  const std::string& file() const { return file_; }
  const std::vector<std::string>& header() const { return header_; }
  const std::vector<CsvRow>& rows() const { return rows_; }
  bool HasColumn(const std::string& name) const { return column_index_.count(name) > 0; }
  // Throws InputError naming the file if the column is absent.
  int ColumnIndex(const std::string& name) const;

  // Cell accessors; errors name file:line: column.
  const std::string& Cell(const CsvRow& row, const std::string& column) const;
  double Number(const CsvRow& row, const std::string& column) const;  // finite
  std::optional<double> MaybeNumber(const CsvRow& row, const std::string& column) const;
  // A whole number in [min, max] (range-checked before any cast: 4294967297 is an error, not 1).
  int64_t Integer(const CsvRow& row, const std::string& column, int64_t min, int64_t max) const;
  SourceLocation Where(const CsvRow& row, const std::string& column) const;

 private:
  std::string file_;
  std::vector<std::string> header_;
  std::map<std::string, int> column_index_;
  std::vector<CsvRow> rows_;
};

// A field as RFC 4180 writes it: quoted (inner quotes doubled) when it holds a comma, a quote or
// a line break, else as it is.
std::string CsvEscape(const std::string& field);
// CsvEscape(field) appended to *out, with nothing allocated once *out has room.
void AppendCsvField(std::string_view field, std::string* out);
std::string CsvLine(const std::vector<std::string>& fields);

}  // namespace rightsize
