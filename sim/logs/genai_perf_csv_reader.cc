// NVIDIA GenAI-Perf and AIPerf CSV exports: ARTIFACT_DIR/profile_export_genai_perf.csv (GenAI-Perf,
// genai-perf/genai_perf/export_data/csv_exporter.py in triton-inference-server/perf_analyzer) and
// ARTIFACT_DIR/profile_export_aiperf.csv (AIPerf, aiperf/exporters/csv_exporter.py in
// ai-dynamo/aiperf). Both write sections separated by a blank line:
//   - request metrics: header `Metric,avg,min,max,p99,...,p50,...`, one row per metric named
//     "Time To First Token (ms)" / "Time to First Token (ms)", "Inter Token Latency (ms)",
//     "Input Sequence Length" / "Input Sequence Length (tokens)", "Output Sequence Length ...";
//     GenAI-Perf formats values with thousands separators ("1,234.56", quoted);
//   - system metrics: header `Metric,Value` ("Request Throughput (per sec)", AIPerf's "Request
//     Count");
//   - AIPerf's GPU telemetry (not read).
// Used: the p50 of TTFT and of the inter-token latency (GenAI-Perf's and AIPerf's ITL is the time
// per output token after the first, as in their JSON exports), the avg of the sequence lengths,
// and AIPerf's Request Count when present.
// The CSV names neither the model nor the load. Both tools name the artifact folder after them:
// `{model}-{service kind}-{endpoint type or backend}-{stimulus}` with the model's '/' written as
// '_' and the stimulus `concurrency{N}` or `request_rate{R}` (AIPerf: both when both are set);
// that folder name is read (GenaiPerfArtifactName), --model overrides the model. The rows are
// ServingRunRows' (serving_run.h): a concurrency of N is N closed-loop clients, a request rate an
// open-loop Poisson run; the engine is the Triton backend for `triton-{backend}` folders, else
// the tool's name (pass --engine). --hardware is required (the export does not name the GPU).
#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <limits>
#include <map>
#include <sstream>

#include "sim/logs/readers.h"
#include "sim/logs/serving_run.h"
#include "sim/util/csv.h"
#include "sim/util/file_io.h"
#include "sim/util/integers.h"
#include "sim/util/strings.h"

namespace rightsize {
namespace {

// A metric's name without its unit, lower case ("time to first token"), and the unit ("ms").
struct MetricName {
  std::string name;
  std::string unit;
};

MetricName SplitMetricName(const std::string& label) {
  MetricName m;
  const size_t open = label.rfind(" (");
  if (open != std::string::npos && !label.empty() && label.back() == ')') {
    m.unit = label.substr(open + 2, label.size() - open - 3);
    m.name = ToLower(Trim(label.substr(0, open)));
  } else {
    m.name = ToLower(Trim(label));
  }
  return m;
}

// Seconds per unit of a latency; InputError for a unit the tools do not write.
double SecondsPer(const std::string& unit, const SourceLocation& where) {
  if (unit == "ms") return 1e-3;
  if (unit == "s" || unit == "sec") return 1.0;
  if (unit == "us") return 1e-6;
  if (unit == "ns") return 1e-9;
  throw InputError(where, "unknown latency unit '" + unit + "' (ms, s, us, ns)");
}

// One statistic of one metric, where it sits in the file.
struct Stat {
  double value = 0.0;
  std::string unit;
  SourceLocation where;
};

// Every (metric, statistic) of the file's `Metric,...` sections, by lower-case metric name.
// Each section is parsed as its own table, with the other lines blanked so line numbers hold.
std::map<std::string, std::map<std::string, Stat>> ReadSections(const std::string& path) {
  const std::string text = ReadTextFile(path);
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  std::map<std::string, std::map<std::string, Stat>> stats;
  size_t start = 0;
  while (start < lines.size()) {
    while (start < lines.size() && Trim(lines[start]).empty()) ++start;
    size_t end = start;
    while (end < lines.size() && !Trim(lines[end]).empty()) ++end;
    if (start < lines.size() && lines[start].rfind("Metric,", 0) == 0) {
      std::string section;
      for (size_t i = 0; i < end; ++i) section += (i >= start ? lines[i] : "") + "\n";
      const CsvTable table = CsvTable::Parse(section, path);
      for (const CsvRow& row : table.rows()) {
        const MetricName metric = SplitMetricName(table.Cell(row, "Metric"));
        for (size_t c = 1; c < table.header().size(); ++c) {
          const std::string& column = table.header()[c];
          std::string cell = Trim(row.fields[c]);
          cell.erase(std::remove(cell.begin(), cell.end(), ','), cell.end());  // "1,234.56"
          if (cell.empty() || cell == "N/A") continue;
          char* parsed_end = nullptr;
          const double value = std::strtod(cell.c_str(), &parsed_end);
          if (parsed_end == cell.c_str() || *parsed_end != '\0' || !std::isfinite(value)) {
            throw InputError(table.Where(row, column), "expected a number, got '" + cell + "'");
          }
          stats[metric.name][ToLower(column)] = {value, metric.unit, table.Where(row, column)};
        }
      }
    }
    start = end;
  }
  return stats;
}

const Stat* FindStat(const std::map<std::string, std::map<std::string, Stat>>& stats,
                     const std::string& metric, const std::string& statistic) {
  const auto m = stats.find(metric);
  if (m == stats.end()) return nullptr;
  const auto s = m->second.find(statistic);
  return s == m->second.end() ? nullptr : &s->second;
}

}  // namespace

GenaiPerfArtifactName ParseGenaiPerfArtifactName(const std::string& folder) {
  GenaiPerfArtifactName out;
  for (const char* kind : {"-openai-", "-triton-", "-tensorrtllm_engine", "-dynamo-"}) {
    const size_t at = folder.find(kind);
    if (at == std::string::npos || at == 0) continue;
    out.model = folder.substr(0, at);
    const std::string rest = folder.substr(at + 1);
    if (rest.rfind("triton-", 0) == 0) {
      const std::string backend = rest.substr(7, rest.find('-', 7) - 7);
      out.engine = backend;
    }
    for (const std::string& part : Split(rest, '-')) {
      // concurrency{N}, N of at most 9 digits (a longer one is no concurrency the tools write).
      if (part.rfind("concurrency", 0) == 0 && part.size() > 11 && part.size() <= 20 &&
          std::all_of(part.begin() + 11, part.end(),
                      [](unsigned char c) { return std::isdigit(c); })) {
        out.concurrency = std::stoll(part.substr(11));
      }
      if (part.rfind("request_rate", 0) == 0 && part.size() > 12) {
        char* end = nullptr;
        const std::string number = part.substr(12);
        const double rate = std::strtod(number.c_str(), &end);
        if (end != number.c_str() && *end == '\0' && rate > 0 && std::isfinite(rate)) {
          out.requests_per_s = rate;
        }
      }
    }
    out.matched = true;
    return out;
  }
  return out;
}

LogReadResult ReadGenaiPerfCsv(const std::string& path, const LogReadOptions& options) {
  const auto stats = ReadSections(path);
  const bool aiperf =
      std::filesystem::path(path).filename().string().find("aiperf") != std::string::npos;
  const std::string folder = std::filesystem::path(path).parent_path().filename().string();
  const GenaiPerfArtifactName artifact = ParseGenaiPerfArtifactName(folder);

  ServingRun run;
  run.format = aiperf ? "aiperf" : "genai-perf";
  run.engine = artifact.engine.empty() ? run.format : artifact.engine;
  run.model_where = {path, 0, "artifact folder"};
  if (options.model_id.empty() && !artifact.matched) {
    throw InputError({path, 0, ""},
                     "the CSV export names no model, and its folder '" + folder +
                         "' is not an artifact folder named {model}-{service kind}-...; pass "
                         "--model ID");
  }
  // The folder writes the model's '/' as '_': try the repository form first.
  run.model_name = artifact.model;
  if (const size_t underscore = artifact.model.find('_'); underscore != std::string::npos) {
    std::string repo = artifact.model;
    repo[underscore] = '/';
    if (options.MapModel(repo)) run.model_name = repo;
  }

  for (const char* name : {"input sequence length", "output sequence length"}) {
    if (!FindStat(stats, name, "avg")) {
      throw InputError({path, 0, name}, std::string("no avg of ") + name +
                                            " (expected a GenAI-Perf or AIPerf CSV export)");
    }
  }
  const Stat& input = *FindStat(stats, "input sequence length", "avg");
  const Stat& output = *FindStat(stats, "output sequence length", "avg");
  run.mean_input_tokens = input.value;
  run.input_where = input.where;
  run.mean_output_tokens = output.value;
  run.output_where = output.where;
  if (const Stat* itl = FindStat(stats, "inter token latency", "p50")) {
    run.tpot_s = itl->value * SecondsPer(itl->unit, itl->where);
    run.tpot_where = itl->where;
  }
  run.tpot_missing = "no Inter Token Latency p50 (a run without --streaming)";
  if (const Stat* ttft = FindStat(stats, "time to first token", "p50")) {
    run.ttft_s = ttft->value * SecondsPer(ttft->unit, ttft->where);
    run.ttft_where = ttft->where;
  }
  run.ttft_missing = "no Time To First Token p50 (a run without --streaming)";

  const Stat* count = FindStat(stats, "request count", "value");
  const int64_t requests =
      count ? WholeInRange(count->value, 1, kMaxLogBatch, count->where) : int64_t{0};
  if (artifact.concurrency > 0 && artifact.requests_per_s == 0) {
    run.running_batch = std::min<int64_t>(artifact.concurrency, kMaxLogBatch);
    run.load = ServingLoad{0.0, 1.0, run.running_batch, requests};
  } else if (artifact.requests_per_s > 0 && artifact.concurrency == 0) {
    run.load = ServingLoad{artifact.requests_per_s, 1.0, 0, requests};
  }
  run.no_batch_reason = "the CSV export states no load, and its folder '" + folder +
                        "' names no concurrency{N} or request_rate{R} alone: the running batch "
                        "behind this TPOT is unknown";
  LogReadResult result;
  ServingRunRows(run, path, options, &result);
  return result;
}

}  // namespace rightsize
