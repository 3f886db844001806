// Traffic generation (seeded arrival processes and length distributions) and trace reading.
#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "sim/serve/trace_reader.h"
#include "sim/serve/traffic.h"
#include "tests/error_of.h"
#include "tests/temp_file.h"

using namespace rightsize;
using namespace rightsize::testing;

namespace {

double Cv(const std::vector<ServeRequest>& r) {
  std::vector<double> gaps;
  for (std::size_t i = 1; i < r.size(); ++i) gaps.push_back(r[i].arrival_s - r[i - 1].arrival_s);
  double mean = 0, var = 0;
  for (double g : gaps) mean += g;
  mean /= static_cast<double>(gaps.size());
  for (double g : gaps) var += (g - mean) * (g - mean);
  var /= static_cast<double>(gaps.size() - 1);
  return std::sqrt(var) / mean;
}

}  // namespace

TEST_CASE("Poisson and gamma arrivals have the requested rate and coefficient of variation") {
  ServeTraffic t;
  t.num_requests = 40000;
  t.requests_per_s = 5;
  const std::vector<ServeRequest> poisson = GenerateRequests(t, 1);
  CHECK(static_cast<double>(poisson.size()) / poisson.back().arrival_s == Approx(5).epsilon(0.02));
  CHECK(Cv(poisson) == Approx(1).epsilon(0.02));
  t.arrival = ArrivalKind::kGamma;
  t.cv = 3;
  const std::vector<ServeRequest> bursty = GenerateRequests(t, 1);
  CHECK(static_cast<double>(bursty.size()) / bursty.back().arrival_s == Approx(5).epsilon(0.05));
  CHECK(Cv(bursty) == Approx(3).epsilon(0.05));
  t.arrival = ArrivalKind::kOffline;
  for (const ServeRequest& r : GenerateRequests(t, 1)) CHECK(r.arrival_s == 0.0);
}

TEST_CASE("length distributions: fixed, uniform, log-normal and empirical") {
  std::mt19937_64 rng(1);
  const LengthDistribution u = ParseLengthDistribution("uniform:10:20", "x");
  const LengthDistribution ln = ParseLengthDistribution("lognormal:500:0.4", "x");
  const LengthDistribution e = ParseLengthDistribution("empirical:3,5,7", "x");
  double sum_u = 0, sum_ln = 0;
  std::vector<double> logs;
  for (int i = 0; i < 20000; ++i) {
    const int64_t a = u.Sample(rng);
    CHECK((a >= 10 && a <= 20));
    sum_u += static_cast<double>(a);
    const int64_t b = ln.Sample(rng);
    sum_ln += static_cast<double>(b);
    logs.push_back(std::log(static_cast<double>(b)));
    const int64_t c = e.Sample(rng);
    CHECK((c == 3 || c == 5 || c == 7));
  }
  CHECK(sum_u / 20000 == Approx(15).epsilon(0.01));
  CHECK(sum_ln / 20000 == Approx(ln.Mean()).epsilon(0.01));
  CHECK(ParseLengthDistribution("1000", "x").value == 1000);
  CHECK_THROWS_AS(ParseLengthDistribution("uniform:20:10", "x"), InputError);
  CHECK_THROWS_AS(ParseLengthDistribution("zipf:3", "x"), InputError);
  CHECK_THROWS_AS(ParseLengthDistribution("0", "x"), InputError);
}

TEST_CASE("changing the rate moves only the arrival times (common random numbers)") {
  ServeTraffic t;
  t.num_requests = 100;
  t.prompt = ParseLengthDistribution("uniform:10:1000", "p");
  t.output = ParseLengthDistribution("uniform:10:1000", "o");
  t.requests_per_s = 1;
  const std::vector<ServeRequest> a = GenerateRequests(t, 3);
  t.requests_per_s = 4;
  const std::vector<ServeRequest> b = GenerateRequests(t, 3);
  for (std::size_t i = 0; i < a.size(); ++i) {
    CHECK(a[i].prompt_tokens == b[i].prompt_tokens);
    CHECK(a[i].output_tokens == b[i].output_tokens);
    CHECK(b[i].arrival_s == Approx(a[i].arrival_s / 4).epsilon(1e-12));
  }
}

TEST_CASE("traces: canonical JSONL, CSV and LLMServingSim's request logs") {
  const std::string jsonl = WriteTempFile(
      "rightsize_serve_test", "t.jsonl",
      "{\"arrival_s\": 0.5, \"prompt_tokens\": 10, \"output_tokens\": 3}\n\n"
      "{\"arrival_s\": 1.5, \"prompt_tokens\": 20, \"output_tokens\": 4, \"id\": \"b\"}\n");
  const std::vector<ServeRequest> j = ReadRequestTrace(jsonl);
  REQUIRE(j.size() == 2);
  CHECK(j[1].arrival_s == 1.5);
  CHECK(j[1].source_line == 3);
  const std::string csv = WriteTempFile("rightsize_serve_test", "t.csv",
                                        "arrival_s,prompt_tokens,output_tokens\n0,5,6\n2.5,7,8\n");
  const std::vector<ServeRequest> c = ReadRequestTrace(csv);
  REQUIRE(c.size() == 2);
  CHECK(c[1].output_tokens == 8);
  const std::string log =
      std::string(RIGHTSIZE_SOURCE_DIR) +
      "/data/runs/llmservingsim-vllm-validation/RTX4090/Llama-3.1-8B/vllm/requests.jsonl";
  const std::vector<ServeRequest> l = ReadRequestTrace(log);
  REQUIRE(l.size() == 300);
  CHECK(l[0].arrival_s == 0.0);
  CHECK(l[0].prompt_tokens == 2358);
  CHECK(l[0].output_tokens == 531);
  CHECK(l[299].arrival_s == Approx(29.1).epsilon(0.01));
}

TEST_CASE("a trace with an unknown key or a non-number names file, line and key") {
  const std::string unknown =
      WriteTempFile("rightsize_serve_test", "u.jsonl",
                    "{\"arrival_s\": 0, \"prompt_tokens\": 1, \"output_tokens\": 1}\n"
                    "{\"arrival\": 0, \"prompt_tokens\": 1, \"output_tokens\": 1}\n");
  CHECK_THAT(ErrorOf([&] { ReadRequestTrace(unknown); }),
             Catch::Matchers::Contains(unknown + ":2: arrival"));
  const std::string text =
      WriteTempFile("rightsize_serve_test", "s.jsonl",
                    "{\"arrival_s\": \"soon\", \"prompt_tokens\": 1, \"output_tokens\": 1}\n");
  CHECK_THAT(ErrorOf([&] { ReadRequestTrace(text); }),
             Catch::Matchers::Contains(text + ":1: arrival_s"));
  const std::string column =
      WriteTempFile("rightsize_serve_test", "c.csv", "arrival_s,prompt,output_tokens\n0,1,1\n");
  CHECK_THAT(ErrorOf([&] { ReadRequestTrace(column); }),
             Catch::Matchers::Contains(column + ":1: prompt"));
}
