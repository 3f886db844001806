// End-to-end: --calibration FILE [--calibration-group NAME] on predict, plan, sweep and crossover
// with the shipped Vidur GEMM calibration, and its one-line errors (exit 2).
#include <catch2/catch.hpp>

#include <stdlib.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>

#include <nlohmann/json.hpp>

#include "sim/fit/calibration_file.h"
#include "tests/cli/run_binary.h"

using Catch::Matchers::Contains;
using rightsize::testing::RunRightsize;

namespace {

const std::string kCalibration =
    std::string(RIGHTSIZE_SOURCE_DIR) + "/data/calibrations/vidur-gemm-a100-h100-a40.json";
const std::string kPredict =
    "predict --model llama-3-8b --hardware h100-sxm5-80gb --batch 8 --format json";

nlohmann::json CalibrationFile() {
  std::ifstream in(kCalibration);
  return nlohmann::json::parse(in);
}

// The name of the file's group fitted on `hardware` (read from the file, not from the code).
std::string GroupOn(const std::string& hardware) {
  const nlohmann::json file = CalibrationFile();
  for (const auto& g : file["groups"]) {
    const std::string name = g["group"].get<std::string>();
    if (name.rfind(hardware + "/", 0) == 0) return name;
  }
  FAIL("the shipped calibration has no group on " << hardware);
  return "";
}

nlohmann::json RunJson(const std::string& args) {
  const auto r = RunRightsize(args);
  INFO(args << "\n" << r.output);
  REQUIRE(r.exit_code == 0);
  return nlohmann::json::parse(r.output);
}

TEST_CASE(
    "predict --calibration changes the prediction and says which calibration and group it used") {
  const nlohmann::json plain = RunJson(kPredict);
  const nlohmann::json calibrated = RunJson(kPredict + " --calibration " + kCalibration);
  CHECK_FALSE(plain.contains("calibration"));
  const auto& c = calibrated["calibration"];
  CHECK(c["file"] == kCalibration);
  // No group named and two in the file: the one fitted on the --hardware device is used.
  CHECK(c["group"] == GroupOn("h100-sxm5-80gb"));
  CHECK(c["fitted_on_this_hardware"] == true);
  const double tpot = calibrated["latency"]["tpot_s"].get<double>();
  const double tpot_default = plain["latency"]["tpot_s"].get<double>();
  CHECK(std::fabs(tpot / tpot_default - 1) > 0.05);
  // The interval brackets the calibrated prediction, at the file's level.
  CHECK(c["interval_level"].get<double>() ==
        CalibrationFile()["options"]["interval_level"].get<double>());
  CHECK(c["tpot_lower_s"].get<double>() < tpot);
  CHECK(c["tpot_upper_s"].get<double>() > tpot);
  const double ttft = calibrated["latency"]["ttft_s"].get<double>();
  CHECK(c["ttft_lower_s"].get<double>() < ttft);
  CHECK(c["ttft_upper_s"].get<double>() > ttft);

  CHECK(plain["priced_by"] == "uncalibrated");
  CHECK(calibrated["priced_by"] ==
        "calibrated: " + GroupOn("h100-sxm5-80gb") + " (" + kCalibration + ")");

  // An explicit group on another device is used as asked, flagged in the JSON and warned about
  // on stderr (printed before the JSON).
  const auto transferred = RunRightsize(kPredict + " --calibration " + kCalibration +
                                        " --calibration-group " + GroupOn("a100-sxm4-80gb"));
  REQUIRE(transferred.exit_code == 0);
  const std::string warning =
      "warning: calibration " + kCalibration +
      " has no group fitted on h100-sxm5-80gb; those numbers are transferred from " +
      GroupOn("a100-sxm4-80gb") + "\n";
  REQUIRE(transferred.output.rfind(warning, 0) == 0);
  const nlohmann::json other = nlohmann::json::parse(transferred.output.substr(warning.size()));
  CHECK(other["calibration"]["group"] == GroupOn("a100-sxm4-80gb"));
  CHECK(other["calibration"]["fitted_on_this_hardware"] == false);
  // Fitted on an A100 (Ampere), it prices the H100 (Hopper) with the cited cross-device spread
  // in its interval, not the A100's own: wider than the H100 group's on its own device (whose
  // interval is already wide, attention efficiency being held by its prior in this GEMM-only
  // file).
  CHECK(other["priced_by"] == "transferred from " + GroupOn("a100-sxm4-80gb") + " (" +
                                  kCalibration +
                                  "); the interval carries the cited cross-device prior spread "
                                  "(fitted on another transfer family than hopper-hbm)");
  CHECK(other["latency"]["tpot_s"].get<double>() != tpot);
  const auto& o = other["calibration"];
  CHECK(o["tpot_upper_s"].get<double>() / o["tpot_lower_s"].get<double>() >
        1.2 * (c["tpot_upper_s"].get<double>() / c["tpot_lower_s"].get<double>()));

  // The table shows the same keys, each with the unit its value is printed in.
  const auto table = RunRightsize(
      "predict --model llama-3-8b --hardware h100-sxm5-80gb --calibration " + kCalibration);
  REQUIRE(table.exit_code == 0);
  CHECK_THAT(table.output, Contains("calibration.group"));
  CHECK_THAT(table.output, Contains("calibration.tpot_upper [ms]"));
}

TEST_CASE("a bad calibration argument is a one-line error and exit 2") {
  std::string dir_template =
      (std::filesystem::temp_directory_path() / "rs_calib_cli_XXXXXX").string();
  REQUIRE(::mkdtemp(dir_template.data()) != nullptr);
  const std::string wrong_schema = dir_template + "/old.json";
  std::ofstream(wrong_schema) << R"({"schema_version": 99, "groups": []})";
  struct Case {
    std::string args;
    std::string expected;
  };
  const Case cases[] = {
      {kPredict + " --calibration " + kCalibration + " --calibration-group tpu-v9",
       "no group 'tpu-v9'"},
      {kPredict + " --calibration /nonexistent/calibration.json",
       "/nonexistent/calibration.json: cannot open file"},
      {kPredict + " --calibration-group h100-sxm5-80gb",
       "--calibration-group: needs --calibration FILE"},
      {kPredict + " --calibration " + wrong_schema,
       "schema_version: expected schema_version " +
           std::to_string(rightsize::kCalibrationSchemaVersion)},
      // Two groups and a device with none of them: the user has to choose.
      {"predict --model llama-3-8b --hardware rtx-4090 --calibration " + kCalibration,
       "--calibration-group"},
      {"plan " + std::string(RIGHTSIZE_SOURCE_DIR) +
           "/examples/capacity-study.yaml --calibration " + kCalibration +
           " --calibration-group nope",
       "no group 'nope'"},
      {"crossover " + std::string(RIGHTSIZE_SOURCE_DIR) +
           "/examples/default-study.yaml --calibration " + wrong_schema,
       "schema_version"},
      {"sweep --models qwen2.5-7b --hardware h100-sxm5-80gb --calibration /nonexistent.json",
       "cannot open file"},
  };
  for (const auto& c : cases) rightsize::testing::CheckOneLineInputError(c.args, c.expected);
  std::filesystem::remove_all(dir_template);
}

TEST_CASE("plan and sweep price with the calibration and name it", "[heavy]") {
  const std::string study = std::string(RIGHTSIZE_SOURCE_DIR) + "/examples/capacity-study.yaml";
  const std::string group = GroupOn("a100-sxm4-80gb");
  const nlohmann::json plain = RunJson("plan " + study + " --format json");
  const nlohmann::json calibrated = RunJson("plan " + study + " --format json --calibration " +
                                            kCalibration + " --calibration-group " + group);
  CHECK(calibrated["calibration"]["group"] == group);
  REQUIRE(plain["layouts"].size() == calibrated["layouts"].size());
  bool any_change = false;
  for (size_t i = 0; i < plain["layouts"].size(); ++i) {
    const auto& a = plain["layouts"][i];
    const auto& b = calibrated["layouts"][i];
    if (a["feasible"] == true && b["feasible"] == true) any_change |= a["tpot_s"] != b["tpot_s"];
  }
  CHECK(any_change);

  const std::string sweep =
      "sweep --models qwen2.5-7b --hardware h100-sxm5-80gb --batch 1,8 --format json";
  const nlohmann::json s0 = RunJson(sweep);
  const nlohmann::json s1 = RunJson(sweep + " --calibration " + kCalibration);
  CHECK(s1["calibration"]["group"] == GroupOn("h100-sxm5-80gb"));
  REQUIRE(s0["rows"].size() == s1["rows"].size());
  CHECK(s0["rows"][0]["tpot_s"] != s1["rows"][0]["tpot_s"]);
}

// Each device is priced with the group fitted on it: the shipped ML.ENERGY file has groups on
// A100-40GB, B200 and H100 (two engines on H100). The capacity study's devices are H100, A100-80GB
// and RTX 4090.
TEST_CASE(
    "plan prices each device with the calibration group fitted on it and keeps the defaults "
    "elsewhere",
    "[heavy]") {
  const std::string study = std::string(RIGHTSIZE_SOURCE_DIR) + "/examples/capacity-study.yaml";
  const std::string file =
      std::string(RIGHTSIZE_SOURCE_DIR) + "/data/calibrations/ml-energy-vllm-decode.json";
  const nlohmann::json plain = RunJson("plan " + study + " --format json");
  // Key a layout by what it is, since calibrated costs may reorder the sorted list.
  auto by_layout = [](const nlohmann::json& plan) {
    std::map<std::string, nlohmann::json> rows;
    for (const auto& l : plan["layouts"]) {
      rows[l["model"].get<std::string>() + " " + l["hardware"].get<std::string>() + " tp" +
           std::to_string(l["tp"].get<int>()) + " " + l["weights_precision"].get<std::string>()] =
          l;
    }
    return rows;
  };
  const auto before = by_layout(plain);
  auto changed_on = [&](const nlohmann::json& calibrated, const std::string& hardware) {
    int changed = 0, compared = 0;
    for (const auto& [key, row] : by_layout(calibrated)) {
      const auto& base = before.at(key);
      if (row["hardware"] != hardware || row["feasible"] != true || base["feasible"] != true)
        continue;
      ++compared;
      changed += row["tpot_mean_s"] != base["tpot_mean_s"];
    }
    INFO(hardware << ": " << changed << " of " << compared << " feasible layouts changed");
    REQUIRE(compared > 0);
    return changed;
  };

  // Engine named: H100 takes its vllm-0.11.1 group; A100-80GB and RTX 4090 have none.
  const nlohmann::json engine = RunJson("plan " + study + " --format json --calibration " + file +
                                        " --calibration-group vllm-0.11.1");
  CHECK(engine["calibration"]["groups_by_hardware"]["h100-sxm5-80gb"]["group"] ==
        "h100-sxm5-80gb/vllm-0.11.1");
  CHECK(engine["calibration"]["other_devices"] == "uncalibrated defaults");
  CHECK(changed_on(engine, "h100-sxm5-80gb") > 0);
  CHECK(changed_on(engine, "a100-sxm4-80gb") == 0);
  CHECK(changed_on(engine, "rtx-4090") == 0);

  // No group named: H100 has two groups (two engines), so it keeps the defaults too.
  const nlohmann::json none = RunJson("plan " + study + " --format json --calibration " + file);
  CHECK_FALSE(none["calibration"]["groups_by_hardware"].contains("h100-sxm5-80gb"));
  CHECK(changed_on(none, "h100-sxm5-80gb") == 0);

  // An engine no group has is an error naming the groups.
  rightsize::testing::CheckOneLineInputError(
      "plan " + study + " --calibration " + file + " --calibration-group trt-llm",
      "no group 'trt-llm'");
}

TEST_CASE("crossover and report take the throughput spread from the calibration's held-out error",
          "[heavy]") {
  const std::string study = std::string(RIGHTSIZE_SOURCE_DIR) + "/examples/default-study.yaml";
  const std::string group = GroupOn("h100-sxm5-80gb");
  const nlohmann::json j = RunJson("crossover " + study + " --format json --calibration " +
                                   kCalibration + " --calibration-group " + group);
  const auto& c = j["calibration"];
  CHECK(c["group"] == group);
  // 1.4826 x leave-one-group-out median APE, as documented in docs/calibration.md.
  const double logo =
      CalibrationFile()["cross_validation"]["leave_one_group_out"]["median_ape"].get<double>();
  CHECK(c["rel_sd"].get<double>() == Approx(1.4826 * logo));
  CHECK_THAT(c["rel_sd_source"].get<std::string>(), Contains(kCalibration));

  std::string dir_template =
      (std::filesystem::temp_directory_path() / "rs_calib_report_XXXXXX").string();
  REQUIRE(::mkdtemp(dir_template.data()) != nullptr);
  const auto r = RunRightsize("report " + study + " -o " + dir_template + "/out --calibration " +
                              kCalibration + " --calibration-group " + group);
  REQUIRE(r.exit_code == 0);
  std::ifstream in(dir_template + "/out/report.md");
  const std::string report((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  CHECK_THAT(report, Contains("leave-one-group-out median APE"));
  CHECK_THAT(report, Contains(kCalibration));
  std::filesystem::remove_all(dir_template);
}

TEST_CASE(
    "calibrate on an MLPerf summary without --model / --hardware / --prompt-tokens says what to "
    "pass") {
  const auto r = RunRightsize("calibrate " + std::string(RIGHTSIZE_SOURCE_DIR) +
                              "/tests/logs/fixtures/mlperf_server_synthetic.txt");
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.output, Contains("nothing to calibrate"));
  CHECK_THAT(r.output, Contains("mlperf_server_synthetic.txt:"));
  CHECK_THAT(r.output, Contains("--prompt-tokens"));
}

}  // namespace

TEST_CASE("validate with a calibration scores the calibrated parameters and names them") {
  const std::string args = "validate --dataset optimum-benchmark-running-llamas --format json";
  const nlohmann::json defaults = RunJson(args);
  const nlohmann::json calibrated = RunJson(args + " --calibration " + kCalibration +
                                            " --calibration-group " + GroupOn("a100-sxm4-80gb"));
  CHECK(defaults["params"] == "defaults (uncalibrated)");
  CHECK_THAT(calibrated["params"].get<std::string>(), Contains("vidur-gemm-a100-h100-a40.json"));
  REQUIRE(defaults["datasets"].size() == 1);
  REQUIRE(calibrated["datasets"].size() == 1);
  CHECK(calibrated["datasets"][0]["used"] == defaults["datasets"][0]["used"]);
  CHECK(calibrated["datasets"][0]["median_ape"].get<double>() !=
        Approx(defaults["datasets"][0]["median_ape"].get<double>()));
}
