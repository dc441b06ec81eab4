// The REST reviews walk (reviews_walk.hpp): one `pulls/N/reviews` chain per pull request,
// through the hooks its cycle lends it.
#include "harvest/reviews_walk.hpp"

#include <memory>
#include <utility>

#include <fmt/format.h>

#include "ghharvest/github/parse.hpp"
#include "harvest/plan.hpp"

namespace ghharvest::harvest {
namespace {

using Kind = github::ApiResponse::Kind;

struct Walk {
  ReviewsOfPulls what;
  WalkHooks hooks;
  std::function<void(bool)> done;
  int pending = 0;
  bool failed = false;
};

void OneDone(const std::shared_ptr<Walk>& w) {
  if (--w->pending == 0 && w->done) {
    auto done = std::move(w->done);
    w->done = nullptr;
    done(!w->failed);
  }
}

void FetchPage(const std::shared_ptr<Walk>& w, std::int64_t number, const std::string& url) {
  w->hooks.fetch(
      "reviews", w->what.scope, url,
      [w, number, url](github::ApiResponse& r) {
        switch (r.kind) {
          case Kind::kGone:
            return OneDone(w);  // a pull request gone in between is not a failure
          case Kind::kClientError:
            w->failed = true;
            w->hooks.record_error(w->what.scope, url, fmt::format("HTTP {}", r.status));
            return OneDone(w);
          case Kind::kNotModified:
            if (r.next_url) return FetchPage(w, number, *r.next_url);
            return OneDone(w);
          case Kind::kOk:
            break;
        }
        auto reviews = github::ParseReviewList(r.body);
        if (!reviews.ok()) {
          w->hooks.bad_body(r, "reviews", w->what.scope, url, reviews.status());
          w->failed = true;
          return OneDone(w);
        }
        // A failed store stopped the cycle: the walk ends with it (nothing more is asked).
        if (!w->hooks.store(number, *reviews)) return;
        if (r.next_url) return FetchPage(w, number, *r.next_url);
        OneDone(w);
      },
      [w] {
        w->failed = true;
        OneDone(w);
      });
}

}  // namespace

void FetchReviewsOfPulls(const ReviewsOfPulls& what, WalkHooks hooks,
                         std::function<void(bool all_ok)> done) {
  if (what.numbers.empty()) {
    if (done) done(true);
    return;
  }
  auto w = std::make_shared<Walk>();
  w->what = what;
  w->hooks = std::move(hooks);
  w->done = std::move(done);
  w->pending = static_cast<int>(what.numbers.size());
  for (auto n : what.numbers) FetchPage(w, n, ReviewsPath(what.full_name, n));
}

}  // namespace ghharvest::harvest
