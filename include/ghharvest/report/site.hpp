// The writer's view (docs/reports.md, "The site"): static HTML pages under <reports>/site/,
// as pure functions of the scores and the facts ReportState gives, so the same inputs give
// the same bytes and an unchanged page is never rewritten. Every page is self-contained
// (inline CSS and SVG, no fonts, images or scripts from anywhere) and says so to the browser
// with a Content-Security-Policy that forbids every request. Names and texts from GitHub are
// HTML-escaped; only http(s) URLs become links.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ghharvest/model/report_state.hpp"
#include "ghharvest/score/scorer.hpp"

namespace ghharvest::report {

// Text for HTML content and attribute values: & < > " ' as character references, other
// control characters than tab and newline dropped (HTML forbids them).
std::string HtmlEscape(std::string_view s);
// `url` when it is an absolute http:// or https:// URL without spaces or controls, else
// empty: a "javascript:" or relative URL from data is never a link.
std::string SafeHttpUrl(std::string_view url);

// The line chart of O over the kept runs. x: the run number (evenly scaled between the
// first and the last point's run; one point sits in the middle); y: from min(0, lowest) to
// the highest value (or that plus 1 when all are equal). Each point is a
// <circle class="pt" data-run data-o data-at> with its own <title>.
struct ChartPoint {
  std::int64_t run = 0;
  std::string at;  // the run's time, ISO 8601
  double value = 0;
};
struct ChartGeometry {
  static constexpr double kWidth = 640, kHeight = 240;
  static constexpr double kLeft = 56, kRight = 16, kTop = 16, kBottom = 40;
};
// Where a point goes, as LineChartSvg places it (for tests and for the polyline).
struct ChartXY {
  double x, y;
};
std::vector<ChartXY> ChartPositions(const std::vector<ChartPoint>& points);
std::string LineChartSvg(std::string_view title, std::string_view desc,
                         const std::vector<ChartPoint>& points);

// Horizontal stacked bars, one per project: k·P, I, C and T of its O, in that order, each a
// <rect class="seg seg-kp|seg-i|seg-c|seg-t" data-v>, on one scale (the largest O spans the
// plot). Projects in the given order; at most kMaxBars, the rest counted in the desc.
inline constexpr std::size_t kMaxBars = 25;
std::string StackedBarsSvg(std::string_view title, std::string_view desc,
                           const std::vector<score::ProjectScore>& projects);

// One row of site/index.html.
struct IndexRow {
  std::string writer;
  double o = 0, total = 0;
  std::string best_project;      // "-" when none
  std::optional<double> change;  // O minus O before the writer's latest change; none: first
  std::int64_t changed_run = 0;  // the run of that latest change (0: unknown)
};
// Rows sorted by O, highest first (ties by writer). `latest_run`/`latest_at`: the newest
// run that changed any writer, so the page changes only when a number does.
std::string IndexPage(const std::vector<IndexRow>& rows, std::int64_t latest_run,
                      std::string_view latest_at);

struct WriterPageInputs {
  score::WriterScore score;
  std::vector<model::InfluencePoint> history;  // the writer's points, by run
  model::BlogFacts best;                       // facts of the best project (may be empty)
  std::string last_harvested;                  // of the best project; empty when unknown
};
std::string WriterPage(const WriterPageInputs& in);

// site/writers/<writer>.html: a folder of their own, so a writer called "index" cannot
// overwrite the index.
std::string SiteWriterPath(std::string_view writer);  // relative to site/

}  // namespace ghharvest::report
