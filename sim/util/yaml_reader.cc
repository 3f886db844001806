#include "sim/util/yaml_reader.h"

#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "sim/util/file_io.h"

namespace rightsize {

int LineOf(const YAML::Node& node) {
  if (!node.IsDefined()) return 0;
  const YAML::Mark mark = node.Mark();
  return mark.line >= 0 ? mark.line + 1 : 0;
}

YAML::Node LoadYamlString(const std::string& text, const std::string& file_label) {
  try {
    return YAML::Load(text);
  } catch (const YAML::Exception& e) {
    throw InputError({file_label, e.mark.line >= 0 ? e.mark.line + 1 : 0, ""},
                     "malformed YAML: " + e.msg);
  }
}

YAML::Node LoadYamlFile(const std::string& path) {
  YAML::Node root = LoadYamlString(ReadTextFile(path), path);
  if (!root.IsMap()) throw InputError({path, 1, ""}, "expected a YAML mapping at the top level");
  return root;
}

YamlReader::YamlReader(YAML::Node node, std::string file, std::string key_prefix)
    : node_(std::move(node)), file_(std::move(file)), key_prefix_(std::move(key_prefix)) {
  if (!node_.IsMap()) {
    throw InputError({file_, LineOf(node_), key_prefix_}, "expected a mapping");
  }
  // Keys are names; a sequence or mapping used as a key (`? [a]`) would escape later lookups
  // and RejectUnknownKeys as a yaml-cpp conversion error without file or key.
  for (const auto& entry : node_) {
    if (!entry.first.IsScalar()) {
      throw InputError({file_, LineOf(entry.first), key_prefix_},
                       "a key must be a plain name, not empty, a list or a mapping");
    }
  }
}

std::string YamlReader::FullKey(const std::string& key) const {
  return key_prefix_.empty() ? key : key_prefix_ + "." + key;
}

SourceLocation YamlReader::Where(const std::string& key) const {
  YAML::Node child = node_[key];
  int line = child.IsDefined() ? LineOf(child) : LineOf(node_);
  return {file_, line, FullKey(key)};
}

bool YamlReader::Has(const std::string& key) const {
  return node_[key].IsDefined() && !node_[key].IsNull();
}

YAML::Node YamlReader::Get(const std::string& key) {
  read_keys_.insert(key);
  YAML::Node child = node_[key];
  if (!child.IsDefined() || child.IsNull()) throw InputError(Where(key), "missing required key");
  return child;
}

YAML::Node YamlReader::Raw(const std::string& key) { return Get(key); }

std::string YamlReader::RequiredString(const std::string& key) {
  YAML::Node n = Get(key);
  if (!n.IsScalar()) throw InputError(Where(key), "expected a string");
  return n.as<std::string>();
}

std::string YamlReader::OptionalString(const std::string& key, const std::string& fallback) {
  read_keys_.insert(key);
  return Has(key) ? RequiredString(key) : fallback;
}

bool YamlReader::RequiredBool(const std::string& key) {
  YAML::Node n = Get(key);
  try {
    return n.as<bool>();
  } catch (const YAML::Exception&) {
    throw InputError(Where(key), "expected true or false, got '" + n.Scalar() + "'");
  }
}

bool YamlReader::OptionalBool(const std::string& key, bool fallback) {
  read_keys_.insert(key);
  return Has(key) ? RequiredBool(key) : fallback;
}

double YamlReader::RequiredDouble(const std::string& key, double min, double max) {
  YAML::Node n = Get(key);
  double value = 0.0;
  try {
    if (!n.IsScalar()) throw YAML::Exception(n.Mark(), "not a scalar");
    value = n.as<double>();
  } catch (const YAML::Exception&) {
    throw InputError(Where(key), "expected a number, got '" + n.Scalar() + "'");
  }
  if (!std::isfinite(value))
    throw InputError(Where(key), "must be a finite number, got " + n.Scalar());
  if (value < min || value > max) {
    throw InputError(Where(key), fmt::format("value {} is outside the valid range [{}, {}]",
                                             n.Scalar(), min, max));
  }
  return value;
}

double YamlReader::OptionalDouble(const std::string& key, double fallback, double min, double max) {
  read_keys_.insert(key);
  return Has(key) ? RequiredDouble(key, min, max) : fallback;
}

std::optional<double> YamlReader::MaybeDouble(const std::string& key, double min, double max) {
  read_keys_.insert(key);
  if (!Has(key)) return std::nullopt;
  return RequiredDouble(key, min, max);
}

int64_t YamlReader::RequiredInt(const std::string& key, int64_t min, int64_t max) {
  const double value = RequiredDouble(key, static_cast<double>(min), static_cast<double>(max));
  if (std::floor(value) != value) {
    throw InputError(Where(key), fmt::format("expected an integer, got {}", value));
  }
  return static_cast<int64_t>(value);
}

int64_t YamlReader::OptionalInt(const std::string& key, int64_t fallback, int64_t min,
                                int64_t max) {
  read_keys_.insert(key);
  return Has(key) ? RequiredInt(key, min, max) : fallback;
}

std::vector<std::string> YamlReader::OptionalStringList(const std::string& key) {
  read_keys_.insert(key);
  std::vector<std::string> out;
  if (!Has(key)) return out;
  YAML::Node n = node_[key];
  if (!n.IsSequence()) throw InputError(Where(key), "expected a list");
  for (const auto& item : n) {
    if (!item.IsScalar())
      throw InputError({file_, LineOf(item), FullKey(key)}, "expected a string");
    out.push_back(item.as<std::string>());
  }
  return out;
}

YamlReader YamlReader::Child(const std::string& key) {
  return YamlReader(Get(key), file_, FullKey(key));
}

std::vector<std::string> YamlReader::Keys() const {
  std::vector<std::string> keys;
  for (const auto& entry : node_) keys.push_back(entry.first.Scalar());
  return keys;
}

void YamlReader::RejectUnknownKeys() const {
  for (const auto& entry : node_) {
    const std::string key = entry.first.Scalar();
    if (!read_keys_.count(key)) {
      throw InputError({file_, LineOf(entry.first), FullKey(key)}, "unknown key");
    }
  }
}

}  // namespace rightsize
