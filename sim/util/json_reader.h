// Strict JSON reading, shared by every JSON input (Hugging Face config.json, calibration files,
// fitted laws, vLLM and llama-bench logs). A syntax error, a number outside double's range
// (1e999) or nesting deeper than kMaxJsonDepth is an InputError at file:line; a missing key, a
// value of the wrong type or out of range is an InputError at file:line: key, where key is the
// full path ("groups[0].usable"). nlohmann::json keeps no positions, so the line of a value is
// found from the text when an error is reported (JsonDocument builds the index once).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/util/error.h"

namespace rightsize {

// Deepest nesting of arrays and objects a JSON input may have (none of ours goes past 4; the
// bound keeps recursive code such as nlohmann's dump() off the end of the stack).
inline constexpr int kMaxJsonDepth = 512;

class JsonValue;

// One parsed JSON text with its file label, shared by every JsonValue taken from it.
class JsonDocument {
 public:
  // Parses `text`; `first_line` is the file line the text starts on (JSONL: one line of a file).
  static JsonDocument Parse(std::string text, std::string file_label, int first_line = 1);
  // Reads and parses a file (ReadTextFile's errors for an unreadable file).
  static JsonDocument Load(const std::string& path);
  // A value built in memory (a CSV row seen as an object of strings): every error names `line`.
  static JsonDocument FromValue(nlohmann::json value, std::string file_label, int line);

  JsonValue Root() const;
  const std::string& file() const;

  struct State;  // text, parsed value, file label, line index (json_reader.cc)

 private:
  explicit JsonDocument(std::shared_ptr<State> state) : state_(std::move(state)) {}
  std::shared_ptr<State> state_;
};

// A view of one value of a JsonDocument with typed, range-checked getters. Keys that are absent
// or null are both "missing" (Hugging Face and vLLM write null for unset options).
class JsonValue {
 public:
  // One step of the path from the root: a member name or an array index.
  using PathStep = std::variant<std::string, size_t>;

  bool IsObject() const { return value_->is_object(); }
  bool IsArray() const { return value_->is_array(); }
  bool IsString() const { return value_->is_string(); }
  bool IsNumber() const { return value_->is_number(); }
  bool IsBool() const { return value_->is_boolean(); }
  bool IsNull() const { return value_->is_null(); }

  // This value as a type; InputError naming this value's path otherwise.
  std::string AsString() const;
  bool AsBool() const;
  double AsDouble(double min, double max) const;  // finite number in [min, max]
  int64_t AsInt(int64_t min, int64_t max) const;  // whole number in [min, max]

  // Members of an object (InputError if this is not an object).
  bool Has(const std::string& key) const;         // present and not null
  JsonValue Child(const std::string& key) const;  // present, not null (any type)
  std::optional<JsonValue> MaybeChild(const std::string& key) const;
  std::string RequiredString(const std::string& key) const;
  std::string OptionalString(const std::string& key, const std::string& fallback) const;
  bool RequiredBool(const std::string& key) const;
  bool OptionalBool(const std::string& key, bool fallback) const;
  double RequiredDouble(const std::string& key, double min, double max) const;
  double OptionalDouble(const std::string& key, double fallback, double min, double max) const;
  std::optional<double> MaybeDouble(const std::string& key, double min, double max) const;
  int64_t RequiredInt(const std::string& key, int64_t min, int64_t max) const;
  int64_t OptionalInt(const std::string& key, int64_t fallback, int64_t min, int64_t max) const;
  // A list of strings; empty when absent.
  std::vector<std::string> OptionalStringList(const std::string& key) const;
  // Member names in document order of nlohmann (sorted).
  std::vector<std::string> Keys() const;

  // Elements of an array (InputError if this is not an array).
  std::vector<JsonValue> Elements() const;
  size_t Size() const;  // elements or members; 0 for a scalar

  // The value as nlohmann holds it, for callers that only test or print it.
  const nlohmann::json& json() const { return *value_; }
  // A short rendering for messages (at most ~60 characters).
  std::string Preview() const;
  // "groups[0].usable"; "" for the root.
  std::string KeyPath() const;
  // file:line: key of this value, and of a member of it (the member's line when present).
  SourceLocation Where() const;
  SourceLocation Where(const std::string& key) const;
  [[noreturn]] void Fail(const std::string& message) const;

 private:
  friend class JsonDocument;
  JsonValue(std::shared_ptr<JsonDocument::State> doc, const nlohmann::json* value,
            std::vector<PathStep> path)
      : doc_(std::move(doc)), value_(value), path_(std::move(path)) {}
  JsonValue Member(const std::string& key) const;  // requires Has(key)
  void RequireObject() const;

  std::shared_ptr<JsonDocument::State> doc_;
  const nlohmann::json* value_;
  std::vector<PathStep> path_;
};

}  // namespace rightsize
