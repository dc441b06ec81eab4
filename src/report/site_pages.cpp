// site/index.html and site/writers/<writer>.html.
#include <algorithm>

#include <fmt/format.h>

#include "ghharvest/report/format.hpp"
#include "ghharvest/report/site.hpp"
#include "report/site_frame.hpp"

namespace ghharvest::report {

namespace {

// Sorts the table by a column when its header button is pressed, by each cell's data-v
// (a number) or its text; a second press reverses. Fixed text, never built from data.
constexpr std::string_view kSortScript = R"js(
document.querySelectorAll("table.sortable th button").forEach(function (b) {
  b.addEventListener("click", function () {
    var th = b.parentNode, table = th.closest("table"), body = table.tBodies[0];
    var col = Array.prototype.indexOf.call(th.parentNode.children, th);
    var num = th.classList.contains("num");
    var asc = th.getAttribute("aria-sort") !== "ascending";
    table.querySelectorAll("th").forEach(function (h) { h.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", asc ? "ascending" : "descending");
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = a.cells[col], y = b.cells[col], r;
      if (num) {
        r = parseFloat(x.dataset.v || "-Infinity") - parseFloat(y.dataset.v || "-Infinity");
      } else {
        r = x.textContent.localeCompare(y.textContent);
      }
      return asc ? r : -r;
    });
    rows.forEach(function (r) { body.appendChild(r); });
  });
});
)js";

std::string NumCell(double v) {
  return fmt::format("<td class=\"num\" data-v=\"{}\">{}</td>", site::ExactNumber(v),
                     FormatNumber(v));
}

std::string Signed(double v) {
  std::string s = FormatNumber(v);
  return v > 0 ? "+" + s : s;
}

// A link when the URL is a safe http(s) one, the escaped text alone otherwise.
std::string Link(std::string_view url, std::string_view text) {
  const std::string safe = SafeHttpUrl(url);
  if (safe.empty()) return HtmlEscape(text);
  return fmt::format("<a href=\"{}\" rel=\"noopener noreferrer nofollow\">{}</a>", HtmlEscape(safe),
                     HtmlEscape(text));
}

std::string ItemLabel(const model::BlogItem& it) {
  return fmt::format("{} #{}: {}", it.is_pull ? "PR" : "Issue", it.number,
                     it.title.empty() ? "(untitled)" : it.title);
}

}  // namespace

std::string IndexPage(const std::vector<IndexRow>& rows_in, std::int64_t latest_run,
                      std::string_view latest_at) {
  std::vector<const IndexRow*> rows;
  rows.reserve(rows_in.size());
  for (const IndexRow& r : rows_in) rows.push_back(&r);
  std::sort(rows.begin(), rows.end(), [](const IndexRow* a, const IndexRow* b) {
    if (a->o != b->o) return a->o > b->o;
    return a->writer < b->writer;
  });
  std::string html = site::PageStart("ghharvest: writers' influence", true);
  html += "<h1>Writers' influence</h1>\n";
  if (latest_run > 0) {
    html += fmt::format("<p class=\"muted\">Latest change: run {}, scored {}. {} writers.</p>\n",
                        latest_run, HtmlEscape(latest_at), rows.size());
  } else {
    html += fmt::format("<p class=\"muted\">{} writers.</p>\n", rows.size());
  }
  html +=
      "<p>O is the writer's opportunity on their best project (k·P + I + C + T), Total the "
      "sum of I + C over all projects. Change: O minus O before the writer's latest change. "
      "Press a column header to sort.</p>\n"
      "<div class=\"scroll\">\n<table class=\"sortable\" id=\"writers\">\n"
      "<caption class=\"muted\">Every watched writer, highest O first</caption>\n"
      "<thead><tr><th scope=\"col\"><button type=\"button\">Writer</button></th>"
      "<th scope=\"col\" class=\"num\" aria-sort=\"descending\"><button type=\"button\">O"
      "</button></th><th scope=\"col\"><button type=\"button\">Best project</button></th>"
      "<th scope=\"col\" class=\"num\"><button type=\"button\">Total</button></th>"
      "<th scope=\"col\" class=\"num\"><button type=\"button\">Change</button></th>"
      "</tr></thead>\n<tbody>\n";
  for (const IndexRow* r : rows) {
    html += fmt::format("<tr data-writer=\"{0}\"><th scope=\"row\"><a href=\"{1}\">{0}</a></th>",
                        HtmlEscape(r->writer), HtmlEscape(SiteWriterPath(r->writer)));
    html += NumCell(r->o);
    html += fmt::format("<td>{}</td>", HtmlEscape(r->best_project));
    html += NumCell(r->total);
    if (r->change) {
      html += fmt::format("<td class=\"num\" data-v=\"{}\" title=\"since run {}\">{}</td>",
                          site::ExactNumber(*r->change), r->changed_run, Signed(*r->change));
    } else {
      html += "<td class=\"num\" title=\"first run kept\">new</td>";
    }
    html += "</tr>\n";
  }
  html += "</tbody>\n</table>\n</div>\n<script>";
  html += kSortScript;
  html += "</script>\n";
  html += site::PageEnd();
  return html;
}

std::string WriterPage(const WriterPageInputs& in) {
  const score::WriterScore& ws = in.score;
  std::string html = site::PageStart(fmt::format("{}: influence", ws.writer), false);
  html += fmt::format("<p><a href=\"../index.html\">All writers</a></p>\n<h1>{}</h1>\n",
                      HtmlEscape(ws.writer));
  html += fmt::format(
      "<p>O = <strong>{}</strong> on the best project <strong>{}</strong>; Total = "
      "<strong>{}</strong>.</p>\n",
      FormatNumber(ws.opportunity), HtmlEscape(ws.best_project.empty() ? "-" : ws.best_project),
      FormatNumber(ws.total_influence));
  std::string as_of;
  if (!in.history.empty()) {
    as_of = fmt::format("These numbers since run {}, scored {}", in.history.back().run,
                        in.history.back().scored_at);
    if (!in.last_harvested.empty()) {
      as_of += fmt::format("; the best project was last harvested {}", in.last_harvested);
    }
    if (!in.best.date.empty()) {
      as_of += fmt::format("; the writer's latest activity there: {}", in.best.date);
    }
    html += fmt::format("<p class=\"muted\" id=\"as-of\">{}.</p>\n", HtmlEscape(as_of));
  }

  // O over the kept runs.
  std::vector<ChartPoint> points;
  for (const model::InfluencePoint& p : in.history) points.push_back({p.run, p.scored_at, p.o});
  html += "<h2>O over the kept runs</h2>\n";
  html += "<div class=\"scroll\">";
  html += LineChartSvg(
      fmt::format("O of {} over the kept scoring runs", ws.writer),
      fmt::format("{} points, one per run that changed the writer's scores; latest O {}.",
                  points.size(), FormatNumber(ws.opportunity)),
      points);
  html +=
      "</div>\n<div class=\"scroll\"><table id=\"history\"><caption class=\"muted\">The same "
      "points</caption><thead><tr><th scope=\"col\">Run</th><th scope=\"col\">Scored</th>"
      "<th scope=\"col\" class=\"num\">O</th><th scope=\"col\" class=\"num\">Total</th>"
      "<th scope=\"col\">Best project</th></tr></thead><tbody>\n";
  for (const model::InfluencePoint& p : in.history) {
    html += fmt::format("<tr data-run=\"{}\"><td>{}</td><td>{}</td>", p.run, p.run,
                        HtmlEscape(p.scored_at));
    html += NumCell(p.o) + NumCell(p.total);
    html += fmt::format("<td>{}</td></tr>\n",
                        HtmlEscape(p.best_project.empty() ? "-" : p.best_project));
  }
  html += "</tbody></table></div>\n";

  // Where O comes from, per project, highest O first.
  std::vector<score::ProjectScore> by_o = ws.projects;
  std::stable_sort(
      by_o.begin(), by_o.end(),
      [](const score::ProjectScore& a, const score::ProjectScore& b) { return a.o > b.o; });
  html +=
      "<h2>Where O comes from</h2>\n<p><span class=\"key kp\" aria-hidden=\"true\">■</span>k·P"
      "<span class=\"key i\" aria-hidden=\"true\">■</span>I (reactions and feedback)"
      "<span class=\"key c\" aria-hidden=\"true\">■</span>C (issues, comments, reviews)"
      "<span class=\"key t\" aria-hidden=\"true\">■</span>T (commits, PRs, blog posts)</p>\n";
  html += "<div class=\"scroll\">";
  html += StackedBarsSvg(fmt::format("O of {} per project", ws.writer),
                         "One bar per project: k·P, I, C and T stacked, highest O first.", by_o);
  html +=
      "</div>\n<div class=\"scroll\"><table id=\"projects\"><thead><tr><th "
      "scope=\"col\">Project</th>"
      "<th scope=\"col\" class=\"num\">k</th><th scope=\"col\" class=\"num\">P</th>"
      "<th scope=\"col\" class=\"num\">k·P</th><th scope=\"col\" class=\"num\">I</th>"
      "<th scope=\"col\" class=\"num\">C</th><th scope=\"col\" class=\"num\">T</th>"
      "<th scope=\"col\" class=\"num\">O</th></tr></thead><tbody>\n";
  for (const score::ProjectScore& ps : by_o) {
    html += fmt::format("<tr><th scope=\"row\">{}</th>", HtmlEscape(ps.project));
    html += NumCell(ps.k) + NumCell(ps.p) + NumCell(ps.k * ps.p) + NumCell(ps.i) + NumCell(ps.c) +
            NumCell(ps.t) + NumCell(ps.o) + "</tr>\n";
  }
  html += "</tbody></table></div>\n";

  // The best project's items.
  if (!ws.best_project.empty()) {
    html += fmt::format("<h2>On {}</h2>\n", in.best.project_url.empty()
                                                ? HtmlEscape(ws.best_project)
                                                : Link(in.best.project_url, ws.best_project));
    auto list = [&](std::string_view heading, const std::string& items) {
      if (items.empty()) return;
      html += fmt::format("<h3>{}</h3>\n<ul class=\"items\">\n{}</ul>\n", heading, items);
    };
    std::string merged, top, posts;
    for (const model::BlogItem& it : in.best.merged) {
      merged +=
          fmt::format("<li>{}{}</li>\n", Link(it.html_url, ItemLabel(it)),
                      it.merged_at.empty()
                          ? ""
                          : HtmlEscape(fmt::format(", merged {}", it.merged_at.substr(0, 10))));
    }
    for (const model::BlogItem& it : in.best.top) {
      top += fmt::format("<li>{} ({} reactions, {} comments from others)</li>\n",
                         Link(it.html_url, ItemLabel(it)), it.reactions, it.feedback);
    }
    for (const model::BlogPostItem& p : in.best.posts) {
      posts += fmt::format("<li>{}{}</li>\n", Link(p.url, p.title.empty() ? p.url : p.title),
                           p.date.empty() ? "" : HtmlEscape(", " + p.date));
    }
    list("Merged pull requests", merged);
    list("Most reacted and discussed", top);
    list("Blog posts", posts);
    if (merged.empty() && top.empty() && posts.empty()) {
      html += "<p class=\"muted\">No items recorded on this project.</p>\n";
    }
  }
  html += site::PageEnd();
  return html;
}

}  // namespace ghharvest::report
