// The report's HTML is its Markdown rendered by md4c: emphasis, tables and figures become HTML,
// and text from a study file cannot inject markup.
#include <catch2/catch.hpp>

#include "sim/report/document.h"

using namespace rightsize;

TEST_CASE("report HTML renders the Markdown: no raw emphasis, table rules or image syntax") {
  ReportDocument doc;
  doc.Heading(1, "Title");
  doc.Paragraph("**Question.** Does a | pipe survive?");
  doc.Table({{"candidate", "cost | $"}, {{"small", "1 | 2"}}});
  doc.Figure({"f.csv", "f.gp", "f.svg", "f.png"}, "Cost vs traffic");
  const std::string html = doc.Html("Title");
  CHECK(html.find("<strong>Question.</strong>") != std::string::npos);
  CHECK(html.find("<table>") != std::string::npos);
  CHECK(html.find("<td>1 | 2</td>") != std::string::npos);
  CHECK(html.find("<img src=\"f.png\"") != std::string::npos);
  CHECK(html.find("<a href=\"f.csv\">") != std::string::npos);
  for (const char* raw : {"**", "|---", "![", "]("}) {
    INFO(raw);
    CHECK(html.find(raw) == std::string::npos);
  }
}

TEST_CASE("report HTML escapes markup written in a study's text") {
  ReportDocument doc;
  doc.Paragraph("a <script>alert(1)</script> & b");
  const std::string html = doc.Html("<b>t</b>");
  CHECK(html.find("<script>") == std::string::npos);
  CHECK(html.find("&lt;script&gt;") != std::string::npos);
  CHECK(html.find("<title>&lt;b&gt;t&lt;/b&gt;</title>") != std::string::npos);
}
