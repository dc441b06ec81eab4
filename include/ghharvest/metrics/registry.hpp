// The daemon's metrics: named families of counters and gauges with labels, rendered in
// Prometheus' text exposition format (version 0.0.4) for `[metrics] listen`. One registry
// lives as long as the daemon process, across config reloads (which rebuild the client and
// the harvester), so counters only ever grow. Names follow Prometheus' conventions: a
// `ghharvest_` prefix, base units (`_seconds`, `_bytes`) and `_total` on counters.
// Not thread-safe: used on the daemon's one io_context thread, like everything else.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace ghharvest::metrics {

// Label pairs, in the order given (rendered sorted by name, so the order never matters).
using Labels = std::vector<std::pair<std::string, std::string>>;

enum class Type { kCounter, kGauge };

class Registry {
 public:
  // Declares a family. Adding to or setting an undeclared family declares it with an empty
  // help text; declaring twice keeps the first type and help.
  void Declare(const std::string& name, Type type, std::string help);

  // A counter: adds `delta` (>= 0; a negative delta is ignored: counters never go down).
  void Add(const std::string& name, const Labels& labels = {}, double delta = 1);
  // A gauge: sets the series to `value`.
  void Set(const std::string& name, const Labels& labels, double value);
  // Drops every series of `name` (a gauge family about to be filled afresh, e.g. per
  // repository, so a repository no longer watched disappears). The declaration stays.
  void Clear(const std::string& name);

  // Collectors run at the start of every Render: gauges read from elsewhere on demand (the
  // database's size). The id removes it again (the parts it reads were released).
  int AddCollector(std::function<void(Registry&)> collect);
  void RemoveCollector(int id);

  // The exposition text: every family with its HELP and TYPE lines, families by name,
  // series by their labels. A family without series shows only those two lines.
  std::string Render();

  // The value of one series, if it exists (tests, `status`).
  std::optional<double> Value(const std::string& name, const Labels& labels = {}) const;

 private:
  struct Family {
    Type type = Type::kGauge;
    std::string help;
    std::map<std::string, double> series;  // rendered label set "{a="1",b="2"}" -> value
  };
  Family& Get(const std::string& name);

  std::map<std::string, Family> families_;
  std::map<int, std::function<void(Registry&)>> collectors_;
  int next_collector_ = 1;
};

// A label value escaped for the text format (backslash, double quote, newline).
std::string EscapeLabelValue(const std::string& value);
// A sample value as the text format writes it: integers without a fraction, NaN and the
// infinities spelled as Prometheus reads them.
std::string FormatValue(double value);

}  // namespace ghharvest::metrics
