// The log's stderr format: "<N>" priorities only when stderr is the journal, on every line.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>

#include "files.hpp"
#include "ghharvest/util/log.hpp"

using namespace ghharvest;

TEST_CASE("each line of a message gets its priority for the journal, none elsewhere") {
  CHECK(log::FormatLines(log::Level::kError, "one", true) == "<3>one\n");
  CHECK(log::FormatLines(log::Level::kError, "one", false) == "one\n");
  CHECK(log::FormatLines(log::Level::kWarning, "a.toml:3: bad\na.toml:9: worse\nthe end", true) ==
        "<4>a.toml:3: bad\n<4>a.toml:9: worse\n<4>the end\n");
  CHECK(log::FormatLines(log::Level::kWarning, "a\nb", false) == "a\nb\n");
  // A trailing newline ends the last line; it does not add an empty one.
  CHECK(log::FormatLines(log::Level::kInfo, "x\n", true) == "<6>x\n");
  CHECK(log::FormatLines(log::Level::kDebug, "", true) == "<7>\n");
  CHECK(log::FormatLines(log::Level::kNotice, "a\n\nb", true) == "<5>a\n<5>\n<5>b\n");
}

TEST_CASE("stderr is the journal only when $JOURNAL_STREAM names its device and inode") {
  testing::TempDir dir;
  const std::string path = dir.file("stream");
  int fd = ::open(path.c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
  REQUIRE(fd >= 0);
  struct stat st {};
  REQUIRE(::fstat(fd, &st) == 0);
  const std::string dev = std::to_string(static_cast<unsigned long long>(st.st_dev));
  const std::string ino = std::to_string(static_cast<unsigned long long>(st.st_ino));

  CHECK(log::StreamIsJournal(fd, (dev + ":" + ino).c_str()));
  CHECK_FALSE(log::StreamIsJournal(fd, nullptr));
  CHECK_FALSE(log::StreamIsJournal(fd, ""));
  CHECK_FALSE(log::StreamIsJournal(fd, (dev + ":" + std::to_string(st.st_ino + 1)).c_str()));
  CHECK_FALSE(log::StreamIsJournal(fd, (std::to_string(st.st_dev + 1) + ":" + ino).c_str()));
  CHECK_FALSE(log::StreamIsJournal(fd, (dev + ":" + ino + "x").c_str()));
  CHECK_FALSE(log::StreamIsJournal(fd, dev.c_str()));
  CHECK_FALSE(log::StreamIsJournal(fd, "garbage"));
  // Another file (a redirect of the service's stderr) is not the journal.
  int other = ::open(dir.file("other").c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
  REQUIRE(other >= 0);
  CHECK_FALSE(log::StreamIsJournal(other, (dev + ":" + ino).c_str()));
  CHECK_FALSE(log::StreamIsJournal(-1, (dev + ":" + ino).c_str()));
  ::close(other);
  ::close(fd);
}
