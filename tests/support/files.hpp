// Whole files for tests: read one, write one, write a .json.gz as GH Archive serves them, read
// a copied fixture. Header-only (like check_ok.hpp) because writes and fixtures REQUIRE: a
// test whose input could not be written or found stops there, naming the file.
#pragma once

#include <doctest/doctest.h>

#include <zlib.h>

#include <fstream>
#include <iterator>
#include <string>
#include <string_view>

#include "test_paths.hpp"

namespace ghharvest::testing {

// The bytes of `path`; "" when it cannot be opened, so a test can poll for a file that does not
// exist yet (a port file, a log) without a separate check.
inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// tests/fixtures/<relative>, whole; a missing fixture fails the test.
inline std::string ReadFixture(const std::string& relative) {
  std::ifstream in(FixturePath(relative), std::ios::binary);
  REQUIRE_MESSAGE(in.good(), "missing fixture " << relative);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Replaces `path` with `text`; returns `path`, so a test can write and name a file at once.
inline std::string WriteFile(const std::string& path, std::string_view text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  REQUIRE_MESSAGE(out.good(), "cannot write " << path);
  return path;
}

// `text` gzip-compressed into `path`.
inline void WriteGz(const std::string& path, std::string_view text) {
  gzFile f = gzopen(path.c_str(), "wb");
  REQUIRE(f != nullptr);
  REQUIRE(gzwrite(f, text.data(), static_cast<unsigned>(text.size())) ==
          static_cast<int>(text.size()));
  REQUIRE(gzclose(f) == Z_OK);
}

}  // namespace ghharvest::testing
