#include "sim/report/figure.h"

#include <cstdlib>
#include <filesystem>

#include <fmt/format.h>

#include "sim/util/csv.h"
#include "sim/util/error.h"
#include "sim/util/output_path.h"

namespace rightsize {
namespace {

std::string Quote(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

// One CSV with a block per series: series index, x, y, low, high, color. gnuplot selects a
// series with `every` over blank-line-separated blocks (index N).
std::string DataCsv(const Figure& f) {
  std::string out = "# " + f.title + "\n# series,x,y,y_low,y_high,color\n";
  for (size_t s = 0; s < f.series.size(); ++s) {
    const Series& series = f.series[s];
    out += "# " + series.title + "\n";
    for (size_t i = 0; i < series.x.size(); ++i) {
      const double low = i < series.y_low.size() ? series.y_low[i] : series.y[i];
      const double high = i < series.y_high.size() ? series.y_high[i] : series.y[i];
      const double color = i < series.color.size() ? series.color[i] : 0.0;
      out += fmt::format("{},{:.9g},{:.9g},{:.9g},{:.9g},{:.9g}\n", s, series.x[i], series.y[i],
                         low, high, color);
    }
    out += "\n\n";
  }
  return out;
}

}  // namespace

std::string GnuplotScript(const Figure& f, const std::string& data_file,
                          const std::string& terminal_line, const std::string& output_file) {
  std::string gp;
  gp += terminal_line + "\n";
  gp += "set output " + Quote(output_file) + "\n";
  gp += "set datafile separator ','\n";
  gp += "set title " + Quote(f.title) + "\n";
  gp += "set xlabel " + Quote(f.x_label) + "\n";
  gp += "set ylabel " + Quote(f.y_label) + "\n";
  gp += "set grid\nset key outside right top\n";
  if (f.log_x) gp += "set logscale x\nset format x '10^{%L}'\n";
  gp += "set autoscale xfix\n";
  if (f.log_y) gp += "set logscale y\n";
  if (!f.palette.empty()) gp += f.palette + "\n";
  if (!f.extra.empty()) gp += f.extra + "\n";
  for (const auto& m : f.markers) {
    gp += fmt::format(
        "set arrow from {:.9g}, graph 0 to {:.9g}, graph 1 nohead dt 2 lc rgb 'black'\n", m.x, m.x);
    gp +=
        fmt::format("set label {} at {:.9g}, graph 0.95 left offset 0.5,0\n", Quote(m.label), m.x);
  }
  std::string plot;
  for (size_t s = 0; s < f.series.size(); ++s) {
    const Series& series = f.series[s];
    const std::string source = Quote(data_file) + fmt::format(" index {}", s);
    const bool error_bars = series.style.rfind("yerrorbars", 0) == 0;
    if (!series.y_low.empty() && !error_bars) {
      plot += (plot.empty() ? "" : ", ") + source +
              fmt::format(" using 2:4:5 with filledcurves fs transparent solid 0.2 lc {} notitle",
                          s + 1);
    }
    if (!series.color.empty()) {
      plot += (plot.empty() ? "" : ", ") + source +
              " using 2:3:6 with points pt 5 ps 2.5 lc palette title " + Quote(series.title);
    } else {
      plot += (plot.empty() ? "" : ", ") + source +
              (error_bars ? " using 2:3:4:5 with " : " using 2:3 with ") + series.style +
              fmt::format(" lw 2 lc {} title ", s + 1) + Quote(series.title);
    }
  }
  gp += "plot " + plot + "\n";
  return gp;
}

FigureFiles RenderFigure(const Figure& f, const std::string& out_dir) {
  namespace fs = std::filesystem;
  FigureFiles files{f.name + ".csv", f.name + ".gp", f.name + ".svg", f.name + ".png"};
  WriteFileAtomically((fs::path(out_dir) / files.csv).string(), DataCsv(f));
  // The script renders both formats; run it from out_dir so paths stay relative.
  std::string script = GnuplotScript(
      f, files.csv,
      fmt::format("set terminal svg size {},{} dynamic font 'Sans,12'", f.width_px, f.height_px),
      files.svg);
  script += fmt::format("set terminal pngcairo size {},{} font 'Sans,10'\nset output {}\nreplot\n",
                        f.width_px, f.height_px, Quote(files.png));
  WriteFileAtomically((fs::path(out_dir) / files.script).string(), script);
  const std::string command = fmt::format("cd {} && gnuplot {} 2>gnuplot-{}.log", Quote(out_dir),
                                          Quote(files.script), f.name);
  if (std::system(command.c_str()) != 0) {
    throw IoError(fmt::format("gnuplot failed on {}/{} (see gnuplot-{}.log there)", out_dir,
                              files.script, f.name));
  }
  fs::remove(fs::path(out_dir) / fmt::format("gnuplot-{}.log", f.name));
  return files;
}

}  // namespace rightsize
