// Serving traffic: when requests arrive and how long their prompts and outputs are, drawn with an
// explicitly seeded std::mt19937_64 (the same seed gives the same requests), or read from a
// trace (trace_reader.h).
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace rightsize {

// One request of a stream.
struct ServeRequest {
  double arrival_s = 0.0;      // seconds from the start, >= 0, non-decreasing over a stream
  int64_t prompt_tokens = 1;   // >= 1
  int64_t output_tokens = 1;   // tokens to generate, >= 1
  bool shares_prefix = false;  // its prompt starts with the traffic's shared prefix
  int source_line = 0;         // line in the trace it came from (0: generated)
};

enum class LengthKind {
  kFixed,      // always `value`
  kUniform,    // integer uniform on [min, max]
  kLogNormal,  // exp(N(ln median, sigma)), rounded, clamped to [min, max]
  kEmpirical,  // one of `values`, uniformly
};

struct LengthDistribution {
  LengthKind kind = LengthKind::kFixed;
  int64_t value = 1;  // kFixed, >= 1
  int64_t min = 1;    // kUniform / kLogNormal bounds, 1 <= min <= max
  int64_t max = 1;
  double median = 1.0;          // kLogNormal, > 0
  double sigma = 0.0;           // kLogNormal, sd of the log, >= 0
  std::vector<int64_t> values;  // kEmpirical, each >= 1, not empty

  int64_t Sample(std::mt19937_64& rng) const;
  // Mean of the distribution (kLogNormal: of the unclamped law, exp(mu + sigma^2 / 2)).
  double Mean() const;
};

bool Validate(const LengthDistribution& d, std::string* why);
// "fixed:N", "uniform:MIN:MAX", "lognormal:MEDIAN:SIGMA[:MIN:MAX]", "empirical:N1,N2,...".
LengthDistribution ParseLengthDistribution(const std::string& text, const std::string& key);
std::string ToString(const LengthDistribution& d);

enum class ArrivalKind {
  kPoisson,     // exponential inter-arrival times at requests_per_s
  kGamma,       // gamma inter-arrival times at requests_per_s with coefficient of variation cv
  kClosedLoop,  // `concurrency` clients, each sending its next request when the last finishes
  kOffline,     // every request at t = 0 (maximum throughput)
  kTrace,       // arrival times and lengths from a trace file
};
std::string ToString(ArrivalKind kind);
ArrivalKind ParseArrivalKind(const std::string& text, const std::string& key);

struct ServeTraffic {
  ArrivalKind arrival = ArrivalKind::kPoisson;
  double requests_per_s = 1.0;  // kPoisson / kGamma, > 0
  double cv = 1.0;              // kGamma, > 0 (1 is Poisson; > 1 bursty)
  int64_t concurrency = 1;      // kClosedLoop, >= 1
  int64_t num_requests = 1000;  // requests generated, >= 1
  LengthDistribution prompt;
  LengthDistribution output;
  // Prefix sharing (prefix caching): shared_prefix_tokens of a request's prompt are common to
  // the fraction prefix_share of requests (e.g. a system prompt).
  int64_t shared_prefix_tokens = 0;  // >= 0
  double prefix_share = 0.0;         // [0, 1]
};

bool Validate(const ServeTraffic& traffic, std::string* why);

// The requests of a generated traffic (not kTrace). Independent random streams for arrival times,
// prompt lengths, output lengths and prefix sharing, all from `seed`, so changing the rate moves
// only the arrival times (common random numbers across rates). kClosedLoop and kOffline give
// arrival 0 (the simulator issues closed-loop requests as earlier ones finish).
std::vector<ServeRequest> GenerateRequests(const ServeTraffic& traffic, uint64_t seed);
// Arrival times multiplied by `factor` (> 0): the same stream at rate / factor.
void ScaleArrivals(double factor, std::vector<ServeRequest>* requests);

}  // namespace rightsize
