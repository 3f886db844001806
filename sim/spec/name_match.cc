#include "sim/spec/name_match.h"

#include <algorithm>
#include <cctype>
#include <iterator>
#include <sstream>

#include "sim/util/strings.h"

namespace rightsize {

std::string NormaliseModelName(const std::string& name) {
  std::string s = ToLower(Trim(name));
  if (const auto slash = s.rfind('/'); slash != std::string::npos) s = s.substr(slash + 1);
  for (char& c : s) {
    if (c == '_' || c == ' ') c = '-';
  }
  // "llama3" -> "llama-3" (Megatron and llama.cpp tables write the family and version together).
  std::string spaced;
  for (std::size_t i = 0; i < s.size(); ++i) {
    spaced += s[i];
    const bool digit_next = i + 1 < s.size() && std::isdigit(static_cast<unsigned char>(s[i + 1]));
    if (digit_next && spaced.size() >= 5 && spaced.compare(spaced.size() - 5, 5, "llama") == 0) {
      spaced += '-';
    }
  }
  static const char* const kReleaseTokens[] = {"meta", "instruct", "chat", "it",
                                               "hf",   "base",     "fp8"};
  std::stringstream in(spaced);
  std::string token, out;
  while (std::getline(in, token, '-')) {
    if (token.empty()) continue;
    const bool release =
        std::find_if(std::begin(kReleaseTokens), std::end(kReleaseTokens),
                     [&](const char* t) { return token == t; }) != std::end(kReleaseTokens);
    if (!release) out += (out.empty() ? "" : "-") + token;
  }
  return out;
}

std::string NormaliseDeviceName(const std::string& name) {
  std::string s = ToLower(Trim(name));
  for (const std::string prefix : {"nvidia ", "amd ", "geforce "}) {
    if (s.rfind(prefix, 0) == 0) s = s.substr(prefix.size());
  }
  for (char& c : s) {
    if (c == ' ' || c == '_') c = '-';
  }
  return s;
}

}  // namespace rightsize
