// ghharvest-fakehub: the synthetic GitHub as a standalone server, for the demo, benchmarks
// and process-level tests. Runs until SIGTERM or SIGINT. SIGUSR1 calms it for good: no more
// faults and no more advances, so that a soak can end with a final sync of a still world.
//
//   ghharvest-fakehub --seed 7 --port 0 --port-file port.txt --config-out ghharvest.toml
//                     --truth-file truth.tsv --advance-every 30
//
// Besides GitHub's routes it answers two of its own, which cost no rate-limit points:
//   GET /_fakehub/counters  the handler's counters (requests, 304s, points per resource)
//   GET /_fakehub/truth     the current truth counts (JSON)
//   GET /_fakehub/floor     the request floor of a first harvest of the listed repos
#include <signal.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <iostream>
#include <memory>
#include <mutex>
#include <string>

#include <fmt/format.h>

#include "fake_server.hpp"
#include "world/blog_feeds.hpp"
#include "world/github_handler.hpp"
#include "world/world.hpp"

namespace {

using namespace ghharvest::testing;

struct Options {
  WorldSpec spec;
  bool now_given = false;
  int port = 0;
  std::string port_file, truth_file, config_out, counters_file;
  int latency_ms = 0;
  double fault_rate = 0;
  double blog_fault_rate = 0;  // --blog-fault-rate: the same faults on the blogs' answers
  bool all_faults = false;     // --fault-mix all: FaultMix::kAll
  double advance_every = 0;    // seconds; 0: never
  int advance_items = 100;
  // --advance-all-ages: each advance also reacts on (and takes reactions back from) items of
  // any age and deletes issues and comments, as GitHub's users do; off, only recent items
  // get reactions and nothing is deleted (what older tests were drawn from).
  bool advance_all_ages = false;
  int rename_on = 0, delete_on = 0;  // the advance (1-based) that renames / deletes a repo
  int advances = 0;
  int threads = 4;
  std::int64_t core_limit = 5000, search_limit = 30;
  bool graphql = true;  // --no-graphql: 404 on /graphql, as a server without it
  std::int64_t graphql_limit = 5000;
  double graphql_partial_rate = 0;
  bool discovery = false;   // config without repos lists
  bool blog_feeds = false;  // config with each writer's three feeds, truth with their posts
  std::string token_env;    // when set, only this variable's token is accepted (else 401)
  std::string poll_interval = "1m", score_interval = "5m";
  std::string blog_poll_interval = "1m";  // [blogs] poll_interval (1m at least)
};

[[noreturn]] void Usage(const std::string& error) {
  if (!error.empty()) std::cerr << "ghharvest-fakehub: " << error << "\n";
  std::cerr << "usage: ghharvest-fakehub [--seed N] [--writers N] [--projects N] [--items N]\n"
               "         [--now ISO8601] [--port N] [--port-file PATH] [--latency-ms N]\n"
               "         [--fault-rate X] [--advance-every SECONDS] [--advance-items N]\n"
               "         [--truth-file PATH(.json|.tsv)] [--config-out PATH] [--discovery]\n"
               "         [--poll-interval DUR] [--score-interval DUR] [--core-limit N]\n"
               "         [--search-limit N] [--counters-file PATH] [--threads N]\n"
               "         [--token-env VAR] [--rename-on-advance K] [--delete-on-advance K]\n"
               "         [--time-quantum SECONDS] [--fault-mix classic|all] [--blog-feeds]\n"
               "         [--no-graphql] [--graphql-limit N] [--graphql-partial-rate X]\n"
               "         [--advance-all-ages] [--blog-fault-rate X] [--blog-poll-interval DUR]\n";
  std::exit(error.empty() ? 0 : 64);
}

Options Parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) Usage("missing value for " + a);
      return argv[++i];
    };
    auto number = [&]() -> long long {
      std::string v = value();
      try {
        std::size_t used = 0;
        long long n = std::stoll(v, &used);
        if (used != v.size()) throw std::invalid_argument(v);
        return n;
      } catch (const std::exception&) {
        Usage(a + ": not a number: " + v);
      }
    };
    auto real = [&]() -> double {
      std::string v = value();
      try {
        return std::stod(v);
      } catch (const std::exception&) {
        Usage(a + ": not a number: " + v);
      }
    };
    if (a == "--help" || a == "-h")
      Usage("");
    else if (a == "--seed")
      o.spec.seed = static_cast<std::uint64_t>(number());
    else if (a == "--writers")
      o.spec.writers = static_cast<int>(number());
    else if (a == "--projects")
      o.spec.projects = static_cast<int>(number());
    else if (a == "--items")
      o.spec.items = static_cast<int>(number());
    else if (a == "--other-users")
      o.spec.other_users = static_cast<int>(number());
    else if (a == "--now") {
      std::string v = value();
      if (!ParseWorldTime(v, &o.spec.now)) Usage("--now: not ISO 8601: " + v);
      o.now_given = true;
    } else if (a == "--port")
      o.port = static_cast<int>(number());
    else if (a == "--port-file")
      o.port_file = value();
    else if (a == "--latency-ms")
      o.latency_ms = static_cast<int>(number());
    else if (a == "--fault-rate")
      o.fault_rate = real();
    else if (a == "--blog-fault-rate")
      o.blog_fault_rate = real();
    else if (a == "--advance-all-ages")
      o.advance_all_ages = true;
    else if (a == "--no-graphql")
      o.graphql = false;
    else if (a == "--graphql-limit")
      o.graphql_limit = number();
    else if (a == "--graphql-partial-rate")
      o.graphql_partial_rate = real();
    else if (a == "--fault-mix") {
      std::string v = value();
      if (v != "classic" && v != "all") Usage("--fault-mix: classic or all");
      o.all_faults = v == "all";
    } else if (a == "--advance-every")
      o.advance_every = real();
    else if (a == "--advance-items")
      o.advance_items = static_cast<int>(number());
    else if (a == "--time-quantum")
      o.spec.time_quantum = number();
    else if (a == "--rename-on-advance")
      o.rename_on = static_cast<int>(number());
    else if (a == "--delete-on-advance")
      o.delete_on = static_cast<int>(number());
    else if (a == "--truth-file")
      o.truth_file = value();
    else if (a == "--config-out")
      o.config_out = value();
    else if (a == "--counters-file")
      o.counters_file = value();
    else if (a == "--discovery")
      o.discovery = true;
    else if (a == "--blog-feeds")
      o.blog_feeds = true;
    else if (a == "--blog-poll-interval")
      o.blog_poll_interval = value();
    else if (a == "--poll-interval")
      o.poll_interval = value();
    else if (a == "--score-interval")
      o.score_interval = value();
    else if (a == "--core-limit")
      o.core_limit = number();
    else if (a == "--search-limit")
      o.search_limit = number();
    else if (a == "--threads")
      o.threads = static_cast<int>(number());
    else if (a == "--token-env")
      o.token_env = value();
    else
      Usage("unknown option " + a);
  }
  if (o.port < 0 || o.port > 65535) Usage("--port: 0..65535");
  if (o.fault_rate < 0 || o.fault_rate >= 1) Usage("--fault-rate: 0 <= X < 1");
  if (o.blog_fault_rate < 0 || o.blog_fault_rate >= 1) Usage("--blog-fault-rate: 0 <= X < 1");
  if (o.graphql_partial_rate < 0 || o.graphql_partial_rate > 1) {
    Usage("--graphql-partial-rate: 0 <= X <= 1");
  }
  if (o.graphql_limit < 1) Usage("--graphql-limit: at least 1");
  if (o.spec.writers < 1 || o.spec.projects < 1 || o.spec.items < 1)
    Usage("--writers, --projects and --items must be positive");
  return o;
}

// Written to a temporary name and renamed, so a reader polling for the file never sees half.
bool WriteFile(const std::string& path, const std::string& text) {
  std::string tmp = path + ".tmp";
  {
    std::ofstream f(tmp, std::ios::trunc);
    if (!f) return false;
    f << text;
    if (!f) return false;
  }
  return std::rename(tmp.c_str(), path.c_str()) == 0;
}

std::string CountersJson(const GitHubHandler& github, const FaultCounts& faults,
                         const FaultCounts& blog_faults) {
  auto map = [](const std::map<std::string, std::int64_t>& m) {
    std::string s = "{";
    for (const auto& [k, v] : m) s += fmt::format("{}\"{}\":{}", s.size() > 1 ? "," : "", k, v);
    return s + "}";
  };
  const ApiCounters c = github.counters();
  const GraphqlCounters g = github.graphql().counters();
  return fmt::format(
      "{{\"requests\":{},\"conditional\":{},\"ok\":{},\"not_modified\":{},\"redirects\":{},\"not_"
      "found\":{},"
      "\"rate_limited\":{},\"unauthorized\":{},\"other\":{},\"points\":{},\"per_route\":{},\"per_"
      "route_ok\":{},"
      "\"per_route_304\":{},\"graphql\":{{\"requests\":{},\"answered\":{},\"rejected\":{},"
      "\"rate_limited\":{},\"partial\":{},\"points\":{}}},\"faults\":{},\"blog_faults\":{}}}\n",
      c.requests, c.conditional, c.ok, c.not_modified, c.redirects, c.not_found, c.rate_limited,
      c.unauthorized, c.other, map(c.points), map(c.per_route), map(c.per_route_ok),
      map(c.per_route_304), g.requests, g.answered, g.rejected, g.rate_limited, g.partial, g.points,
      map(faults.snapshot()), map(blog_faults.snapshot()));
}

std::string ConfigToml(const Options& o, const World& world, const BlogFeeds& blogs,
                       const std::string& base) {
  std::string out = fmt::format(
      "# Written by ghharvest-fakehub (seed {}): a config for the synthetic GitHub.\n"
      "[github]\n"
      "api_url = \"{}\"\n"
      "token_env = \"GITHUB_TOKEN\"\n"
      "concurrency = 4\n"
      "reserve = 10\n\n"
      "[storage]\n"
      "database = \"ghharvest.db\"\n\n"
      "[reports]\n"
      "dir = \"reports\"\n\n"
      "[schedule]\n"
      "poll_interval = \"{}\"\n"
      "score_interval = \"{}\"\n",
      o.spec.seed, base, o.poll_interval, o.score_interval);
  if (o.blog_feeds) {
    out += fmt::format("\n[blogs]\npoll_interval = \"{}\"\n", o.blog_poll_interval);
  }
  for (const auto& [login, repos] : world.WriterProjects()) {
    out += fmt::format("\n[[writers]]\nlogin = \"{}\"\n", login);
    if (o.blog_feeds) {
      out += "blog_feeds = [";
      const auto urls = blogs.FeedUrls(base, login);
      for (std::size_t i = 0; i < urls.size(); ++i) {
        out += fmt::format("{}\"{}\"", i ? ", " : "", urls[i]);
      }
      out += "]\n";
    }
    if (o.discovery) continue;
    out += "repos = [";
    for (std::size_t i = 0; i < repos.size(); ++i)
      out += fmt::format("{}\"{}\"", i ? ", " : "", repos[i]);
    out += "]\n";
  }
  return out;
}

// What a project is called now (GitHub redirects old names of renamed repositories).
std::string CurrentName(const World& world, const std::string& project) {
  return world.Read([&](const WorldModel& m) {
    const WorldRepo* r = m.Repo(project);
    return r ? r->full_name() : project;
  });
}

std::string TruthText(const World& world, const BlogFeeds* blogs, const std::string& path) {
  auto rows = world.TruthCounts(world.WriterConfigLogins());
  if (blogs)
    blogs->AddTruth(&rows,
                    [&world](const std::string& project) { return CurrentName(world, project); });
  bool json = path.size() >= 5 && path.compare(path.size() - 5, 5, ".json") == 0;
  return json ? CountsToJson(rows) : CountsToTsv(rows);
}

}  // namespace

int main(int argc, char** argv) {
  Options o = Parse(argc, argv);
  if (!o.now_given) {
    o.spec.now = std::chrono::duration_cast<std::chrono::seconds>(
                     std::chrono::system_clock::now().time_since_epoch())
                     .count();
  }

  // Signals are taken synchronously by the main thread; server threads inherit the mask.
  sigset_t sigs;
  sigemptyset(&sigs);
  sigaddset(&sigs, SIGTERM);
  sigaddset(&sigs, SIGINT);
  sigaddset(&sigs, SIGUSR1);
  pthread_sigmask(SIG_BLOCK, &sigs, nullptr);

  auto world = std::make_shared<World>(o.spec);
  std::mutex base_mu;
  std::string base;
  auto base_url = [&] {
    std::lock_guard lock(base_mu);
    return base;
  };
  GitHubHandlerOptions hopt;
  hopt.latency = std::chrono::milliseconds(o.latency_ms);
  hopt.core_limit = o.core_limit;
  hopt.search_limit = o.search_limit;
  hopt.graphql.enabled = o.graphql;
  hopt.graphql.limit = o.graphql_limit;
  hopt.graphql.partial_rate = o.graphql_partial_rate;
  hopt.graphql.seed = o.spec.seed;
  if (!o.token_env.empty()) {
    const char* token = std::getenv(o.token_env.c_str());
    if (!token || !*token) Usage("--token-env: " + o.token_env + " is not set");
    hopt.token = token;
  }
  GitHubHandler github(world, base_url, hopt);
  // The writers' blogs, served beside GitHub under /blogs/. Feed failures have their own
  // fixed URLs there; --blog-fault-rate adds the GitHub faults to every blog answer (counted
  // apart, as "blog_faults"), for a soak whose feeds sometimes break.
  auto blogs = std::make_shared<BlogFeeds>(world->WriterProjects(), o.spec.seed,
                                           static_cast<std::int64_t>(o.spec.now));
  Handler served = github;
  auto faults = std::make_shared<FaultCounts>();
  auto calm = std::make_shared<std::atomic<bool>>(false);  // SIGUSR1
  if (o.fault_rate > 0) {
    Handler faulty = WithFaults(served, o.fault_rate, o.spec.seed,
                                o.all_faults ? FaultMix::kAll : FaultMix::kClassic, faults);
    served = [faulty, github, calm](const HttpRequest& req) {
      return calm->load() ? github(req) : faulty(req);
    };
  }
  auto blog_faults = std::make_shared<FaultCounts>();
  Handler blog_served = [blogs, base_url](const HttpRequest& req) -> HttpResponse {
    if (auto blog = blogs->Serve(req, base_url())) return *blog;
    HttpResponse r;
    r.status = 404;
    return r;
  };
  if (o.blog_fault_rate > 0) {
    Handler plain = blog_served;
    Handler faulty =
        WithFaults(plain, o.blog_fault_rate, o.spec.seed + 1, FaultMix::kAll, blog_faults);
    blog_served = [plain, faulty, calm](const HttpRequest& req) {
      return calm->load() ? plain(req) : faulty(req);
    };
  }
  const bool blog_truth = o.blog_feeds;
  Handler top = [served, github, world, faults, blogs, blog_served, blog_faults, base_url,
                 blog_truth](const HttpRequest& req) -> HttpResponse {
    if (req.path.rfind("/blogs/", 0) == 0) return blog_served(req);
    if (req.path == "/_fakehub/floor") {
      auto f = world->Floor();
      HttpResponse r;
      r.headers.emplace_back("content-type", "application/json");
      r.body = fmt::format(
          "{{\"commits\":{},\"issues\":{},\"issue_comments\":{},\"review_comments\":{},"
          "\"pulls\":{},\"reviews\":{},\"total\":{}}}\n",
          f.commits, f.issues, f.issue_comments, f.review_comments, f.pulls, f.reviews, f.total());
      return r;
    }
    if (req.path == "/_fakehub/counters" || req.path == "/_fakehub/truth") {
      HttpResponse r;
      r.headers.emplace_back("content-type", "application/json");
      r.body = req.path == "/_fakehub/counters"
                   ? CountersJson(github, *faults, *blog_faults)
                   : CountsToJson([&] {
                       auto rows = world->TruthCounts(world->WriterConfigLogins());
                       if (blog_truth) {
                         blogs->AddTruth(&rows, [&](const std::string& project) {
                           return CurrentName(*world, project);
                         });
                       }
                       return rows;
                     }());
      return r;
    }
    return served(req);
  };

  std::unique_ptr<FakeServer> server;
  try {
    server = std::make_unique<FakeServer>(top, o.threads, static_cast<unsigned short>(o.port));
  } catch (const std::exception& e) {
    std::cerr << "ghharvest-fakehub: cannot listen: " << e.what() << "\n";
    return 69;
  }
  {
    std::lock_guard lock(base_mu);
    base = server->base_url();
  }
  auto write_outputs = [&] {
    if (!o.truth_file.empty() &&
        !WriteFile(o.truth_file,
                   TruthText(*world, o.blog_feeds ? blogs.get() : nullptr, o.truth_file)))
      std::cerr << "ghharvest-fakehub: cannot write " << o.truth_file << "\n";
    if (!o.counters_file.empty() &&
        !WriteFile(o.counters_file, CountersJson(github, *faults, *blog_faults)))
      std::cerr << "ghharvest-fakehub: cannot write " << o.counters_file << "\n";
  };
  if (!o.config_out.empty() && !WriteFile(o.config_out, ConfigToml(o, *world, *blogs, base))) {
    std::cerr << "ghharvest-fakehub: cannot write " << o.config_out << "\n";
    return 73;
  }
  write_outputs();
  // The port file last: once it exists, everything else is in place.
  if (!o.port_file.empty() && !WriteFile(o.port_file, std::to_string(server->port()) + "\n")) {
    std::cerr << "ghharvest-fakehub: cannot write " << o.port_file << "\n";
    return 73;
  }
  std::cerr << fmt::format(
      "ghharvest-fakehub: serving {} items ({} writers, {} projects, seed {}) on {}\n",
      world->ItemCount(), o.spec.writers, o.spec.projects, o.spec.seed, base);

  auto last = std::chrono::steady_clock::now();
  // SIGUSR1: the world stands still and answers without faults from now on; the truth file
  // is final once this has been logged.
  auto calm_down = [&] {
    calm->store(true);
    o.advance_every = 0;
    write_outputs();
    std::cerr << "ghharvest-fakehub: calm (no faults, no advances)\n";
  };
  for (;;) {
    int sig;
    if (o.advance_every > 0) {
      auto due = last + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                            std::chrono::duration<double>(o.advance_every));
      auto left = due - std::chrono::steady_clock::now();
      if (left > std::chrono::nanoseconds(0)) {
        auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(left).count();
        timespec ts{static_cast<time_t>(ns / 1000000000), static_cast<long>(ns % 1000000000)};
        sig = sigtimedwait(&sigs, nullptr, &ts);
        if (sig < 0 && errno != EAGAIN) continue;  // EINTR
        if (sig == SIGUSR1) {
          calm_down();
          continue;
        }
        if (sig > 0) break;
      }
      last = std::chrono::steady_clock::now();
      AdvanceSpec a;
      // The world clock keeps pace with real time, so the daemon's own clock agrees.
      auto real_now = std::chrono::duration_cast<std::chrono::seconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
      a.seconds = std::max<std::int64_t>(1, real_now - world->Now());
      a.new_items = o.advance_items;
      a.edits = o.advance_items / 5;
      a.new_reactions = o.advance_items / 2;
      a.merges = std::max(1, o.advance_items / 50);
      a.removed_reactions = o.advance_items / 10;
      if (o.advance_all_ages) {
        a.old_reactions = o.advance_items / 4;
        a.old_removed_reactions = o.advance_items / 20;
        a.deleted_issues = 1;
        a.deleted_comments = 2;
        a.deleted_review_comments = 1;
      }
      ++o.advances;
      a.rename_repo = o.advances == o.rename_on;
      a.delete_repo = o.advances == o.delete_on;
      auto r = world->Advance(a);
      if (r.renamed_from)
        std::cerr << "ghharvest-fakehub: renamed " << *r.renamed_from << " to " << *r.renamed_to
                  << "\n";
      if (r.deleted) std::cerr << "ghharvest-fakehub: deleted " << *r.deleted << "\n";
      write_outputs();
      std::cerr << fmt::format(
          "ghharvest-fakehub: advanced: {} items, {} edits, {} reactions, {} taken back, {} "
          "issues, {} comments and {} review comments deleted\n",
          r.items_added, r.edits, r.reactions_added, r.reactions_removed, r.issues_deleted,
          r.comments_deleted, r.review_comments_deleted);
    } else {
      if (sigwait(&sigs, &sig) != 0) continue;
      if (sig != SIGUSR1) break;
      calm_down();
    }
  }
  server.reset();
  write_outputs();
  std::cerr << "ghharvest-fakehub: " << CountersJson(github, *faults, *blog_faults);
  return 0;
}
