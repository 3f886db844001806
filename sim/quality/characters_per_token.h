// Characters per token of a tokenizer, read from data/quality/characters-per-token.csv (one row
// per tokenizer, each with its source). Hernandez et al. 2021 count fine-tuning data in
// characters (sec. 1.2); a study counts tokens of its model's tokenizer, so the transfer law needs
// the conversion.
#pragma once

#include <string>

#include "sim/util/error.h"

namespace rightsize {

inline constexpr const char* kCharactersPerTokenFile = "data/quality/characters-per-token.csv";

struct CharactersPerToken {
  std::string tokenizer;            // e.g. "llama-2"
  double characters_per_token = 0;  // characters per token on `text`, > 0
  std::string text;    // what the figure was measured on (e.g. "a sample of English data")
  std::string source;  // where the figure is published
};

// The row of `tokenizer` in the CSV at path (columns tokenizer, characters_per_token, text,
// source). An unknown tokenizer is an InputError at where, listing the known ones; a bad row is an
// InputError at its file:line.
CharactersPerToken LoadCharactersPerToken(const std::string& path, const std::string& tokenizer,
                                          const SourceLocation& where);

}  // namespace rightsize
