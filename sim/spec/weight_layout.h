// How a model's weights are stored: the bits per weight of each tensor class under a precision or
// a named scheme (a uniform format, llama.cpp's Q4_K_M mix, the mix the model was released in).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

#include "sim/spec/model_spec.h"
#include "sim/spec/precision.h"
#include "sim/spec/tensor_class.h"

namespace rightsize {

// Bits per weight (scales included) of each tensor class, > 0.
struct WeightLayout {
  std::array<double, kNumTensorClasses> bits_per_weight{};
  double Bits(TensorClass c) const { return bits_per_weight[static_cast<std::size_t>(c)]; }
  double Bytes(TensorClass c) const { return Bits(c) / 8.0; }
};

// The layout of `model` stored in `scheme`:
//  - fp32 / tf32 / bf16 / fp16: every tensor in that format.
//  - a quantisation format (fp8, fp8_block, int8, int4, nf4, mxfp4, nvfp4): the linear layers of
//    the blocks (attention, dense MLP, routed and shared experts) in it; embeddings, lm_head,
//    norms and router kept in bf16, as AWQ, GPTQ, bitsandbytes and llm-compressor leave them.
//  - GGUF types q8_0 / q4_k / q5_k / q6_k: every 2-D tensor in that type except the MoE router;
//    norms in f32 (llama.cpp quantises 2-D tensors only and never ffn_gate_inp).
//  - q4_k_m: llama.cpp's mix (llama_tensor_get_type, src/llama-quant.cpp): q4_k, with attn_v and
//    ffn_down in q6_k on the layers use_more_bits picks (the first and last eighth and every
//    third between), output.weight (or the tied embedding) in q6_k; 8-expert models put attn_k /
//    attn_v in q8_0 and attn_output in q5_k; a tensor whose rows are not a multiple of 256 falls
//    back to q5_0 (for q4_k) or q8_0 (for q6_k).
//  - released: the model's released_weights (InputError when the spec states none).
WeightLayout ResolveWeightLayout(const ModelSpec& model, Precision scheme);

// Parameters of one class in the counts.
int64_t ParamsOfClass(const ParamCounts& counts, TensorClass tensor_class);

// Bytes of the whole checkpoint's weights in a layout: sum over classes of params x bits / 8.
double WeightBytes(const ModelSpec& model, const WeightLayout& layout);

}  // namespace rightsize
