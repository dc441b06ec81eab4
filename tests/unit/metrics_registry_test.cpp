// The metrics registry and its text format, the listen-address rule and [metrics] in the
// config. The format is checked byte for byte here; promtool checks a whole scrape in
// daemon_metrics_test.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "check_ok.hpp"
#include "files.hpp"
#include "ghharvest/config/config.hpp"
#include "ghharvest/metrics/registry.hpp"
#include "ghharvest/util/listen_address.hpp"
#include "test_config.hpp"
#include "test_paths.hpp"

using namespace ghharvest;
using metrics::Registry;
using metrics::Type;

TEST_CASE("the registry renders families by name with HELP and TYPE and series by labels") {
  Registry r;
  r.Declare("ghharvest_b_total", Type::kCounter, "B things.");
  r.Declare("ghharvest_a", Type::kGauge, "An A.");
  r.Add("ghharvest_b_total", {{"z", "1"}, {"a", "x"}}, 2);
  r.Add("ghharvest_b_total", {{"a", "x"}, {"z", "1"}});  // the same series, labels reordered
  r.Add("ghharvest_b_total", {{"a", "w"}, {"z", "1"}}, 5);
  r.Set("ghharvest_a", {}, 0.25);
  CHECK(r.Render() ==
        "# HELP ghharvest_a An A.\n"
        "# TYPE ghharvest_a gauge\n"
        "ghharvest_a 0.25\n"
        "# HELP ghharvest_b_total B things.\n"
        "# TYPE ghharvest_b_total counter\n"
        "ghharvest_b_total{a=\"w\",z=\"1\"} 5\n"
        "ghharvest_b_total{a=\"x\",z=\"1\"} 3\n");
  CHECK(r.Value("ghharvest_b_total", {{"z", "1"}, {"a", "x"}}) == 3);
  CHECK_FALSE(r.Value("ghharvest_b_total", {{"a", "y"}}).has_value());
  CHECK_FALSE(r.Value("ghharvest_none").has_value());
}

TEST_CASE("a counter never goes down and a declared family without series renders its head") {
  Registry r;
  r.Declare("ghharvest_x_total", Type::kCounter, "X.");
  CHECK(r.Render() == "# HELP ghharvest_x_total X.\n# TYPE ghharvest_x_total counter\n");
  r.Add("ghharvest_x_total", {}, 4);
  r.Add("ghharvest_x_total", {}, -3);
  r.Add("ghharvest_x_total", {}, std::numeric_limits<double>::quiet_NaN());
  CHECK(r.Value("ghharvest_x_total") == 4);
  // Declaring again keeps the first help and type.
  r.Declare("ghharvest_x_total", Type::kGauge, "Other.");
  CHECK(r.Render() ==
        "# HELP ghharvest_x_total X.\n# TYPE ghharvest_x_total counter\n"
        "ghharvest_x_total 4\n");
}

TEST_CASE("label values and help text are escaped as the text format requires") {
  Registry r;
  r.Declare("ghharvest_g", Type::kGauge, "Back\\slash and\nnewline, \"quotes\" kept.");
  r.Set("ghharvest_g", {{"repository", "a\"b\\c\nd"}}, 1);
  CHECK(r.Render() ==
        "# HELP ghharvest_g Back\\\\slash and\\nnewline, \"quotes\" kept.\n"
        "# TYPE ghharvest_g gauge\n"
        "ghharvest_g{repository=\"a\\\"b\\\\c\\nd\"} 1\n");
}

TEST_CASE("sample values are integers without a fraction, doubles in shortest form") {
  CHECK(metrics::FormatValue(0) == "0");
  CHECK(metrics::FormatValue(1796171495) == "1796171495");
  CHECK(metrics::FormatValue(-3) == "-3");
  CHECK(metrics::FormatValue(0.1) == "0.1");
  CHECK(metrics::FormatValue(1e20) == "1e+20");
  CHECK(metrics::FormatValue(std::numeric_limits<double>::infinity()) == "+Inf");
  CHECK(metrics::FormatValue(-std::numeric_limits<double>::infinity()) == "-Inf");
  CHECK(metrics::FormatValue(std::numeric_limits<double>::quiet_NaN()) == "NaN");
}

TEST_CASE("collectors run at every render and Clear drops a gauge family's old series") {
  Registry r;
  int runs = 0;
  std::vector<std::string> repos = {"a/one", "b/two"};
  int id = r.AddCollector([&](Registry& m) {
    ++runs;
    m.Clear("ghharvest_repo");
    for (const auto& repo : repos) m.Set("ghharvest_repo", {{"repository", repo}}, 1);
  });
  std::string first = r.Render();
  CHECK(runs == 1);
  CHECK(first.find("a/one") != std::string::npos);
  repos = {"b/two"};
  std::string second = r.Render();
  CHECK(runs == 2);
  CHECK(second.find("a/one") == std::string::npos);
  CHECK(second.find("b/two") != std::string::npos);
  r.RemoveCollector(id);
  r.Render();
  CHECK(runs == 2);
  // A collector that removes itself while running is safe and runs no more.
  int self = 0;
  int once = 0;
  self = r.AddCollector([&](Registry& m) {
    ++once;
    m.RemoveCollector(self);
  });
  r.Render();
  r.Render();
  CHECK(once == 1);
}

TEST_CASE("a listen address is host:port or [v6]:port with a port up to 65535") {
  auto a = ParseListen("127.0.0.1:9464");
  REQUIRE_OK(a);
  CHECK(a->host == "127.0.0.1");
  CHECK(a->port == 9464);
  auto v6 = ParseListen("[::1]:0");
  REQUIRE_OK(v6);
  CHECK(v6->host == "::1");
  CHECK(v6->port == 0);
  auto named = ParseListen("localhost:80");
  REQUIRE_OK(named);
  CHECK(named->host == "localhost");
  for (const char* bad : {"", "9464", ":9464", "127.0.0.1:", "127.0.0.1:65536", "127.0.0.1:x",
                          "::1:9464", "[::1]9464", "[::1", "host:12a"}) {
    CAPTURE(bad);
    auto r = ParseListen(bad);
    CHECK(r.status().code() == Status::Code::kInvalidArgument);
  }
}

TEST_CASE("[metrics] listen is off by default and a bad one is named with its line") {
  testing::TempDir dir;
  testing::TestConfig c;
  c.Writer("alice");
  auto plain = config::LoadConfig(c.Write(dir.file("plain.toml")));
  REQUIRE_OK(plain);
  CHECK_FALSE(plain->metrics.listen.has_value());

  c.Set("metrics", "listen", "127.0.0.1:9464");
  auto on = config::LoadConfig(c.Write(dir.file("on.toml")));
  REQUIRE_OK(on);
  CHECK(on->metrics.listen == "127.0.0.1:9464");

  c.Set("metrics", "listen", "9464");
  auto bad = config::LoadConfig(c.Write(dir.file("bad.toml")));
  REQUIRE_FALSE(bad.ok());
  const std::string want =
      fmt::format("bad.toml:{}: [metrics] listen: ", c.LineOf("metrics", "listen"));
  CHECK(bad.status().message().find(want) != std::string::npos);
  CHECK(bad.status().message().find("host:port") != std::string::npos);

  c.Set("metrics", "port", 9464);
  auto unknown = config::LoadConfig(c.Write(dir.file("unknown.toml")));
  REQUIRE_FALSE(unknown.ok());
  CHECK(unknown.status().message().find("[metrics] port: unknown key") != std::string::npos);
}

TEST_CASE("[github] token_files and token_envs are arrays of strings, named with their line") {
  testing::TempDir dir;
  testing::TestConfig c;
  c.Writer("alice");
  c.SetList("github", "token_files", {"a-token", "/abs/b-token"});
  c.SetList("github", "token_envs", {"GH_TOKEN_A", "GH_TOKEN_B"});
  auto ok = config::LoadConfig(c.Write(dir.file("ok.toml")));
  REQUIRE_OK(ok);
  CHECK(ok->github.token_files == std::vector<std::string>{dir.file("a-token"), "/abs/b-token"});
  CHECK(ok->github.token_envs == std::vector<std::string>{"GH_TOKEN_A", "GH_TOKEN_B"});

  c.SetList("github", "token_envs", {"GH TOKEN"});
  auto bad_env = config::LoadConfig(c.Write(dir.file("bad_env.toml")));
  REQUIRE_FALSE(bad_env.ok());
  CHECK(bad_env.status().message().find(
            fmt::format("bad_env.toml:{}: [github] token_envs: \"GH TOKEN\" is not an "
                        "environment variable name",
                        c.LineOf("github", "token_envs"))) != std::string::npos);

  c.Set("github", "token_files", "one-file");
  auto not_array = config::LoadConfig(c.Write(dir.file("not_array.toml")));
  REQUIRE_FALSE(not_array.ok());
  CHECK(not_array.status().message().find(
            "[github] token_files: must be an array of strings, not a string") !=
        std::string::npos);

  // A pool alone is a token source.
  testing::TestConfig pool_only;
  pool_only.Writer("alice");
  auto text = pool_only.Text();
  std::string without;
  for (std::size_t at = 0; at < text.size();) {
    std::size_t end = text.find('\n', at);
    std::string line = text.substr(at, end - at);
    at = end + 1;
    if (line.rfind("token_env", 0) != 0 && line.rfind("token_file", 0) != 0) without += line + "\n";
  }
  testing::WriteFile(dir.file("none.toml"), without);
  auto none = config::LoadConfig(dir.file("none.toml"));
  CHECK(none.status().message().find("no token source") != std::string::npos);
  std::string with = without;
  with.insert(with.find("[github]\n") + 9, "token_envs = [\"GH_TOKEN_A\"]\n");
  testing::WriteFile(dir.file("pool.toml"), with);
  REQUIRE_OK(config::LoadConfig(dir.file("pool.toml")));
}
