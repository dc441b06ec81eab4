#include <doctest/doctest.h>

#include <string>

#include "ghharvest/archive/progress.hpp"

using namespace ghharvest::archive;

TEST_CASE("the progress line is drawn only on a terminal and never under systemd") {
  CHECK(ProgressWanted(true, nullptr, false));
  CHECK(ProgressWanted(true, "", false));
  CHECK_FALSE(ProgressWanted(false, nullptr, false));  // a pipe or a file
  CHECK_FALSE(ProgressWanted(true, "4f1c2d", false));  // a systemd unit, even with a tty
  CHECK_FALSE(ProgressWanted(true, nullptr, true));    // stderr is the journal
}

TEST_CASE("the progress line says files, bytes, events per second, matches and an ETA") {
  ProgressState s;
  s.file = 3;
  s.files = 24;
  s.bytes_done = 100 << 20;
  s.bytes_total = 400 << 20;
  s.events = 824000;
  s.matched = 1234;
  s.seconds = 2;
  CHECK(FormatProgress(s) ==
        "import-archive: file 3/24, 100.0/400.0 MiB (25%), 412k events/s, 1234 matched, "
        "ETA 6s");
  s.seconds = 40;  // 300 MiB left at 2.5 MiB/s
  CHECK(FormatProgress(s).find("ETA 2m00s") != std::string::npos);
  s.seconds = 0.2;  // too early for a rate
  CHECK(FormatProgress(s).find("? events/s") != std::string::npos);
  CHECK(FormatProgress(s).find("ETA ?") != std::string::npos);
  ProgressState empty;
  empty.files = 1;
  empty.file = 1;
  CHECK(FormatProgress(empty) ==
        "import-archive: file 1/1, 0.0/0.0 MiB, ? events/s, 0 matched, ETA ?");
}
