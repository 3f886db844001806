// Numeric formats for weights, activations and the KV cache, with their storage cost.
#pragma once

#include <string>
#include <vector>

#include "sim/util/error.h"

namespace rightsize {

enum class Precision { kFp32, kTf32, kBf16, kFp16, kFp8, kInt8, kInt4, kNf4, kQ8_0, kQ4_K_M };

// Storage bits per value including block scales:
//  - int4: 4 bits + one fp16 scale per group of 128 (GPTQ / AWQ default group size) = 4.125.
//  - nf4: QLoRA NormalFloat4 with double quantisation, 4.127 bits (Dettmers et al. 2023, Sec. 3).
//  - q8_0: llama.cpp blocks of 32 int8 + one fp16 scale = 8.5 bits (ggml-common.h block_q8_0).
//  - q4_k_m: llama.cpp mixed 4/6-bit K-quant, about 4.85 bits per weight on Llama-class models
//    (llama.cpp quantize README table; DESIGN.md Sec. 4).
double BitsPerValue(Precision precision);
double BytesPerValue(Precision precision);

// The precision whose peak FLOP/s a matmul with these weights runs at on hardware that has no
// native unit for it: weight-only formats (int4, nf4, q8_0, q4_k_m) are dequantised and run at the
// activation precision.
bool IsWeightOnlyFormat(Precision precision);

std::string ToString(Precision precision);
// Parses "bf16", "fp8", "q4_k_m", ... (case-insensitive); throws InputError with the valid names.
Precision ParsePrecision(const std::string& text, const SourceLocation& where);
std::vector<std::string> PrecisionNames();

}  // namespace rightsize
