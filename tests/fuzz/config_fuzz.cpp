// Fuzz target: the config loader (config::LoadConfig), over a file holding the input. A
// config it accepts is one the rest of the daemon can use without checking again.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "fuzz_check.hpp"
#include "ghharvest/config/config.hpp"
#include "ghharvest/util/names.hpp"

using namespace ghharvest;

namespace {

// One folder per process (libFuzzer's -fork and -jobs run several), removed at exit.
const std::string& ConfigPath() {
  static const std::string path = [] {
    const char* tmp = std::getenv("TMPDIR");
    std::string dir = std::string(tmp && *tmp ? tmp : "/tmp") + "/ghharvest-config-fuzz-XXXXXX";
    if (!mkdtemp(dir.data())) std::abort();
    static const std::string kept = dir;
    std::atexit([] {
      std::error_code ec;
      std::filesystem::remove_all(kept, ec);
    });
    return dir + "/ghharvest.toml";
  }();
  return path;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string& path = ConfigPath();
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) std::abort();
  if (size > 0 && std::fwrite(data, 1, size, f) != size) std::abort();
  std::fclose(f);

  auto cfg = config::LoadConfig(path);
  if (!cfg.ok()) {
    FUZZ_CHECK(cfg.status().code() == Status::Code::kInvalidArgument);
    FUZZ_CHECK(cfg.status().message().rfind(path, 0) == 0);  // names the file
    return 0;
  }
  FUZZ_CHECK(cfg->github.concurrency >= 1 && cfg->github.concurrency <= 100);
  FUZZ_CHECK(!cfg->storage.database.empty());
  for (const auto& w : cfg->writers) {
    FUZZ_CHECK(IsValidLogin(w.login));
    for (const std::string& repo : w.repos) FUZZ_CHECK(IsValidRepoName(repo));
  }
  (void)config::WatchedWriters(*cfg);
  FUZZ_CHECK(config::ScoringFingerprint(*cfg).size() == 16);
  return 0;
}
