// The inline SVG line chart of a writer's O over the kept runs.
#include <algorithm>

#include <fmt/format.h>

#include "ghharvest/report/format.hpp"
#include "ghharvest/report/site.hpp"
#include "report/site_frame.hpp"

namespace ghharvest::report {

namespace {

using G = ChartGeometry;

struct Range {
  double lo, hi;
};

Range YRange(const std::vector<ChartPoint>& points) {
  double lo = 0, hi = 0;
  for (const ChartPoint& p : points) {
    lo = std::min(lo, p.value);
    hi = std::max(hi, p.value);
  }
  if (hi <= lo) hi = lo + 1;
  return {lo, hi};
}

}  // namespace

std::vector<ChartXY> ChartPositions(const std::vector<ChartPoint>& points) {
  std::vector<ChartXY> out;
  if (points.empty()) return out;
  const Range y = YRange(points);
  const double plot_w = G::kWidth - G::kLeft - G::kRight;
  const double plot_h = G::kHeight - G::kTop - G::kBottom;
  const std::int64_t first = points.front().run, last = points.back().run;
  for (const ChartPoint& p : points) {
    const double fx = last > first ? static_cast<double>(p.run - first) / (last - first) : 0.5;
    const double fy = (p.value - y.lo) / (y.hi - y.lo);
    out.push_back({G::kLeft + fx * plot_w, G::kTop + (1 - fy) * plot_h});
  }
  return out;
}

std::string LineChartSvg(std::string_view title, std::string_view desc,
                         const std::vector<ChartPoint>& points) {
  std::string svg = fmt::format(
      "<svg class=\"chart\" viewBox=\"0 0 {} {}\" role=\"img\">"
      "<title>{}</title><desc>{}</desc>",
      G::kWidth, G::kHeight, HtmlEscape(title), HtmlEscape(desc));
  const double x0 = G::kLeft, x1 = G::kWidth - G::kRight;
  const double y0 = G::kTop, y1 = G::kHeight - G::kBottom;
  svg += fmt::format(
      "<line class=\"axis\" x1=\"{0}\" y1=\"{2}\" x2=\"{0}\" y2=\"{3}\"/>"
      "<line class=\"axis\" x1=\"{0}\" y1=\"{3}\" x2=\"{1}\" y2=\"{3}\"/>",
      x0, x1, y0, y1);
  if (points.empty()) {
    svg += fmt::format("<text x=\"{}\" y=\"{}\">no runs kept</text></svg>", x0 + 8, y0 + 20);
    return svg;
  }
  const Range y = YRange(points);
  // Gridlines and labels at the bottom, middle and top of the value range.
  for (int i = 0; i <= 2; ++i) {
    const double v = y.lo + (y.hi - y.lo) * i / 2;
    const double py = y1 - (y1 - y0) * i / 2;
    if (i > 0) {
      svg += fmt::format("<line class=\"grid\" x1=\"{}\" y1=\"{:.2f}\" x2=\"{}\" y2=\"{:.2f}\"/>",
                         x0, py, x1, py);
    }
    svg += fmt::format("<text x=\"{}\" y=\"{:.2f}\" text-anchor=\"end\">{}</text>", x0 - 6, py + 4,
                       FormatNumber(v));
  }
  const std::vector<ChartXY> xy = ChartPositions(points);
  svg += fmt::format("<text x=\"{:.2f}\" y=\"{}\" text-anchor=\"middle\">run {}</text>", xy[0].x,
                     y1 + 18, points.front().run);
  if (points.size() > 1) {
    svg += fmt::format("<text x=\"{:.2f}\" y=\"{}\" text-anchor=\"middle\">run {}</text>",
                       xy.back().x, y1 + 18, points.back().run);
    svg += "<polyline class=\"line\" points=\"";
    for (std::size_t i = 0; i < xy.size(); ++i) {
      svg += fmt::format("{}{:.2f},{:.2f}", i ? " " : "", xy[i].x, xy[i].y);
    }
    svg += "\"/>";
  }
  for (std::size_t i = 0; i < points.size(); ++i) {
    const ChartPoint& p = points[i];
    svg += fmt::format(
        "<circle class=\"pt\" cx=\"{:.2f}\" cy=\"{:.2f}\" r=\"4\" data-run=\"{}\" data-o=\"{}\" "
        "data-at=\"{}\"><title>run {} ({}): O = {}</title></circle>",
        xy[i].x, xy[i].y, p.run, site::ExactNumber(p.value), HtmlEscape(p.at), p.run,
        HtmlEscape(p.at), FormatNumber(p.value));
  }
  svg += "</svg>";
  return svg;
}

}  // namespace ghharvest::report
