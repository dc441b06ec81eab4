// The inline SVG stacked bars: where each project's O comes from (k·P, I, C, T).
#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "ghharvest/report/format.hpp"
#include "ghharvest/report/site.hpp"
#include "report/site_frame.hpp"

namespace ghharvest::report {

std::string StackedBarsSvg(std::string_view title, std::string_view desc,
                           const std::vector<score::ProjectScore>& projects) {
  const std::size_t n = std::min(projects.size(), kMaxBars);
  // A label column for "owner/repo", the bars, and the O value at the end of each.
  constexpr double kWidth = 640, kLabel = 200, kValue = 56, kRow = 28, kBar = 18, kTop = 8;
  const double height = kTop * 2 + kRow * std::max<std::size_t>(n, 1);
  std::string full_desc(desc);
  if (projects.size() > n) {
    full_desc +=
        fmt::format(" The {} projects with the lowest O are left out.", projects.size() - n);
  }
  std::string svg = fmt::format(
      "<svg class=\"bars\" viewBox=\"0 0 {} {}\" role=\"img\">"
      "<title>{}</title><desc>{}</desc>",
      kWidth, height, HtmlEscape(title), HtmlEscape(full_desc));
  double max_o = 0;
  for (std::size_t r = 0; r < n; ++r) {
    const score::ProjectScore& ps = projects[r];
    max_o = std::max(max_o, std::max(0.0, ps.k * ps.p) + std::max(0.0, ps.i) + std::max(0.0, ps.c) +
                                std::max(0.0, ps.t));
  }
  const double plot = kWidth - kLabel - kValue;
  const double scale = max_o > 0 ? plot / max_o : 0;
  for (std::size_t r = 0; r < n; ++r) {
    const score::ProjectScore& ps = projects[r];
    const double y = kTop + kRow * r;
    svg += fmt::format(
        "<g class=\"bar\" data-project=\"{0}\" data-o=\"{1}\"><text x=\"{2}\" y=\"{3:.2f}\" "
        "text-anchor=\"end\">{0}</text>",
        HtmlEscape(ps.project), site::ExactNumber(ps.o), kLabel - 6, y + kBar - 4);
    double x = kLabel;
    const struct {
      const char* cls;
      const char* name;
      double v;
    } parts[] = {{"kp", "k·P", ps.k * ps.p}, {"i", "I", ps.i}, {"c", "C", ps.c}, {"t", "T", ps.t}};
    for (const auto& part : parts) {
      // A negative part (from a negative weight) cannot be stacked; it still shows in the
      // table below the chart.
      const double w = std::max(0.0, part.v) * scale;
      svg += fmt::format(
          "<rect class=\"seg seg-{}\" x=\"{:.2f}\" y=\"{:.2f}\" width=\"{:.2f}\" height=\"{}\" "
          "data-v=\"{}\"><title>{}: {} = {}</title></rect>",
          part.cls, x, y, w, kBar, site::ExactNumber(part.v), HtmlEscape(ps.project), part.name,
          FormatNumber(part.v));
      x += w;
    }
    svg += fmt::format("<text x=\"{:.2f}\" y=\"{:.2f}\">{}</text></g>", x + 6, y + kBar - 4,
                       FormatNumber(ps.o));
  }
  if (n == 0) svg += fmt::format("<text x=\"8\" y=\"{}\">no projects</text>", kTop + 16);
  svg += "</svg>";
  return svg;
}

}  // namespace ghharvest::report
