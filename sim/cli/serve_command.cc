// rightsize serve [STUDY.yaml...] [--port N] [--host ADDR] [--calibration FILE...]
// The what-if page: one HTML page (share/rightsize/web) and a JSON API (docs/serve.md) over the
// studies and calibrations named here. Loopback only unless --host says otherwise. This is the
// one file that includes cpp-httplib.
#include <filesystem>
#include <mutex>

#include <fmt/format.h>
#include <httplib.h>

#include "sim/app/whatif.h"
#include "sim/cli/commands.h"
#include "sim/cli/exit_codes.h"
#include "sim/cli/format_option.h"
#include "sim/cli/numeric_flags.h"
#include "sim/report/table_format.h"
#include "sim/spec/catalog.h"
#include "sim/util/data_paths.h"
#include "sim/util/error.h"

namespace rightsize {
namespace {

struct ServeFlags {
  std::vector<std::string> studies;
  std::vector<std::string> calibrations;
  std::string host = "127.0.0.1";
  int port = 8080;
  std::string format = "table";  // of the start line (the address)
};

void SendJson(httplib::Response& res, int status, const nlohmann::json& body) {
  res.status = status;
  res.set_content(body.dump(), "application/json");
}

// Answers with the error as the CLI prints it ("rightsize: error: ..." without the prefix):
// 400 for bad input, 500 for anything else.
void Answer(httplib::Response& res, const std::function<nlohmann::json()>& body) {
  try {
    SendJson(res, 200, body());
  } catch (const InputError& e) {
    SendJson(res, 400, {{"error", e.what()}});
  } catch (const YAML::Exception& e) {
    SendJson(res, 400, {{"error", fmt::format("YAML: {}", e.what())}});
  } catch (const std::exception& e) {
    SendJson(res, 500, {{"error", fmt::format("internal error: {}", e.what())}});
  }
}

int Serve(const ServeFlags& flags) {
  const std::string data_root = DataRoot();
  const std::filesystem::path web_dir = std::filesystem::path(data_root) / "web";
  std::error_code ec;
  if (!std::filesystem::is_regular_file(web_dir / "index.html", ec)) {
    throw IoError(
        fmt::format("the what-if page is not installed: no {}", (web_dir / "index.html").string()));
  }
  app::WhatIfSources sources{flags.studies, flags.calibrations};
  if (sources.study_paths.empty()) {
    sources.study_paths.push_back(
        (std::filesystem::path(data_root) / "examples" / "default-study.yaml").string());
  }
  app::WhatIf whatif(sources, Catalog::Default());
  std::mutex one_question_at_a_time;  // each answer already uses every core

  httplib::Server server;
  server.set_mount_point("/", web_dir.string());
  server.Get("/api/choices", [&](const httplib::Request&, httplib::Response& res) {
    Answer(res, [&] { return whatif.Choices(); });
  });
  server.Post("/api/whatif", [&](const httplib::Request& req, httplib::Response& res) {
    Answer(res, [&] {
      const app::WhatIfQuestion question = app::ParseWhatIfQuestion(req.body);
      std::lock_guard<std::mutex> lock(one_question_at_a_time);
      return whatif.Answer(question);
    });
  });
  const int port = flags.port == 0
                       ? server.bind_to_any_port(flags.host)
                       : (server.bind_to_port(flags.host, flags.port) ? flags.port : -1);
  if (port < 0) {
    throw IoError(fmt::format("cannot listen on {}:{} (in use, or not an address here)", flags.host,
                              flags.port));
  }
  // The start line names the address, so a script (bench/, tests/web) can wait for it.
  const std::string url = fmt::format("http://{}:{}/", flags.host, port);
  const OutputFormat out = ParseOutputFormat(flags.format);
  fmt::print("{}", out == OutputFormat::kTable
                       ? fmt::format("rightsize serve: {} (Ctrl-C stops)\n", url)
                       : Render(nlohmann::json{{"url", url}}, out));
  std::fflush(stdout);
  server.listen_after_bind();
  return kExitOk;
}

}  // namespace

void RegisterServeCommand(CLI::App& app, int* exit_code) {
  auto* c = app.add_subcommand(
      "serve", "the what-if page: change traffic, SLO, hardware, prices; see the verdict update");
  static ServeFlags flags;
  c->add_option("studies", flags.studies,
                "study files the page may use (default: the bundled default study)");
  c->add_option("--calibration", flags.calibrations,
                "calibration files the page may choose from (rightsize calibrate output)");
  c->add_option("--host", flags.host, "address to listen on (loopback by default)")
      ->capture_default_str();
  c->add_option("--port", flags.port, "port (0: any free port, printed at start)")
      ->capture_default_str()
      ->check(FiniteIn(0, 65535));
  AddFormatOption(c, &flags.format);
  c->callback([exit_code] { *exit_code = RunWithErrorHandling([] { return Serve(flags); }); });
}

}  // namespace rightsize
