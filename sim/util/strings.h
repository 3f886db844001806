// Small string helpers: close-match suggestions for unknown ids, lower-casing, trimming, grouped
// whole numbers.
#pragma once

#include <string>
#include <vector>

#include "sim/util/error.h"

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

// A number rounded to a whole one, with thousands separators: 3000000 -> "3,000,000".
std::string GroupedInteger(double x);
// Whole dollars with thousands separators: 6026.4 -> "$6,026", -1234 -> "-$1,234".
std::string WholeDollars(double usd);

// An id that may become a file name: 1-128 characters of [a-z0-9._-], starting with a letter or
// a digit (so no path separator, no leading dot, nothing a shell or a file system reads as
// special).
bool IsValidId(const std::string& id);
// Throws InputError at `where` unless IsValidId(id).
void CheckId(const std::string& id, const SourceLocation& where);

}  // namespace rightsize
