#include "sim/serve/traffic.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "sim/util/error.h"
#include "sim/util/strings.h"

namespace rightsize {
namespace {

// Independent, reproducible streams from one seed (std::seed_seq mixes the seed with the
// stream's id).
std::mt19937_64 Stream(uint64_t seed, uint32_t stream_id) {
  std::seed_seq seq{static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32), stream_id};
  return std::mt19937_64(seq);
}

int64_t ParseCount(const std::string& text, const std::string& key) {
  try {
    std::size_t used = 0;
    const double v = std::stod(Trim(text), &used);
    if (used != Trim(text).size() || !(v >= 1) || v != std::floor(v) || v > 1e12) throw 0;
    return static_cast<int64_t>(v);
  } catch (...) {
    throw InputError({"", 0, key}, "expected a whole number of tokens >= 1, got '" + text + "'");
  }
}

double ParsePositive(const std::string& text, const std::string& key, bool allow_zero) {
  try {
    std::size_t used = 0;
    const double v = std::stod(Trim(text), &used);
    if (used != Trim(text).size() || !std::isfinite(v) || v < 0 || (!allow_zero && v == 0)) throw 0;
    return v;
  } catch (...) {
    throw InputError({"", 0, key}, fmt::format("expected a number {} 0, got '{}'",
                                               allow_zero ? ">=" : ">", text));
  }
}

}  // namespace

int64_t LengthDistribution::Sample(std::mt19937_64& rng) const {
  switch (kind) {
    case LengthKind::kFixed:
      return value;
    case LengthKind::kUniform:
      return std::uniform_int_distribution<int64_t>(min, max)(rng);
    case LengthKind::kLogNormal: {
      const double x = std::lognormal_distribution<double>(std::log(median), sigma)(rng);
      return std::clamp<int64_t>(static_cast<int64_t>(std::llround(x)), min, max);
    }
    case LengthKind::kEmpirical:
      return values[std::uniform_int_distribution<std::size_t>(0, values.size() - 1)(rng)];
  }
  return value;
}

double LengthDistribution::Mean() const {
  switch (kind) {
    case LengthKind::kFixed:
      return static_cast<double>(value);
    case LengthKind::kUniform:
      return 0.5 * static_cast<double>(min + max);
    case LengthKind::kLogNormal:
      return median * std::exp(0.5 * sigma * sigma);
    case LengthKind::kEmpirical: {
      double sum = 0;
      for (int64_t v : values) sum += static_cast<double>(v);
      return values.empty() ? 0.0 : sum / static_cast<double>(values.size());
    }
  }
  return 0.0;
}

bool Validate(const LengthDistribution& d, std::string* why) {
  auto fail = [&](const std::string& m) {
    if (why) *why = m;
    return false;
  };
  switch (d.kind) {
    case LengthKind::kFixed:
      if (d.value < 1) return fail("a fixed length must be >= 1");
      break;
    case LengthKind::kUniform:
      if (d.min < 1 || d.max < d.min) return fail("uniform lengths need 1 <= min <= max");
      break;
    case LengthKind::kLogNormal:
      if (!(d.median > 0) || !(d.sigma >= 0) || d.min < 1 || d.max < d.min) {
        return fail("log-normal lengths need median > 0, sigma >= 0 and 1 <= min <= max");
      }
      break;
    case LengthKind::kEmpirical:
      if (d.values.empty()) return fail("empirical lengths need at least one value");
      for (int64_t v : d.values) {
        if (v < 1) return fail("empirical lengths must be >= 1");
      }
      break;
  }
  return true;
}

LengthDistribution ParseLengthDistribution(const std::string& text, const std::string& key) {
  const std::vector<std::string> parts = Split(text, ':');
  const std::string kind = ToLower(Trim(parts.empty() ? "" : parts[0]));
  LengthDistribution d;
  auto expect = [&](std::size_t lo, std::size_t hi, const char* form) {
    if (parts.size() < lo || parts.size() > hi) {
      throw InputError({"", 0, key}, fmt::format("'{}': expected {}", text, form));
    }
  };
  if (parts.size() == 1 && !kind.empty() && std::isdigit(static_cast<unsigned char>(kind[0]))) {
    d.kind = LengthKind::kFixed;
    d.value = ParseCount(parts[0], key);
  } else if (kind == "fixed") {
    expect(2, 2, "fixed:N");
    d.value = ParseCount(parts[1], key);
  } else if (kind == "uniform") {
    expect(3, 3, "uniform:MIN:MAX");
    d.kind = LengthKind::kUniform;
    d.min = ParseCount(parts[1], key);
    d.max = ParseCount(parts[2], key);
  } else if (kind == "lognormal") {
    expect(3, 5, "lognormal:MEDIAN:SIGMA[:MIN:MAX]");
    d.kind = LengthKind::kLogNormal;
    d.median = ParsePositive(parts[1], key, false);
    d.sigma = ParsePositive(parts[2], key, true);
    d.min = parts.size() >= 4 ? ParseCount(parts[3], key) : 1;
    d.max = parts.size() == 5 ? ParseCount(parts[4], key) : int64_t{1} << 40;
  } else if (kind == "empirical") {
    expect(2, 2, "empirical:N1,N2,...");
    d.kind = LengthKind::kEmpirical;
    for (const std::string& v : Split(parts[1], ',')) d.values.push_back(ParseCount(v, key));
  } else {
    throw InputError({"", 0, key}, fmt::format("unknown length distribution '{}' (valid: fixed:N, "
                                               "uniform:MIN:MAX, lognormal:MEDIAN:SIGMA[:MIN:MAX], "
                                               "empirical:N1,N2,...)",
                                               text));
  }
  std::string why;
  if (!Validate(d, &why)) throw InputError({"", 0, key}, why);
  return d;
}

std::string ToString(const LengthDistribution& d) {
  switch (d.kind) {
    case LengthKind::kFixed:
      return fmt::format("fixed:{}", d.value);
    case LengthKind::kUniform:
      return fmt::format("uniform:{}:{}", d.min, d.max);
    case LengthKind::kLogNormal:
      return fmt::format("lognormal:{}:{}:{}:{}", d.median, d.sigma, d.min, d.max);
    case LengthKind::kEmpirical:
      return fmt::format("empirical:{} values", d.values.size());
  }
  return "?";
}

std::string ToString(ArrivalKind kind) {
  switch (kind) {
    case ArrivalKind::kPoisson:
      return "poisson";
    case ArrivalKind::kGamma:
      return "gamma";
    case ArrivalKind::kClosedLoop:
      return "closed_loop";
    case ArrivalKind::kOffline:
      return "offline";
    case ArrivalKind::kTrace:
      return "trace";
  }
  return "?";
}

ArrivalKind ParseArrivalKind(const std::string& text, const std::string& key) {
  for (ArrivalKind k : {ArrivalKind::kPoisson, ArrivalKind::kGamma, ArrivalKind::kClosedLoop,
                        ArrivalKind::kOffline, ArrivalKind::kTrace}) {
    if (ToLower(Trim(text)) == ToString(k)) return k;
  }
  throw InputError({"", 0, key}, "unknown arrival process '" + text +
                                     "' (valid: poisson, gamma, closed_loop, offline, trace)");
}

bool Validate(const ServeTraffic& t, std::string* why) {
  auto fail = [&](const std::string& m) {
    if (why) *why = m;
    return false;
  };
  const bool open = t.arrival == ArrivalKind::kPoisson || t.arrival == ArrivalKind::kGamma;
  if (open && !(t.requests_per_s > 0 && std::isfinite(t.requests_per_s))) {
    return fail("requests_per_s must be > 0");
  }
  if (t.arrival == ArrivalKind::kGamma && !(t.cv > 0 && std::isfinite(t.cv))) {
    return fail("cv must be > 0");
  }
  if (t.arrival == ArrivalKind::kClosedLoop && t.concurrency < 1)
    return fail("concurrency must be >= 1");
  if (t.num_requests < 1) return fail("num_requests must be >= 1");
  std::string sub;
  if (t.arrival != ArrivalKind::kTrace) {
    if (!Validate(t.prompt, &sub)) return fail("prompt_tokens: " + sub);
    if (!Validate(t.output, &sub)) return fail("output_tokens: " + sub);
  }
  if (t.shared_prefix_tokens < 0) return fail("shared_prefix_tokens must be >= 0");
  if (!(t.prefix_share >= 0 && t.prefix_share <= 1)) return fail("prefix_share must be in [0, 1]");
  return true;
}

std::vector<ServeRequest> GenerateRequests(const ServeTraffic& t, uint64_t seed) {
  std::string why;
  if (!Validate(t, &why)) throw InputError({"", 0, "traffic"}, why);
  RS_CHECK(t.arrival != ArrivalKind::kTrace, "trace traffic is read, not generated");
  std::mt19937_64 arrivals = Stream(seed, 1);
  std::mt19937_64 prompts = Stream(seed, 2);
  std::mt19937_64 outputs = Stream(seed, 3);
  std::mt19937_64 prefixes = Stream(seed, 4);
  std::vector<ServeRequest> requests(static_cast<std::size_t>(t.num_requests));
  double clock_s = 0.0;
  // Gamma with shape 1/cv^2 and mean 1/rate has the requested coefficient of variation.
  const double shape = t.arrival == ArrivalKind::kGamma ? 1.0 / (t.cv * t.cv) : 1.0;
  std::exponential_distribution<double> exponential(t.requests_per_s);
  std::gamma_distribution<double> gamma(shape, 1.0 / (t.requests_per_s * shape));
  std::bernoulli_distribution share(t.prefix_share);
  for (ServeRequest& r : requests) {
    if (t.arrival == ArrivalKind::kPoisson) clock_s += exponential(arrivals);
    if (t.arrival == ArrivalKind::kGamma) clock_s += gamma(arrivals);
    r.arrival_s = clock_s;
    r.prompt_tokens = t.prompt.Sample(prompts);
    r.output_tokens = t.output.Sample(outputs);
    r.shares_prefix = t.shared_prefix_tokens > 0 && share(prefixes);
  }
  return requests;
}

void ScaleArrivals(double factor, std::vector<ServeRequest>* requests) {
  RS_CHECK(factor > 0, "arrival scale factor must be > 0");
  for (ServeRequest& r : *requests) r.arrival_s *= factor;
}

}  // namespace rightsize
