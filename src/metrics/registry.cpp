#include "ghharvest/metrics/registry.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace ghharvest::metrics {
namespace {

// HELP text escapes only backslash and newline (the format's rule), not quotes.
std::string EscapeHelp(const std::string& help) {
  std::string out;
  for (char c : help) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

// The series key is the rendered label set, so equal label sets given in another order are
// one series, and rendering is a plain walk of the map.
std::string LabelKey(Labels labels) {
  if (labels.empty()) return "";
  std::sort(labels.begin(), labels.end());
  std::string out = "{";
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (i > 0) out += ',';
    out += labels[i].first + "=\"" + EscapeLabelValue(labels[i].second) + "\"";
  }
  return out + "}";
}

}  // namespace

std::string EscapeLabelValue(const std::string& value) {
  std::string out;
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string FormatValue(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (v == std::floor(v) && std::fabs(v) < 1e15)
    return fmt::format("{}", static_cast<long long>(v));
  return fmt::format("{}", v);  // shortest text that reads back as the same double
}

Registry::Family& Registry::Get(const std::string& name) { return families_[name]; }

void Registry::Declare(const std::string& name, Type type, std::string help) {
  auto [it, added] = families_.try_emplace(name);
  if (added || it->second.help.empty()) {
    it->second.type = type;
    it->second.help = std::move(help);
  }
}

void Registry::Add(const std::string& name, const Labels& labels, double delta) {
  if (!(delta >= 0)) return;
  auto [it, added] = families_.try_emplace(name);
  if (added) it->second.type = Type::kCounter;
  it->second.series[LabelKey(labels)] += delta;
}

void Registry::Set(const std::string& name, const Labels& labels, double value) {
  Get(name).series[LabelKey(labels)] = value;
}

void Registry::Clear(const std::string& name) {
  if (auto it = families_.find(name); it != families_.end()) it->second.series.clear();
}

int Registry::AddCollector(std::function<void(Registry&)> collect) {
  int id = next_collector_++;
  collectors_.emplace(id, std::move(collect));
  return id;
}

void Registry::RemoveCollector(int id) { collectors_.erase(id); }

std::string Registry::Render() {
  // A copy: a collector may remove itself (or another) while running.
  auto collectors = collectors_;
  for (auto& [id, collect] : collectors) {
    if (collectors_.count(id)) collect(*this);
  }
  std::string out;
  for (const auto& [name, f] : families_) {
    out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, EscapeHelp(f.help), name,
                       f.type == Type::kCounter ? "counter" : "gauge");
    for (const auto& [labels, value] : f.series) {
      out += name + labels + " " + FormatValue(value) + "\n";
    }
  }
  return out;
}

std::optional<double> Registry::Value(const std::string& name, const Labels& labels) const {
  auto it = families_.find(name);
  if (it == families_.end()) return std::nullopt;
  auto s = it->second.series.find(LabelKey(labels));
  if (s == it->second.series.end()) return std::nullopt;
  return s->second;
}

}  // namespace ghharvest::metrics
