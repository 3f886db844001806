#include "sim/report/document.h"

#include <fmt/format.h>

#include "sim/util/error.h"

namespace rightsize {
namespace {

std::string HtmlEscape(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string MarkdownCell(const std::string& text) {
  std::string out;
  for (char c : text) out += c == '|' ? std::string("\\|") : std::string(1, c);
  return out;
}

}  // namespace

void ReportDocument::Heading(int level, const std::string& text) {
  blocks_.push_back({Block::kHeading, level, text, {}, {}});
}
void ReportDocument::Paragraph(const std::string& text) {
  blocks_.push_back({Block::kParagraph, 0, text, {}, {}});
}
void ReportDocument::Table(const TextTable& table) {
  blocks_.push_back({Block::kTable, 0, "", table, {}});
}
void ReportDocument::Figure(const FigureFiles& files, const std::string& caption) {
  blocks_.push_back({Block::kFigure, 0, caption, {}, files});
}

std::string ReportDocument::Markdown() const {
  std::string md;
  for (const auto& b : blocks_) {
    switch (b.kind) {
      case Block::kHeading:
        md += std::string(b.level, '#') + " " + b.text + "\n\n";
        break;
      case Block::kParagraph:
        md += b.text + "\n\n";
        break;
      case Block::kTable: {
        std::string line = "|", rule = "|";
        for (const auto& h : b.table.header) {
          line += " " + MarkdownCell(h) + " |";
          rule += "---|";
        }
        md += line + "\n" + rule + "\n";
        for (const auto& row : b.table.rows) {
          line = "|";
          for (const auto& cell : row) line += " " + MarkdownCell(cell) + " |";
          md += line + "\n";
        }
        md += "\n";
        break;
      }
      case Block::kFigure:
        md += fmt::format(
            "![{}]({})\n\n*{}* (data: [{}]({}), script: [{}]({}), vector: [{}]({}))\n\n", b.text,
            b.figure.png, b.text, b.figure.csv, b.figure.csv, b.figure.script, b.figure.script,
            b.figure.svg, b.figure.svg);
        break;
    }
  }
  return md;
}

std::string ReportDocument::Html(const std::string& title) const {
  std::string html = "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>" +
                     HtmlEscape(title) +
                     "</title>\n<style>body{font-family:sans-serif;max-width:1000px;margin:auto}"
                     "table{border-collapse:collapse}td,th{border:1px solid #999;padding:3px 8px}"
                     "figcaption{font-style:italic}</style></head><body>\n";
  for (const auto& b : blocks_) {
    switch (b.kind) {
      case Block::kHeading:
        html += fmt::format("<h{0}>{1}</h{0}>\n", b.level, HtmlEscape(b.text));
        break;
      case Block::kParagraph:
        html += "<p>" + HtmlEscape(b.text) + "</p>\n";
        break;
      case Block::kTable:
        html += "<table><tr>";
        for (const auto& h : b.table.header) html += "<th>" + HtmlEscape(h) + "</th>";
        html += "</tr>\n";
        for (const auto& row : b.table.rows) {
          html += "<tr>";
          for (const auto& cell : row) html += "<td>" + HtmlEscape(cell) + "</td>";
          html += "</tr>\n";
        }
        html += "</table>\n";
        break;
      case Block::kFigure:
        html += fmt::format(
            "<figure><img src=\"{}\" alt=\"{}\"><figcaption>{} (<a href=\"{}\">data</a>, "
            "<a href=\"{}\">script</a>, <a href=\"{}\">SVG</a>)</figcaption></figure>\n",
            b.figure.png, HtmlEscape(b.text), HtmlEscape(b.text), b.figure.csv, b.figure.script,
            b.figure.svg);
        break;
    }
  }
  return html + "</body></html>\n";
}

std::vector<std::string> ReportDocument::LinkedFiles() const {
  std::vector<std::string> files;
  for (const auto& b : blocks_) {
    if (b.kind != Block::kFigure) continue;
    for (const auto& f : {b.figure.png, b.figure.svg, b.figure.csv, b.figure.script})
      files.push_back(f);
  }
  return files;
}

}  // namespace rightsize
