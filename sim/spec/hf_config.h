// Builds a ModelSpec from a Hugging Face transformers config.json, the file users have.
// Supported "architectures": Llama, Mistral, Mixtral, Qwen2, Qwen2-MoE, Qwen3, Qwen3-MoE, Phi-3,
// Gemma-2, Gemma-3, gpt-oss, DeepSeek-V3 (MLA, first dense layers, MTP counted apart), Llama 4
// text (interleaved MoE, chunked local attention priced as a window of the chunk), and the hybrid
// linear/full-attention Qwen3-Next and Qwen3.5 (for the vision-language checkpoints of Qwen3.5,
// Gemma 3 and Llama 4, the language model under text_config; vision towers are not modelled).
// Anything else is an InputError naming the file, line and key.
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
