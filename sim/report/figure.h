// Figures rendered by gnuplot: each figure is written as its data (.csv), its script (.gp) and
// the rendered .svg and .png side by side, so a reader can re-plot or re-style it.
#pragma once

#include <string>
#include <vector>

namespace rightsize {

struct Series {
  std::string title;
  std::vector<double> x;
  std::vector<double> y;
  std::vector<double> y_low;  // optional band (same length as y): drawn as a shaded interval
  std::vector<double> y_high;
  std::vector<double> color;  // optional per-point palette value (region maps)
  // gnuplot style: lines, points, linespoints, ...; "yerrorbars ..." draws y_low..y_high as
  // error bars instead of a band.
  std::string style = "linespoints";
};

struct VerticalMarker {
  double x = 0.0;
  std::string label;
};

struct Figure {
  std::string name;  // file stem, [a-z0-9_-]
  std::string title;
  std::string x_label;  // with unit, e.g. "traffic (requests / month)"
  std::string y_label;
  bool log_x = false;
  bool log_y = false;
  std::vector<Series> series;
  std::vector<VerticalMarker> markers;
  std::string palette;  // optional gnuplot palette definition for Series::color
  std::string extra;    // optional gnuplot commands (tics, box style) placed before `plot`
  std::string caption;  // states the figure's inputs
  int width_px = 900;
  int height_px = 560;
};

struct FigureFiles {
  std::string csv, script, svg, png;  // paths relative to the output folder
};

// Writes NAME.csv and NAME.gp into out_dir and runs gnuplot to make NAME.svg and NAME.png.
// Throws IoError if gnuplot is missing or fails (the message names the script).
FigureFiles RenderFigure(const Figure& figure, const std::string& out_dir);

// The gnuplot script for a figure whose data file is data_file (exposed for tests).
std::string GnuplotScript(const Figure& figure, const std::string& data_file,
                          const std::string& terminal_line, const std::string& output_file);

}  // namespace rightsize
