// The calibration file (written by `rightsize calibrate`, docs/calibration.md): the one place that
// writes and reads its JSON (strictly, through util/json_reader.h), and the typed group key.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/fit/calibrator.h"
#include "sim/fit/family_transfer.h"
#include "sim/util/json_reader.h"

namespace rightsize {

// 1: eight parameters; 2: sequence_overhead_s added (a version-1 file is refused: refit it).
inline constexpr int kCalibrationSchemaVersion = 2;

// A parameter group: one device and one engine. Its name in files and on the command line is
// "hardware_id/engine".
struct GroupKey {
  std::string hardware_id;
  std::string engine;

  std::string Name() const { return hardware_id + "/" + engine; }
  // Split at the first '/'; nullopt for a name without one.
  static std::optional<GroupKey> Parse(const std::string& name);
  bool operator==(const GroupKey&) const = default;
};

// True when `name` is a group name whose device is `hardware_id`.
bool GroupOnHardware(const std::string& name, const std::string& hardware_id);

// ---- Writing ----

// {"group", "usable", "params": {name: value}, "std_error": {...}, "covariance": [[...]],
//  "free": {name: bool}, "unidentified": [...], "at_bound": [...], "n_points", "sigma_log",
//  "interval_sigma_log" (optional when read: files before it use sigma_log), "rel_rms",
//  "median_ape", "report"}
nlohmann::json GroupToJson(const GroupCalibration& group);
// {"scheme", "folds", "n_predicted", "n_unpredicted", "median_ape", "p90_ape", "coverage",
//  "nominal_coverage"}
nlohmann::json CrossValidationToJson(const CrossValidationReport& report);

// {"family", "architecture", "engine", "devices", "tau_log": {name: sd}, "tau_measured":
//  {name: bool}, "pooled_sigma_log", "transfer": GroupToJson of the transfer fit, "report"}
nlohmann::json FamilyToJson(const FamilyCalibration& family);
// {"scheme", overall CrossValidationToJson fields..., "families": {name: {... , "devices"}}}
nlohmann::json DeviceHoldOutToJson(const DeviceHoldOutReport& report);

// What `rightsize calibrate` records beside the fitted groups.
struct CalibrationRecord {
  nlohmann::json inputs = nlohmann::json::array();    // per log: path, format, hash, counts
  nlohmann::json options = nlohmann::json::object();  // the fit's and the reading's options
  nlohmann::json sharing = nlohmann::json::object();  // --share auto's trials ({} = none)
  CalibrationResult fit;
  double fit_seconds = 0.0;
  size_t skipped_count = 0;
  nlohmann::json skipped_listed = nlohmann::json::array();  // {"where", "reason"} each
  std::optional<CrossValidationReport> kfold;
  std::optional<CrossValidationReport> leave_one_group_out;
  std::optional<DeviceHoldOutReport> leave_one_device_out;
};

// The whole calibration document (schema_version kCalibrationSchemaVersion).
nlohmann::json CalibrationFileJson(const CalibrationRecord& record);

// ---- Reading ----

// Inverse of GroupToJson; throws InputError naming file:line: key on a bad or out-of-bounds value.
GroupCalibration GroupFromJson(const JsonValue& json);

// The fitted group of a calibration file. `group` may be a full "hardware/engine" name, a
// hardware id matching exactly one group, or "" when the file holds exactly one group.
// Throws InputError (file: key) for a missing file, wrong schema_version, unknown or ambiguous
// group, or a group the fit marked unusable.
GroupCalibration LoadCalibrationGroup(const std::string& path, const std::string& group = "");
// The two halves of LoadCalibrationGroup, for callers that also read other parts of the file:
// the parsed document with its schema_version checked and every group an object with a name,
// and a group of it.
JsonDocument ReadCalibrationDocument(const std::string& path);
GroupCalibration CalibrationGroupOf(const JsonDocument& doc, const std::string& group);
// The families of a document (its optional "families" array; files written before families
// existed have none), strictly read: InputError (file:line: key) on a bad entry.
std::vector<FamilyCalibration> CalibrationFamiliesOf(const JsonDocument& doc);
// The "group" names of a document read by ReadCalibrationDocument, in file order.
std::vector<std::string> CalibrationGroupNames(const JsonDocument& doc);
// The same, parameters only: what `rightsize predict --calibration FILE` uses.
EfficiencyParams LoadCalibration(const std::string& path, const std::string& group = "");

}  // namespace rightsize
