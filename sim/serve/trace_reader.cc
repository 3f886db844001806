#include "sim/serve/trace_reader.h"

#include <cmath>
#include <fstream>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "sim/util/csv.h"
#include "sim/util/error.h"
#include "sim/util/strings.h"

namespace rightsize {
namespace {

bool EndsWith(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() &&
         text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

double Number(const nlohmann::json& row, const char* key, const SourceLocation& line) {
  SourceLocation where = line;
  where.key = key;
  if (!row.contains(key)) throw InputError(where, "missing required key");
  const nlohmann::json& v = row.at(key);
  if (!v.is_number()) throw InputError(where, "expected a number, got " + v.dump());
  const double x = v.get<double>();
  if (!std::isfinite(x)) throw InputError(where, "expected a finite number");
  return x;
}

int64_t Count(const nlohmann::json& row, const char* key, const SourceLocation& line) {
  const double x = Number(row, key, line);
  if (x != std::floor(x) || std::fabs(x) > 1e15) {
    throw InputError({line.file, line.line, key},
                     fmt::format("expected a whole number, got {}", x));
  }
  return static_cast<int64_t>(x);
}

void RejectUnknown(const nlohmann::json& row, const std::set<std::string>& known,
                   const SourceLocation& line) {
  for (auto it = row.begin(); it != row.end(); ++it) {
    if (!known.count(it.key())) {
      throw InputError({line.file, line.line, it.key()},
                       "unknown key (" + DidYouMean(it.key(), {known.begin(), known.end()}) + ")");
    }
  }
}

const std::set<std::string> kCanonicalKeys = {"id", "arrival_s", "prompt_tokens", "output_tokens"};
const std::set<std::string> kLlmServingSimKeys = {"request_id",     "input_toks",   "output_toks",
                                                  "arrival_time",   "queued_ts",    "scheduled_ts",
                                                  "first_token_ts", "last_token_ts"};

// Calls visit(row, location) for each non-blank line of a JSONL file.
template <typename Visit>
void ForEachJsonLine(const std::string& path, Visit visit) {
  std::ifstream in(path);
  if (!in) throw InputError({path, 0, ""}, "cannot open file");
  std::string text;
  int line_number = 0;
  while (std::getline(in, text)) {
    ++line_number;
    if (Trim(text).empty()) continue;
    const SourceLocation where{path, line_number, ""};
    nlohmann::json row;
    try {
      row = nlohmann::json::parse(text);
    } catch (const nlohmann::json::exception& e) {
      throw InputError(where, std::string("malformed JSON: ") + e.what());
    }
    if (!row.is_object()) throw InputError(where, "expected one JSON object per line");
    visit(row, where);
  }
}

std::vector<ServeRequest> ReadJsonl(const std::string& path) {
  std::vector<ServeRequest> out;
  double first_arrival = 0.0;
  ForEachJsonLine(path, [&](const nlohmann::json& row, const SourceLocation& where) {
    ServeRequest r;
    r.source_line = where.line;
    double arrival = 0.0;
    if (row.contains("input_toks")) {
      RejectUnknown(row, kLlmServingSimKeys, where);
      arrival = Number(row, "arrival_time", where);
      r.prompt_tokens = Count(row, "input_toks", where);
      r.output_tokens = Count(row, "output_toks", where);
    } else {
      RejectUnknown(row, kCanonicalKeys, where);
      arrival = Number(row, "arrival_s", where);
      r.prompt_tokens = Count(row, "prompt_tokens", where);
      r.output_tokens = Count(row, "output_tokens", where);
    }
    // Canonical traces are relative already (a negative time is an error the simulator names);
    // LLMServingSim's arrival_time is an epoch time, made relative to the first request.
    if (out.empty() && row.contains("input_toks")) first_arrival = arrival;
    r.arrival_s = arrival - first_arrival;
    out.push_back(r);
  });
  if (out.empty()) throw InputError({path, 0, ""}, "the trace has no requests");
  return out;
}

std::vector<ServeRequest> ReadCsv(const std::string& path) {
  const CsvTable table = CsvTable::Load(path);
  for (const std::string& column : table.header()) {
    if (!kCanonicalKeys.count(column)) {
      throw InputError({path, 1, column},
                       "unknown column (" +
                           DidYouMean(column, {kCanonicalKeys.begin(), kCanonicalKeys.end()}) +
                           ")");
    }
  }
  std::vector<ServeRequest> out;
  for (const CsvRow& row : table.rows()) {
    ServeRequest r;
    r.source_line = row.line;
    r.arrival_s = table.Number(row, "arrival_s");
    auto count = [&](const char* column) {
      const double x = table.Number(row, column);
      if (x != std::floor(x) || std::fabs(x) > 1e15) {
        throw InputError(table.Where(row, column),
                         fmt::format("expected a whole number, got {}", x));
      }
      return static_cast<int64_t>(x);
    };
    r.prompt_tokens = count("prompt_tokens");
    r.output_tokens = count("output_tokens");
    out.push_back(r);
  }
  if (out.empty()) throw InputError({path, 0, ""}, "the trace has no requests");
  return out;
}

}  // namespace

double MeasuredRequest::TpotS() const {
  return output_tokens > 1 ? (last_token_s - first_token_s) / static_cast<double>(output_tokens - 1)
                           : 0.0;
}

std::vector<ServeRequest> ReadRequestTrace(const std::string& path) {
  if (EndsWith(ToLower(path), ".csv")) return ReadCsv(path);
  return ReadJsonl(path);
}

std::vector<MeasuredRequest> ReadMeasuredRequests(const std::string& path) {
  std::vector<MeasuredRequest> out;
  double first_arrival = 0.0, first_queued = 0.0;
  ForEachJsonLine(path, [&](const nlohmann::json& row, const SourceLocation& where) {
    RejectUnknown(row, kLlmServingSimKeys, where);
    MeasuredRequest m;
    m.line = where.line;
    if (row.contains("request_id") && row.at("request_id").is_string()) {
      m.id = row.at("request_id").get<std::string>();
    }
    const double arrival = Number(row, "arrival_time", where);
    const double queued = Number(row, "queued_ts", where);
    if (out.empty()) {
      first_arrival = arrival;
      first_queued = queued;
    }
    m.arrival_s = arrival - first_arrival;
    m.queued_s = queued - first_queued;
    m.first_token_s = Number(row, "first_token_ts", where) - first_queued;
    m.last_token_s = Number(row, "last_token_ts", where) - first_queued;
    m.prompt_tokens = Count(row, "input_toks", where);
    m.output_tokens = Count(row, "output_toks", where);
    out.push_back(m);
  });
  if (out.empty()) throw InputError({path, 0, ""}, "the log has no requests");
  return out;
}

}  // namespace rightsize
