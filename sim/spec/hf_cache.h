// The local Hugging Face hub cache: resolving a repository id ("Qwen/Qwen2.5-7B-Instruct") to the
// snapshot the hub client downloaded, and reading what the checkpoint holds (safetensors headers,
// model.safetensors.index.json) to check a spec against it. No network: only files on disk.
//
// Layout (huggingface_hub file_download.py): <hub>/models--<owner>--<name>/snapshots/<commit>/
// with the files (usually links into blobs/), and refs/main naming the commit downloaded last.
// <hub> is $HF_HUB_CACHE, else $HF_HOME/hub, else ~/.cache/huggingface/hub.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace rightsize {

// The hub cache directory this process would use (it need not exist).
std::filesystem::path HfHubCacheDir();

// Whether text has the form of a hub repository id: owner/name, one slash, no file extension of
// a spec file (.json, .yaml, .yml), not starting with '.' or '/'.
bool LooksLikeHfRepoId(const std::string& text);

// The snapshot folder of repo_id in the cache: the commit refs/main names when that snapshot
// exists, else the only snapshot holding a config.json (the newest by modification time when
// several do). Throws InputError, one line naming the folder looked in, when there is none.
std::filesystem::path FindHfSnapshot(const std::string& repo_id);

// One tensor of a safetensors file header.
struct SafetensorsTensor {
  std::string name;
  std::string dtype;           // "BF16", "F32", "F8_E4M3", "U8", ...
  std::vector<int64_t> shape;  // each >= 0
  int64_t data_bytes = 0;      // data_offsets[1] - data_offsets[0]
  int64_t Elements() const;
};

// Reads the header of a .safetensors file: an 8-byte little-endian length N, then N bytes of
// JSON mapping tensor names to dtype, shape and data_offsets (huggingface/safetensors format).
// Only the header is read. Throws InputError (file, key) on a malformed header: N beyond the file
// or above 100 MB, a tensor without dtype / shape / data_offsets, offsets that disagree with the
// shape and dtype, or past the end of the file.
std::vector<SafetensorsTensor> ReadSafetensorsHeader(const std::filesystem::path& file);

// What a snapshot's checkpoint holds, from its safetensors headers.
struct CheckpointSummary {
  int64_t tensors = 0;
  int64_t elements = 0;    // values stored in all tensors (parameters for unquantised files)
  int64_t data_bytes = 0;  // bytes of tensor data in the files
  std::optional<int64_t> index_total_size_bytes;  // model.safetensors.index.json metadata
  std::vector<std::string> files;                 // the .safetensors files read
};
// Reads every *.safetensors in the snapshot (and model.safetensors.index.json when present).
// nullopt when the snapshot has no safetensors file.
std::optional<CheckpointSummary> ReadCheckpointSummary(const std::filesystem::path& snapshot);

}  // namespace rightsize
