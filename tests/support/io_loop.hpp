// Driving an io_context from a test's own thread: until something has happened, with a
// real-time guard so that a hang fails the test instead of stalling ctest; or for a while,
// so that what must not happen would have had the time to.
#pragma once

#include <boost/asio/io_context.hpp>

#include <chrono>

namespace ghharvest::testing {

// Runs `io` in 10 ms slices until `done()` holds; false when `guard` of real time passed first.
// The slices let `done` look at state the handlers change (a counter, a server's in_flight).
template <typename Pred>
bool RunUntil(boost::asio::io_context& io, Pred done,
              std::chrono::milliseconds guard = std::chrono::seconds(20)) {
  auto deadline = std::chrono::steady_clock::now() + guard;
  io.restart();
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    io.run_for(std::chrono::milliseconds(10));
    io.restart();
  }
  return true;
}

// Runs `io` for `d` of real time.
inline void RunFor(boost::asio::io_context& io, std::chrono::milliseconds d) {
  io.restart();
  io.run_for(d);
}

}  // namespace ghharvest::testing
