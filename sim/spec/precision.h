// Numeric formats for weights, activations and the KV cache, with their storage cost.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "sim/util/error.h"

namespace rightsize {

// Numeric formats. Most are one storage format; three name a scheme that stores different tensors
// differently (sim/spec/weight_layout.h resolves a scheme per tensor class of a model):
// q4_k_m (llama.cpp's Q4_K_M mix), released (the mix the model's maker published, from the model
// spec) and, for the fp4 compute units only, fp4.
enum class Precision {
  kFp32,
  kTf32,
  kBf16,
  kFp16,
  kFp8,       // fp8 e4m3 with one fp32 scale per tensor
  kFp8Block,  // fp8 e4m3 with one fp32 scale per 128 x 128 weight block (DeepSeek-V3)
  kInt8,
  kInt4,   // AWQ / GPTQ int4, group 128
  kNf4,    // bitsandbytes NF4 with double quantisation (QLoRA)
  kMxfp4,  // OCP microscaling fp4 (e2m1), blocks of 32 with an e8m0 scale
  kNvfp4,  // NVIDIA fp4 (e2m1), blocks of 16 with an fp8 e4m3 scale + one fp32 per tensor
  kQ8_0,   // llama.cpp / GGUF types
  kQ4_K,
  kQ5_K,
  kQ6_K,
  kQ4_K_M,    // llama.cpp's Q4_K_M mix (scheme)
  kFp4,       // the fp4 tensor-core unit a device peak is given for (hardware YAML key)
  kReleased,  // the model's released per-tensor mix (scheme; ModelSpec::released_weights)
};

// Storage bits per value including block scales:
//  - fp8_block: 8 + 32 / (128 x 128) (DeepSeek-V3 report Sec. 3.3.2: 128 x 128 weight blocks).
//  - int4: 4 bits + per group of 128 an fp16 scale and a 4-bit zero point (AWQ / GPTQ packed
//    qzeros) = 4 + 20/128 = 4.15625.
//  - nf4: 4 bits + an 8-bit absmax per block of 64 + an fp32 second-level scale per 256 blocks
//    (double quantisation, Dettmers et al. 2023, Sec. 3) = 4 + 8/64 + 32/(64 x 256) = 4.127.
//  - mxfp4: 4 + 8/32 = 4.25 (OCP Microscaling Formats v1.0, Sec. 5: k = 32, E8M0 scale).
//  - nvfp4: 4 + 8/16 = 4.5 (NVIDIA Blackwell NVFP4: 16-element micro-blocks with an E4M3 scale;
//    the per-tensor fp32 scale adds 32 bits per tensor, under 1e-6 of a tensor's bytes).
//  - GGUF (ggml-common.h block structs): q8_0 = 34 bytes / 32 = 8.5, q4_k = 144 bytes / 256 =
//    4.5, q5_k = 176 / 256 = 5.5, q6_k = 210 / 256 = 6.5625.
//  - q4_k_m: 4.85, llama.cpp quantize README's average for Llama-class models; a nominal figure
//    only: weight bytes come from the per-tensor mix (weight_layout.h).
//  - released: nominal 16 (the model as released carries no post-training quantisation loss);
//    weight bytes come from the model's mix.
double BitsPerValue(Precision precision);
double BytesPerValue(Precision precision);
// Bits of one value's code, without block scales or zero points: the precision a quantisation
// law takes (Kumar et al. 2024 count integer-type bits, sec. 2 "Notation"). 4 for int4, nf4,
// mxfp4, nvfp4, fp4 and q4_k; 5 / 6 / 8 for q5_k / q6_k / q8_0; 8 for fp8 and int8. q4_k_m: 4,
// the q4_k code most of its tensors use (some are q6_k); released: 16.
double ElementBits(Precision precision);

// The precision whose peak FLOP/s a matmul with these weights runs at on hardware that has no
// native unit for it: weight-only formats (int4, nf4, GGUF types, and fp4 formats on devices
// without fp4 units) are dequantised and run at the activation precision.
bool IsWeightOnlyFormat(Precision precision);
// mxfp4 and nvfp4: run on fp4 tensor cores where the device has them (Blackwell), the engine
// quantising activations on the fly; elsewhere weight-only.
bool IsFp4Format(Precision precision);

std::string ToString(Precision precision);
// Parses "bf16", "fp8", "q4_k_m", ... (case-insensitive); throws InputError with the valid names.
Precision ParsePrecision(const std::string& text, const SourceLocation& where);
std::vector<std::string> PrecisionNames();
// A precision as benchmark logs and published tables spell it: the names above (any case) plus
// "f16" / "float16", "bfloat16", any fp8 recipe ("FP8-CS", "fp8_e4m3", "MXFP8": fp8 values,
// the recipe only changes the scales); nullopt for one rightsize does not model, so the reader
// can skip the row with that reason.
std::optional<Precision> PrecisionFromLogName(const std::string& text);

}  // namespace rightsize
