// rightsize crossover STUDY.yaml   -- the verdict of a small-vs-large study (table or JSON)
// rightsize report STUDY.yaml -o reports/NAME/   -- the full report with figures
// rightsize run STUDY.yaml         -- the main job: verdict + report into ./reports/<study name>/
// Each takes --calibration FILE [--calibration-group NAME]: fitted efficiencies instead of the
// defaults, and the study's throughput uncertainty from the calibration's held-out error.
#include <cstdio>
#include <filesystem>

#include <fmt/format.h>
#include <unistd.h>

#include "sim/app/study.h"
#include "sim/cli/calibration_options.h"
#include "sim/cli/commands.h"
#include "sim/cli/exit_codes.h"
#include "sim/report/table_format.h"
#include "sim/spec/catalog.h"
#include "sim/util/output_path.h"
#include "sim/util/units.h"

namespace rightsize {
namespace {

// The flags of one of the three commands.
struct StudyFlags {
  app::StudyOptions study;
  std::string out;
  std::string format = "table";
  bool progress = false;
};

ProgressFn StderrProgress(bool force) {
  if (!force && !::isatty(STDERR_FILENO)) return nullptr;
  return [](const std::string& stage, double fraction) {
    fmt::print(stderr, "\r[{:3.0f}%] {:<24}", 100 * fraction, stage);
    if (fraction >= 1.0) fmt::print(stderr, "\n");
    std::fflush(stderr);
  };
}

void AddSloOption(CLI::App* app, std::vector<std::string>* slo) {
  app->add_option("--slo", *slo,
                  "KEY=SECONDS, KEY <ttft|tpot|itl|e2e>_<mean|p50|p90|p99>_s (repeatable; "
                  "replaces the study's target of that key)");
}

app::StudyRun Run(const StudyFlags& flags) {
  app::StudyOptions options = flags.study;
  options.progress = StderrProgress(flags.progress);
  return app::RunStudy(options, Catalog::Default());
}

void PrintCalibration(const std::optional<UsedCalibration>& c) {
  if (c) {
    fmt::print(
        "calibration: group {} of {}, used for every candidate device; throughput sd {:.1f}%\n\n",
        c->group, c->file, 100 * c->rel_sd);
  }
}

void PrintVerdict(const CrossoverResult& r) {
  fmt::print("{}\n\n", r.study.title);
  fmt::print("{:<26}{:<7}{:>14}{:>14}{:>14}  {}\n", "candidate", "role", "score", "total_usd",
             "usd_per_Mtok", "layout / status");
  for (const auto& c : r.candidates) {
    const bool ok = c.candidate.infeasible_reason.empty();
    fmt::print("{:<26}{:<7}{:>14}{:>14}{:>14}  {}\n", c.spec.name, c.spec.role,
               fmt::format("{:.1f}+-{:.1f}", c.candidate.quality, c.candidate.quality_sd),
               ok ? fmt::format("{:.0f}", c.usd_at_plan) : "-",
               ok ? fmt::format("{:.3f}", c.usd_per_million_tokens_at_plan) : "-",
               ok ? c.layout_at_plan : "INFEASIBLE: " + c.candidate.infeasible_reason);
  }
  fmt::print("\n");
  for (const auto& p : r.pairs) fmt::print("{}\n", p.verdict);
  if (!r.sensitivity.empty()) {
    fmt::print("\nmost sensitive inputs (swing of the cost gap for x0.75..x1.25):\n");
    for (size_t i = 0; i < std::min<size_t>(5, r.sensitivity.size()); ++i) {
      fmt::print("  {:<44}{:>14.0f} USD\n", r.sensitivity[i].input, r.sensitivity[i].swing_usd);
    }
  }
}

}  // namespace

void RegisterRunCommand(CLI::App& app, int* exit_code) {
  static StudyFlags crossover, report, run;
  auto* c = app.add_subcommand("crossover", "small-vs-large verdict of a study file");
  c->add_option("study", crossover.study.study_path, "study YAML (examples/README.md)")->required();
  c->add_option("--format", crossover.format, "table | json")->capture_default_str();
  c->add_option("-o,--output", crossover.out, "also write the JSON result here");
  c->add_flag("--progress", crossover.progress,
              "show progress on stderr even when it is not a terminal");
  AddSloOption(c, &crossover.study.slo_overrides);
  AddCalibrationOptions(c, &crossover.study.calibration);
  c->callback([exit_code] {
    if (!crossover.out.empty()) CheckOutputFile(crossover.out);  // before the work, not after
    const app::StudyRun run_result = Run(crossover);
    const CrossoverResult& r = run_result.result;
    const nlohmann::json j = app::ToJson(run_result);
    if (!crossover.out.empty()) WriteFileAtomically(crossover.out, j.dump(2) + "\n");
    if (ParseOutputFormat(crossover.format) == OutputFormat::kJson) {
      fmt::print("{}\n", j.dump(2));
    } else {
      PrintCalibration(run_result.calibration);
      PrintVerdict(r);
    }
    *exit_code = kExitOk;
  });

  auto* rep =
      app.add_subcommand("report", "write a study's report (markdown, HTML, figures, data)");
  rep->add_option("study", report.study.study_path, "study YAML")->required();
  rep->add_option("-o,--output", report.out, "report folder, e.g. reports/NAME/")->required();
  rep->add_flag("--progress", report.progress,
                "show progress on stderr even when it is not a terminal");
  AddSloOption(rep, &report.study.slo_overrides);
  AddCalibrationOptions(rep, &report.study.calibration);
  rep->callback([exit_code] {
    CheckOutputFolder(report.out);
    const app::StudyRun run_result = Run(report);
    const auto files = app::WriteStudyReport(run_result, Catalog::Default(), report.out);
    fmt::print("wrote {} files into {}\n", files.size(), report.out);
    *exit_code = kExitOk;
  });

  auto* m = app.add_subcommand(
      "run", "the main job: a study's verdict, and its report into ./reports/<name>/");
  m->add_option("study", run.study.study_path, "study YAML")->required();
  m->add_option("-o,--output", run.out,
                "report folder (default ./reports/<study file name>/ in the current directory)");
  m->add_flag("--progress", run.progress, "show progress on stderr even when it is not a terminal");
  AddSloOption(m, &run.study.slo_overrides);
  AddCalibrationOptions(m, &run.study.calibration);
  m->callback([exit_code] {
    // The default report folder is relative to the current directory, wherever the binary and
    // the study live.
    const std::string out =
        run.out.empty() ? "reports/" + std::filesystem::path(run.study.study_path).stem().string()
                        : run.out;
    CheckOutputFolder(out);
    const app::StudyRun run_result = Run(run);
    const CrossoverResult& r = run_result.result;
    PrintCalibration(run_result.calibration);
    PrintVerdict(r);
    const auto files = app::WriteStudyReport(run_result, Catalog::Default(), out);
    fmt::print("\nreport: {}/report.md ({} files)\n", out, files.size());
    *exit_code = kExitOk;
  });
}

}  // namespace rightsize
