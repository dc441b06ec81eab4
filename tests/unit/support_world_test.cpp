// The synthetic GitHub: determinism, its truth on a hand-counted world, and GitHub's
// semantics as served by the handler (paging, since, ETags, rate limits, caps, renames).
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <functional>

#include <doctest/doctest.h>
#include <fmt/format.h>

#include <simdjson.h>
#include "check_ok.hpp"

#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "fake_server.hpp"
#include "files.hpp"
#include "ghharvest/store/database.hpp"
#include "harvest_harness.hpp"
#include "test_paths.hpp"
#include "world/github_handler.hpp"
#include "world/world.hpp"

using namespace ghharvest::testing;

namespace {

HttpRequest Get(const std::string& target, std::map<std::string, std::string> headers = {}) {
  HttpRequest r;
  r.method = "GET";
  r.target = target;
  auto q = target.find('?');
  r.path = target.substr(0, q);
  if (q != std::string::npos) r.query = ParseQueryString(std::string_view(target).substr(q + 1));
  r.headers = std::move(headers);
  return r;
}

std::string Header(const HttpResponse& r, const std::string& name) {
  for (const auto& [k, v] : r.headers)
    if (k == name) return v;
  return "";
}

// The URL of rel="next" in a link header, made relative to the server ("" when none).
std::string NextLink(const HttpResponse& r, const std::string& base, const char* rel = "next") {
  std::string link = Header(r, "link");
  std::string want = std::string("rel=\"") + rel + "\"";
  std::size_t pos = 0;
  while (pos < link.size()) {
    auto open = link.find('<', pos), close = link.find('>', pos);
    if (open == std::string::npos || close == std::string::npos) break;
    std::string url = link.substr(open + 1, close - open - 1);
    auto end = link.find(',', close);
    std::string params =
        link.substr(close, end == std::string::npos ? std::string::npos : end - close);
    if (params.find(want) != std::string::npos) {
      REQUIRE(url.rfind(base, 0) == 0);
      return url.substr(base.size());
    }
    if (end == std::string::npos) break;
    pos = end + 1;
  }
  return "";
}

std::size_t Len(simdjson::dom::element e) {
  simdjson::dom::array a = e;
  return a.size();
}

struct Parsed {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  explicit Parsed(const std::string& body) { doc = parser.parse(body); }
};

// Follows rel="next" from `target`, returning every page's array elements' `key` (int).
std::vector<std::int64_t> CollectIds(const GitHubHandler& h, const std::string& base,
                                     std::string target, const char* key = "id",
                                     int* pages = nullptr) {
  std::vector<std::int64_t> ids;
  int n = 0;
  while (!target.empty()) {
    auto resp = h(Get(target));
    REQUIRE(resp.status == 200);
    Parsed p(resp.body);
    for (auto item : p.doc.get_array()) ids.push_back(int64_t(item[key]));
    target = NextLink(resp, base);
    REQUIRE(++n < 1000);
  }
  if (pages) *pages = n;
  return ids;
}

WorldSpec Small(std::uint64_t seed = 5) {
  WorldSpec s;
  s.seed = seed;
  s.writers = 6;
  s.projects = 10;
  s.items = 4000;
  s.now = 1767225600;
  return s;
}

const std::string kBase = "http://127.0.0.1:1";

// A world small enough to count by hand.
//   repo octo-org/hello_world-2; users alice (config "ALICE"), bob, dependabot[bot] (Bot),
//   ci-helper (type Bot); #1 issue by alice, #2 merged PR by alice, #3 PR by bob, #4 open PR
//   by alice.
WorldModel HandBuilt() {
  WorldModel m;
  m.spec.now = m.now = 1767225600;
  auto user = [&](std::int64_t id, const char* login, const char* type, bool writer,
                  const char* config = nullptr) {
    WorldUser u;
    u.id = id;
    u.login = login;
    u.type = type;
    u.writer = writer;
    u.config_login = config ? config : login;
    m.users.push_back(u);
  };
  user(1, "alice", "User", true, "ALICE");
  user(2, "bob", "User", false);
  user(3, "dependabot[bot]", "Bot", false);
  user(4, "ci-helper", "Bot", false);
  user(5, "Carol-X", "User", true, "carol-x");  // watched, never active
  user(9, "octo-org", "Organization", false);
  WorldRepo r;
  r.id = 100;
  r.owner = "octo-org";
  r.name = "hello_world-2";
  WorldTime t = 1767000000;
  auto commit = [&](const char* sha, std::int64_t author) {
    WorldCommit c;
    c.sha = sha;
    c.author = author;
    c.author_name = "x";
    c.author_email = "x@example";
    c.date = t += 60;
    r.commits.push_back(c);
  };
  commit("a1", 1);
  commit("a2", 1);
  commit("a3", 0);  // no GitHub account: nobody's
  commit("a4", 2);
  auto issue = [&](std::int64_t number, std::int64_t user_id, bool pull, bool merged,
                   std::int64_t reactions) {
    WorldIssue i;
    i.id = 1000 + number;
    i.pr_id = pull ? 2000 + number : 0;
    i.number = number;
    i.user = user_id;
    i.is_pull = pull;
    i.created = i.updated = t += 60;
    if (merged) i.merged = i.closed = t;
    i.reactions.n[0] = reactions;
    r.issues.push_back(i);
  };
  issue(1, 1, false, false, 3);
  issue(2, 1, true, true, 2);
  issue(3, 2, true, false, 7);  // bob's: his reactions are not alice's
  issue(4, 1, true, false, 0);
  std::int64_t cid = 5000;
  auto comment = [&](std::vector<WorldComment>& list, std::int64_t number, std::int64_t user_id,
                     std::int64_t heart) {
    WorldComment c;
    c.id = ++cid;
    c.number = number;
    c.user = user_id;
    c.created = c.updated = t += 60;
    c.reactions.n[5] = heart;
    c.review_id = &list == &r.review_comments ? 7000 : 0;
    list.push_back(c);
  };
  comment(r.issue_comments, 1, 2, 0);   // bob on alice's issue: feedback
  comment(r.issue_comments, 1, 1, 4);   // alice on her own: a comment, not feedback
  comment(r.issue_comments, 1, 3, 0);   // a bot: not feedback
  comment(r.issue_comments, 2, 0, 0);   // a deleted account: feedback
  comment(r.issue_comments, 3, 1, 1);   // alice on bob's PR
  comment(r.review_comments, 2, 2, 0);  // bob reviews alice's PR: feedback
  comment(r.review_comments, 3, 1, 0);  // alice on bob's PR
  comment(r.review_comments, 4, 4, 0);  // type-Bot login without [bot]: not feedback
  auto review = [&](std::int64_t id, std::int64_t number, std::int64_t user_id, const char* state) {
    WorldReview v;
    v.id = id;
    v.number = number;
    v.user = user_id;
    v.state = state;
    v.submitted = std::string(state) == "PENDING" ? 0 : (t += 60);
    r.reviews.push_back(v);
  };
  review(7001, 3, 1, "APPROVED");
  review(7002, 3, 1, "PENDING");
  review(7003, 2, 2, "COMMENTED");
  m.repos.push_back(r);
  WorldRepo quiet;
  quiet.id = 101;
  quiet.owner = "octo-org";
  quiet.name = "lib.core";
  m.repos.push_back(quiet);
  m.next_id = 100000;
  return m;
}

// One GET over a real socket to the loopback server; returns the raw response.
std::string RawGet(unsigned short port, const std::string& target) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  std::string req = "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
  REQUIRE(::send(fd, req.data(), req.size(), 0) == static_cast<ssize_t>(req.size()));
  std::string out;
  char buf[65536];
  ssize_t n;
  while ((n = ::recv(fd, buf, sizeof buf, 0)) > 0) out.append(buf, static_cast<std::size_t>(n));
  ::close(fd);
  return out;
}

}  // namespace

TEST_CASE("the same seed builds the same world and truth, another seed builds another") {
  World a(Small(5)), b(Small(5)), c(Small(6));
  auto logins = a.WriterConfigLogins();
  CHECK(a.TruthCounts(logins) == b.TruthCounts(logins));
  CHECK(a.TruthCounts(logins) != c.TruthCounts(logins));
  GitHubHandler ha(std::make_shared<World>(Small(5)), [] { return kBase; });
  GitHubHandler hb(std::make_shared<World>(Small(5)), [] { return kBase; });
  auto target = "/repos/octo-org/hello_world-2/issues?state=all&per_page=100";
  CHECK(ha(Get(target)).body == hb(Get(target)).body);
  // Advancing both the same way keeps them equal.
  a.Advance();
  b.Advance();
  CHECK(a.TruthCounts(logins) == b.TruthCounts(logins));
}

TEST_CASE("the request floor sums ceil(items/100) over the lists a first harvest must read") {
  World w(HandBuilt());
  auto f = w.Floor();
  CHECK(f.commits == 1);
  CHECK(f.issues == 1);
  CHECK(f.issue_comments == 1);
  CHECK(f.review_comments == 1);
  CHECK(f.pulls == 1);
  CHECK(f.reviews == 2);  // PRs #2 and #3 have reviews
  CHECK(f.total() == 7);
  auto none = w.Floor(std::map<std::string, std::vector<std::string>>{{"ALICE", {}}});
  CHECK(none.total() == 0);
  World big(Small());
  auto fb = big.Floor();
  CHECK(fb.total() > 0);
  CHECK(fb.commits >= 10);  // every (writer, project) pair reads at least one page
}

TEST_CASE("a large repository where a few writers have a small share leaves the rest as it was") {
  WorldSpec plain = Small(7);
  WorldSpec large = plain;
  large.large_repo_items = 5000;
  large.large_repo_writers = 2;
  large.large_repo_writer_share = 0.02;
  World a(plain), b(large);
  const std::string big = "octo-org/monorepo";
  auto logins = a.WriterConfigLogins();
  // Every row of the world without it is there unchanged; the large repository adds rows.
  auto ta = a.TruthCounts(logins), tb = b.TruthCounts(logins);
  std::vector<CountsRow> rest;
  std::set<std::string> big_writers;
  for (const auto& r : tb) {
    if (r.project == big) {
      big_writers.insert(r.writer);
    } else {
      rest.push_back(r);
    }
  }
  CHECK(rest == ta);
  CHECK(big_writers.size() == 2);
  CHECK(b.ItemCount() - a.ItemCount() >= 5000);
  CHECK(b.RepoItems(big) >= 5000);
  CHECK(a.RepoItems(big) == 0);
  auto own = b.OwnItems(big);
  REQUIRE(own.size() == 2);
  std::int64_t mine = 0;
  for (const auto& [login, n] : own) mine += n;
  // About 2 % of its activity, and far below a crawl's share.
  CHECK(mine > 0);
  CHECK(mine < b.RepoItems(big) / 20);
  // A writer there writes nothing in a repository it is not active in.
  CHECK(b.OwnItems("nobody/none").empty());
}

TEST_CASE("with a token configured, other credentials get 401 and cost nothing") {
  auto world = std::make_shared<World>(HandBuilt());
  GitHubHandlerOptions o;
  o.token = "s3cret";
  GitHubHandler h(
      world, [] { return kBase; }, o);
  CHECK(h(Get("/repos/octo-org/hello_world-2")).status == 401);
  CHECK(h(Get("/repos/octo-org/hello_world-2", {{"authorization", "Bearer wrong"}})).status == 401);
  CHECK(h(Get("/repos/octo-org/hello_world-2", {{"authorization", "Bearer s3cret"}})).status ==
        200);
  CHECK(h(Get("/repos/octo-org/hello_world-2", {{"authorization", "token s3cret"}})).status == 200);
  CHECK(h.counters().unauthorized == 2);
  CHECK(h.counters().primary_points() == 2);
  // Refused or not, GitHub dates its answer with its own clock (the world's here).
  const std::string now = WorldTimeHttpDate(world->Now());
  CHECK(Header(h(Get("/repos/octo-org/hello_world-2")), "date") == now);
  CHECK(Header(h(Get("/rate_limit", {{"authorization", "token s3cret"}})), "date") == now);
  HttpRequest query = Get("/graphql", {{"authorization", "token s3cret"}});
  query.method = "POST";
  query.body = R"({"query":"{ viewer { login } }"})";
  CHECK(Header(h(query), "date") == now);
}

TEST_CASE("a default world has the size the harvest tests need") {
  WorldSpec spec;  // 6 writers, 10 projects, 20000 items
  World w(spec);
  CHECK(w.ItemCount() >= 20000);
  auto logins = w.WriterConfigLogins();
  REQUIRE(logins.size() == 6);
  auto rows = w.TruthCounts(logins);
  std::set<std::string> writers, projects;
  for (const auto& r : rows) {
    writers.insert(r.writer);
    projects.insert(r.project);
  }
  CHECK(writers.size() == 6);
  CHECK(projects.size() == 10);
  // Config spellings differ from GitHub's, and names use '.', '_' and '-'.
  CHECK(logins[0] == "Alice-Dev");
  CHECK(writers.count("alice-dev") == 1);
  CHECK(projects.count("octo-org/hello_world-2") == 1);
  CHECK(projects.count("AcmeLabs/lib.core") == 1);
  // Bots, deleted accounts and authorless commits all occur.
  w.Read([](const WorldModel& m) {
    int null_commits = 0, ghost_comments = 0, bot_comments = 0, pending = 0, prs = 0, merged = 0;
    for (const auto& r : m.repos) {
      for (const auto& c : r.commits) null_commits += c.author == 0;
      for (const auto& c : r.issue_comments) {
        ghost_comments += c.user == 0;
        bot_comments += m.User(c.user) && m.User(c.user)->IsBot();
      }
      for (const auto& v : r.reviews) pending += v.state == "PENDING";
      for (const auto& i : r.issues) {
        prs += i.is_pull;
        merged += i.merged.has_value();
      }
    }
    CHECK(null_commits > 0);
    CHECK(ghost_comments > 0);
    CHECK(bot_comments > 0);
    CHECK(pending > 0);
    CHECK(merged > 0);
    CHECK(merged < prs);
    return 0;
  });
}

TEST_CASE("the truth of a hand-built world equals the hand count") {
  World w(HandBuilt());
  auto rows = w.TruthCounts({"ALICE", "carol-x", "nobody-at-all"});
  REQUIRE(rows.size() == 1);  // carol is watched but idle; lib.core has no activity
  const auto& r = rows[0];
  CHECK(r.writer == "alice");  // as GitHub spells it
  CHECK(r.project == "octo-org/hello_world-2");
  CHECK(r.commits == 2);
  CHECK(r.issues_opened == 1);
  CHECK(r.prs_opened == 2);
  CHECK(r.prs_merged == 1);
  CHECK(r.issue_comments == 2);
  CHECK(r.review_comments == 1);
  CHECK(r.reviews == 1);  // the PENDING one does not count
  CHECK(r.reactions_received == 3 + 2 + 4 + 1);
  CHECK(r.feedback_received == 3);  // bob, the deleted account, bob's review comment
  CHECK(r.blog_posts == 0);
  // bob watched too: his PR, his comments on alice's items, alice's comments are his feedback.
  auto both = w.TruthCounts({"alice", "BOB"});
  REQUIRE(both.size() == 2);
  CHECK(both[1].writer == "bob");
  CHECK(both[1].commits == 1);
  CHECK(both[1].prs_opened == 1);
  CHECK(both[1].issue_comments == 1);
  CHECK(both[1].review_comments == 1);
  CHECK(both[1].reviews == 1);
  CHECK(both[1].reactions_received == 7);
  CHECK(both[1].feedback_received == 2);
}

TEST_CASE("the truth can be restricted to the configured repositories, by old names too") {
  World w(HandBuilt());
  TruthOptions none;
  none.repos_per_writer =
      std::map<std::string, std::vector<std::string>>{{"alice", {"octo-org/lib.core"}}};
  CHECK(w.TruthCounts({"alice"}, none).empty());
  AdvanceSpec a;
  a.new_items = a.edits = a.new_reactions = a.merges = 0;
  a.rename_repo = true;
  a.rename_target = "octo-org/hello_world-2";
  auto res = w.Advance(a);
  REQUIRE(res.renamed_to);
  TruthOptions old_name;
  old_name.repos_per_writer =
      std::map<std::string, std::vector<std::string>>{{"Alice", {"OCTO-ORG/hello_world-2"}}};
  auto rows = w.TruthCounts({"alice"}, old_name);
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].project == *res.renamed_to);  // history kept under the new name
  CHECK(rows[0].commits == 2);
}

TEST_CASE("listings page with link headers that reach every item exactly once") {
  auto world = std::make_shared<World>(Small());
  GitHubHandler h(world, [] { return kBase; });
  auto [repo, expected_issues, expected_comments] = world->Read([](const WorldModel& m) {
    return std::make_tuple(m.repos[0].full_name(), m.repos[0].issues.size(),
                           m.repos[0].issue_comments.size());
  });
  int pages = 0;
  auto ids = CollectIds(h, kBase, "/repos/" + repo + "/issues?state=all&per_page=7", "id", &pages);
  CHECK(ids.size() == expected_issues);
  CHECK(std::set<std::int64_t>(ids.begin(), ids.end()).size() == ids.size());
  CHECK(pages == static_cast<int>((expected_issues + 6) / 7));
  // Default order: created, newest first.
  CHECK(std::is_sorted(ids.rbegin(), ids.rend()));
  auto cids = CollectIds(h, kBase, "/repos/" + repo + "/issues/comments?per_page=100");
  CHECK(cids.size() == expected_comments);
  CHECK(std::is_sorted(cids.begin(), cids.end()));  // ascending by default

  auto first = h(Get("/repos/" + repo + "/issues?state=all"));
  Parsed p(first.body);
  CHECK(Len(p.doc) == 30);  // the default page size
  auto big = h(Get("/repos/" + repo + "/issues?state=all&per_page=500"));
  Parsed pb(big.body);
  CHECK(Len(pb.doc) == 100);  // capped
  // Links keep the request's own parameters and base.
  std::string last = NextLink(first, kBase, "last");
  CHECK(last.find("state=all") != std::string::npos);
  CHECK(last.rfind("/repos/" + repo + "/issues?", 0) == 0);
  CHECK(NextLink(first, kBase, "prev").empty());
  auto second = h(Get(NextLink(first, kBase)));
  CHECK(!NextLink(second, kBase, "prev").empty());
  CHECK(!NextLink(second, kBase, "first").empty());
  auto final_page = h(Get(last));
  CHECK(NextLink(final_page, kBase).empty());
}

TEST_CASE("issues mix pull requests in, filtered by creator case-insensitively and by state") {
  auto world = std::make_shared<World>(Small());
  GitHubHandler h(world, [] { return kBase; });
  auto [repo, login, n_all, n_pulls, n_open] = world->Read([](const WorldModel& m) {
    const auto& r = m.repos[1];
    const WorldUser* w = nullptr;
    for (const auto& u : m.users)
      if (u.writer) {
        w = &u;
        break;
      }
    std::size_t all = 0, pulls = 0, open = 0;
    for (const auto& i : r.issues) {
      if (i.user != w->id) continue;
      all++;
      pulls += i.is_pull;
      open += !i.closed;
    }
    return std::make_tuple(r.full_name(), w->login, all, pulls, open);
  });
  REQUIRE(n_all > 0);
  std::string upper = login;
  for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  std::string base = "/repos/" + repo + "/issues?per_page=100&creator=" + upper;
  auto all = h(Get(base + "&state=all"));
  Parsed p(all.body);
  std::size_t pulls = 0, merged_keys = 0;
  for (auto item : p.doc.get_array()) {
    simdjson::dom::element pr;
    if (item["pull_request"].get(pr) == simdjson::SUCCESS) {
      pulls++;
      simdjson::dom::element merged;
      merged_keys += pr["merged_at"].get(merged) == simdjson::SUCCESS;
    }
    CHECK(std::string_view(item["user"]["login"]) == login);
    CHECK(int64_t(item["reactions"]["total_count"]) >= 0);
  }
  CHECK(Len(p.doc) == n_all);
  CHECK(pulls == n_pulls);
  CHECK(merged_keys == n_pulls);  // merged_at is present (maybe null) on every PR
  CHECK(CollectIds(h, kBase, base).size() == n_open);  // state defaults to open
  CHECK(h(Get(base + "&state=bogus")).status == 422);
}

TEST_CASE("since filters issues and comments on updated_at, commits on their date") {
  auto world = std::make_shared<World>(Small());
  GitHubHandler h(world, [] { return kBase; });
  WorldTime since = world->Now() - 40 * 86400;
  auto [repo, n_issues, n_comments, n_review, n_commits, n_commits_until] =
      world->Read([&](const WorldModel& m) {
        const auto& r = m.repos[2];
        std::size_t a = 0, b = 0, c = 0, d = 0, e = 0;
        for (const auto& i : r.issues) a += i.updated >= since;
        for (const auto& x : r.issue_comments) b += x.updated >= since;
        for (const auto& x : r.review_comments) c += x.updated >= since;
        for (const auto& x : r.commits) {
          d += x.date >= since;
          e += x.date >= since && x.date <= since + 10 * 86400;
        }
        return std::make_tuple(r.full_name(), a, b, c, d, e);
      });
  std::string s = WorldTimeIso(since);
  std::string prefix = "/repos/" + repo;
  CHECK(CollectIds(h, kBase, prefix + "/issues?state=all&per_page=100&since=" + s).size() ==
        n_issues);
  CHECK(CollectIds(h, kBase, prefix + "/issues/comments?per_page=100&since=" + s).size() ==
        n_comments);
  CHECK(CollectIds(h, kBase, prefix + "/pulls/comments?per_page=100&since=" + s).size() ==
        n_review);
  auto commits = [&](const std::string& target) {
    std::size_t n = 0;
    std::string t = target;
    while (!t.empty()) {
      auto r = h(Get(t));
      REQUIRE(r.status == 200);
      Parsed p(r.body);
      n += Len(p.doc);
      t = NextLink(r, kBase);
    }
    return n;
  };
  CHECK(commits(prefix + "/commits?per_page=100&since=" + s) == n_commits);
  CHECK(commits(prefix + "/commits?per_page=100&since=" + s +
                "&until=" + WorldTimeIso(since + 10 * 86400)) == n_commits_until);
  CHECK(h(Get(prefix + "/issues?since=yesterday")).status == 422);
  CHECK(n_issues > 0);
  CHECK(n_comments > 0);
}

TEST_CASE("the commits author filter ignores case and never matches an authorless commit") {
  auto world = std::make_shared<World>(HandBuilt());
  GitHubHandler h(world, [] { return kBase; });
  auto r = h(Get("/repos/OCTO-ORG/Hello_World-2/commits?author=ALICE"));
  REQUIRE(r.status == 200);
  Parsed p(r.body);
  std::vector<std::string> shas;
  for (auto c : p.doc.get_array()) shas.emplace_back(std::string_view(c["sha"]));
  CHECK(shas == std::vector<std::string>{"a2", "a1"});  // newest first
  auto all = h(Get("/repos/octo-org/hello_world-2/commits"));
  Parsed pa(all.body);
  int nulls = 0;
  for (auto c : pa.doc.get_array()) nulls += c["author"].is_null();
  CHECK(nulls == 1);
}

TEST_CASE("reviews list PENDING without submitted_at, and pull endpoints 404 on issues") {
  auto world = std::make_shared<World>(HandBuilt());
  GitHubHandler h(world, [] { return kBase; });
  auto r = h(Get("/repos/octo-org/hello_world-2/pulls/3/reviews"));
  REQUIRE(r.status == 200);
  Parsed p(r.body);
  int pending = 0, submitted = 0;
  for (auto v : p.doc.get_array()) {
    simdjson::dom::element s;
    bool has = v["submitted_at"].get(s) == simdjson::SUCCESS;
    if (std::string_view(v["state"]) == "PENDING") {
      pending++;
      CHECK_FALSE(has);
    } else {
      submitted += has;
    }
  }
  CHECK(pending == 1);
  CHECK(submitted == 1);
  CHECK(h(Get("/repos/octo-org/hello_world-2/pulls/1/reviews")).status == 404);
  CHECK(h(Get("/repos/octo-org/hello_world-2/pulls/99/reviews")).status == 404);
  auto pulls = h(Get("/repos/octo-org/hello_world-2/pulls?state=all&sort=updated&direction=desc"));
  Parsed pp(pulls.body);
  CHECK(Len(pp.doc) == 3);
  auto rc = h(Get("/repos/octo-org/hello_world-2/pulls/comments"));
  Parsed prc(rc.body);
  for (auto c : prc.doc.get_array()) {
    CHECK(int64_t(c["pull_request_review_id"]) > 0);
    CHECK(std::string_view(c["pull_request_url"]).find("/pulls/") != std::string_view::npos);
  }
}

TEST_CASE("a matching If-None-Match answers 304 without a body and costs no points") {
  auto world = std::make_shared<World>(Small());
  GitHubHandler h(world, [] { return kBase; });
  std::string target = "/repos/octo-org/hello_world-2/issues?state=all&per_page=100";
  auto first = h(Get(target));
  REQUIRE(first.status == 200);
  std::string etag = Header(first, "etag");
  REQUIRE(etag.size() > 2);
  CHECK(etag.front() == '"');  // strong
  CHECK(Header(first, "x-ratelimit-remaining") == "4999");
  auto again = h(Get(target, {{"if-none-match", etag}}));
  CHECK(again.status == 304);
  CHECK(again.body.empty());
  CHECK(Header(again, "x-ratelimit-remaining") == "4999");
  CHECK(h(Get(target, {{"if-none-match", "W/" + etag}})).status == 304);
  CHECK(h(Get(target, {{"if-none-match", "\"other\""}})).status == 200);
  auto c = h.counters();
  CHECK(c.not_modified == 2);
  CHECK(c.conditional == 3);
  CHECK(c.points["core"] == 2);
  CHECK(c.per_route_304["/repos/{o}/{r}/issues"] == 2);
  // A change in the world changes the tag.
  AdvanceSpec a;
  a.new_items = 2000;
  world->Advance(a);
  auto changed = h(Get(target, {{"if-none-match", etag}}));
  CHECK(changed.status == 200);
  CHECK(Header(changed, "etag") != etag);
}

TEST_CASE("an empty bucket answers 403 with remaining 0, /rate_limit stays free") {
  auto world = std::make_shared<World>(HandBuilt());
  GitHubHandlerOptions o;
  o.core_limit = 3;
  o.search_limit = 1;
  std::int64_t clock = 1000000;
  o.now = [&] { return clock; };
  GitHubHandler h(
      world, [] { return kBase; }, o);
  for (int i = 0; i < 3; ++i) CHECK(h(Get("/repos/octo-org/hello_world-2")).status == 200);
  auto over = h(Get("/repos/octo-org/hello_world-2"));
  CHECK(over.status == 403);
  CHECK(Header(over, "x-ratelimit-remaining") == "0");
  CHECK(Header(over, "x-ratelimit-reset") == std::to_string(1000000 + 3600));
  CHECK(over.body.find("rate limit") != std::string::npos);
  // Search is its own bucket.
  CHECK(h(Get("/search/issues?q=involves:alice")).status == 200);
  auto search_over = h(Get("/search/issues?q=involves:alice"));
  CHECK(search_over.status == 403);
  CHECK(Header(search_over, "x-ratelimit-resource") == "search");
  auto rl = h(Get("/rate_limit"));
  CHECK(rl.status == 200);
  Parsed p(rl.body);
  CHECK(int64_t(p.doc["resources"]["core"]["remaining"]) == 0);
  CHECK(int64_t(p.doc["resources"]["search"]["used"]) == 1);
  CHECK(h.counters().points["core"] == 3);
  CHECK(h.counters().rate_limited == 2);
  clock += 3600;  // the window resets
  CHECK(h(Get("/repos/octo-org/hello_world-2")).status == 200);
}

TEST_CASE("search finds issues by involvement, caps at 1000 results, answers 422 beyond") {
  WorldSpec spec = Small();
  spec.items = 12000;
  auto world = std::make_shared<World>(spec);
  GitHubHandler h(world, [] { return kBase; });
  auto wide = h(Get("/search/issues?q=created:>2020-01-01&per_page=100"));
  REQUIRE(wide.status == 200);
  Parsed p(wide.body);
  std::int64_t total = int64_t(p.doc["total_count"]);
  CHECK(total > 1000);
  CHECK(!bool(p.doc["incomplete_results"]));
  CHECK(Header(wide, "x-ratelimit-resource") == "search");
  std::string last = NextLink(wide, kBase, "last");
  CHECK(last.find("page=10") != std::string::npos);
  CHECK(h(Get("/search/issues?q=created:>2020-01-01&per_page=100&page=11")).status == 422);
  // involves: = author or commenter; every item names its repository.
  auto [login, expected] = world->Read([](const WorldModel& m) {
    const WorldUser* w = &m.users[0];
    std::size_t n = 0;
    for (const auto& r : m.repos) {
      std::set<std::int64_t> touched;
      for (const auto& c : r.issue_comments)
        if (c.user == w->id) touched.insert(c.number);
      for (const auto& c : r.review_comments)
        if (c.user == w->id) touched.insert(c.number);
      for (const auto& i : r.issues)
        if (i.user == w->id || touched.count(i.number)) n++;
    }
    return std::make_pair(w->login, n);
  });
  auto inv = h(Get("/search/issues?q=involves:" + login + "&per_page=100"));
  Parsed pi(inv.body);
  CHECK(std::size_t(int64_t(pi.doc["total_count"])) == expected);
  for (auto item : pi.doc["items"].get_array())
    CHECK(std::string_view(item["repository_url"]).find("/repos/") != std::string_view::npos);
  auto author = h(Get("/search/issues?q=author:" + login + "+is:issue&per_page=5"));
  Parsed pa(author.body);
  for (auto item : pa.doc["items"].get_array()) {
    CHECK(std::string_view(item["user"]["login"]) == login);
    simdjson::dom::element pr;
    CHECK(item["pull_request"].get(pr) != simdjson::SUCCESS);
  }
  CHECK(h(Get("/search/issues")).status == 422);
}

TEST_CASE("a user's events keep at most 300 of the last 30 days, with a poll interval") {
  WorldSpec spec = Small();
  spec.items = 20000;
  spec.history_days = 60;
  auto world = std::make_shared<World>(spec);
  GitHubHandler h(world, [] { return kBase; });
  std::string login = world->Read([](const WorldModel& m) { return m.users[0].login; });
  std::string target = "/users/" + login + "/events/public?per_page=100";
  auto first = h(Get(target));
  REQUIRE(first.status == 200);
  CHECK(Header(first, "x-poll-interval") == "60");
  CHECK(!Header(first, "etag").empty());
  std::size_t n = 0;
  std::string t = target;
  WorldTime oldest = world->Now();
  while (!t.empty()) {
    auto r = h(Get(t));
    REQUIRE(r.status == 200);
    Parsed p(r.body);
    for (auto e : p.doc.get_array()) {
      n++;
      WorldTime at;
      REQUIRE(ParseWorldTime(std::string(std::string_view(e["created_at"])), &at));
      oldest = std::min(oldest, at);
      CHECK(std::string_view(e["actor"]["login"]) == login);
    }
    t = NextLink(r, kBase);
  }
  CHECK(n == 300);  // this writer did more than 300 things in 30 days
  CHECK(oldest >= world->Now() - 30 * 86400);
  CHECK(h(Get(target + "&page=4")).status == 422);
  CHECK(h(Get("/users/no-such-user/events/public")).status == 404);
}

TEST_CASE("advancing adds activity, bumps updated_at, and adds reactions without bumping it") {
  auto world = std::make_shared<World>(Small());
  auto logins = world->WriterConfigLogins();
  auto before = world->TruthCounts(logins);
  auto snapshot = world->Read([](const WorldModel& m) { return m.repos; });
  WorldTime t0 = world->Now();
  AdvanceSpec a;
  a.seconds = 7200;
  a.new_items = 400;
  a.new_reactions = 300;
  auto res = world->Advance(a);
  CHECK(world->Now() == t0 + 7200);
  CHECK(res.items_added > 0);
  CHECK(res.reactions_added > 0);
  CHECK(res.edits > 0);
  CHECK(world->TruthCounts(logins) != before);
  int silent_reactions = 0, bumped = 0;
  world->Read([&](const WorldModel& m) {
    for (std::size_t r = 0; r < m.repos.size(); ++r) {
      const auto& old = snapshot[r].issues;
      for (std::size_t i = 0; i < old.size(); ++i) {
        const auto& now = m.repos[r].issues[i];
        if (now.reactions.total() > old[i].reactions.total() && now.updated == old[i].updated)
          silent_reactions++;
        if (now.updated > old[i].updated) {
          bumped++;
          CHECK(now.updated > t0);
        }
      }
      for (std::size_t i = old.size(); i < m.repos[r].issues.size(); ++i)
        CHECK(m.repos[r].issues[i].created > t0);
    }
    return 0;
  });
  CHECK(silent_reactions > 0);
  CHECK(bumped > 0);
}

TEST_CASE("taking reactions back shrinks rollups without touching updated_at") {
  auto world = std::make_shared<World>(Small());
  auto sum = [&] {
    return world->Read([](const WorldModel& m) {
      std::int64_t total = 0, stamp = 0;
      for (const auto& r : m.repos) {
        for (const auto& i : r.issues) total += i.reactions.total(), stamp += i.updated;
        for (const auto& c : r.issue_comments) total += c.reactions.total(), stamp += c.updated;
        for (const auto& c : r.review_comments) total += c.reactions.total(), stamp += c.updated;
      }
      return std::make_pair(total, stamp);
    });
  };
  auto before = sum();
  AdvanceSpec a;
  a.new_items = a.edits = a.new_reactions = a.merges = 0;
  a.removed_reactions = 50;
  auto res = world->Advance(a);
  CHECK(res.reactions_removed > 0);
  auto after = sum();
  CHECK(after.first == before.first - res.reactions_removed);
  CHECK(after.second == before.second);
}

// Old items: created long before the advance, far outside any "recent" window.
TEST_CASE("a reaction on an item of any age changes its page and ETag but not updated_at") {
  auto world = std::make_shared<World>(Small());
  GitHubHandler h(world, [] { return kBase; });
  // The oldest page of a created-ascending list: its items are hundreds of days old.
  std::string target =
      "/repos/octo-org/hello_world-2/issues?state=all&sort=created&direction=asc&per_page=100";
  auto first = h(Get(target));
  REQUIRE(first.status == 200);
  std::string etag = Header(first, "etag");
  auto snapshot =
      world->Read([](const WorldModel& m) { return *m.Repo("octo-org/hello_world-2"); });
  AdvanceSpec a;
  a.new_items = a.edits = a.new_reactions = a.removed_reactions = a.merges = 0;
  a.old_reactions = 400;
  auto res = world->Advance(a);
  CHECK(res.reactions_added == 400);
  int old_reacted = 0, first_page_changed = 0;
  world->Read([&](const WorldModel& m) {
    const WorldRepo* r = m.Repo("octo-org/hello_world-2");
    // Only items far outside any "recent" window: they too get reactions.
    for (std::size_t i = 0; i < snapshot.issues.size(); ++i) {
      const auto& now = r->issues[i];
      const auto& was = snapshot.issues[i];
      CHECK(now.updated == was.updated);
      bool changed =
          now.reactions.total() != was.reactions.total() || now.reactions.n != was.reactions.n;
      if (m.now - now.created > 60 * 86400 && changed) ++old_reacted;
      if (i < 100 && changed) ++first_page_changed;
    }
    return 0;
  });
  REQUIRE(old_reacted > 0);
  // The page that lists a reacted item changed (its body, so its ETag); updated_at did not.
  REQUIRE(first_page_changed > 0);
  auto again = h(Get(target, {{"if-none-match", etag}}));
  CHECK(again.status == 200);
  CHECK(Header(again, "etag") != etag);
  auto unchanged = h(Get(target, {{"if-none-match", Header(again, "etag")}}));
  CHECK(unchanged.status == 304);
}

TEST_CASE("deleted issues and comments vanish from lists and the truth, their URLs answer 404") {
  auto world = std::make_shared<World>(Small());
  GitHubHandler h(world, [] { return kBase; });
  auto logins = world->WriterConfigLogins();
  auto truth_before = world->TruthCounts(logins);
  std::string issues =
      "/repos/octo-org/hello_world-2/issues?state=all&sort=created&direction=asc&per_page=100";
  std::string comments =
      "/repos/octo-org/hello_world-2/issues/comments?sort=created&direction=asc&per_page=100";
  std::string review_comments =
      "/repos/octo-org/hello_world-2/pulls/comments?sort=created&direction=asc&per_page=100";
  auto issues_before = CollectIds(h, kBase, issues, "number");
  auto comments_before = CollectIds(h, kBase, comments);
  auto reviews_before = CollectIds(h, kBase, review_comments);
  AdvanceSpec a;
  a.new_items = a.edits = a.new_reactions = a.removed_reactions = a.merges = 0;
  a.deleted_issues = 60;
  a.deleted_comments = 100;
  a.deleted_review_comments = 60;
  auto res = world->Advance(a);
  CHECK(res.issues_deleted == 60);
  CHECK(res.comments_deleted == 100);
  CHECK(res.review_comments_deleted == 60);
  CHECK(world->TruthCounts(logins) != truth_before);
  std::set<std::int64_t> gone_issues, gone_comments, gone_reviews;
  int comment_count_on_live = 0;
  world->Read([&](const WorldModel& m) {
    const WorldRepo* r = m.Repo("octo-org/hello_world-2");
    for (const auto& i : r->issues) {
      if (i.deleted) {
        CHECK_FALSE(i.is_pull);  // GitHub cannot delete pull requests
        gone_issues.insert(i.number);
      }
    }
    for (const auto& c : r->issue_comments) {
      if (c.deleted) gone_comments.insert(c.id);
      // A deleted issue takes its comments along.
      if (r->issues[static_cast<std::size_t>(c.number - 1)].deleted) CHECK(c.deleted);
    }
    for (const auto& c : r->review_comments)
      if (c.deleted) gone_reviews.insert(c.id);
    for (const auto& i : r->issues) {
      int live = 0;
      for (const auto& c : r->issue_comments) live += c.number == i.number && !c.deleted;
      if (!i.deleted && i.comments == live) comment_count_on_live++;
      if (!i.deleted) CHECK(i.comments == live);
    }
    return 0;
  });
  auto issues_after = CollectIds(h, kBase, issues, "number");
  auto comments_after = CollectIds(h, kBase, comments);
  auto reviews_after = CollectIds(h, kBase, review_comments);
  CHECK(issues_after.size() == issues_before.size() - gone_issues.size());
  CHECK(comments_after.size() == comments_before.size() - gone_comments.size());
  CHECK(reviews_after.size() == reviews_before.size() - gone_reviews.size());
  for (auto n : issues_after) CHECK(gone_issues.count(n) == 0);
  for (auto id : comments_after) CHECK(gone_comments.count(id) == 0);
  for (auto id : reviews_after) CHECK(gone_reviews.count(id) == 0);
  if (!gone_issues.empty()) {
    auto n = *gone_issues.begin();
    CHECK(h(Get(fmt::format("/repos/octo-org/hello_world-2/issues/{}", n))).status == 404);
    CHECK(h(Get(fmt::format("/repos/octo-org/hello_world-2/issues/{}/comments", n))).status == 404);
  }
  if (!gone_comments.empty()) {
    CHECK(h(Get(fmt::format("/repos/octo-org/hello_world-2/issues/comments/{}",
                            *gone_comments.begin())))
              .status == 404);
  }
  if (!gone_reviews.empty()) {
    CHECK(h(Get(fmt::format("/repos/octo-org/hello_world-2/pulls/comments/{}",
                            *gone_reviews.begin())))
              .status == 404);
  }
  CHECK(h(Get(fmt::format("/repos/octo-org/hello_world-2/issues/comments/{}", comments_after[0])))
            .status == 200);
  CHECK(h(Get(fmt::format("/repos/octo-org/hello_world-2/pulls/comments/{}", reviews_after[0])))
            .status == 200);
  CHECK(comment_count_on_live > 0);
}

TEST_CASE("a week of activity edits, reacts on old items and deletes, and the truth follows") {
  auto world = std::make_shared<World>(Small());
  auto logins = world->WriterConfigLogins();
  auto before = world->TruthCounts(logins);
  WorldTime t0 = world->Now();
  auto res = world->Advance(WeekOfActivity(world->ItemCount()));
  CHECK(world->Now() == t0 + 7 * 86400);
  CHECK(res.items_added > 0);
  CHECK(res.edits > 0);
  CHECK(res.reactions_added > 0);
  CHECK(res.reactions_removed > 0);
  CHECK(res.issues_deleted > 0);
  CHECK(res.comments_deleted > 0);
  CHECK(world->TruthCounts(logins) != before);
}

TEST_CASE("lists sorted by creation ascending keep their old pages as the repository grows") {
  auto world = std::make_shared<World>(Small());
  GitHubHandler h(world, [] { return kBase; });
  std::string first_page =
      "/repos/octo-org/hello_world-2/issues/comments?sort=created&direction=asc&per_page=30";
  auto before = h(Get(first_page));
  REQUIRE(before.status == 200);
  AdvanceSpec a;
  a.edits = a.new_reactions = a.removed_reactions = a.merges = 0;
  a.new_items = 500;
  world->Advance(a);
  // New comments land on the last page; the first one is byte for byte the same: a 304.
  CHECK(h(Get(first_page, {{"if-none-match", Header(before, "etag")}})).status == 304);
  // Descending by creation, the first page is where they land.
  std::string newest =
      "/repos/octo-org/hello_world-2/issues/comments?sort=created&direction=desc&per_page=30";
  auto ids = CollectIds(h, kBase, newest);
  REQUIRE(ids.size() > 1);
  CHECK(ids.front() > ids.back());
}

TEST_CASE("a coarse time quantum makes many items share a timestamp") {
  WorldSpec spec = Small();
  spec.time_quantum = 7 * 86400;
  World w(spec);
  w.Read([&](const WorldModel& m) {
    std::set<WorldTime> created;
    std::size_t n = 0, aligned = 0;
    for (const auto& r : m.repos)
      for (const auto& i : r.issues) {
        created.insert(i.created);
        n++;
        aligned += i.created % spec.time_quantum == 0;
        CHECK(i.updated >= i.created);
      }
    CHECK(created.size() * 4 < n);
    CHECK(aligned == n);
    return 0;
  });
  CHECK(!w.TruthCounts(w.WriterConfigLogins()).empty());
}

TEST_CASE("a renamed repository answers 301 to its id URL, a deleted one answers 404") {
  auto world = std::make_shared<World>(Small());
  GitHubHandler h(world, [] { return kBase; });
  auto logins = world->WriterConfigLogins();
  AdvanceSpec a;
  a.new_items = 0;
  a.rename_repo = true;
  a.delete_repo = true;
  a.rename_target = "octo-org/hello_world-2";
  a.delete_target = "AcmeLabs/lib.core";
  auto before = world->TruthCounts(logins);
  auto res = world->Advance(a);
  REQUIRE(res.renamed_from);
  REQUIRE(res.deleted);
  CHECK(*res.deleted == "AcmeLabs/lib.core");
  auto moved = h(Get("/repos/octo-org/hello_world-2/issues?state=all&per_page=5"));
  CHECK(moved.status == 301);
  std::string location = Header(moved, "location");
  REQUIRE(location.rfind(kBase + "/repositories/", 0) == 0);
  CHECK(location.find("/issues?state=all&per_page=5") != std::string::npos);
  auto there = h(Get(location.substr(kBase.size())));
  CHECK(there.status == 200);
  CHECK(NextLink(there, kBase).rfind("/repositories/", 0) == 0);
  auto repo = h(Get("/repos/" + *res.renamed_to));
  REQUIRE(repo.status == 200);
  Parsed p(repo.body);
  CHECK(std::string_view(p.doc["full_name"]) == *res.renamed_to);
  CHECK(h(Get("/repos/AcmeLabs/lib.core")).status == 404);
  CHECK(h(Get("/repos/AcmeLabs/lib.core/commits")).status == 404);
  Parsed nf(h(Get("/repos/AcmeLabs/lib.core")).body);
  CHECK(std::string_view(nf.doc["message"]) == "Not Found");
  CHECK(h.counters().redirects == 1);
  // The deleted project's rows stay in the truth (a harvester keeps them), or can be dropped.
  auto kept = world->TruthCounts(logins);
  TruthOptions live;
  live.include_deleted = false;
  auto dropped = world->TruthCounts(logins, live);
  auto has = [](const std::vector<CountsRow>& rows, const std::string& project) {
    for (const auto& r : rows)
      if (r.project == project) return true;
    return false;
  };
  CHECK(has(kept, "AcmeLabs/lib.core"));
  CHECK_FALSE(has(dropped, "AcmeLabs/lib.core"));
  CHECK(has(kept, *res.renamed_to));
  CHECK_FALSE(has(kept, "octo-org/hello_world-2"));
}

TEST_CASE("a repository's counters move with its issues, so a merge changes its ETag") {
  auto world = std::make_shared<World>(Small());
  GitHubHandler h(world, [] { return kBase; });
  struct Seen {
    std::string etag, pushed_at;
    std::int64_t open = 0;
  };
  auto look = [&](const std::string& full) {
    auto resp = h(Get("/repos/" + full));
    REQUIRE(resp.status == 200);
    Parsed p(resp.body);
    Seen seen{Header(resp, "etag"), std::string(std::string_view(p.doc["pushed_at"])),
              int64_t(p.doc["open_issues_count"])};
    // GitHub's repository carries the counters beside pushed_at (and open_issues as an alias).
    CHECK(int64_t(p.doc["open_issues"]) == seen.open);
    CHECK(int64_t(p.doc["stargazers_count"]) >= 0);
    CHECK(int64_t(p.doc["forks_count"]) >= 0);
    CHECK(int64_t(p.doc["size"]) >= 0);
    return seen;
  };
  std::map<std::string, std::int64_t> open_in_model = world->Read([](const WorldModel& m) {
    std::map<std::string, std::int64_t> open;
    for (const auto& r : m.repos)
      for (const auto& i : r.issues) open[r.full_name()] += !i.deleted && !i.closed;
    return open;
  });
  std::map<std::string, Seen> before;
  for (const auto& [full, open] : open_in_model) {
    before[full] = look(full);
    CHECK(before[full].open == open);
  }
  AdvanceSpec a;
  a.new_items = a.edits = a.new_reactions = a.removed_reactions = 0;
  a.merges = 3;
  world->Advance(a);
  int moved = 0;
  for (const auto& [full, was] : before) {
    auto now = look(full);
    CHECK(now.pushed_at == was.pushed_at);  // a merge here pushes nothing
    if (now.open == was.open) {
      CHECK(now.etag == was.etag);
      CHECK(h(Get("/repos/" + full, {{"if-none-match", was.etag}})).status == 304);
      continue;
    }
    CHECK(now.open < was.open);
    CHECK(now.etag != was.etag);
    CHECK(h(Get("/repos/" + full, {{"if-none-match", was.etag}})).status == 200);
    ++moved;
  }
  CHECK(moved >= 1);
}

TEST_CASE("compare lists what was pushed after the base in push order, paged, files on page 1") {
  auto world = std::make_shared<World>(Small());
  GitHubHandler h(world, [] { return kBase; });
  std::string repo, login, base;
  world->Read([&](const WorldModel& m) {
    repo = m.repos.front().full_name();
    base = m.repos.front().commits.back().sha;
    for (const auto& u : m.users)
      if (u.writer) login = u.login;
  });
  REQUIRE(world->PushCommits(repo, login, 150, 1000));  // dated long ago: pushed late
  auto first = h(Get("/repos/" + repo + "/compare/" + base + "...main?per_page=100"));
  REQUIRE(first.status == 200);
  Parsed p1(first.body);
  CHECK(std::string_view(p1.doc["status"]) == "ahead");
  CHECK(int64_t(p1.doc["ahead_by"]) == 150);
  CHECK(std::string_view(p1.doc["base_commit"]["sha"]) == base);
  CHECK(Len(p1.doc["commits"]) == 100);
  CHECK(Len(p1.doc["files"]) == 0);
  const std::string next = NextLink(first, kBase);
  REQUIRE_FALSE(next.empty());
  auto second = h(Get(next));
  REQUIRE(second.status == 200);
  Parsed p2(second.body);
  CHECK(Len(p2.doc["commits"]) == 50);
  CHECK(p2.doc["files"].error() == simdjson::NO_SUCH_FIELD);  // the first page only
  CHECK(NextLink(second, kBase).empty());
  // Without paging parameters: up to 250 commits, no links. An unknown base is 404.
  auto whole = h(Get("/repos/" + repo + "/compare/" + base + "...main"));
  CHECK(Len(Parsed(whole.body).doc["commits"]) == 150);
  CHECK(Header(whole, "link").empty());
  CHECK(h(Get("/repos/" + repo + "/compare/" + std::string(40, 'e') + "...main")).status == 404);
}

namespace {

// What the force-push tests need of the small world's first repository: its names, its
// branch's length and head, the commit 3 before the head, and a watched writer.
struct FirstRepo {
  std::string repo, owner, login, head, fourth_last;
  std::size_t length = 0;
};
FirstRepo FirstRepoOf(World& world) {
  FirstRepo out;
  world.Read([&](const WorldModel& m) {
    const auto& r = m.repos.front();
    out.repo = r.full_name();
    out.owner = r.owner;
    out.length = r.commits.size();
    out.head = r.commits.back().sha;
    if (out.length >= 4) out.fourth_last = r.commits[out.length - 4].sha;
    for (const auto& u : m.users)
      if (u.writer) out.login = u.login;
  });
  REQUIRE(out.length >= 4);
  return out;
}

}  // namespace

TEST_CASE("after a force-push a comparison from a commit taken off the branch is diverged") {
  auto world = std::make_shared<World>(Small());
  GitHubHandler h(world, [] { return kBase; });
  const FirstRepo first = FirstRepoOf(*world);
  const std::string &repo = first.repo, &login = first.login, &old_head = first.head,
                    &fork = first.fourth_last;
  const std::size_t before = first.length;
  // The last 3 commits rewritten as 2 new ones.
  REQUIRE(world->ForcePush(repo, before - 3, login, 2));
  CHECK_FALSE(world->ForcePush(repo, before + 10, login, 1));
  auto diverged = h(Get("/repos/" + repo + "/compare/" + old_head + "...main?per_page=100"));
  REQUIRE(diverged.status == 200);
  Parsed p(diverged.body);
  CHECK(std::string_view(p.doc["status"]) == "diverged");
  CHECK(int64_t(p.doc["ahead_by"]) == 2);
  CHECK(int64_t(p.doc["behind_by"]) == 3);
  CHECK(std::string_view(p.doc["base_commit"]["sha"]) == old_head);
  CHECK(std::string_view(p.doc["merge_base_commit"]["sha"]) == fork);
  CHECK(Len(p.doc["commits"]) == 2);
  // The branch reset without new commits: behind.
  std::string head;
  world->Read([&](const WorldModel& m) { head = m.repos.front().commits.back().sha; });
  REQUIRE(world->ForcePush(repo, before - 3, login, 0));
  auto behind = h(Get("/repos/" + repo + "/compare/" + head + "...main?per_page=100"));
  REQUIRE(behind.status == 200);
  Parsed b(behind.body);
  CHECK(std::string_view(b.doc["status"]) == "behind");
  CHECK(int64_t(b.doc["ahead_by"]) == 0);
  CHECK(int64_t(b.doc["behind_by"]) == 2);
  auto listed = h(Get("/repos/" + repo + "/commits?per_page=100"));
  CHECK(Len(Parsed(listed.body).doc) ==
        static_cast<std::int64_t>(std::min<std::size_t>(before - 3, 100)));
  // A deeper force-push: the first orphans now fork further back.
  REQUIRE(world->ForcePush(repo, before - 5, login, 1));
  auto deeper = h(Get("/repos/" + repo + "/compare/" + old_head + "...main?per_page=100"));
  REQUIRE(deeper.status == 200);
  Parsed d(deeper.body);
  CHECK(std::string_view(d.doc["status"]) == "diverged");
  CHECK(int64_t(d.doc["ahead_by"]) == 1);
  CHECK(int64_t(d.doc["behind_by"]) == 5);
  // A history with nothing in common: 404, as GitHub answers.
  REQUIRE(world->ForcePush(repo, 0, login, 1));
  CHECK(h(Get("/repos/" + repo + "/compare/" + fork + "...main")).status == 404);
}

TEST_CASE("a commit a force-push took off the branch can still be compared to and listed from") {
  auto world = std::make_shared<World>(Small());
  GitHubHandler h(world, [] { return kBase; });
  const FirstRepo first = FirstRepoOf(*world);
  const std::string &repo = first.repo, &owner = first.owner, &login = first.login,
                    &old_head = first.head, &base = first.fourth_last;
  const std::size_t before = first.length;
  REQUIRE(world->ForcePush(repo, before - 3, login, 2));
  // From a commit still on the branch to the old head: the 3 taken off, oldest first.
  auto to_orphan =
      h(Get("/repos/" + repo + "/compare/" + base + "..." + old_head + "?per_page=100"));
  REQUIRE(to_orphan.status == 200);
  Parsed p(to_orphan.body);
  CHECK(std::string_view(p.doc["status"]) == "ahead");
  CHECK(int64_t(p.doc["ahead_by"]) == 3);
  CHECK(Len(p.doc["commits"]) == 3);
  CHECK(std::string_view(p.doc.at_pointer("/commits/2/sha")) == old_head);
  // permalink_url names both sides by sha, as GitHub's does.
  CHECK(std::string(std::string_view(p.doc["permalink_url"]))
            .find("/compare/" + owner + ":" + base + "..." + owner + ":" + old_head) !=
        std::string::npos);
  auto to_branch = h(Get("/repos/" + repo + "/compare/" + base + "...main?per_page=100"));
  REQUIRE(to_branch.status == 200);
  Parsed b(to_branch.body);
  std::string head;
  world->Read([&](const WorldModel& m) { head = m.repos.front().commits.back().sha; });
  CHECK(std::string(std::string_view(b.doc["permalink_url"])).find("..." + owner + ":" + head) !=
        std::string::npos);
  // The commits list from the old head: its own history, the old head first.
  auto listed = h(Get("/repos/" + repo + "/commits?sha=" + old_head + "&per_page=5"));
  REQUIRE(listed.status == 200);
  Parsed l(listed.body);
  CHECK(std::string_view(l.doc.at_pointer("/0/sha")) == old_head);
  CHECK(std::string_view(l.doc.at_pointer("/3/sha")) == base);
  CHECK(h(Get("/repos/" + repo + "/commits?sha=" + std::string(40, 'e'))).status == 404);
  // Listed from the head back, whatever the dates: a commit dated long ago is still first.
  REQUIRE(world->PushCommits(repo, login, 1, WorldTime{86400}));
  world->Read([&](const WorldModel& m) { head = m.repos.front().commits.back().sha; });
  auto dated = h(Get("/repos/" + repo + "/commits?per_page=5"));
  REQUIRE(dated.status == 200);
  CHECK(std::string_view(Parsed(dated.body).doc.at_pointer("/0/sha")) == head);
}

TEST_CASE("a branch reset to an older commit and pushed back to its old head") {
  auto world = std::make_shared<World>(Small());
  GitHubHandler h(world, [] { return kBase; });
  const FirstRepo first = FirstRepoOf(*world);
  const std::string &repo = first.repo, &old_head = first.head, &base = first.fourth_last;
  const std::size_t before = first.length;
  CHECK_FALSE(world->ResetBranch(repo, std::string(40, 'e')));
  CHECK_FALSE(world->ResetBranch("nobody/nothing", base));
  // Reset: the 3 after `base` are taken off; compared from the old head, the branch is behind.
  REQUIRE(world->ResetBranch(repo, base));
  world->Read([&](const WorldModel& m) {
    const auto& r = m.repos.front();
    CHECK(r.commits.size() == before - 3);
    CHECK(r.commits.back().sha == base);
    CHECK(r.orphans.size() == 3);
  });
  auto behind = h(Get("/repos/" + repo + "/compare/" + old_head + "...main?per_page=100"));
  REQUIRE(behind.status == 200);
  CHECK(std::string_view(Parsed(behind.body).doc["status"]) == "behind");
  // Pushed back: the same history as before, nothing left off it.
  REQUIRE(world->ResetBranch(repo, old_head));
  world->Read([&](const WorldModel& m) {
    const auto& r = m.repos.front();
    CHECK(r.commits.size() == before);
    CHECK(r.commits.back().sha == old_head);
    CHECK(r.orphans.empty());
  });
  auto ahead = h(Get("/repos/" + repo + "/compare/" + base + "...main?per_page=100"));
  REQUIRE(ahead.status == 200);
  Parsed p(ahead.body);
  CHECK(std::string_view(p.doc["status"]) == "ahead");
  CHECK(int64_t(p.doc["ahead_by"]) == 3);
}

TEST_CASE("a repository nothing was pushed to answers its commits with 409, compare with 404") {
  auto world = std::make_shared<World>(Small());
  GitHubHandler h(world, [] { return kBase; });
  std::string repo, login, base;
  world->Write([&](WorldModel& m) {
    repo = m.repos.front().full_name();
    base = m.repos.front().commits.back().sha;
    m.repos.front().commits.clear();
    for (const auto& u : m.users)
      if (u.writer) login = u.login;
  });
  auto empty = h(Get("/repos/" + repo + "/commits?per_page=100"));
  CHECK(empty.status == 409);
  CHECK(std::string_view(Parsed(empty.body).doc["message"]) == "Git Repository is empty.");
  CHECK(Header(empty, "etag").empty());  // nothing to revalidate: each ask costs a point
  CHECK(h(Get("/repos/" + repo + "/compare/" + base + "...main")).status == 404);
  REQUIRE(world->PushCommits(repo, login, 2));
  auto pushed = h(Get("/repos/" + repo + "/commits?per_page=100"));
  CHECK(pushed.status == 200);
  CHECK(Len(Parsed(pushed.body).doc) == 2);
}

TEST_CASE("users, their repositories and unknown paths") {
  auto world = std::make_shared<World>(Small());
  GitHubHandler h(world, [] { return kBase; });
  auto u = h(Get("/users/ALICE-DEV"));
  REQUIRE(u.status == 200);
  Parsed p(u.body);
  CHECK(std::string_view(p.doc["login"]) == "alice-dev");
  CHECK(std::string_view(p.doc["type"]) == "User");
  auto bot = h(Get("/users/dependabot%5Bbot%5D"));
  REQUIRE(bot.status == 200);
  Parsed pb(bot.body);
  CHECK(std::string_view(pb.doc["type"]) == "Bot");
  auto repos = h(Get("/users/alice-dev/repos"));
  REQUIRE(repos.status == 200);
  Parsed pr(repos.body);
  CHECK(Len(pr.doc) >= 1);
  for (auto r : pr.doc.get_array()) CHECK(std::string_view(r["owner"]["login"]) == "alice-dev");
  CHECK(h(Get("/nope")).status == 404);
  CHECK(h(Get("/repos/octo-org/nope")).status == 404);
  CHECK(h(Get("/repos/octo-org/hello_world-2/issues/999999")).status == 404);
}

TEST_CASE("faults hit about the given share of attempts, cost no points, and retries succeed") {
  auto world = std::make_shared<World>(HandBuilt());
  GitHubHandler h(world, [] { return kBase; });
  Handler faulty = WithFaults(h, 0.2, 42);
  Handler same = WithFaults(GitHubHandler(world, [] { return kBase; }), 0.2, 42);
  int faults = 0, ok = 0, mismatched = 0;
  std::set<int> kinds;
  for (int i = 0; i < 500; ++i) {
    std::string target =
        "/repos/octo-org/hello_world-2/issues?state=all&page=" + std::to_string(i % 50 + 1);
    auto r = faulty(Get(target));
    auto r2 = same(Get(target));
    mismatched += r.status != r2.status || r.reset_connection != r2.reset_connection;
    bool fault = r.status != 200 || r.reset_connection || r.truncate_at || r.close_mid_body;
    if (fault) {
      faults++;
      kinds.insert(r.reset_connection ? 1 : r.truncate_at ? 2 : r.close_mid_body ? 3 : r.status);
      if (r.status == 403) CHECK(Header(r, "retry-after") == "1");
    } else {
      ok++;
    }
  }
  CHECK(mismatched == 0);  // the same seed faults the same attempts
  CHECK(faults > 60);
  CHECK(faults < 140);
  CHECK(kinds.size() == 6);  // 500, 502, 403, reset, truncated, closed mid-body
  CHECK(h.counters().points["core"] == ok);
  // Each target was asked 10 times: at 20 %, every one succeeded at least once.
  int retried_ok = 0;
  for (int page = 1; page <= 50; ++page) {
    std::string target =
        "/repos/octo-org/hello_world-2/issues?state=all&page=" + std::to_string(page);
    for (int attempt = 0; attempt < 10; ++attempt) {
      auto r = faulty(Get(target));
      if (r.status == 200 && !r.reset_connection && !r.truncate_at && !r.close_mid_body) {
        retried_ok++;
        break;
      }
    }
  }
  CHECK(retried_ok == 50);
  CHECK(WithFaults(h, 0.99, 1)(Get("/rate_limit")).status == 200);
}

TEST_CASE("the handler serves a world over the loopback server") {
  auto world = std::make_shared<World>(HandBuilt());
  std::string base;
  GitHubHandler h(world, [&base] { return base; });
  FakeServer server(h, 2);
  base = server.base_url();
  std::string raw =
      RawGet(server.port(), "/repos/octo-org/hello_world-2/issues?state=all&per_page=2");
  CHECK(raw.rfind("HTTP/1.1 200", 0) == 0);
  CHECK(raw.find("rel=\"next\"") != std::string::npos);
  CHECK(raw.find(base + "/repos/octo-org/hello_world-2/issues?state=all&per_page=2&page=2") !=
        std::string::npos);
  CHECK(raw.find("\"number\":4") != std::string::npos);
  CHECK(h.counters().ok == 1);
}

TEST_CASE("ghharvest-fakehub serves a world and writes its port, config and truth") {
  // Built beside this test (tests/CMakeLists.txt builds it from tests/support/fakehub_main.cpp).
  char self[4096];
  ssize_t len = ::readlink("/proc/self/exe", self, sizeof self - 1);
  REQUIRE(len > 0);
  std::string dir(self, static_cast<std::size_t>(len));
  dir = dir.substr(0, dir.rfind('/'));
  std::string exe = dir + "/ghharvest-fakehub";
  INFO("built beside the tests: ", exe);
  REQUIRE(::access(exe.c_str(), X_OK) == 0);
  TempDir tmp;
  std::string port_file = tmp.file("port"), config = tmp.file("ghharvest.toml"),
              truth = tmp.file("truth.tsv");
  std::vector<std::string> args = {
      exe,      "--seed", "9",           "--items", "3000",         "--now", "2026-01-01T00:00:00Z",
      "--port", "0",      "--port-file", port_file, "--config-out", config,  "--truth-file",
      truth};
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    int log = ::open(tmp.file("hub.log").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (log >= 0) ::dup2(log, 2);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(exe.c_str(), argv.data());
    ::_exit(127);
  }
  std::string port;
  for (int i = 0; i < 400 && port.empty(); ++i) {
    port = ReadFile(port_file);
    if (port.empty()) ::usleep(50 * 1000);
  }
  REQUIRE(!port.empty());
  auto p = static_cast<unsigned short>(std::stoi(port));

  WorldSpec spec;
  spec.seed = 9;
  spec.items = 3000;
  REQUIRE(ParseWorldTime("2026-01-01T00:00:00Z", &spec.now));
  World same(spec);
  CHECK(ReadFile(truth) == CountsToTsv(same.TruthCounts(same.WriterConfigLogins())));
  std::string toml = ReadFile(config);
  CHECK(toml.find("api_url = \"http://127.0.0.1:" + std::to_string(p) + "\"") != std::string::npos);
  CHECK(toml.find("token_env = \"GITHUB_TOKEN\"") != std::string::npos);
  CHECK(toml.find("login = \"Alice-Dev\"") != std::string::npos);
  CHECK(toml.find("\"octo-org/hello_world-2\"") != std::string::npos);

  std::string raw = RawGet(p, "/repos/octo-org/hello_world-2/issues?state=all");
  CHECK(raw.rfind("HTTP/1.1 200", 0) == 0);
  CHECK(raw.find("x-ratelimit-remaining: 4999") != std::string::npos);
  std::string counters = RawGet(p, "/_fakehub/counters");
  CHECK(counters.find("\"ok\":1") != std::string::npos);

  REQUIRE(::kill(pid, SIGTERM) == 0);
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
}

namespace {

// Loads the whole world straight into the schema (no harvester) and reads the counts view.
std::vector<CountsRow> ViewCounts(const World& world) {
  auto opened = ghharvest::store::Database::Open(":memory:");
  REQUIRE_OK(opened);
  auto& db = **opened;
  auto run = [&](const std::string& sql,
                 const std::function<void(ghharvest::store::Statement&)>& bind) {
    auto st = db.Prepare(sql);
    REQUIRE_OK(st);
    ghharvest::store::StatementGuard g(**st);
    bind(*g);
    auto s = g->Run();
    REQUIRE_MESSAGE(s.ok(), s.ToString());
  };
  auto opt_user = [](std::int64_t id) {
    return id == 0 ? std::optional<std::int64_t>() : std::optional<std::int64_t>(id);
  };
  REQUIRE_OK(db.Exec("BEGIN"));
  world.Read([&](const WorldModel& m) {
    for (const auto& u : m.users) {
      run("INSERT INTO users (id, login, type) VALUES (?, ?, ?)",
          [&](auto& s) { s.Bind(1, u.id).Bind(2, u.login).Bind(3, u.type); });
      if (u.writer)
        run("INSERT INTO writers (login) VALUES (?)", [&](auto& s) { s.Bind(1, u.config_login); });
    }
    for (const auto& r : m.repos) {
      run("INSERT INTO repos (id, full_name) VALUES (?, ?)",
          [&](auto& s) { s.Bind(1, r.id).Bind(2, r.full_name()); });
      for (const auto& c : r.commits)
        run("INSERT INTO commits (repo_id, sha, author_id, authored_at) VALUES (?, ?, ?, ?)",
            [&](auto& s) {
              s.Bind(1, r.id)
                  .Bind(2, c.sha)
                  .Bind(3, opt_user(c.author))
                  .Bind(4, WorldTimeIso(c.date));
            });
      for (const auto& i : r.issues)
        run("INSERT INTO issues (id, repo_id, number, user_id, is_pull, created_at, merged_at,"
            " reactions_total) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [&](auto& s) {
              s.Bind(1, i.id).Bind(2, r.id).Bind(3, i.number).Bind(4, opt_user(i.user));
              s.Bind(5, i.is_pull ? 1 : 0).Bind(6, WorldTimeIso(i.created));
              if (i.merged) {
                s.Bind(7, WorldTimeIso(*i.merged));
              } else {
                s.BindNull(7);
              }
              s.Bind(8, i.reactions.total());
            });
      for (const auto& c : r.issue_comments)
        run("INSERT INTO issue_comments (id, repo_id, issue_number, user_id, created_at,"
            " reactions_total) VALUES (?, ?, ?, ?, ?, ?)",
            [&](auto& s) {
              s.Bind(1, c.id).Bind(2, r.id).Bind(3, c.number).Bind(4, opt_user(c.user));
              s.Bind(5, WorldTimeIso(c.created)).Bind(6, c.reactions.total());
            });
      for (const auto& c : r.review_comments)
        run("INSERT INTO review_comments (id, repo_id, pull_number, user_id, review_id,"
            " created_at, reactions_total) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [&](auto& s) {
              s.Bind(1, c.id).Bind(2, r.id).Bind(3, c.number).Bind(4, opt_user(c.user));
              s.Bind(5, c.review_id).Bind(6, WorldTimeIso(c.created)).Bind(7, c.reactions.total());
            });
      for (const auto& v : r.reviews)
        run("INSERT INTO reviews (id, repo_id, pull_number, user_id, state, submitted_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            [&](auto& s) {
              s.Bind(1, v.id).Bind(2, r.id).Bind(3, v.number).Bind(4, opt_user(v.user));
              s.Bind(5, v.state).Bind(6, WorldTimeIso(v.submitted));
            });
    }
    return 0;
  });
  REQUIRE_OK(db.Exec("COMMIT"));
  auto rows = ghharvest::testing::StoredCounts(db);
  REQUIRE_MESSAGE(rows.ok(), rows.status().ToString());
  return *rows;
}

}  // namespace

TEST_CASE("the truth equals the schema's counts view over the whole world loaded into SQLite") {
  // Two independent statements of the same definitions must agree; a harvest is then checked
  // against the truth alone.
  World hand(HandBuilt());
  CHECK(ViewCounts(hand) == hand.TruthCounts(hand.WriterConfigLogins()));
  World w(Small(11));
  AdvanceSpec a;
  a.rename_repo = true;
  a.delete_repo = true;
  w.Advance(a);
  auto truth = w.TruthCounts(w.WriterConfigLogins());
  auto view = ViewCounts(w);
  REQUIRE(view.size() == truth.size());
  for (std::size_t i = 0; i < view.size(); ++i) CHECK(view[i].ToString() == truth[i].ToString());
}

TEST_CASE("requests served while the world advances all get whole, valid answers") {
  auto world = std::make_shared<World>(Small(12));
  std::string base;
  GitHubHandler h(world, [&base] { return base; });
  FakeServer server(h, 4);
  base = server.base_url();
  std::atomic<int> bad{0}, good{0};
  std::vector<std::thread> clients;
  for (int t = 0; t < 3; ++t) {
    clients.emplace_back([&, t] {
      for (int i = 0; i < 40; ++i) {
        std::string raw = RawGet(server.port(),
                                 "/repos/octo-org/hello_world-2/issues?state=all&"
                                 "per_page=50&page=" +
                                     std::to_string(i % 5 + t + 1));
        auto body = raw.find("\r\n\r\n");
        simdjson::dom::parser parser;
        simdjson::dom::element doc;
        if (raw.rfind("HTTP/1.1 200", 0) != 0 || body == std::string::npos ||
            parser.parse(raw.substr(body + 4)).get(doc) != simdjson::SUCCESS) {
          bad++;
        } else {
          good++;
        }
      }
    });
  }
  AdvanceSpec a;
  a.new_items = 300;
  for (int i = 0; i < 5; ++i) world->Advance(a);
  for (auto& c : clients) c.join();
  CHECK(bad == 0);
  CHECK(good == 120);
  CHECK(h.counters().ok == 120);
}

TEST_CASE("events name a renamed repository as it was called when they happened") {
  auto world = std::make_shared<World>(HandBuilt());
  GitHubHandler h(world, [] { return kBase; });
  AdvanceSpec a;
  a.new_items = a.edits = a.new_reactions = a.removed_reactions = a.merges = 0;
  a.rename_repo = true;
  a.rename_target = "octo-org/hello_world-2";
  auto res = world->Advance(a);
  REQUIRE(res.renamed_to);
  auto r = h(Get("/users/alice/events/public?per_page=100"));
  REQUIRE(r.status == 200);
  Parsed p(r.body);
  std::size_t n = 0;
  for (auto e : p.doc.get_array()) {
    n++;
    CHECK(std::string_view(e["repo"]["name"]) == "octo-org/hello_world-2");
  }
  CHECK(n == 2 + 3 + 2 + 1 + 1);  // commits, issues/PRs, comments, review comment, review
  CHECK(h(Get("/repos/octo-org/hello_world-2")).status == 301);
}
