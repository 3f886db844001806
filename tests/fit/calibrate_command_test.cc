// `rightsize calibrate` as a library call: the calibration file round-trips through
// LoadCalibration, a bad log leaves an existing calibration file untouched (atomic write), and
// LoadCalibration names file and key for every problem.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <map>
#include <random>
#include <sstream>
#include <string>

#include "sim/app/calibrate.h"
#include "sim/spec/yaml_loaders.h"
#include "sim/util/file_io.h"
#include "sim/util/output_path.h"
#include "tests/error_of.h"

namespace rightsize {
namespace {

namespace fs = std::filesystem;

const std::string kFixtureGpu =
    std::string(RIGHTSIZE_SOURCE_DIR) + "/tests/logs/fixtures/catalog/hardware/test-gpu.yaml";

// Canonical op rows (GEMMs and attention on the made-up fixture GPU) whose times come from the
// forward model at known parameters with 2% noise.
std::string WriteSyntheticLog(const fs::path& dir, const EfficiencyParams& truth) {
  const HardwareSpec hw = LoadHardwareSpecYaml(kFixtureGpu);
  Workload w;
  w.weights = w.activations = w.kv_cache = Precision::kFp16;
  w.engine = "synthetic";
  const DeviceRates rates = ResolveRates(hw, w);
  std::mt19937_64 rng(5);
  std::normal_distribution<double> noise(0.0, 0.02);
  std::string csv = CanonicalCsvHeader();
  for (double m : {1.0, 8.0, 64.0, 512.0, 4096.0}) {
    for (double k : {1024.0, 4096.0}) {
      for (double n : {1024.0, 8192.0}) {
        Measurement meas;
        meas.hardware_id = "test-gpu";
        meas.engine = "synthetic";
        meas.workload = w;
        meas.metric = MetricKind::kOpTime;
        meas.ops = {GemmOp("gemm", m, k, n, 2.0)};
        meas.value = PredictStepTime_s(meas.ops, rates, truth.data()) * std::exp(noise(rng));
        meas.label = "gemm m" + std::to_string(static_cast<int>(m));
        csv += CanonicalCsvRow(meas);
      }
    }
  }
  const std::string path = (dir / "ops.csv").string();
  WriteFileAtomically(path, csv);
  return path;
}

using testing::ErrorOf;

TEST_CASE("calibrate writes a file LoadCalibration reads back, and a bad log leaves it intact",
          "[fit][cli]") {
  const fs::path dir = fs::temp_directory_path() / "rightsize_calibrate_test";
  fs::remove_all(dir);
  fs::create_directories(dir);
  EfficiencyParams truth;
  truth[EfficiencyParams::kComputeEfficiency] = 0.6;
  truth[EfficiencyParams::kMemoryEfficiency] = 0.75;
  app::CalibrateOptions o;
  o.logs = {WriteSyntheticLog(dir, truth)};
  o.hardware = kFixtureGpu;
  o.output_path = (dir / "cal.json").string();
  o.folds = 3;
  const app::CalibrateResult result = app::RunCalibrate(o, Catalog::Default());
  const nlohmann::json& doc = result.document;
  const std::string& summary = result.summary;
  REQUIRE(doc["usable"].get<bool>());
  CHECK(doc["schema_version"] == kCalibrationSchemaVersion);
  CHECK(doc["inputs"][0]["hash_fnv1a64"] == HashFileContents(o.logs[0]));
  CHECK(doc["cross_validation"]["kfold"]["n_predicted"] == 20);
  CHECK(summary.find("3-fold") != std::string::npos);

  const EfficiencyParams loaded = LoadCalibration(o.output_path, "test-gpu");
  const double se = doc["groups"][0]["std_error"]["memory_efficiency"].get<double>();
  CHECK(se > 0.0);
  CHECK(std::fabs(loaded[EfficiencyParams::kMemoryEfficiency] - 0.75) <= 3 * se);
  CHECK(loaded[EfficiencyParams::kComputeEfficiency] ==
        Approx(doc["groups"][0]["params"]["compute_efficiency"].get<double>()));
  const GroupCalibration group = LoadCalibrationGroup(o.output_path, "test-gpu/synthetic");
  CHECK(group.std_error[EfficiencyParams::kMemoryEfficiency] > 0.0);

  // A bad log: the run fails with file:row and the existing calibration is not touched.
  const std::string before = ReadTextFile(o.output_path);
  std::string bad = ReadTextFile(o.logs[0]);
  bad.replace(bad.rfind(",op_time_s,") + 11, 1, "-");
  WriteFileAtomically((dir / "bad.csv").string(), bad);
  app::CalibrateOptions bad_run = o;
  bad_run.logs = {(dir / "bad.csv").string()};
  const std::string error = ErrorOf([&] { app::RunCalibrate(bad_run, Catalog::Default()); });
  CHECK(error.find("bad.csv:21: value") != std::string::npos);
  CHECK(ReadTextFile(o.output_path) == before);
  for (const auto& entry : fs::directory_iterator(dir)) {
    CHECK(entry.path().filename().string().find("tmp") == std::string::npos);  // no temp left
  }
}

TEST_CASE("calibrate whose only group is unusable fails with the reason and writes nothing",
          "[fit][cli]") {
  const fs::path dir = fs::temp_directory_path() / "rightsize_calibrate_unusable_test";
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string full = ReadTextFile(WriteSyntheticLog(dir, EfficiencyParams::Defaults()));
  // The header and two rows: too few points to estimate the noise.
  size_t end = 0;
  for (int line = 0; line < 3; ++line) end = full.find('\n', end) + 1;
  WriteFileAtomically((dir / "two.csv").string(), full.substr(0, end));
  app::CalibrateOptions o;
  o.logs = {(dir / "two.csv").string()};
  o.hardware = kFixtureGpu;
  o.output_path = (dir / "cal.json").string();
  o.folds = 0;
  const std::string error = ErrorOf([&] { app::RunCalibrate(o, Catalog::Default()); });
  CHECK(error.find("two.csv") != std::string::npos);
  CHECK(error.find("no usable calibration group (test-gpu/synthetic: ") != std::string::npos);
  CHECK(error.find("Too few points") != std::string::npos);
  CHECK(error.find("nothing written") != std::string::npos);
  CHECK_FALSE(fs::exists(o.output_path));
}

TEST_CASE("LoadCalibration errors name the file and the key", "[fit][cli]") {
  const fs::path dir = fs::temp_directory_path() / "rightsize_loadcal_test";
  fs::create_directories(dir);
  const std::string wrong_schema = (dir / "v0.json").string();
  WriteFileAtomically(wrong_schema, R"({"schema_version": 0, "groups": []})");
  CHECK(ErrorOf([&] { LoadCalibration(wrong_schema); }).find("v0.json:1: schema_version") !=
        std::string::npos);
  const std::string truncated = (dir / "cut.json").string();
  WriteFileAtomically(truncated, R"({"schema_version": 1, "groups": [{"group": "a/b", )");
  const std::string cut_error = ErrorOf([&] { LoadCalibration(truncated); });
  CHECK(cut_error.find("cut.json:1: truncated JSON") != std::string::npos);
  CHECK(cut_error.find("unexpected end of input") != std::string::npos);
  GroupCalibration a, b;
  a.group = "gpu/x";
  b.group = "gpu/y";
  a.usable = b.usable = true;
  nlohmann::json doc = {{"schema_version", kCalibrationSchemaVersion},
                        {"groups", {GroupToJson(a), GroupToJson(b)}}};
  const std::string two = (dir / "two.json").string();
  WriteFileAtomically(two, doc.dump());
  CHECK(ErrorOf([&] { LoadCalibration(two, "gpu"); }).find("matches several groups") !=
        std::string::npos);
  CHECK(ErrorOf([&] { LoadCalibration(two, "tpu"); }).find("no group 'tpu'") != std::string::npos);
  CHECK(LoadCalibration(two, "gpu/y")[EfficiencyParams::kComputeEfficiency] ==
        EfficiencyParams::kDefaults[0]);
  b.usable = false;
  b.report = "gpu/y: solver did not converge";
  doc["groups"][1] = GroupToJson(b);
  WriteFileAtomically(two, doc.dump());
  CHECK(ErrorOf([&] { LoadCalibration(two, "gpu/y"); }).find("not usable") != std::string::npos);
}

}  // namespace
}  // namespace rightsize

namespace rightsize {
namespace {

// The llama.cpp table's rows of these GPUs, at most max_rows each (the header kept), as a file:
// a subset whose leave-one-GPU-out runs in seconds, where the whole table's 19 folds are the
// real-data test's (tests/fit/calibrator_real_data_test.cc).
std::string LlamaCppTableSubset(const std::map<std::string, int>& max_rows) {
  const std::string table =
      ReadTextFile(std::string(RIGHTSIZE_SOURCE_DIR) +
                   "/data/runs/llamacpp-gpu-benchmarks-xiongjiedai/llama3_llamacpp_bench.csv");
  std::istringstream in(table);
  std::string line, out;
  std::getline(in, line);
  out = line + "\n";
  std::map<std::string, int> kept;
  while (std::getline(in, line)) {
    const size_t a = line.find(',') + 1, b = line.find(',', a);
    const std::string gpu = line.substr(a, b - a);
    const auto limit = max_rows.find(gpu);
    if (limit != max_rows.end() && kept[gpu]++ < limit->second) out += line + "\n";
  }
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / "rightsize_calibrate_command_test";
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "llama3_llamacpp_bench_subset.csv").string();
  WriteFileAtomically(path, out);
  return path;
}

// --logo-device through the library call: the file records, per family of two or more GPUs in
// the logs, the held-out figures and each device's median, and the families' levels, which a
// device of the family with no group of its own is then priced by.
TEST_CASE("calibrate --logo-device records the families and their leave-one-GPU-out figures",
          "[fit][cli][family]") {
  app::CalibrateOptions o;
  o.logs = {LlamaCppTableSubset({{"3070 8GB", 8},
                                 {"3080 10GB", 8},
                                 {"3090 24GB", 16},
                                 {"M1 7-Core GPU 8GB", 8},
                                 {"M3 Max 40-Core GPU 64GB", 16},
                                 {"A100 PCIe 80GB", 16},
                                 {"H100 PCIe 80GB", 16}})};
  o.folds = 0;
  o.leave_one_device_out = true;
  const app::CalibrateResult r = app::RunCalibrate(o, Catalog::Default());
  const nlohmann::json& held = r.document["cross_validation"]["leave_one_device_out"];
  REQUIRE(held.contains("families"));
  CHECK(held["families"].size() == 2);
  CHECK(held["families"].contains("apple/llama.cpp"));
  CHECK(held["families"].contains("ampere-consumer/llama.cpp"));
  for (const auto& [name, family] : held["families"].items()) {
    INFO(name);
    CHECK(family["devices"].size() >= 2);
    CHECK(family["device_median_ape"].size() == family["devices"].size());
    CHECK(family["n_predicted"].get<int>() > 0);
  }
  CHECK(held["families"]["ampere-consumer/llama.cpp"]["devices"].size() == 3);
  std::vector<std::string> names;
  for (const auto& f : r.document["families"]) names.push_back(f["family"]);
  // A family of one GPU (the H100 PCIe; the A100 PCIe) has a level but is not held out; and a
  // family is an architecture and a board class: the A100 is not pooled with the GeForce cards.
  for (const char* single : {"hopper-hbm/llama.cpp", "ampere-hbm/llama.cpp"}) {
    INFO(single);
    CHECK(std::find(names.begin(), names.end(), single) != names.end());
    CHECK_FALSE(held["families"].contains(single));
  }
  CHECK(r.summary.find("family ampere-hbm/llama.cpp [usable") != std::string::npos);
  CHECK(r.summary.find("family ampere-consumer/llama.cpp [usable") != std::string::npos);
}

}  // namespace
}  // namespace rightsize
