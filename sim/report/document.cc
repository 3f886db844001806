#include "sim/report/document.h"

#include <fmt/format.h>
#include <md4c-html.h>

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
  // One renderer: the page is the Markdown above, converted by md4c (GitHub dialect: tables,
  // strikethrough, autolinks). Raw HTML in the text is escaped, not passed through, so a study's
  // title or question cannot inject markup.
  const std::string markdown = Markdown();
  std::string body;
  const int status = md_html(
      markdown.data(), static_cast<MD_SIZE>(markdown.size()),
      [](const MD_CHAR* text, MD_SIZE size, void* out) {
        static_cast<std::string*>(out)->append(text, size);
      },
      &body, MD_DIALECT_GITHUB | MD_FLAG_NOHTML, 0);
  if (status != 0) throw IoError("md4c could not render the report's Markdown to HTML");
  return "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>" + HtmlEscape(title) +
         "</title>\n<style>body{font-family:sans-serif;max-width:1000px;margin:auto;padding:0 1em}"
         "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #999;padding:3px 8px}"
         "img{max-width:100%;height:auto;display:block}</style></head><body>\n" +
         body + "</body></html>\n";
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
