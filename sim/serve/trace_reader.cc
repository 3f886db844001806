#include "sim/serve/trace_reader.h"

#include <cmath>
#include <set>
#include <sstream>

#include "sim/util/csv.h"
#include "sim/util/error.h"
#include "sim/util/file_io.h"
#include "sim/util/json_reader.h"
#include "sim/util/strings.h"

namespace rightsize {
namespace {

bool EndsWith(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() &&
         text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Token counts and times in a trace: finite, and counts whole numbers no larger than any model's
// context (the simulator checks each request against its model).
constexpr int64_t kMaxTraceTokens = int64_t{1} << 40;
constexpr double kMaxTraceSeconds = 1e12;

double Number(const JsonValue& row, const char* key) {
  return row.RequiredDouble(key, -kMaxTraceSeconds, kMaxTraceSeconds);
}

int64_t Count(const JsonValue& row, const char* key) {
  return row.RequiredInt(key, -kMaxTraceTokens, kMaxTraceTokens);
}

void RejectUnknown(const JsonValue& row, const std::set<std::string>& known) {
  for (const std::string& key : row.Keys()) {
    if (!known.count(key)) {
      throw InputError(row.Where(key),
                       "unknown key (" + DidYouMean(key, {known.begin(), known.end()}) + ")");
    }
  }
}

const std::set<std::string> kCanonicalKeys = {"id", "arrival_s", "prompt_tokens", "output_tokens"};
const std::set<std::string> kLlmServingSimKeys = {"request_id",     "input_toks",   "output_toks",
                                                  "arrival_time",   "queued_ts",    "scheduled_ts",
                                                  "first_token_ts", "last_token_ts"};

// Calls visit(row, line) for each non-blank line of a JSONL file, each parsed by the strict JSON
// reader (errors name file:line: key).
template <typename Visit>
void ForEachJsonLine(const std::string& path, Visit visit) {
  std::istringstream in(ReadTextFile(path));
  std::string text;
  int line_number = 0;
  while (std::getline(in, text)) {
    ++line_number;
    if (Trim(text).empty()) continue;
    const JsonValue row = JsonDocument::Parse(text, path, line_number).Root();
    if (!row.IsObject()) row.Fail("expected one JSON object per line");
    visit(row, line_number);
  }
}

std::vector<ServeRequest> ReadJsonl(const std::string& path) {
  std::vector<ServeRequest> out;
  double first_arrival = 0.0;
  ForEachJsonLine(path, [&](const JsonValue& row, int line) {
    ServeRequest r;
    r.source_line = line;
    double arrival = 0.0;
    const bool llmservingsim = row.Has("input_toks");
    if (llmservingsim) {
      RejectUnknown(row, kLlmServingSimKeys);
      arrival = Number(row, "arrival_time");
      r.prompt_tokens = Count(row, "input_toks");
      r.output_tokens = Count(row, "output_toks");
    } else {
      RejectUnknown(row, kCanonicalKeys);
      arrival = Number(row, "arrival_s");
      r.prompt_tokens = Count(row, "prompt_tokens");
      r.output_tokens = Count(row, "output_tokens");
    }
    // Canonical traces are relative already (a negative time is an error the simulator names);
    // LLMServingSim's arrival_time is an epoch time, made relative to the first request.
    if (out.empty() && llmservingsim) first_arrival = arrival;
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
    r.prompt_tokens = table.Integer(row, "prompt_tokens", -kMaxTraceTokens, kMaxTraceTokens);
    r.output_tokens = table.Integer(row, "output_tokens", -kMaxTraceTokens, kMaxTraceTokens);
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
  ForEachJsonLine(path, [&](const JsonValue& row, int line) {
    RejectUnknown(row, kLlmServingSimKeys);
    MeasuredRequest m;
    m.line = line;
    if (row.Has("request_id") && row.Child("request_id").IsString()) {
      m.id = row.RequiredString("request_id");
    }
    const double arrival = Number(row, "arrival_time");
    const double queued = Number(row, "queued_ts");
    if (out.empty()) {
      first_arrival = arrival;
      first_queued = queued;
    }
    m.arrival_s = arrival - first_arrival;
    m.queued_s = queued - first_queued;
    m.first_token_s = Number(row, "first_token_ts") - first_queued;
    m.last_token_s = Number(row, "last_token_ts") - first_queued;
    m.prompt_tokens = Count(row, "input_toks");
    m.output_tokens = Count(row, "output_toks");
    out.push_back(m);
  });
  if (out.empty()) throw InputError({path, 0, ""}, "the log has no requests");
  return out;
}

}  // namespace rightsize
