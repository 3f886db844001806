// Small string helpers: close-match suggestions for unknown ids, lower-casing, trimming.
#pragma once

#include <string>
#include <vector>

namespace rightsize {

std::string ToLower(std::string text);
std::string Trim(const std::string& text);
std::vector<std::string> Split(const std::string& text, char separator);
// Levenshtein distance, case-insensitive.
int EditDistance(const std::string& a, const std::string& b);
// Up to max_count candidates closest to query (substring matches first, then edit distance).
std::vector<std::string> ClosestMatches(const std::string& query,
                                        const std::vector<std::string>& candidates,
                                        int max_count = 3);
// "did you mean: a, b, c?" or "" when there is nothing close.
std::string DidYouMean(const std::string& query, const std::vector<std::string>& candidates);

}  // namespace rightsize
