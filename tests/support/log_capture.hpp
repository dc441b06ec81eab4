// LogCapture: ghharvest's log lines go to the test instead of stderr while one is alive, so a
// test can check what was logged (a warning given, a token never written). The log sink is
// process-wide: one LogCapture at a time. Lines may come from any thread (the client logs from
// the io_context's).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "ghharvest/util/log.hpp"

namespace ghharvest::testing {

class LogCapture {
 public:
  LogCapture();   // starts empty
  ~LogCapture();  // stderr again
  LogCapture(const LogCapture&) = delete;
  LogCapture& operator=(const LogCapture&) = delete;

  // Every line captured so far, in order, without the "<N>" priority prefix.
  std::vector<std::string> Lines() const;
  // Only those logged at `level`.
  std::vector<std::string> Lines(log::Level level) const;
  // Whether any captured line contains `part`.
  bool Contains(std::string_view part) const;
};

}  // namespace ghharvest::testing
