#include "test_config.hpp"

#include <algorithm>
#include <fstream>
#include <stdexcept>

#include <fmt/format.h>

#include "ghharvest/report/format.hpp"

namespace ghharvest::testing {

namespace {

// A TOML basic string: TOML's escapes are JSON's (a DEL would have to be escaped too; no test
// writes one).
std::string Quote(const std::string& s) { return report::JsonString(s); }

// Bare keys are letters, digits, '_' and '-'; anything else ("octo/alpha") is quoted.
std::string Key(const std::string& key) {
  bool bare = !key.empty() && std::all_of(key.begin(), key.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
  });
  return bare ? key : Quote(key);
}

}  // namespace

TestConfig::TestConfig() {
  Set("github", "token_env", "GHH_TEST_UNSET_TOKEN");
  Set("storage", "database", "ghharvest.db");
  Set("reports", "dir", "reports");
}

TestConfig& TestConfig::Set(const std::string& table, const std::string& key,
                            const std::string& text) {
  return SetValue(table, key, Quote(text));
}

TestConfig& TestConfig::SetList(const std::string& table, const std::string& key,
                                const std::vector<std::string>& items) {
  std::string list;
  for (const auto& i : items) list += (list.empty() ? "" : ", ") + Quote(i);
  return SetValue(table, key, "[" + list + "]");
}

TestConfig& TestConfig::Set(const std::string& table, const std::string& key, double number) {
  // Always with a '.' or an exponent, so TOML reads a float even for whole numbers.
  std::string text = fmt::format("{}", number);
  if (text.find_first_of(".eEn") == std::string::npos) text += ".0";
  return SetValue(table, key, text);
}

TestConfig& TestConfig::SetValue(const std::string& table, const std::string& key,
                                 std::string value) {
  auto t =
      std::find_if(tables_.begin(), tables_.end(), [&](const Table& x) { return x.name == table; });
  if (t == tables_.end()) t = tables_.insert(tables_.end(), Table{table, {}});
  auto k =
      std::find_if(t->keys.begin(), t->keys.end(), [&](const auto& x) { return x.first == key; });
  if (k == t->keys.end()) {
    t->keys.emplace_back(key, std::move(value));
  } else {
    k->second = std::move(value);
  }
  return *this;
}

TestConfig& TestConfig::Writer(const std::string& login, const std::vector<std::string>& repos) {
  writers_.emplace_back(login, repos);
  return *this;
}

std::string TestConfig::Render(const std::string& table, const std::string& key, int* line) const {
  std::string out;
  int n = 0;
  auto add = [&](const std::string& text) {
    out += text + "\n";
    ++n;
  };
  for (const auto& t : tables_) {
    add("[" + t.name + "]");
    for (const auto& [k, v] : t.keys) {
      add(Key(k) + " = " + v);
      if (line != nullptr && t.name == table && k == key) *line = n;
    }
  }
  for (const auto& [login, repos] : writers_) {
    add("[[writers]]");
    add("login = " + Quote(login));
    if (repos.empty()) continue;
    std::string list;
    for (const auto& r : repos) list += (list.empty() ? "" : ", ") + Quote(r);
    add("repos = [" + list + "]");
  }
  return out;
}

std::string TestConfig::Text() const { return Render("", "", nullptr); }

std::string TestConfig::Write(const std::string& path) const {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f << Text();
  f.close();
  if (!f) throw std::runtime_error("TestConfig: cannot write " + path);
  return path;
}

int TestConfig::LineOf(const std::string& table, const std::string& key) const {
  int line = 0;
  Render(table, key, &line);
  return line;
}

}  // namespace ghharvest::testing
