// TestConfig: a ghharvest.toml for a test, from sane defaults and the keys the test is about,
// so it reads "poll every second, watch alice" rather than a page of TOML:
//
//   TestConfig().Set("schedule", "poll_interval", "1s").Writer("alice").Write(dir.file("c.toml"));
//
// Defaults: the token from $GHH_TEST_UNSET_TOKEN (no test sets it, so none can read a real
// token by accident), the database "ghharvest.db" and the reports "reports", both relative and
// so next to the file (a config written into a TempDir keeps everything there, whatever
// $STATE_DIRECTORY says), and no writers. The text is fixed: tables in the order first set (the
// defaults' [github], [storage], [reports] first), keys in the order set, writers last; LineOf
// says where a key landed, for tests of messages that name a line.
//
// Tests about the TOML text itself (config_load_test's parse errors) spell it out by hand.
#pragma once

#include <concepts>
#include <string>
#include <utility>
#include <vector>

namespace ghharvest::testing {

class TestConfig {
 public:
  TestConfig();

  // `key` of [table] ("github", "scoring.k"; a key that is not a bare TOML key is quoted),
  // replacing an earlier value.
  TestConfig& Set(const std::string& table, const std::string& key, const std::string& text);
  TestConfig& Set(const std::string& table, const std::string& key, double number);
  template <std::integral Int>
  TestConfig& Set(const std::string& table, const std::string& key, Int n) {
    if constexpr (std::same_as<Int, bool>) return SetValue(table, key, n ? "true" : "false");
    return SetValue(table, key, std::to_string(n));
  }

  // An array of strings.
  TestConfig& SetList(const std::string& table, const std::string& key,
                      const std::vector<std::string>& items);

  // A [[writers]] entry; without repos the writer's projects are discovered.
  TestConfig& Writer(const std::string& login, const std::vector<std::string>& repos = {});

  std::string Text() const;
  // Writes Text() to `path` and returns `path`; throws std::runtime_error when it cannot (the
  // harness that uses it has no test framework; doctest reports the exception).
  std::string Write(const std::string& path) const;
  // The 1-based line of `key` in [table] in Text(); 0 when it is not set.
  int LineOf(const std::string& table, const std::string& key) const;

 private:
  struct Table {
    std::string name;
    std::vector<std::pair<std::string, std::string>> keys;  // key as written, TOML value
  };
  TestConfig& SetValue(const std::string& table, const std::string& key, std::string value);
  // Text() with the line of [table] `key` in *line (when found).
  std::string Render(const std::string& table, const std::string& key, int* line) const;

  std::vector<Table> tables_;
  std::vector<std::pair<std::string, std::vector<std::string>>> writers_;
};

}  // namespace ghharvest::testing
