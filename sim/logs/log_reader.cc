// Format detection and dispatch: the header or first key of a file tells its format, so
// `rightsize calibrate` can take a mixed list of logs without --format.
#include <filesystem>
#include <fstream>

#include "sim/logs/readers.h"
#include "sim/util/strings.h"

namespace rightsize {
namespace {

std::string Head(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) throw InputError({path, 0, ""}, "is a folder; expected a log file");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError({path, 0, ""}, "cannot open the log file");
  std::string head(8192, '\0');
  in.read(head.data(), static_cast<std::streamsize>(head.size()));
  head.resize(static_cast<size_t>(in.gcount()));
  return head;
}

bool Contains(const std::string& text, const std::string& needle) {
  return text.find(needle) != std::string::npos;
}

}  // namespace

std::vector<std::string> LogFormatNames() {
  return {"canonical", "vidur", "ml-energy", "optimum", "llama-bench", "vllm", "mlperf"};
}

std::string DetectLogFormat(const std::string& path) {
  const std::string head = Head(path);
  const std::string first_line = head.substr(0, head.find('\n'));
  if (Contains(first_line, "metric") && Contains(first_line, "op_kind")) return "canonical";
  if (Contains(first_line, "num_tensor_parallel_workers")) return "vidur";
  if (Contains(first_line, "Avg TPOT (s)") || Contains(first_line, "median_itl_ms")) return "ml-energy";
  if (Contains(first_line, "Prefill Latency (s)")) return "optimum";
  if (Contains(head, "avg_ts") && Contains(head, "n_prompt")) return "llama-bench";
  if (Contains(head, "median_tpot_ms") || Contains(head, "median_ttft_ms")) return "vllm";
  if (Contains(head, "MLPerf Results Summary")) return "mlperf";
  throw InputError({path, 1, ""}, "unrecognised log format; pass --format (" +
                                      [] {
                                        std::string names;
                                        for (const auto& n : LogFormatNames()) names += (names.empty() ? "" : ", ") + n;
                                        return names;
                                      }() +
                                      ")");
}

LogReadResult ReadLog(const std::string& path, const std::string& format,
                      const LogReadOptions& options) {
  const std::string f = format.empty() ? DetectLogFormat(path) : format;
  if (f == "canonical") return ReadCanonicalCsv(path, options);
  if (f == "vidur") return ReadVidurCsv(path, options);
  if (f == "ml-energy") return ReadMlEnergyCsv(path, options);
  if (f == "optimum") return ReadOptimumCsv(path, options);
  if (f == "llama-bench") return ReadLlamaBench(path, options);
  if (f == "vllm") return ReadVllmServingJson(path, options);
  if (f == "mlperf") return ReadMlperfSummary(path, options);
  throw InputError({"", 0, "--format"}, "unknown log format '" + f + "'; " + DidYouMean(f, LogFormatNames()));
}

}  // namespace rightsize
