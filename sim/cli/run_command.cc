// rightsize run STUDY.yaml: the main job on a study file (examples/default-study.yaml).
// For now: a predict comparison of the study's models on its hardware.
#include <fmt/format.h>

#include "sim/cli/commands.h"
#include "sim/cli/exit_codes.h"
#include "sim/plan/predict.h"
#include "sim/report/table_format.h"
#include "sim/spec/catalog.h"
#include "sim/util/units.h"
#include "sim/util/yaml_reader.h"

namespace rightsize {

void RegisterRunCommand(CLI::App& app, int* exit_code) {
  auto* c = app.add_subcommand("run", "run a study file and print its comparison");
  static std::string study_path;
  c->add_option("study", study_path, "study YAML")->required();
  c->callback([exit_code] {
    *exit_code = RunWithErrorHandling([] {
      const Catalog& catalog = Catalog::Default();
      YamlReader study(LoadYamlFile(study_path), study_path);
      const std::string title = study.RequiredString("title");
      const std::vector<std::string> models = study.OptionalStringList("models");
      const std::string hardware_id = study.RequiredString("hardware");
      YamlReader wl = study.Child("workload");
      Workload w;
      w.batch = wl.RequiredInt("batch", 1, 1 << 20);
      w.prompt_tokens = wl.RequiredInt("prompt_tokens", 1, 1 << 24);
      w.gen_tokens = wl.RequiredInt("gen_tokens", 0, 1 << 24);
      w.weights = ParsePrecision(wl.OptionalString("weights", "bf16"), wl.Where("weights"));
      w.kv_cache = ParsePrecision(wl.OptionalString("kv", "bf16"), wl.Where("kv"));
      wl.RejectUnknownKeys();
      study.RejectUnknownKeys();
      if (models.empty()) throw InputError(study.Where("models"), "list at least one model");
      const HardwareSpec& hardware = catalog.Hardware(hardware_id);

      fmt::print("{}\n", title);
      fmt::print("hardware: {} ({:.0f} GiB), batch {}, prompt {} + generated {} tokens, weights {}\n\n",
                 hardware.name, hardware.memory_bytes / kGiB, w.batch, w.prompt_tokens,
                 w.gen_tokens, ToString(w.weights));
      fmt::print("{:<22}{:>10}{:>10}{:>16}{:>14}{:>12}{:>10}{:>12}\n", "model", "params_B",
                 "active_B", "decode_GFLOP/t", "KV_KiB/token", "needs_GiB", "fits", "max_batch");
      for (const auto& id : models) {
        const ModelSpec& model = catalog.Model(id);
        const Prediction p = Predict(model, hardware, w);
        fmt::print("{:<22}{:>10.2f}{:>10.2f}{:>16.2f}{:>14.1f}{:>12.2f}{:>10}{:>12}\n", id,
                   p.params.Total() / kGiga, p.params.Active() / kGiga,
                   p.flops.decode_flops_per_token / kGiga,
                   KvCacheBytesPerToken(model, w.kv_cache) / kKiB,
                   p.memory.required_bytes / kGiB, p.memory.fits ? "yes" : "no", p.memory.max_batch);
        if (!p.memory.fits) fmt::print("  {}\n", p.memory.reason);
      }
      return kExitOk;
    });
  });
}

}  // namespace rightsize
