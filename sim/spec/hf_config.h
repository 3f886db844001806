// Builds a ModelSpec from a Hugging Face transformers config.json, the file users have.
// Supported "architectures": Llama, Mistral, Mixtral, Qwen2, Qwen2-MoE, Qwen3, Qwen3-MoE, Phi-3,
// Gemma-2, gpt-oss, and the hybrid linear/full-attention Qwen3-Next and Qwen3.5 (for the Qwen3.5
// vision-language checkpoints, the language model under text_config; the vision tower and the
// multi-token-prediction head are not modelled). Anything else is an InputError naming the file,
// line and key.
#pragma once

#include <string>
#include <vector>

#include "sim/spec/model_spec.h"

namespace rightsize {

ModelSpec LoadHfConfig(const std::string& path);
// The same from the file's text (file_label is used in messages and as the spec's source).
ModelSpec ParseHfConfig(const std::string& json_text, const std::string& file_label);
std::vector<std::string> SupportedHfArchitectures();

}  // namespace rightsize
