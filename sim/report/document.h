// A report as a list of blocks (headings, paragraphs, tables, figures), rendered to Markdown and
// to an HTML page converted from that Markdown by md4c (one renderer for both).
#pragma once

#include <string>
#include <vector>

#include "sim/report/figure.h"

namespace rightsize {

struct TextTable {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
};

class ReportDocument {
 public:
  void Heading(int level, const std::string& text);
  void Paragraph(const std::string& text);
  void Table(const TextTable& table);
  void Figure(const FigureFiles& files, const std::string& caption);

  std::string Markdown() const;
  std::string Html(const std::string& title) const;
  // Every file the report links (figures and their data / scripts).
  std::vector<std::string> LinkedFiles() const;

 private:
  struct Block {
    enum Kind { kHeading, kParagraph, kTable, kFigure } kind;
    int level = 0;
    std::string text;
    TextTable table;
    FigureFiles figure;
  };
  std::vector<Block> blocks_;
};

}  // namespace rightsize
