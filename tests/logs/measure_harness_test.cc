// The measure harness: measures this machine, and what it writes loads back through the
// canonical reader and the hardware / model YAML loaders.
#include <catch2/catch.hpp>

#include <filesystem>

#include "sim/logs/measure_harness.h"
#include "sim/logs/readers.h"
#include "sim/spec/yaml_loaders.h"
#include "sim/util/output_path.h"

namespace rightsize {
namespace {

TEST_CASE("measure harness times real work and its files load back", "[logs][measure][serial]") {
  MeasureOptions options;
  options.quick = true;
  options.seconds_per_point = 0.01;
  const MeasureResult r = RunMeasureHarness(options);
  // One core does at least 1 GFLOP/s fp32 and 1 GB/s triad on anything that runs CI; the bounds
  // only catch unit slips (a 1e9 factor), not slow machines.
  const double peak = r.hardware.peak_flops_per_s.at(Precision::kFp32);
  CHECK(peak > 1e9);
  CHECK(peak < 1e13);
  CHECK(r.hardware.memory_bandwidth_bytes_per_s > 1e9);
  CHECK(r.hardware.memory_bandwidth_bytes_per_s < 1e12);
  CHECK(r.hardware.source.find("MEASURED") != std::string::npos);
  REQUIRE(r.measurements.size() >= 20);
  int steps = 0;
  for (const auto& m : r.measurements) {
    CHECK(m.interval_time_s > 0.0);
    CHECK(m.hardware_id == "local-cpu");
    steps += m.metric == MetricKind::kStepTime;
  }
  CHECK(steps == 6);
  CHECK(r.elapsed_s < 60.0);

  const auto dir = std::filesystem::temp_directory_path() / "rightsize_measure_test";
  std::filesystem::create_directories(dir);
  WriteFileAtomically((dir / "local-cpu.yaml").string(), HardwareSpecYaml(r.hardware));
  WriteFileAtomically((dir / "measure-small-decoder.yaml").string(), ModelSpecYaml(r.small_model));
  std::string csv = CanonicalCsvHeader();
  for (Measurement m : r.measurements) {
    if (m.metric != MetricKind::kOpTime) m.model_id = "measure-small-decoder.yaml";
    csv += CanonicalCsvRow(m);
  }
  WriteFileAtomically((dir / "measurements.csv").string(), csv);

  const HardwareSpec loaded = LoadHardwareSpecYaml((dir / "local-cpu.yaml").string());
  CHECK(loaded.peak_flops_per_s.at(Precision::kFp32) == Approx(peak).epsilon(1e-5));
  CHECK(loaded.cpu.has_value());
  LogReadOptions read(Catalog::Default());
  read.extra_hardware.emplace(loaded.id, loaded);
  const LogReadResult back = ReadLog((dir / "measurements.csv").string(), "", read);
  CHECK(back.skipped.empty());
  REQUIRE(back.measurements.size() == r.measurements.size());
  for (size_t i = 0; i < back.measurements.size(); ++i) {
    CHECK(back.measurements[i].interval_time_s ==
          Approx(r.measurements[i].interval_time_s).epsilon(1e-6));
    CHECK(back.measurements[i].ops.size() == r.measurements[i].ops.size());
  }
}

}  // namespace
}  // namespace rightsize
