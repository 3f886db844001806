// Strict YAML reading: every key is looked up by name, every value range-checked, and keys that
// were never read are reported as unknown. Errors carry file:line: key.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "sim/util/error.h"

namespace rightsize {

// Parses a YAML file (ReadTextFile's errors for an unreadable file); a syntax error becomes an
// InputError with the file and line.
YAML::Node LoadYamlFile(const std::string& path);
// Parses YAML text (file_label is used in error messages).
YAML::Node LoadYamlString(const std::string& text, const std::string& file_label);

// A view of one YAML mapping that remembers which keys were read.
class YamlReader {
 public:
  // key_prefix names the mapping in messages ("" for the document root, "moe" for a child).
  YamlReader(YAML::Node node, std::string file, std::string key_prefix = "");

  bool Has(const std::string& key) const;

  std::string RequiredString(const std::string& key);
  std::string OptionalString(const std::string& key, const std::string& fallback);
  bool RequiredBool(const std::string& key);
  bool OptionalBool(const std::string& key, bool fallback);
  // Finite number in [min, max].
  double RequiredDouble(const std::string& key, double min, double max);
  double OptionalDouble(const std::string& key, double fallback, double min, double max);
  std::optional<double> MaybeDouble(const std::string& key, double min, double max);
  // Integer in [min, max]; "7e9"-style floats are rejected unless integral.
  int64_t RequiredInt(const std::string& key, int64_t min, int64_t max);
  int64_t OptionalInt(const std::string& key, int64_t fallback, int64_t min, int64_t max);
  std::vector<std::string> OptionalStringList(const std::string& key);

  // A nested mapping; the returned reader shares this reader's file.
  YamlReader Child(const std::string& key);
  // The raw node (marks it as read).
  YAML::Node Raw(const std::string& key);

  // Every key of the mapping, for mappings of free names (hardware id -> price); read each with
  // the getters above.
  std::vector<std::string> Keys() const;

  // Throws InputError naming the first key that was present but never read.
  void RejectUnknownKeys() const;

  // file:line: key for a key of this mapping (line of the key if present, else of the mapping).
  SourceLocation Where(const std::string& key) const;
  const std::string& file() const { return file_; }

 private:
  YAML::Node Get(const std::string& key);  // throws if missing
  std::string FullKey(const std::string& key) const;

  YAML::Node node_;
  std::string file_;
  std::string key_prefix_;
  std::set<std::string> read_keys_;
};

// Line (1-based) of a node in its file, 0 if unknown.
int LineOf(const YAML::Node& node);

}  // namespace rightsize
