// `ghharvest import-archive` on generated GH Archive hours of mixed generations (2011-2014
// timeline lines, today's Events API lines, and payloads trimmed as since 2025-10-07), 1 GiB
// uncompressed in 8 files (64 MiB with BENCH_QUICK), against `zcat FILES > /dev/null` on the
// same files in the same run: with --jobs 1 the import should cost at most 1.5 times the
// decompression alone, and its peak RSS stay under 64 MiB; --jobs 2 is reported beside it.
// All run as processes, as an operator runs them.
//
//   archive_import_bench [MiB]
#include <unistd.h>
#include <zlib.h>

#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "common.hpp"
#include "processes.hpp"
#include "test_config.hpp"
#include "test_paths.hpp"

using namespace ghharvest::bench;

namespace {

// A body of `n` bytes of plain prose (issue and comment bodies are most of a real line).
std::string Body(std::mt19937_64& rng, std::size_t n) {
  static const char* kWords[] = {"the",   "build", "fails", "when",  "cache", "is",
                                 "empty", "see",   "log",   "below", "fix",   "works"};
  std::string s;
  while (s.size() < n) {
    s += kWords[rng() % 12];
    s += ' ';
  }
  s.resize(n);
  return s;
}

std::string Login(std::mt19937_64& rng) { return "user" + std::to_string(rng() % 200000); }

std::string Repo(std::mt19937_64& rng) {
  return "org" + std::to_string(rng() % 50000) + "/proj" + std::to_string(rng() % 20);
}

// One line of each generation, sized as GH Archive's (about 1-4 KiB, bodies dominating).
std::string ModernLine(std::mt19937_64& rng, std::int64_t id, const std::string& actor,
                       const std::string& repo) {
  const std::string head = R"({"id":")" + std::to_string(id) + R"(","type":")";
  const std::string who = R"(","actor":{"id":)" + std::to_string(rng() % 9000000) +
                          R"(,"login":")" + actor + R"(","display_login":")" + actor +
                          R"(","gravatar_id":"","url":"https://api.github.com/users/)" + actor +
                          R"("},"repo":{"id":)" + std::to_string(rng() % 90000000) +
                          R"(,"name":")" + repo + R"(","url":"https://api.github.com/repos/)" +
                          repo + R"("},"payload":)";
  const std::string tail = R"(,"public":true,"created_at":"2024-01-01T15:00:00Z"})";
  switch (rng() % 4) {
    case 0:
      return head + "PushEvent" + who +
             R"({"push_id":1,"size":1,"distinct_size":1,"ref":"refs/heads/main",)"
             R"("head":"3f786850e387550fdab836ed7e6dc881de23001b","commits":[{"sha":)"
             R"("3f786850e387550fdab836ed7e6dc881de23001b","author":{"email":"a@example.org",)"
             R"("name":"A"},"message":")" +
             Body(rng, 200) + R"(","distinct":true}]})" + tail;
    case 1:
      return head + "IssueCommentEvent" + who + R"({"action":"created","issue":{"id":)" +
             std::to_string(id) + R"(,"number":)" + std::to_string(rng() % 5000 + 1) +
             R"(,"title":"Crash","user":{"id":7,"login":"someone"},"state":"open",)"
             R"("comments":3,"created_at":"2023-12-01T00:00:00Z","updated_at":)"
             R"("2024-01-01T15:00:00Z","body":")" +
             Body(rng, 1200) + R"(","reactions":{"total_count":1,"+1":1}},"comment":{"id":)" +
             std::to_string(id) + R"(,"user":{"id":8,"login":")" + actor +
             R"("},"created_at":"2024-01-01T15:00:00Z","updated_at":"2024-01-01T15:00:00Z",)"
             R"("issue_url":"https://api.github.com/repos/)" +
             repo + R"(/issues/1","body":")" + Body(rng, 600) + R"("}})" + tail;
    case 2:
      return head + "PullRequestEvent" + who +
             R"({"action":"opened","number":5,)"
             R"("pull_request":{"id":)" +
             std::to_string(id) +
             R"(,"number":5,"state":"open",)"
             R"("title":"Fix","user":{"id":8,"login":")" +
             actor +
             R"("},"created_at":"2024-01-01T15:00:00Z","updated_at":"2024-01-01T15:00:00Z",)"
             R"("merged_at":null,"body":")" +
             Body(rng, 1500) + R"("}})" + tail;
    default:
      return head + "WatchEvent" + who + R"({"action":"started"})" + tail;
  }
}

std::string TimelineLine(std::mt19937_64& rng, const std::string& actor, const std::string& repo) {
  const std::size_t slash = repo.find('/');
  const std::string common =
      R"(","actor":")" + actor + R"(","actor_attributes":{"login":")" + actor +
      R"(","type":"User","name":"Someone","email":"s@example.org"},"repository":{"id":)" +
      std::to_string(rng() % 9000000) + R"(,"name":")" + repo.substr(slash + 1) + R"(","owner":")" +
      repo.substr(0, slash) + R"(","url":"https://github.com/)" + repo + R"(","description":")" +
      Body(rng, 80) + R"(","fork":false,"watchers":3,"forks":1,"language":"C"},"public":true,)";
  switch (rng() % 3) {
    case 0:
      return R"({"created_at":"2012-03-10T07:00:01-08:00","type":"PushEvent)" + common +
             R"("payload":{"shas":[["abc","a@example.org",")" + Body(rng, 200) +
             R"(","A",true]],"size":1,"ref":"refs/heads/master","head":"abc"},)"
             R"("url":"https://github.com/)" +
             repo + R"(/compare/a...b"})";
    case 1:
      return R"({"created_at":"2012-03-10T07:00:01-08:00","type":"IssueCommentEvent)" + common +
             R"("payload":{"issue_id":)" + std::to_string(rng() % 9000000) + R"(,"comment_id":)" +
             std::to_string(rng() % 9000000) + R"(},"url":"https://github.com/)" + repo +
             R"(/issues/3#issuecomment-1"})";
    default:
      return R"({"created_at":"2013-06-01T10:00:00-07:00","type":"IssuesEvent)" + common +
             R"("payload":{"action":"opened","issue":{"id":)" + std::to_string(rng() % 9000000) +
             R"(,"number":4,"user":{"id":5,"login":")" + actor +
             R"("},"state":"open","title":"Bug","body":")" + Body(rng, 900) +
             R"(","pull_request":{"html_url":null,"diff_url":null,"patch_url":null}}},)"
             R"("url":"https://github.com/)" +
             repo + R"(/issues/4"})";
  }
}

std::string TrimmedLine(std::mt19937_64& rng, std::int64_t id, const std::string& actor,
                        const std::string& repo) {
  const std::string who = R"(","actor":{"id":)" + std::to_string(rng() % 9000000) +
                          R"(,"login":")" + actor + R"("},"repo":{"id":)" +
                          std::to_string(rng() % 90000000) + R"(,"name":")" + repo + R"("},)";
  if (rng() % 2) {
    return R"({"id":")" + std::to_string(id) + R"(","type":"PushEvent)" + who +
           R"("payload":{"repository_id":1,"push_id":2,"ref":"refs/heads/main",)"
           R"("head":"abc","before":"def"},"public":true,"created_at":"2025-10-10T00:00:00Z"})";
  }
  return R"({"id":")" + std::to_string(id) + R"(","type":"PullRequestEvent)" + who +
         R"("payload":{"action":"opened","number":9,"pull_request":{"url":)"
         R"("https://api.github.com/repos/)" +
         repo + R"(/pulls/9","id":)" + std::to_string(id) +
         R"(,"number":9,"head":{"ref":"x","sha":"abc"},"base":{"ref":"main","sha":"def"}}},)"
         R"("public":true,"created_at":"2025-10-10T00:00:00Z"})";
}

// Writes `bytes` of lines to a .json.gz: 20 % timeline, 70 % today's, 10 % trimmed; about
// 1 line in 500 by a watched writer (alice) and 1 in 500 in a watched project (o/watched).
std::int64_t WriteArchive(const std::string& path, std::int64_t bytes, int seed) {
  gzFile f = gzopen(path.c_str(), "wb6");  // GH Archive's files are gzip's default level
  if (!f) return -1;
  gzbuffer(f, 1 << 20);
  std::mt19937_64 rng(15 + static_cast<unsigned>(seed));
  std::int64_t written = 0, lines = 0;
  std::string chunk;
  while (written < bytes) {
    chunk.clear();
    while (chunk.size() < (1u << 20)) {
      const std::uint64_t r = rng() % 1000;
      const std::string actor = r < 2 ? "alice" : Login(rng);
      const std::string repo = r >= 2 && r < 4 ? "o/watched" : Repo(rng);
      const std::uint64_t gen = rng() % 10;
      if (gen < 2) {
        chunk += TimelineLine(rng, actor, repo);
      } else if (gen < 9) {
        chunk += ModernLine(rng, 1000000 + lines, actor, repo);
      } else {
        chunk += TrimmedLine(rng, 1000000 + lines, actor, repo);
      }
      chunk += '\n';
      ++lines;
    }
    if (gzwrite(f, chunk.data(), static_cast<unsigned>(chunk.size())) !=
        static_cast<int>(chunk.size())) {
      gzclose(f);
      return -1;
    }
    written += static_cast<std::int64_t>(chunk.size());
  }
  if (gzclose(f) != Z_OK) return -1;
  return lines;
}

}  // namespace

int main(int argc, char** argv) {
  if (access(GHH_BINARY, X_OK) != 0) {
    std::fprintf(stderr, "%s: %s is not built\n", argv[0], GHH_BINARY);
    return 2;
  }
  const long mib = ArgOr(argc, argv, 1, Quick() ? 64 : 1024);
  constexpr int kFiles = 8;  // hours of GH Archive, so --jobs has files to spread
  ghharvest::testing::TempDir dir;
  std::vector<std::string> files;
  std::string quoted;
  Stopwatch gen;
  std::int64_t lines = 0;
  for (int f = 0; f < kFiles; ++f) {
    files.push_back(dir.file("2024-01-01-" + std::to_string(f) + ".json.gz"));
    quoted += " '" + files.back() + "'";
    const std::int64_t n = WriteArchive(files.back(), (std::int64_t{mib} << 20) / kFiles, f);
    if (n < 0) {
      std::fprintf(stderr, "archive_import_bench: cannot write %s\n", files.back().c_str());
      return 2;
    }
    lines += n;
  }
  std::printf("generated %ld MiB uncompressed in %d files, %lld lines, in %.1f s\n", mib, kFiles,
              static_cast<long long>(lines), gen.wall());

  const std::string cfg = ghharvest::testing::TestConfig()
                              .Set("storage", "database", dir.file("ghharvest.db"))
                              .Writer("alice", {"o/watched"})
                              .Write(dir.file("ghharvest.toml"));
  const std::string zcat_cmd = "zcat" + quoted + " > /dev/null";
  // Once before timing, so every run reads the files from the page cache alike.
  Wait(Spawn({"/bin/sh", "-c", zcat_cmd}, ""), Clock::now());
  auto started = Clock::now();
  Exit zcat = Wait(Spawn({"/bin/sh", "-c", zcat_cmd}, ""), started);
  if (zcat.code != 0) {
    std::fprintf(stderr, "archive_import_bench: zcat exit %d\n", zcat.code);
    return 1;
  }
  auto import = [&](int jobs) {
    const std::string log = dir.file("import-" + std::to_string(jobs) + ".log");
    std::vector<std::string> argv = {GHH_BINARY, "import-archive", "-c",
                                     cfg,        "--jobs",         std::to_string(jobs)};
    argv.insert(argv.end(), files.begin(), files.end());
    auto at = Clock::now();
    Exit e = Wait(Spawn(argv, log), at);
    std::printf("--jobs %d: exit %d, %.2f s, peak %.1f MiB\n%s", jobs, e.code, e.seconds,
                e.peak_mib, ReadFile(log).c_str());
    return e;
  };
  Exit one = import(1);
  Exit two = import(2);
  if (one.code != 0 || two.code != 0) return 1;
  Row("import-archive --jobs 1 vs zcat (" + std::to_string(mib) + " MiB mixed generations)",
      one.seconds, "s", zcat.seconds, "zcat FILES > /dev/null", Better::kLower, 1.5);
  Row("import-archive --jobs 2 vs zcat", two.seconds, "s", zcat.seconds, "zcat FILES > /dev/null",
      Better::kLower, 1.5);
  Row("import-archive --jobs 1: peak RSS", one.peak_mib, "MiB", 64, "target", Better::kLower, 1);
  Row("import-archive --jobs 2: peak RSS", two.peak_mib, "MiB", 64, "target", Better::kLower, 1);
  Info("import-archive --jobs 1: uncompressed MiB/s", static_cast<double>(mib) / one.seconds,
       "MiB/s");
  return 0;
}
