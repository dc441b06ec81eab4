// FUZZ_CHECK: an invariant of a fuzz target. A broken one prints where and aborts, which
// libFuzzer (and the corpus replay) reports as a crash with the input that broke it.
#pragma once

#include <cstdio>
#include <cstdlib>

#include "ghharvest/util/status.hpp"

#define FUZZ_CHECK(cond)                                                                     \
  do {                                                                                       \
    if (!(cond)) {                                                                           \
      std::fprintf(stderr, "%s:%d: fuzz invariant failed: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                                          \
    }                                                                                        \
  } while (false)

// A parser's answer to hostile bytes: a value, or Corruption with a message (never another
// code, never a silent empty error). For any Result<T> of the project's parsers.
template <typename R>
void FuzzCheckParsed(const R& r) {
  if (!r.ok()) {
    FUZZ_CHECK(r.status().code() == ::ghharvest::Status::Code::kCorruption);
    FUZZ_CHECK(!r.status().message().empty());
  }
}
