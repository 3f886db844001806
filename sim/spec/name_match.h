// How names that benchmark logs and datasets print ("meta-llama/Meta-Llama-3.1-8B-Instruct",
// "LLAMA3_70B", "NVIDIA H100 80GB HBM3", "DGX-B200") are brought to one comparable form. The
// catalogue (Catalog::MatchModel / MatchHardware) is the only place that compares them, against
// each spec's id, name, hf_repo and the `aliases:` its YAML file lists with a source.
#pragma once

#include <string>

namespace rightsize {

// Lower case, the repository owner ("org/") dropped, '_' and ' ' as '-', "llama3" spelled
// "llama-3", and the tokens that name a release rather than an architecture dropped: "meta",
// "instruct", "chat", "it", "hf", "base", "fp8". "Meta-Llama-3.1-8B-Instruct" -> "llama-3.1-8b".
std::string NormaliseModelName(const std::string& name);

// Lower case, a leading vendor ("nvidia ", "amd ", "geforce ") dropped, ' ' and '_' as '-'.
// "NVIDIA GeForce RTX 4090" -> "rtx-4090"; "H100 80GB HBM3" -> "h100-80gb-hbm3".
std::string NormaliseDeviceName(const std::string& name);

}  // namespace rightsize
