// The tensor classes of a checkpoint, and a storage format per class (a released mix).
#pragma once

#include <array>
#include <cstddef>
#include <string>

#include "sim/spec/precision.h"
#include "sim/util/error.h"

namespace rightsize {

// The tensor classes a checkpoint stores, with the ParamCounts field each one sums.
enum class TensorClass {
  kAttention,      // q, k, v, o projections (+ biases, qk-norm, sinks, Gated DeltaNet mixers)
  kDenseMlp,       // dense MLP matrices
  kRoutedExperts,  // every routed expert
  kSharedExperts,  // always-on experts
  kEmbedding,      // input token embedding
  kLmHead,         // output projection (untied models)
  kNorms,          // RMSNorm / LayerNorm weights
  kRouter,         // MoE gate
};
inline constexpr std::size_t kNumTensorClasses = 8;
std::string ToString(TensorClass tensor_class);
// Parses "attention", "dense_mlp", "routed_experts", "shared_experts", "embedding", "lm_head",
// "norms", "router"; throws InputError naming the valid keys.
TensorClass ParseTensorClass(const std::string& text, const SourceLocation& where);

// A storage format per tensor class (a model spec's released mix).
struct TensorPrecisions {
  std::array<Precision, kNumTensorClasses> by_class{};
  Precision& operator[](TensorClass c) { return by_class[static_cast<std::size_t>(c)]; }
  Precision operator[](TensorClass c) const { return by_class[static_cast<std::size_t>(c)]; }
};

}  // namespace rightsize
