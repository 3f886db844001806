#include "sim/util/json_reader.h"

#include <algorithm>
#include <cmath>
#include <unordered_map>

#include <fmt/format.h>

#include "sim/util/file_io.h"
#include "sim/util/integers.h"

namespace rightsize {

using Json = nlohmann::json;

struct JsonDocument::State {
  std::string text;  // "" for a value built in memory
  std::string file;
  int first_line = 1;
  Json root;
  // Line of each value by KeyPath, built on the first lookup (errors only).
  bool indexed = false;
  std::unordered_map<std::string, int> lines;

  int LineOf(const std::vector<JsonValue::PathStep>& path);
};

namespace {

// Values deeper than this are not indexed; they are reported at their deepest indexed ancestor.
constexpr size_t kMaxIndexedDepth = 16;

std::string PathString(const std::vector<JsonValue::PathStep>& path, size_t length) {
  std::string out;
  for (size_t i = 0; i < length && i < path.size(); ++i) {
    if (const auto* key = std::get_if<std::string>(&path[i])) {
      out += (out.empty() ? "" : ".") + *key;
    } else {
      out += fmt::format("[{}]", std::get<size_t>(path[i]));
    }
  }
  return out;
}

int LineAtOffset(const std::string& text, size_t offset, int first_line) {
  const size_t end = std::min(offset, text.size());
  return first_line + static_cast<int>(std::count(
                          text.begin(), text.begin() + static_cast<std::ptrdiff_t>(end), '\n'));
}

// Builds the document with nlohmann's SAX interface instead of json::parse, because only the
// SAX error callback is told where an error is: json::parse rethrows an out-of-range number
// (out_of_range.406, "1e999") without its position. It also bounds the nesting depth.
class DomBuilder final : public nlohmann::json_sax<Json> {
 public:
  explicit DomBuilder(Json* root) : root_(root) {}

  bool null() override { return Put(nullptr) != nullptr; }
  bool boolean(bool value) override { return Put(value) != nullptr; }
  bool number_integer(number_integer_t value) override { return Put(value) != nullptr; }
  bool number_unsigned(number_unsigned_t value) override { return Put(value) != nullptr; }
  bool number_float(number_float_t value, const string_t&) override {
    return Put(value) != nullptr;
  }
  bool string(string_t& value) override { return Put(std::move(value)) != nullptr; }
  bool binary(binary_t& value) override { return Put(Json::binary(std::move(value))) != nullptr; }
  bool start_object(std::size_t) override { return Open(Json::object()); }
  bool key(string_t& value) override {
    key_ = std::move(value);
    return true;
  }
  bool end_object() override {
    stack_.pop_back();
    return true;
  }
  bool start_array(std::size_t) override { return Open(Json::array()); }
  bool end_array() override {
    stack_.pop_back();
    return true;
  }
  bool parse_error(std::size_t position, const std::string&,
                   const nlohmann::detail::exception& e) override {
    error_position = position;
    error_message = e.what();
    return false;
  }

  std::size_t error_position = 0;
  std::string error_message;  // empty: no parse error (a false return is then the depth bound)
  bool too_deep = false;

 private:
  Json* Put(Json value) {
    if (stack_.empty()) {
      *root_ = std::move(value);
      return root_;
    }
    Json& parent = *stack_.back();
    if (parent.is_array()) {
      parent.push_back(std::move(value));
      return &parent.back();
    }
    Json& slot = parent[key_];  // a repeated key keeps the last value, as json::parse does
    slot = std::move(value);
    return &slot;
  }
  bool Open(Json container) {
    if (stack_.size() >= static_cast<size_t>(kMaxJsonDepth)) {
      too_deep = true;
      return false;
    }
    stack_.push_back(Put(std::move(container)));
    return true;
  }

  Json* root_;
  std::vector<Json*> stack_;
  std::string key_;
};

// nlohmann's message without its "[json.exception.parse_error.101] parse error at line 1,
// column 5: " prefix (the InputError names the line).
std::string CleanMessage(std::string message) {
  if (message.rfind("[json.exception.", 0) == 0) {
    const size_t close = message.find("] ");
    if (close != std::string::npos) message = message.substr(close + 2);
  }
  if (message.rfind("parse error at line", 0) == 0) {
    const size_t colon = message.find(": ");
    if (colon != std::string::npos) message = message.substr(colon + 2);
  }
  return message;
}

// Byte offset of the bracket that opens nesting level kMaxJsonDepth + 1 (text outside strings).
size_t OffsetOfExcessDepth(const std::string& text) {
  int depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > kMaxJsonDepth) return i;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return text.size();
}

// Walks valid JSON text and records the line of every object member (its key) and array element
// (its first character) down to kMaxIndexedDepth, under the same key paths JsonValue uses.
std::unordered_map<std::string, int> IndexLines(const std::string& text, int first_line) {
  struct Frame {
    bool object = false;
    size_t index = 0;
    std::string path;  // of the container
    bool expect_key = false;
  };
  std::unordered_map<std::string, int> lines;
  std::vector<Frame> frames;
  int line = first_line;
  bool element_pending = false;  // the next token starts an array element
  lines.emplace("", line);
  auto record_element = [&] {
    if (!element_pending) return;
    element_pending = false;
    if (frames.size() <= kMaxIndexedDepth) {
      lines.emplace(fmt::format("{}[{}]", frames.back().path, frames.back().index), line);
    }
  };
  auto child_path = [&]() -> std::string {
    if (frames.empty()) return "";
    const Frame& f = frames.back();
    return f.object ? f.path : fmt::format("{}[{}]", f.path, f.index);
  };
  std::string last_key_path;  // path of the member whose value comes next
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\n') {
      ++line;
      continue;
    }
    if (c == ' ' || c == '\t' || c == '\r') continue;
    if (c == ']' || c == '}') {
      element_pending = false;
      if (!frames.empty()) frames.pop_back();
      continue;
    }
    if (c == ',') {
      if (!frames.empty()) {
        if (frames.back().object) {
          frames.back().expect_key = true;
        } else {
          ++frames.back().index;
          element_pending = true;
        }
      }
      continue;
    }
    if (c == ':') continue;
    record_element();
    if (c == '"') {
      const size_t start = i + 1;
      size_t end = start;
      while (end < text.size() && text[end] != '"') end += text[end] == '\\' ? 2 : 1;
      if (!frames.empty() && frames.back().object && frames.back().expect_key) {
        std::string key = text.substr(start, end - start);
        if (key.find('\\') != std::string::npos) {
          const Json unescaped =
              Json::parse("\"" + key + "\"", nullptr, /*allow_exceptions=*/false);
          if (unescaped.is_string()) key = unescaped.get<std::string>();
        }
        frames.back().expect_key = false;
        last_key_path = frames.back().path.empty() ? key : frames.back().path + "." + key;
        if (frames.size() <= kMaxIndexedDepth) lines.emplace(last_key_path, line);
      }
      i = end;
      continue;
    }
    if (c == '{' || c == '[') {
      std::string path = !frames.empty() && frames.back().object ? last_key_path : child_path();
      frames.push_back({c == '{', 0, std::move(path), c == '{'});
      element_pending = c == '[';
      continue;
    }
    // A number or literal: skip to its end.
    while (i + 1 < text.size() &&
           std::string_view(",]}: \t\r\n").find(text[i + 1]) == std::string_view::npos)
      ++i;
  }
  return lines;
}

}  // namespace

int JsonDocument::State::LineOf(const std::vector<JsonValue::PathStep>& path) {
  if (text.empty()) return first_line;
  if (!indexed) {
    lines = IndexLines(text, first_line);
    indexed = true;
  }
  for (size_t length = std::min(path.size(), kMaxIndexedDepth);; --length) {
    const auto it = lines.find(PathString(path, length));
    if (it != lines.end()) return it->second;
    if (length == 0) return first_line;
  }
}

JsonDocument JsonDocument::Parse(std::string text, std::string file_label, int first_line) {
  auto state = std::make_shared<State>();
  state->file = std::move(file_label);
  state->first_line = first_line;
  // nlohmann stops at a NUL byte as at the end of the text, so whatever follows one would be
  // ignored silently: a JSON file has none.
  if (const size_t nul = text.find('\0'); nul != std::string::npos) {
    throw InputError({state->file, LineAtOffset(text, nul, first_line), ""},
                     "malformed JSON: a NUL byte (is this a binary file?)");
  }
  DomBuilder builder(&state->root);
  const bool ok = Json::sax_parse(text, &builder);
  if (!ok) {
    if (builder.too_deep) {
      throw InputError({state->file, LineAtOffset(text, OffsetOfExcessDepth(text), first_line), ""},
                       fmt::format("JSON nested deeper than {} levels", kMaxJsonDepth));
    }
    // nlohmann counts the character it stopped at, 1-based.
    const size_t offset = builder.error_position == 0 ? 0 : builder.error_position - 1;
    const std::string reason = CleanMessage(builder.error_message);
    const bool truncated = reason.find("unexpected end of input") != std::string::npos;
    throw InputError({state->file, LineAtOffset(text, offset, first_line), ""},
                     (truncated ? "truncated JSON: " : "malformed JSON: ") + reason);
  }
  state->text = std::move(text);
  return JsonDocument(std::move(state));
}

JsonDocument JsonDocument::Load(const std::string& path) { return Parse(ReadTextFile(path), path); }

JsonDocument JsonDocument::FromValue(Json value, std::string file_label, int line) {
  auto state = std::make_shared<State>();
  state->file = std::move(file_label);
  state->first_line = line;
  state->root = std::move(value);
  return JsonDocument(std::move(state));
}

JsonValue JsonDocument::Root() const { return JsonValue(state_, &state_->root, {}); }

const std::string& JsonDocument::file() const { return state_->file; }

std::string JsonValue::KeyPath() const { return PathString(path_, path_.size()); }

SourceLocation JsonValue::Where() const { return {doc_->file, doc_->LineOf(path_), KeyPath()}; }

SourceLocation JsonValue::Where(const std::string& key) const {
  std::vector<PathStep> path = path_;
  path.emplace_back(key);
  return {doc_->file, doc_->LineOf(path), PathString(path, path.size())};
}

void JsonValue::Fail(const std::string& message) const { throw InputError(Where(), message); }

std::string JsonValue::Preview() const {
  std::string text = value_->dump(-1, ' ', false, Json::error_handler_t::replace);
  if (text.size() > 60) text = text.substr(0, 57) + "...";
  return text;
}

std::string JsonValue::AsString() const {
  if (!IsString()) Fail("expected a string, got " + Preview());
  return value_->get<std::string>();
}

bool JsonValue::AsBool() const {
  if (!IsBool()) Fail("expected true or false, got " + Preview());
  return value_->get<bool>();
}

double JsonValue::AsDouble(double min, double max) const {
  if (!IsNumber()) Fail("expected a number, got " + Preview());
  const double value = value_->get<double>();
  if (!std::isfinite(value)) Fail(fmt::format("must be a finite number, got {}", value));
  if (value < min || value > max) {
    Fail(fmt::format("value {} is outside the valid range [{}, {}]", Preview(), min, max));
  }
  return value;
}

int64_t JsonValue::AsInt(int64_t min, int64_t max) const {
  if (!IsNumber()) Fail("expected an integer, got " + Preview());
  if (value_->is_number_integer() && !value_->is_number_unsigned()) {
    const auto value = value_->get<int64_t>();
    if (value < min || value > max) {
      Fail(fmt::format("value {} is outside the valid range [{}, {}]", value, min, max));
    }
    return value;
  }
  if (value_->is_number_unsigned()) {
    const auto value = value_->get<uint64_t>();
    if (max < 0 || value > static_cast<uint64_t>(max) || static_cast<int64_t>(value) < min) {
      Fail(fmt::format("value {} is outside the valid range [{}, {}]", value, min, max));
    }
    return static_cast<int64_t>(value);
  }
  return WholeInRange(value_->get<double>(), min, max, Where());
}

void JsonValue::RequireObject() const {
  if (!IsObject()) Fail("expected a JSON object, got " + Preview());
}

bool JsonValue::Has(const std::string& key) const {
  RequireObject();
  const auto it = value_->find(key);
  return it != value_->end() && !it->is_null();
}

JsonValue JsonValue::Member(const std::string& key) const {
  std::vector<PathStep> path = path_;
  path.emplace_back(key);
  return JsonValue(doc_, &value_->at(key), std::move(path));
}

JsonValue JsonValue::Child(const std::string& key) const {
  if (!Has(key)) throw InputError(Where(key), "missing required key");
  return Member(key);
}

std::optional<JsonValue> JsonValue::MaybeChild(const std::string& key) const {
  if (!Has(key)) return std::nullopt;
  return Member(key);
}

std::string JsonValue::RequiredString(const std::string& key) const {
  return Child(key).AsString();
}

std::string JsonValue::OptionalString(const std::string& key, const std::string& fallback) const {
  return Has(key) ? Member(key).AsString() : fallback;
}

bool JsonValue::RequiredBool(const std::string& key) const { return Child(key).AsBool(); }

bool JsonValue::OptionalBool(const std::string& key, bool fallback) const {
  return Has(key) ? Member(key).AsBool() : fallback;
}

double JsonValue::RequiredDouble(const std::string& key, double min, double max) const {
  return Child(key).AsDouble(min, max);
}

double JsonValue::OptionalDouble(const std::string& key, double fallback, double min,
                                 double max) const {
  return Has(key) ? Member(key).AsDouble(min, max) : fallback;
}

std::optional<double> JsonValue::MaybeDouble(const std::string& key, double min, double max) const {
  if (!Has(key)) return std::nullopt;
  return Member(key).AsDouble(min, max);
}

int64_t JsonValue::RequiredInt(const std::string& key, int64_t min, int64_t max) const {
  return Child(key).AsInt(min, max);
}

int64_t JsonValue::OptionalInt(const std::string& key, int64_t fallback, int64_t min,
                               int64_t max) const {
  return Has(key) ? Member(key).AsInt(min, max) : fallback;
}

std::vector<std::string> JsonValue::OptionalStringList(const std::string& key) const {
  std::vector<std::string> out;
  if (!Has(key)) return out;
  for (const JsonValue& item : Member(key).Elements()) out.push_back(item.AsString());
  return out;
}

std::vector<std::string> JsonValue::Keys() const {
  RequireObject();
  std::vector<std::string> keys;
  for (const auto& item : value_->items()) keys.push_back(item.key());
  return keys;
}

std::vector<JsonValue> JsonValue::Elements() const {
  if (!IsArray()) Fail("expected a JSON array, got " + Preview());
  std::vector<JsonValue> out;
  out.reserve(value_->size());
  for (size_t i = 0; i < value_->size(); ++i) {
    std::vector<PathStep> path = path_;
    path.emplace_back(i);
    out.push_back(JsonValue(doc_, &(*value_)[i], std::move(path)));
  }
  return out;
}

size_t JsonValue::Size() const { return value_->is_structured() ? value_->size() : 0; }

}  // namespace rightsize
