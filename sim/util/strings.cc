#include "sim/util/strings.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <sstream>

#include <fmt/format.h>

namespace rightsize {

std::string ToLower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

std::string Trim(const std::string& text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return "";
  const auto last = text.find_last_not_of(" \t\r\n");
  return text.substr(first, last - first + 1);
}

std::vector<std::string> Split(const std::string& text, char separator) {
  std::vector<std::string> parts;
  std::string part;
  std::istringstream in(text);
  while (std::getline(in, part, separator)) parts.push_back(part);
  if (!text.empty() && text.back() == separator) parts.emplace_back();
  return parts;
}

int EditDistance(const std::string& a_in, const std::string& b_in) {
  const std::string a = ToLower(a_in), b = ToLower(b_in);
  std::vector<int> previous(b.size() + 1), current(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) previous[j] = static_cast<int>(j);
  for (size_t i = 1; i <= a.size(); ++i) {
    current[0] = static_cast<int>(i);
    for (size_t j = 1; j <= b.size(); ++j) {
      const int substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      current[j] = std::min({previous[j] + 1, current[j - 1] + 1, substitution});
    }
    std::swap(previous, current);
  }
  return previous[b.size()];
}

std::vector<std::string> ClosestMatches(const std::string& query,
                                        const std::vector<std::string>& candidates, int max_count) {
  const std::string q = ToLower(query);
  std::vector<std::pair<int, std::string>> scored;
  for (const auto& c : candidates) {
    const bool contains =
        ToLower(c).find(q) != std::string::npos || q.find(ToLower(c)) != std::string::npos;
    const int limit = std::max<int>(3, static_cast<int>(q.size()) / 2);
    if (contains) {
      scored.emplace_back(-1, c);
      continue;
    }
    // The edit distance is at least the difference in length: skip the quadratic count when that
    // alone is past the limit (a name of thousands of characters against the catalogue's ids).
    const auto length_gap =
        static_cast<int>(q.size() > c.size() ? q.size() - c.size() : c.size() - q.size());
    if (length_gap > limit) continue;
    const int distance = EditDistance(q, c);
    if (distance <= limit) scored.emplace_back(distance, c);
  }
  std::sort(scored.begin(), scored.end());
  std::vector<std::string> out;
  for (const auto& [score, name] : scored) {
    if (static_cast<int>(out.size()) >= max_count) break;
    out.push_back(name);
  }
  return out;
}

std::string DidYouMean(const std::string& query, const std::vector<std::string>& candidates) {
  const auto matches = ClosestMatches(query, candidates);
  if (matches.empty()) return "";
  std::string out = "did you mean: ";
  for (size_t i = 0; i < matches.size(); ++i) out += (i ? ", " : "") + matches[i];
  return out + "?";
}

std::string GroupedInteger(double x) {
  std::string digits = fmt::format("{:.0f}", std::fabs(x));
  for (int at = static_cast<int>(digits.size()) - 3; at > 0; at -= 3) {
    digits.insert(static_cast<size_t>(at), ",");
  }
  return (x < 0 && digits != "0" ? "-" : "") + digits;
}

std::string WholeDollars(double usd) {
  const std::string grouped = GroupedInteger(usd);
  return grouped.front() == '-' ? "-$" + grouped.substr(1) : "$" + grouped;
}

bool IsValidId(const std::string& id) {
  constexpr size_t kMaxIdLength = 128;
  if (id.empty() || id.size() > kMaxIdLength) return false;
  auto lower_or_digit = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (!lower_or_digit(id.front())) return false;
  return std::all_of(id.begin(), id.end(),
                     [&](char c) { return lower_or_digit(c) || c == '.' || c == '_' || c == '-'; });
}

void CheckId(const std::string& id, const SourceLocation& where) {
  if (IsValidId(id)) return;
  throw InputError(where,
                   fmt::format("'{}' is not a valid id: use 1-128 characters of a-z, 0-9, '.', '_' "
                               "and '-', starting with a letter or digit",
                               id));
}

}  // namespace rightsize
