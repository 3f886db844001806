// Loaders for the hand-written YAML specs in models/ (schema: models/SCHEMA.md). Every key is
// checked: a missing or unknown key, a NaN or out-of-range value is an InputError with
// file:line: key.
#pragma once

#include <string>

#include <yaml-cpp/yaml.h>

#include "sim/spec/hardware_spec.h"
#include "sim/spec/model_spec.h"
#include "sim/spec/price_spec.h"

namespace rightsize {

ModelSpec LoadModelSpecYaml(const std::string& path);
HardwareSpec LoadHardwareSpecYaml(const std::string& path);
PriceSpec LoadPriceSpecYaml(const std::string& path);

// The same from an already-parsed document (file_label is used in messages).
ModelSpec ParseModelSpec(const YAML::Node& root, const std::string& file_label);
HardwareSpec ParseHardwareSpec(const YAML::Node& root, const std::string& file_label);
PriceSpec ParsePriceSpec(const YAML::Node& root, const std::string& file_label);

}  // namespace rightsize
