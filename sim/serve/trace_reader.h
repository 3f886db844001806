// Request traces: arrival time, prompt and output tokens per request, read from
//   - JSONL, one object per line: {"arrival_s": 0.25, "prompt_tokens": 812, "output_tokens": 128}
//     (optional "id"), or the per-request logs of LLMServingSim's vLLM runs
//     (bench/examples/*/*/vllm/requests.jsonl: request_id, input_toks, output_toks, arrival_time
//     in epoch seconds, and the engine's queued / scheduled / first / last token timestamps);
//   - CSV with a header naming arrival_s, prompt_tokens, output_tokens (optional id).
// Arrival times are made relative to the first request. Every error names file:line: key.
#pragma once

#include <string>
#include <vector>

#include "sim/serve/traffic.h"

namespace rightsize {

// Reads a trace (.jsonl / .json lines, or .csv by extension). Requests keep their file order and
// source line; SimulateRequests checks order and lengths against the model.
std::vector<ServeRequest> ReadRequestTrace(const std::string& path);

// What a vLLM run logged for one request (LLMServingSim's requests.jsonl), seconds.
struct MeasuredRequest {
  std::string id;
  double arrival_s = 0.0;  // arrival_time, relative to the first request
  double queued_s = 0.0;   // engine timestamps, relative to the first request's queued_ts
  double first_token_s = 0.0;
  double last_token_s = 0.0;
  int64_t prompt_tokens = 0;
  int64_t output_tokens = 0;
  int line = 0;
  // The definitions LLMServingSim reports (bench/README): from queued_ts.
  double TtftS() const { return first_token_s - queued_s; }
  double E2eS() const { return last_token_s - queued_s; }
  double TpotS() const;  // (last - first) / (output - 1)
};
std::vector<MeasuredRequest> ReadMeasuredRequests(const std::string& path);

}  // namespace rightsize
