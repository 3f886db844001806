// Figures render to PNG / SVG of the requested size; reports link only files that exist and are
// never left half-written.
#include <catch2/catch.hpp>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "sim/report/document.h"
#include "sim/report/figure.h"
#include "sim/util/file_io.h"
#include "sim/util/output_path.h"

using namespace rightsize;
namespace fs = std::filesystem;

namespace {

// Width and height from a PNG's IHDR chunk (bytes 16..23, big-endian).
std::pair<uint32_t, uint32_t> PngSize(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  unsigned char header[24] = {};
  in.read(reinterpret_cast<char*>(header), sizeof(header));
  if (in.gcount() != 24 || header[1] != 'P' || header[2] != 'N' || header[3] != 'G') return {0, 0};
  auto be32 = [&](int at) {
    return (uint32_t{header[at]} << 24) | (uint32_t{header[at + 1]} << 16) |
           (uint32_t{header[at + 2]} << 8) | uint32_t{header[at + 3]};
  };
  return {be32(16), be32(20)};
}

Figure SampleFigure() {
  Figure f;
  f.name = "cost_vs_traffic";
  f.title = "Cost vs traffic";
  f.x_label = "traffic (requests / month)";
  f.y_label = "total cost (USD)";
  f.log_x = true;
  f.series.push_back(
      {"small", {1e3, 1e4, 1e5}, {10, 20, 30}, {8, 18, 27}, {12, 22, 33}, {}, "lines"});
  f.series.push_back({"large", {1e3, 1e4, 1e5}, {5, 25, 60}, {}, {}, {}, "linespoints"});
  f.markers.push_back({5e3, "break-even"});
  f.width_px = 640;
  f.height_px = 400;
  return f;
}

}  // namespace

TEST_CASE("a figure renders PNG and SVG of the requested size with its data and script") {
  const fs::path dir = fs::temp_directory_path() / "rightsize_figure_test";
  fs::remove_all(dir);
  fs::create_directories(dir);
  const FigureFiles files = RenderFigure(SampleFigure(), dir.string());
  CHECK(PngSize((dir / files.png).string()) == std::make_pair(640u, 400u));
  CHECK(fs::file_size(dir / files.png) > 5000);
  CHECK(ReadTextFile((dir / files.svg).string()).find("<svg") != std::string::npos);
  CHECK(ReadTextFile((dir / files.csv).string()).find("# small") != std::string::npos);
  CHECK(ReadTextFile((dir / files.script).string()).find("set logscale x") != std::string::npos);
  fs::remove_all(dir);
}

TEST_CASE("a report folder is swapped in whole, and a failure leaves the previous one") {
  const fs::path dir = fs::temp_directory_path() / "rightsize_report_test" / "study";
  fs::remove_all(dir.parent_path());
  WriteFolderAtomically(dir.string(), [](const std::string& tmp) {
    ReportDocument doc;
    doc.Heading(1, "Study");
    doc.Paragraph("text");
    doc.Figure(RenderFigure(SampleFigure(), tmp), "Cost vs traffic");
    WriteFileAtomically(tmp + "/report.md", doc.Markdown());
    WriteFileAtomically(tmp + "/report.html", doc.Html("Study"));
    REQUIRE_FALSE(doc.LinkedFiles().empty());  // the figure's PNG at least
    for (const auto& file : doc.LinkedFiles()) CHECK(fs::exists(fs::path(tmp) / file));
  });
  REQUIRE(fs::exists(dir / "report.md"));
  CHECK_THROWS(WriteFolderAtomically(dir.string(), [](const std::string& tmp) {
    WriteFileAtomically(tmp + "/report.md", "half");
    throw std::runtime_error("bad study");
  }));
  CHECK(ReadTextFile((dir / "report.md").string()).find("# Study") == 0);
  int entries = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir.parent_path())) ++entries;
  CHECK(entries == 1);  // no temporary folder left behind
  fs::remove_all(dir.parent_path());
}
