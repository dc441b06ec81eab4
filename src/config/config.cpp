#include "ghharvest/config/config.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <toml++/toml.h>

#include "ghharvest/util/hash.hpp"
#include "ghharvest/util/listen_address.hpp"
#include "ghharvest/util/names.hpp"

namespace ghharvest::config {
namespace {

namespace fs = std::filesystem;

bool IsEnvName(std::string_view s) {
  if (s.empty() || std::isdigit(static_cast<unsigned char>(s.front()))) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
  });
}

std::string_view TypeName(const toml::node& n) {
  switch (n.type()) {
    case toml::node_type::table:
      return "a table";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a number";
    case toml::node_type::boolean:
      return "a boolean";
    default:
      return "a date or time";
  }
}

// Walks the parsed document, filling a Config and collecting every error with its line,
// so an operator fixes the whole file in one go rather than one complaint per restart.
class Loader {
 public:
  Loader(std::string display, fs::path folder) : file_(std::move(display)), folder_(folder) {}

  void Load(const toml::table& root, Config* cfg) {
    CheckKeys(root, "",
              {"github", "storage", "reports", "schedule", "scoring", "harvest", "blogs", "metrics",
               "writers"});
    const toml::table* github = Table(root, "github");
    if (github || !root.get("github")) LoadGithub(github, &cfg->github);
    LoadStorage(Table(root, "storage"), &cfg->storage);
    LoadReports(Table(root, "reports"), &cfg->reports);
    if (const toml::table* t = Table(root, "schedule")) {
      CheckKeys(*t, "schedule", {"poll_interval", "score_interval"});
      Duration(*t, "schedule", "poll_interval", std::chrono::seconds(1),
               std::chrono::hours(24 * 30), &cfg->schedule.poll_interval);
      Duration(*t, "schedule", "score_interval", std::chrono::seconds(1),
               std::chrono::hours(24 * 30), &cfg->schedule.score_interval);
    }
    LoadScoring(Table(root, "scoring"), &cfg->scoring);
    if (const toml::table* t = Table(root, "harvest")) {
      CheckKeys(*t, "harvest",
                {"max_discovered_repos", "overlap", "refresh_reactions_days",
                 "revalidate_pages_per_list", "per_writer_above_pages"});
      Int(*t, "harvest", "max_discovered_repos", 0, 10000, &cfg->harvest.max_discovered_repos);
      Duration(*t, "harvest", "overlap", std::chrono::seconds(0), std::chrono::hours(24 * 7),
               &cfg->harvest.overlap);
      Int(*t, "harvest", "refresh_reactions_days", 0, 3650, &cfg->harvest.refresh_reactions_days);
      Int(*t, "harvest", "revalidate_pages_per_list", 0, 100000,
          &cfg->harvest.revalidate_pages_per_list);
      Int(*t, "harvest", "per_writer_above_pages", 0, 1000000,
          &cfg->harvest.per_writer_above_pages);
    }
    if (const toml::table* t = Table(root, "blogs")) {
      CheckKeys(*t, "blogs", {"poll_interval", "max_feed_bytes"});
      Duration(*t, "blogs", "poll_interval", std::chrono::minutes(1), std::chrono::hours(24 * 30),
               &cfg->blogs.poll_interval);
      Int(*t, "blogs", "max_feed_bytes", 1024, std::int64_t{1} << 30, &cfg->blogs.max_feed_bytes);
    }
    if (const toml::table* t = Table(root, "metrics")) {
      CheckKeys(*t, "metrics", {"listen"});
      if (std::string l; String(*t, "metrics", "listen", &l)) {
        if (auto at = ParseListen(l); !at.ok()) {
          Fail(t->get("listen"), "metrics", "listen", at.status().message());
        } else {
          cfg->metrics.listen = l;
        }
      }
    }
    LoadWriters(root, &cfg->writers);
  }

  // In file order (toml++ hands out keys sorted by name, not by line).
  std::vector<std::string> errors() const {
    std::vector<std::pair<std::size_t, std::string>> sorted;
    for (std::size_t i = 0; i < errors_.size(); ++i) sorted.emplace_back(lines_[i], errors_[i]);
    std::stable_sort(sorted.begin(), sorted.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    std::vector<std::string> out;
    for (auto& [line, e] : sorted) out.push_back(std::move(e));
    return out;
  }

 private:
  void Fail(const toml::node* at, std::string_view section, std::string_view key,
            std::string_view msg) {
    std::size_t line = at ? at->source().begin.line : 0;
    std::string where = line ? fmt::format("{}:{}: ", file_, line) : fmt::format("{}: ", file_);
    std::string what;
    if (!section.empty()) what = fmt::format("[{}]", section);
    if (!key.empty()) what += what.empty() ? std::string(key) : fmt::format(" {}", key);
    errors_.push_back(fmt::format("{}{}: {}", where, what, msg));
    lines_.push_back(line);
  }

  void CheckKeys(const toml::table& t, std::string_view section,
                 std::initializer_list<std::string_view> known) {
    for (auto&& [k, v] : t) {
      if (std::find(known.begin(), known.end(), k.str()) == known.end()) {
        Fail(&v, section, k.str(), "unknown key");
      }
    }
  }

  // A sub-table, or nullptr when absent (an error when present but not a table).
  const toml::table* Table(const toml::table& parent, std::string_view key,
                           std::string_view parent_section = "") {
    const toml::node* n = parent.get(key);
    if (!n) return nullptr;
    if (!n->is_table()) {
      Fail(n, parent_section, key, fmt::format("must be a table, not {}", TypeName(*n)));
      return nullptr;
    }
    return n->as_table();
  }

  bool String(const toml::table& t, std::string_view section, std::string_view key,
              std::string* out, bool allow_empty = false) {
    const toml::node* n = t.get(key);
    if (!n) return false;
    if (!n->is_string()) {
      Fail(n, section, key, fmt::format("must be a string, not {}", TypeName(*n)));
      return false;
    }
    std::string v = n->as_string()->get();
    if (v.empty() && !allow_empty) {
      Fail(n, section, key, "must not be empty");
      return false;
    }
    *out = std::move(v);
    return true;
  }

  template <typename IntT>
  void Int(const toml::table& t, std::string_view section, std::string_view key, std::int64_t min,
           std::int64_t max, IntT* out) {
    const toml::node* n = t.get(key);
    if (!n) return;
    if (!n->is_integer()) {
      Fail(n, section, key, fmt::format("must be an integer, not {}", TypeName(*n)));
      return;
    }
    std::int64_t v = n->as_integer()->get();
    if (v < min || v > max) {
      Fail(n, section, key, fmt::format("must be between {} and {}", min, max));
      return;
    }
    *out = static_cast<IntT>(v);
  }

  bool Number(const toml::node& n, std::string_view section, std::string_view key, double min,
              double max, double* out) {
    double v;
    if (n.is_integer()) {
      v = static_cast<double>(n.as_integer()->get());
    } else if (n.is_floating_point()) {
      v = n.as_floating_point()->get();
    } else {
      Fail(&n, section, key, fmt::format("must be a number, not {}", TypeName(n)));
      return false;
    }
    if (!std::isfinite(v) || v < min || v > max) {
      Fail(&n, section, key, fmt::format("must be between {} and {}", min, max));
      return false;
    }
    *out = v;
    return true;
  }

  void Duration(const toml::table& t, std::string_view section, std::string_view key,
                std::chrono::seconds min, std::chrono::seconds max, std::chrono::seconds* out) {
    const toml::node* n = t.get(key);
    if (!n) return;
    if (!n->is_string()) {
      Fail(
          n, section, key,
          fmt::format("must be a duration string like \"15m\" or \"1h30m\", not {}", TypeName(*n)));
      return;
    }
    std::chrono::seconds d;
    if (!ParseDuration(n->as_string()->get(), &d)) {
      Fail(n, section, key,
           fmt::format("\"{}\" is not a duration (use d, h, m, s: \"90s\", \"15m\", \"1h30m\")",
                       n->as_string()->get()));
      return;
    }
    if (d < min || d > max) {
      Fail(n, section, key,
           fmt::format("must be between {} and {}", FormatDuration(min), FormatDuration(max)));
      return;
    }
    *out = d;
  }

  std::string Resolve(const std::string& p) const {
    if (p == ":memory:") return p;
    fs::path path(p);
    if (path.is_relative()) path = folder_ / path;
    return path.lexically_normal().string();
  }

  fs::path StateFolder() const {
    return fs::path(DefaultStateFolder(folder_.string(), std::getenv("STATE_DIRECTORY")));
  }

  // A [github] array of non-empty strings: each handed to `each` with its node (for its line).
  template <typename F>
  void StringArray(const toml::table& t, std::string_view key, F each) {
    const toml::node* n = t.get(key);
    if (!n) return;
    const toml::array* a = n->as_array();
    if (!a) {
      Fail(n, "github", key, fmt::format("must be an array of strings, not {}", TypeName(*n)));
      return;
    }
    for (const toml::node& e : *a) {
      if (!e.is_string()) {
        Fail(&e, "github", key, fmt::format("must hold strings, not {}", TypeName(e)));
      } else if (e.as_string()->get().empty()) {
        Fail(&e, "github", key, "must not hold an empty string");
      } else {
        each(e, e.as_string()->get());
      }
    }
  }

  void LoadGithub(const toml::table* t, GithubConfig* g) {
    static const toml::table kEmpty;
    const toml::table& gh = t ? *t : kEmpty;
    CheckKeys(gh, "github",
              {"api_url", "token_file", "token_env", "concurrency", "reserve", "accept",
               "auth_scheme", "user_agent", "connect_timeout", "request_timeout", "max_retries",
               "max_body_bytes", "graphql", "graphql_reserve", "token_files", "token_envs", "app"});
    if (const toml::table* a = Table(gh, "app", "github")) {
      CheckKeys(*a, "github.app", {"app_id", "installation_id", "private_key_file"});
      GithubAppConfig app;
      for (const char* key : {"app_id", "installation_id", "private_key_file"}) {
        if (!a->get(key))
          Fail(a, "github.app", key,
               "missing (app_id, installation_id and "
               "private_key_file are all needed)");
      }
      Int(*a, "github.app", "app_id", 1, std::numeric_limits<std::int64_t>::max(), &app.app_id);
      Int(*a, "github.app", "installation_id", 1, std::numeric_limits<std::int64_t>::max(),
          &app.installation_id);
      if (std::string f; String(*a, "github.app", "private_key_file", &f)) {
        app.private_key_file = Resolve(f);
      }
      if (app.app_id > 0 && app.installation_id > 0 && !app.private_key_file.empty()) {
        g->app = app;
      }
    }
    if (std::string url; String(gh, "github", "api_url", &url)) {
      if (url.rfind("https://", 0) != 0 && url.rfind("http://", 0) != 0) {
        Fail(gh.get("api_url"), "github", "api_url", "must start with https:// (or http://)");
      } else {
        while (url.size() > 8 && url.back() == '/') url.pop_back();
        g->api_url = url;
      }
    }
    if (std::string f; String(gh, "github", "token_file", &f)) g->token_file = Resolve(f);
    if (std::string e; String(gh, "github", "token_env", &e)) {
      if (!IsEnvName(e)) {
        Fail(gh.get("token_env"), "github", "token_env",
             fmt::format("\"{}\" is not an environment variable name", e));
      } else {
        g->token_env = e;
      }
    }
    StringArray(gh, "token_files", [&](const toml::node& n, std::string v) {
      g->token_files.push_back(Resolve(v));
      (void)n;
    });
    StringArray(gh, "token_envs", [&](const toml::node& n, std::string v) {
      if (!IsEnvName(v)) {
        Fail(&n, "github", "token_envs",
             fmt::format("\"{}\" is not an environment variable name", v));
      } else {
        g->token_envs.push_back(std::move(v));
      }
    });
    if (!gh.get("token_file") && !gh.get("token_env") && g->token_files.empty() &&
        g->token_envs.empty() && !gh.get("app")) {
      Fail(t ? static_cast<const toml::node*>(t) : nullptr, "github", "",
           "no token source: set token_file or token_env");
    }
    Int(gh, "github", "concurrency", 1, 100, &g->concurrency);
    Int(gh, "github", "reserve", 0, 100000, &g->reserve);
    Int(gh, "github", "graphql_reserve", 0, 100000, &g->graphql_reserve);
    if (const toml::node* n = gh.get("graphql")) {
      if (!n->is_boolean()) {
        Fail(n, "github", "graphql", fmt::format("must be true or false, not {}", TypeName(*n)));
      } else {
        g->graphql = n->as_boolean()->get();
      }
    }
    String(gh, "github", "accept", &g->accept);
    if (std::string s; String(gh, "github", "auth_scheme", &s)) {
      if (s.find_first_of(" \t\r\n") != std::string::npos) {
        Fail(gh.get("auth_scheme"), "github", "auth_scheme", "must be one word");
      } else {
        g->auth_scheme = s;
      }
    }
    String(gh, "github", "user_agent", &g->user_agent);
    if (g->user_agent.empty()) g->user_agent = "ghharvest/" GHHARVEST_VERSION;
    Duration(gh, "github", "connect_timeout", std::chrono::seconds(1), std::chrono::minutes(10),
             &g->connect_timeout);
    Duration(gh, "github", "request_timeout", std::chrono::seconds(1), std::chrono::hours(1),
             &g->request_timeout);
    Int(gh, "github", "max_retries", 0, 100, &g->max_retries);
    // At least a megabyte: a page of 100 issues with long bodies runs to a few hundred KiB.
    Int(gh, "github", "max_body_bytes", std::int64_t{1} << 20, std::int64_t{1} << 30,
        &g->max_body_bytes);
  }

  void LoadStorage(const toml::table* t, StorageConfig* s) {
    s->database = (StateFolder() / "ghharvest.db").lexically_normal().string();
    if (!t) return;
    CheckKeys(*t, "storage", {"database"});
    if (std::string p; String(*t, "storage", "database", &p)) s->database = Resolve(p);
  }

  void LoadReports(const toml::table* t, ReportsConfig* r) {
    r->dir = (StateFolder() / "reports").lexically_normal().string();
    if (!t) return;
    CheckKeys(*t, "reports", {"dir", "jsonl_max_bytes", "jsonl_keep", "site"});
    if (std::string p; String(*t, "reports", "dir", &p)) r->dir = Resolve(p);
    Int(*t, "reports", "jsonl_max_bytes", 1024, std::int64_t{1} << 40, &r->jsonl_max_bytes);
    Int(*t, "reports", "jsonl_keep", 0, 1000, &r->jsonl_keep);
    if (const toml::node* n = t->get("site")) {
      if (!n->is_boolean()) {
        Fail(n, "reports", "site", fmt::format("must be true or false, not {}", TypeName(*n)));
      } else {
        r->site = n->as_boolean()->get();
      }
    }
  }

  void LoadScoring(const toml::table* t, ScoringConfig* s) {
    if (!t) return;
    CheckKeys(*t, "scoring",
              {"default_k", "k", "weights", "window_days", "half_life_days", "keep_runs"});
    if (const toml::node* n = t->get("default_k")) {
      Number(*n, "scoring", "default_k", 0, 1000, &s->default_k);
    }
    if (const toml::table* k = Table(*t, "k", "scoring")) {
      // toml++ iterates keys sorted; walk them in file order so "listed twice" points at
      // the second occurrence.
      std::vector<std::pair<std::string, const toml::node*>> entries;
      for (auto&& [key, v] : *k) entries.emplace_back(std::string(key.str()), &v);
      std::stable_sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) {
        return a.second->source().begin.line < b.second->source().begin.line;
      });
      std::set<std::string> seen;
      for (const auto& [name, node] : entries) {
        const toml::node& v = *node;
        if (!IsValidRepoName(name)) {
          Fail(&v, "scoring.k", fmt::format("\"{}\"", name),
               "not a repository name (\"owner/repo\")");
          continue;
        }
        if (!seen.insert(AsciiLower(name)).second) {
          Fail(&v, "scoring.k", fmt::format("\"{}\"", name),
               "listed twice (names compare case-insensitively)");
          continue;
        }
        double d;
        if (Number(v, "scoring.k", fmt::format("\"{}\"", name), 0, 1000, &d)) s->k[name] = d;
      }
    }
    if (const toml::table* w = Table(*t, "weights", "scoring")) {
      for (auto&& [key, v] : *w) {
        if (std::find(kCountColumns.begin(), kCountColumns.end(), key.str()) ==
            kCountColumns.end()) {
          Fail(&v, "scoring.weights", key.str(), "unknown key (not a count column)");
          continue;
        }
        double d;
        if (Number(v, "scoring.weights", key.str(), 0, 1e6, &d)) s->weights[std::string(key)] = d;
      }
    }
    if (t->get("window_days")) {
      int days = 0;
      std::size_t before = errors_.size();
      Int(*t, "scoring", "window_days", 1, 36500, &days);
      if (errors_.size() == before) s->window_days = days;
    }
    if (const toml::node* n = t->get("half_life_days")) {
      double d;
      if (Number(*n, "scoring", "half_life_days", 0, 36500, &d)) {
        if (d <= 0) {
          Fail(n, "scoring", "half_life_days", "must be greater than 0");
        } else {
          s->half_life_days = d;
        }
      }
    }
    Int(*t, "scoring", "keep_runs", 1, 1000000, &s->keep_runs);
  }

  void LoadWriters(const toml::table& root, std::vector<WriterConfig>* writers) {
    const toml::node* n = root.get("writers");
    if (!n) return;
    const toml::array* arr = n->as_array();
    if (!arr) {
      Fail(n, "", "writers",
           fmt::format("must be an array of tables ([[writers]]), not {}", TypeName(*n)));
      return;
    }
    std::set<std::string> logins;
    for (std::size_t i = 0; i < arr->size(); ++i) {
      const toml::node& item = *arr->get(i);
      if (!item.is_table()) {
        Fail(&item, "", "writers",
             fmt::format("entry #{} must be a table ([[writers]]), not {}", i + 1, TypeName(item)));
        continue;
      }
      const toml::table& t = *item.as_table();
      WriterConfig w;
      w.line = static_cast<int>(t.source().begin.line);
      CheckKeysWriter(t, i + 1);
      const toml::node* login = t.get("login");
      if (!login) {
        FailWriter(&t, i + 1, "login", "missing (every writer needs a GitHub login)");
        continue;
      }
      if (!login->is_string()) {
        FailWriter(login, i + 1, "login",
                   fmt::format("must be a string, not {}", TypeName(*login)));
        continue;
      }
      w.login = login->as_string()->get();
      if (!IsValidLogin(w.login)) {
        FailWriter(login, i + 1, "login",
                   fmt::format("\"{}\" is not a GitHub login (letters, digits, single hyphens "
                               "inside, at most 39)",
                               w.login));
        continue;
      }
      if (!logins.insert(AsciiLower(w.login)).second) {
        FailWriter(
            login, i + 1, "login",
            fmt::format("\"{}\" is listed twice (logins compare case-insensitively)", w.login));
        continue;
      }
      if (const toml::node* r = t.get("repos")) {
        const toml::array* repos = r->as_array();
        if (!repos) {
          FailWriter(
              r, i + 1, "repos",
              fmt::format("must be an array of \"owner/repo\" strings, not {}", TypeName(*r)));
        } else {
          std::set<std::string> seen;
          for (const toml::node& rn : *repos) {
            if (!rn.is_string()) {
              FailWriter(&rn, i + 1, "repos",
                         fmt::format("entries must be strings, not {}", TypeName(rn)));
              continue;
            }
            std::string name = rn.as_string()->get();
            if (!IsValidRepoName(name)) {
              FailWriter(&rn, i + 1, "repos",
                         fmt::format("\"{}\" is not a repository name (\"owner/repo\")", name));
              continue;
            }
            if (!seen.insert(AsciiLower(name)).second) {
              FailWriter(&rn, i + 1, "repos", fmt::format("\"{}\" is listed twice", name));
              continue;
            }
            w.repos.push_back(std::move(name));
          }
        }
      }
      if (const toml::node* f = t.get("blog_feeds")) {
        const toml::array* feeds = f->as_array();
        if (!feeds) {
          FailWriter(f, i + 1, "blog_feeds",
                     fmt::format("must be an array of feed URLs, not {}", TypeName(*f)));
        } else {
          std::set<std::string> seen;
          for (const toml::node& fn : *feeds) {
            if (!fn.is_string()) {
              FailWriter(&fn, i + 1, "blog_feeds",
                         fmt::format("entries must be strings, not {}", TypeName(fn)));
              continue;
            }
            std::string url = fn.as_string()->get();
            if (std::string why = FeedUrlProblem(url); !why.empty()) {
              FailWriter(&fn, i + 1, "blog_feeds", fmt::format("\"{}\" {}", url, why));
              continue;
            }
            if (!seen.insert(url).second) {
              FailWriter(&fn, i + 1, "blog_feeds", fmt::format("\"{}\" is listed twice", url));
              continue;
            }
            w.blog_feeds.push_back(std::move(url));
          }
        }
      }
      writers->push_back(std::move(w));
    }
  }

  void FailWriter(const toml::node* at, std::size_t index, std::string_view key,
                  std::string_view msg) {
    std::size_t line = at ? at->source().begin.line : 0;
    errors_.push_back(fmt::format("{}:{}: [[writers]] #{} {}: {}", file_, line, index, key, msg));
    lines_.push_back(line);
  }

  void CheckKeysWriter(const toml::table& t, std::size_t index) {
    for (auto&& [k, v] : t) {
      if (k.str() != "login" && k.str() != "repos" && k.str() != "blog_feeds") {
        FailWriter(&v, index, k.str(), "unknown key");
      }
    }
  }

  std::string file_;
  fs::path folder_;
  std::vector<std::string> errors_;
  std::vector<std::size_t> lines_;  // of each error, for sorting
};

std::string FormatNumber(double v) { return fmt::format("{}", v); }

}  // namespace

std::string FeedUrlProblem(std::string_view url) {
  for (char c : url) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) {
      return "is not a URL (spaces or control characters)";
    }
  }
  const std::string lower = AsciiLower(url);
  std::size_t rest = 0;
  if (lower.rfind("https://", 0) == 0) {
    rest = 8;
  } else if (lower.rfind("http://", 0) == 0) {
    rest = 7;
  } else {
    return "is not an http:// or https:// URL";
  }
  std::string_view authority = std::string_view(url).substr(rest);
  authority = authority.substr(0, authority.find_first_of("/?#"));
  if (auto at = authority.rfind('@'); at != std::string_view::npos) {
    authority.remove_prefix(at + 1);
  }
  std::string_view host = authority;
  if (!host.empty() && host.front() == '[') {
    host = host.substr(0, host.find(']') == std::string_view::npos ? 0 : host.find(']') + 1);
  } else {
    host = host.substr(0, host.find(':'));
  }
  if (host.empty()) return "has no host";
  return "";
}

bool ParseDuration(std::string_view text, std::chrono::seconds* out) {
  static constexpr struct {
    char unit;
    std::int64_t seconds;
  } kUnits[] = {{'d', 86400}, {'h', 3600}, {'m', 60}, {'s', 1}};
  constexpr std::int64_t kMax = std::int64_t{100} * 365 * 86400;  // a century is plenty
  if (text.empty()) return false;
  std::int64_t total = 0;
  std::size_t next_unit = 0;  // units must come largest first, each at most once
  std::size_t i = 0;
  while (i < text.size()) {
    std::int64_t n = 0;
    std::size_t digits = 0;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
      n = n * 10 + (text[i] - '0');
      if (n > kMax) return false;
      ++i;
      ++digits;
    }
    if (digits == 0 || i == text.size()) return false;
    char unit = text[i++];
    std::size_t u = next_unit;
    while (u < std::size(kUnits) && kUnits[u].unit != unit) ++u;
    if (u == std::size(kUnits)) return false;
    next_unit = u + 1;
    total += n * kUnits[u].seconds;
    if (total > kMax) return false;
  }
  *out = std::chrono::seconds(total);
  return true;
}

std::string FormatDuration(std::chrono::seconds d) {
  std::int64_t s = d.count();
  if (s == 0) return "0s";
  std::string out;
  for (auto [unit, size] : {std::pair{'d', 86400}, {'h', 3600}, {'m', 60}, {'s', 1}}) {
    if (s >= size) {
      out += fmt::format("{}{}", s / size, unit);
      s %= size;
    }
  }
  return out;
}

double KFor(const ScoringConfig& scoring, std::string_view project) {
  if (auto it = scoring.k.find(std::string(project)); it != scoring.k.end()) return it->second;
  const std::string want = AsciiLower(project);
  for (const auto& [name, k] : scoring.k) {
    if (AsciiLower(name) == want) return k;
  }
  return scoring.default_k;
}

double WeightFor(const ScoringConfig& scoring, std::string_view column) {
  auto it = scoring.weights.find(std::string(column));
  return it == scoring.weights.end() ? 1.0 : it->second;
}

std::string ScoringFingerprint(const Config& config) {
  const ScoringConfig& s = config.scoring;
  // A canonical text first: defaults spelled out, names lowercased, maps sorted.
  std::string canon = "v1;default_k=" + FormatNumber(s.default_k) + ";k:";
  std::map<std::string, double> k;
  for (const auto& [name, v] : s.k) k[AsciiLower(name)] = v;
  for (const auto& [name, v] : k) canon += name + "=" + FormatNumber(v) + ",";
  canon += ";weights:";
  for (std::string_view col : kCountColumns) {
    canon += std::string(col) + "=" + FormatNumber(WeightFor(s, col)) + ",";
  }
  canon += ";window_days=" + (s.window_days ? std::to_string(*s.window_days) : "none");
  canon += ";half_life_days=" + (s.half_life_days ? FormatNumber(*s.half_life_days) : "none");
  // Stored with every score run, so a hash that is the same on every build (std::hash is not).
  return fmt::format("{:016x}", Fnv1a64(canon));
}

std::string DefaultStateFolder(const std::string& config_folder, const char* state_directory_env,
                               const UnitFolders& unit) {
  if (state_directory_env && *state_directory_env) {
    std::string first(state_directory_env);
    return first.substr(0, first.find(':'));  // several StateDirectory= entries: the first
  }
  std::error_code ec;
  if (fs::equivalent(config_folder, unit.config, ec) && fs::is_directory(unit.state, ec)) {
    return unit.state;
  }
  return config_folder;
}

Result<Config> LoadConfig(const std::string& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) {
    return Status::NotFound(fmt::format("{}: cannot read config: no such file", path));
  }
  if (fs::is_directory(path, ec)) {
    return Status::InvalidArgument(fmt::format("{}: cannot read config: is a directory", path));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Status::InvalidArgument(fmt::format("{}: cannot read config: permission denied?", path));
  }
  std::stringstream buf;
  buf << in.rdbuf();
  const std::string text = buf.str();

  Config cfg;
  fs::path abs = fs::absolute(path, ec).lexically_normal();
  cfg.path = abs.string();

  toml::table root;
  try {
    root = toml::parse(text, path);
  } catch (const toml::parse_error& e) {
    return Status::InvalidArgument(
        fmt::format("{}:{}: syntax error: {}", path, e.source().begin.line, e.description()));
  }
  Loader loader(path, abs.parent_path());
  loader.Load(root, &cfg);
  if (const auto errors = loader.errors(); !errors.empty()) {
    std::string all;
    for (const std::string& e : errors) {
      if (!all.empty()) all += '\n';
      all += e;
    }
    return Status::InvalidArgument(std::move(all));
  }
  return cfg;
}

}  // namespace ghharvest::config
