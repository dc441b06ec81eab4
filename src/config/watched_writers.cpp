#include "ghharvest/config/config.hpp"

namespace ghharvest::config {

std::vector<model::WatchedWriter> WatchedWriters(const Config& config) {
  std::vector<model::WatchedWriter> out;
  out.reserve(config.writers.size());
  for (const WriterConfig& w : config.writers) out.push_back({w.login, w.repos});
  return out;
}

}  // namespace ghharvest::config
