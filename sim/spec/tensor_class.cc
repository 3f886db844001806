#include "sim/spec/tensor_class.h"

#include <utility>

namespace rightsize {
namespace {

constexpr std::array<std::pair<TensorClass, const char*>, kNumTensorClasses> kClassNames = {{
    {TensorClass::kAttention, "attention"},
    {TensorClass::kDenseMlp, "dense_mlp"},
    {TensorClass::kRoutedExperts, "routed_experts"},
    {TensorClass::kSharedExperts, "shared_experts"},
    {TensorClass::kEmbedding, "embedding"},
    {TensorClass::kLmHead, "lm_head"},
    {TensorClass::kNorms, "norms"},
    {TensorClass::kRouter, "router"},
}};

}  // namespace

std::string ToString(TensorClass tensor_class) {
  for (const auto& [c, name] : kClassNames) {
    if (c == tensor_class) return name;
  }
  return "?";
}

TensorClass ParseTensorClass(const std::string& text, const SourceLocation& where) {
  std::string valid;
  for (const auto& [c, name] : kClassNames) {
    if (text == name) return c;
    valid += (valid.empty() ? "" : ", ") + std::string(name);
  }
  throw InputError(where, "unknown tensor class '" + text + "' (valid: " + valid + ")");
}

}  // namespace rightsize
