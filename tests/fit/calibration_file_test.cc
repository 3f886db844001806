// A calibration file with the wrong types or numbers beyond double's range is an input error
// naming file, line and key (it used to escape as an nlohmann exception, "internal error").
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include "sim/fit/calibration_use.h"
#include "tests/error_of.h"

namespace rightsize {
namespace {

std::string WriteCalibration(const std::string& name, const std::string& text) {
  const auto dir = std::filesystem::temp_directory_path() / "rightsize_calibration_file_test";
  std::filesystem::create_directories(dir);
  const std::string path = (dir / name).string();
  std::ofstream(path) << text;
  return path;
}

// One usable group named gpu/x in the written form, with `usable` as given.
std::string Group(const std::string& usable) {
  GroupCalibration g;
  g.group = "gpu/x";
  g.usable = true;
  nlohmann::json j = GroupToJson(g);
  std::string text = j.dump(1);
  const std::string from = "\"usable\": true";
  return text.replace(text.find(from), from.size(), "\"usable\": " + usable);
}

TEST_CASE("calibration JSON: wrong types and overflowing numbers name file, line and key",
          "[fit]") {
  using testing::ErrorOf;
  const std::string groups_of_numbers =
      WriteCalibration("numbers.json", "{\"schema_version\": 2,\n\"groups\": [1]}");
  CHECK(ErrorOf([&] { UseCalibration(groups_of_numbers, ""); }) ==
        groups_of_numbers + ":2: groups[0]: expected a calibration group object, got 1");

  const std::string yes = WriteCalibration(
      "yes.json", "{\"schema_version\": 2, \"groups\": [" + Group("\"yes\"") + "]}");
  const std::string yes_error = ErrorOf([&] { UseCalibration(yes, ""); });
  CHECK(yes_error.find("groups[0].usable: expected true or false, got \"yes\"") !=
        std::string::npos);
  CHECK(yes_error.find(yes + ":") == 0);

  const std::string big =
      WriteCalibration("big.json", "{\"schema_version\": 2,\n \"groups\": [" + Group("true") +
                                       "],\n \"options\": {\"interval_level\": 1e999}}");
  CHECK(ErrorOf([&] { UseCalibration(big, ""); }).find(big + ":") == 0);
  CHECK(ErrorOf([&] { UseCalibration(big, ""); }).find("malformed JSON: number overflow") !=
        std::string::npos);

  const std::string good =
      WriteCalibration("good.json", "{\"schema_version\": 2, \"groups\": [" + Group("true") + "]}");
  CHECK(UseCalibration(good, "").group == "gpu/x");
  const std::string level =
      WriteCalibration("level.json", "{\"schema_version\": 2, \"groups\": [" + Group("true") +
                                         "],\n \"options\": {\"interval_level\": \"high\"}}");
  CHECK(ErrorOf([&] {
          UseCalibration(level, "");
        }).find("options.interval_level: expected a number, got \"high\"") != std::string::npos);
}

}  // namespace
}  // namespace rightsize
