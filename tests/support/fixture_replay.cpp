#include "fixture_replay.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>

#include <simdjson.h>

#include "test_paths.hpp"

namespace ghharvest::testing {

namespace {

constexpr std::string_view kRecordedOrigin = "https://api.github.com";

std::string Upper(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return out;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string ReplaceAll(std::string s, std::string_view from, const std::string& to) {
  std::size_t pos = 0;
  while ((pos = s.find(from, pos)) != std::string::npos) {
    s.replace(pos, from.size(), to);
    pos += to.size();
  }
  return s;
}

bool TransportHeader(const std::string& lower) {
  return lower == "content-length" || lower == "transfer-encoding" || lower == "content-encoding" ||
         lower == "connection";
}

std::string StringOf(simdjson::dom::element e, const char* key, const std::string& file) {
  std::string_view v;
  if (e[key].get_string().get(v) != simdjson::SUCCESS) {
    throw std::runtime_error(file + ": an exchange has no string '" + key + "'");
  }
  return std::string(v);
}

struct Entry {
  RecordedExchange exchange;
  std::string path;
  std::multimap<std::string, std::string> query;
};

std::multimap<std::string, std::string> WithoutPerPage(std::multimap<std::string, std::string> q) {
  q.erase("per_page");
  return q;
}

// Shared by all copies of the Handler (std::function copies its target).
struct ReplayState {
  std::vector<Entry> entries;
  std::function<std::string()> base_url;
  std::mutex mu;
  std::map<std::vector<std::size_t>, std::size_t> cursor;  // by candidate set

  HttpResponse Serve(const HttpRequest& request) {
    std::vector<std::size_t> exact, loose;
    for (std::size_t i = 0; i < entries.size(); ++i) {
      const Entry& e = entries[i];
      if (e.exchange.method != request.method || e.path != request.path) continue;
      if (e.query == request.query) exact.push_back(i);
      if (WithoutPerPage(e.query) == WithoutPerPage(request.query)) loose.push_back(i);
    }
    const std::vector<std::size_t>& candidates = exact.empty() ? loose : exact;
    if (candidates.empty()) {
      HttpResponse r;
      r.status = 404;
      r.headers = {{"Content-Type", "application/json; charset=utf-8"}};
      // No JSON escaping needed: method and target come from a parsed request line.
      r.body = std::string(R"({"message":"Not Found: no recorded exchange for )") + request.method +
               " " + request.target + R"(","documentation_url":"https://docs.github.com/rest"})";
      return r;
    }
    std::size_t index;
    {
      std::lock_guard lock(mu);
      std::size_t& next = cursor[candidates];
      index = candidates[next];
      if (next + 1 < candidates.size()) ++next;
    }
    const RecordedExchange& x = entries[index].exchange;
    const std::string base = base_url();
    HttpResponse r;
    r.status = x.status;
    for (const auto& [name, value] : x.headers) {
      if (TransportHeader(Lower(name))) continue;
      r.headers.emplace_back(name, ReplaceAll(value, kRecordedOrigin, base));
    }
    r.body = ReplaceAll(x.body, kRecordedOrigin, base);
    return r;
  }
};

}  // namespace

std::string OctokitFixture(const std::string& scenario) {
  return FixturePath("octokit/" + scenario + "/raw-fixture.json");
}

std::vector<RecordedExchange> LoadRecording(const std::string& fixture_file) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (auto err = parser.load(fixture_file).get(root); err) {
    throw std::runtime_error(fixture_file + ": " + simdjson::error_message(err));
  }
  simdjson::dom::array exchanges;
  if (root.get_array().get(exchanges) != simdjson::SUCCESS) {
    throw std::runtime_error(fixture_file + ": not an array of exchanges");
  }
  std::vector<RecordedExchange> out;
  for (simdjson::dom::element e : exchanges) {
    RecordedExchange x;
    x.method = Upper(StringOf(e, "method", fixture_file));
    x.target = StringOf(e, "path", fixture_file);
    int64_t status = 0;
    if (e["status"].get_int64().get(status) != simdjson::SUCCESS) {
      throw std::runtime_error(fixture_file + ": an exchange has no status");
    }
    x.status = static_cast<int>(status);
    simdjson::dom::array raw;
    if (e["rawHeaders"].get_array().get(raw) == simdjson::SUCCESS) {
      std::string name;
      bool have_name = false;
      for (simdjson::dom::element h : raw) {
        std::string_view v;
        if (h.get_string().get(v) != simdjson::SUCCESS) continue;
        if (!have_name) {
          name = std::string(v);
        } else {
          x.headers.emplace_back(name, std::string(v));
        }
        have_name = !have_name;
      }
    }
    simdjson::dom::element response;
    if (e["response"].get(response) == simdjson::SUCCESS) {
      std::string_view text;
      if (response.get_string().get(text) == simdjson::SUCCESS) {
        x.body = std::string(text);  // "" for 204s; a non-JSON body is kept verbatim
      } else {
        x.body = simdjson::minify(response);
      }
    }
    out.push_back(std::move(x));
  }
  return out;
}

Handler MakeFixtureReplay(const std::string& fixture_file, std::function<std::string()> base_url,
                          bool include_non_get) {
  auto state = std::make_shared<ReplayState>();
  state->base_url = std::move(base_url);
  for (RecordedExchange& x : LoadRecording(fixture_file)) {
    if (!include_non_get && x.method != "GET") continue;
    Entry entry;
    std::size_t q = x.target.find('?');
    entry.path = x.target.substr(0, q);
    if (q != std::string::npos) entry.query = ParseQueryString(x.target.substr(q + 1));
    entry.exchange = std::move(x);
    state->entries.push_back(std::move(entry));
  }
  return [state](const HttpRequest& request) { return state->Serve(request); };
}

}  // namespace ghharvest::testing
