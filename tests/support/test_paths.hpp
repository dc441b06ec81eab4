// Paths for tests: the copied fixtures, and temporary folders removed on scope exit
// (kept when GHH_KEEP_TEMP is set, for debugging).
#pragma once

#include <string>

namespace ghharvest::testing {

// tests/fixtures/<relative>
std::string FixturePath(const std::string& relative);

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

}  // namespace ghharvest::testing
