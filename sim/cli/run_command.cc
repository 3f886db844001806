// rightsize crossover STUDY.yaml   -- the verdict of a small-vs-large study
// rightsize report STUDY.yaml -o reports/NAME/   -- the full report with figures
// rightsize run STUDY.yaml         -- the main job: verdict + report into ./reports/<study name>/
// Each takes --calibration FILE [--calibration-group NAME]: fitted efficiencies instead of the
// defaults, and the study's throughput uncertainty from the calibration's held-out error; and
// --format table | json | csv | markdown.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <unistd.h>

#include "sim/app/study.h"
#include "sim/cli/calibration_options.h"
#include "sim/cli/commands.h"
#include "sim/cli/exit_codes.h"
#include "sim/cli/format_option.h"
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

std::string CalibrationLine(const std::optional<UsedCalibration>& c) {
  if (!c) return "";
  return fmt::format(
      "calibration: group {} of {}, used for every candidate device; throughput sd {:.1f}%\n\n",
      c->group, c->file, 100 * c->rel_sd);
}

// The answer first (one verdict line per compared pair), then the candidates, then what moves it.
std::string VerdictTable(const app::StudyRun& run) {
  const CrossoverResult& r = run.result;
  std::string out = CalibrationLine(run.calibration) + r.study.title + "\n\n";
  for (const auto& p : r.pairs) out += p.verdict + "\n";
  out += "\n" + RenderColumns(app::CandidateRows(run), app::kCandidateColumns);
  if (!r.sensitivity.empty()) {
    out += "\nmost sensitive inputs (swing of the cost gap for x0.75..x1.25):\n";
    for (size_t i = 0; i < std::min<size_t>(5, r.sensitivity.size()); ++i) {
      out += fmt::format("  {:<44}{:>14.0f} USD\n", r.sensitivity[i].input,
                         r.sensitivity[i].swing_usd);
    }
  }
  return out;
}

// table: VerdictTable; json: the verdict document; csv: the candidate rows; markdown: the
// verdicts as paragraphs above the candidate table.
std::string VerdictText(const app::StudyRun& run, OutputFormat format) {
  switch (format) {
    case OutputFormat::kTable:
      return VerdictTable(run);
    case OutputFormat::kJson:
      return app::ToJson(run).dump(2) + "\n";
    case OutputFormat::kCsv:
      return RenderCsv(app::CandidateRows(run), app::kCandidateColumns);
    case OutputFormat::kMarkdown: {
      std::string out = "## " + run.result.study.title + "\n\n";
      for (const auto& p : run.result.pairs) out += p.verdict + "\n\n";
      return out + RenderMarkdown(app::CandidateRows(run), app::kCandidateColumns);
    }
  }
  return "";
}

// What `report` wrote: one line, or the files as JSON / CSV / a Markdown list.
std::string ReportFilesText(const std::string& folder, const std::vector<std::string>& files,
                            OutputFormat format) {
  std::vector<nlohmann::json> rows;
  for (const std::string& f : files) rows.push_back({{"folder", folder}, {"file", f}});
  switch (format) {
    case OutputFormat::kTable:
      return fmt::format("wrote {} files into {}\n", files.size(), folder);
    case OutputFormat::kJson:
      return nlohmann::json({{"folder", folder}, {"files", files}}).dump(2) + "\n";
    default:
      return Render(rows, format);
  }
}

}  // namespace

void RegisterRunCommand(CLI::App& app, int* exit_code) {
  static StudyFlags crossover, report, run;
  auto* c = app.add_subcommand("crossover", "small-vs-large verdict of a study file");
  c->add_option("study", crossover.study.study_path, "study YAML (examples/README.md)")->required();
  AddFormatOption(c, &crossover.format);
  c->add_option("-o,--output", crossover.out, "also write the JSON result here");
  c->add_flag("--progress", crossover.progress,
              "show progress on stderr even when it is not a terminal");
  AddSloOption(c, &crossover.study.slo_overrides);
  AddCalibrationOptions(c, &crossover.study.calibration);
  c->callback([exit_code] {
    const OutputFormat format = ParseOutputFormat(crossover.format);
    if (!crossover.out.empty()) CheckOutputFile(crossover.out);  // before the work, not after
    const app::StudyRun run_result = Run(crossover);
    if (!crossover.out.empty()) {
      WriteFileAtomically(crossover.out, app::ToJson(run_result).dump(2) + "\n");
    }
    fmt::print("{}", VerdictText(run_result, format));
    *exit_code = kExitOk;
  });

  auto* rep =
      app.add_subcommand("report", "write a study's report (markdown, HTML, figures, data)");
  rep->add_option("study", report.study.study_path, "study YAML")->required();
  rep->add_option("-o,--output", report.out, "report folder, e.g. reports/NAME/")->required();
  AddFormatOption(rep, &report.format);
  rep->add_flag("--progress", report.progress,
                "show progress on stderr even when it is not a terminal");
  AddSloOption(rep, &report.study.slo_overrides);
  AddCalibrationOptions(rep, &report.study.calibration);
  rep->callback([exit_code] {
    CheckOutputFolder(report.out);
    const app::StudyRun run_result = Run(report);
    const auto files = app::WriteStudyReport(run_result, Catalog::Default(), report.out);
    fmt::print("{}", ReportFilesText(report.out, files, ParseOutputFormat(report.format)));
    *exit_code = kExitOk;
  });

  auto* m = app.add_subcommand(
      "run", "the main job: a study's verdict, and its report into ./reports/<name>/");
  m->add_option("study", run.study.study_path, "study YAML")->required();
  m->add_option("-o,--output", run.out,
                "report folder (default ./reports/<study file name>/ in the current directory)");
  AddFormatOption(m, &run.format);
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
    const OutputFormat format = ParseOutputFormat(run.format);
    const app::StudyRun run_result = Run(run);
    fmt::print("{}", VerdictText(run_result, format));
    const auto files = app::WriteStudyReport(run_result, Catalog::Default(), out);
    // The verdict is the output; where the report went is a note (stderr for data formats).
    fmt::print(format == OutputFormat::kTable ? stdout : stderr,
               "\nreport: {}/report.md ({} files)\n", out, files.size());
    *exit_code = kExitOk;
  });
}

}  // namespace rightsize
