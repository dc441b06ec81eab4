#include "test_paths.hpp"

#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>

namespace ghharvest::testing {

std::string FixturePath(const std::string& relative) {
  return std::string(GHH_TEST_FIXTURES) + "/" + relative;
}

TempDir::TempDir() {
  std::random_device rd;
  auto base = std::filesystem::temp_directory_path();
  for (;;) {
    path_ = (base / ("ghharvest-test-" + std::to_string(rd()))).string();
    if (std::filesystem::create_directory(path_)) break;
  }
}

TempDir::~TempDir() {
  if (std::getenv("GHH_KEEP_TEMP") == nullptr) {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
}

}  // namespace ghharvest::testing
