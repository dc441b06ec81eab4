#include "ghharvest/report/format.hpp"

#include <cmath>
#include <cstdio>

#include <fmt/format.h>

#include "ghharvest/util/hash.hpp"

namespace ghharvest::report {

std::string FormatNumber(double v) {
  if (!std::isfinite(v)) return "0";
  // Round once to hundredths, then decide: 44.999999 prints "45", not "45.00".
  double r = std::round(v * 100.0) / 100.0;
  if (r == 0) return "0";
  if (std::abs(r) < 9.0e15 && r == std::trunc(r)) {
    return fmt::format("{}", static_cast<std::int64_t>(r));
  }
  std::string s = fmt::format("{:.2f}", r);
  while (!s.empty() && s.back() == '0') s.pop_back();
  if (!s.empty() && s.back() == '.') s.pop_back();
  return s;
}

std::string JsonString(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 2);
  out.push_back('"');
  for (char ch : s) {
    auto u = static_cast<unsigned char>(ch);
    if (ch == '"' || ch == '\\') {
      out.push_back('\\');
      out.push_back(ch);
    } else if (u < 0x20) {
      out += fmt::format("\\u{:04x}", u);
    } else {
      out.push_back(ch);
    }
  }
  out.push_back('"');
  return out;
}

std::string ContributionFile(const score::ProjectScore& ps) {
  using score::Count;
  return fmt::format(
      "Project: {}\nContribution Count: {}\nFeedback Count: {}\nInteraction Count: {}\n",
      ps.project, FormatNumber(ps.t),
      FormatNumber(ps.counts[Count::kFeedbackReceived] + ps.counts[Count::kReactionsReceived]),
      FormatNumber(ps.c));
}

std::string InfluenceFile(const score::ProjectScore& ps) {
  return fmt::format(
      "Project: {}\nFeedback Count: {}\nInteraction Count: {}\nOpportunity Score: {}\n", ps.project,
      FormatNumber(ps.i), FormatNumber(ps.c), FormatNumber(ps.o));
}

std::string TotalFile(const score::WriterScore& ws) {
  return fmt::format("Total Influence Count: {}\nOpportunity Score: {}\nBest Project: {}\n",
                     FormatNumber(ws.total_influence), FormatNumber(ws.opportunity),
                     ws.best_project);
}

std::string JsonlBody(const score::WriterScore& ws) {
  std::string out = fmt::format(
      "\"writer\":{},\"opportunity\":{},\"best_project\":{},\"total_influence\":{},\"projects\":[",
      JsonString(ws.writer), FormatNumber(ws.opportunity), JsonString(ws.best_project),
      FormatNumber(ws.total_influence));
  bool first = true;
  for (const score::ProjectScore& ps : ws.projects) {
    if (!first) out.push_back(',');
    first = false;
    out +=
        fmt::format("{{\"project\":{},\"k\":{},\"P\":{},\"I\":{},\"C\":{},\"T\":{},\"O\":{}}}",
                    JsonString(ps.project), FormatNumber(ps.k), FormatNumber(ps.p),
                    FormatNumber(ps.i), FormatNumber(ps.c), FormatNumber(ps.t), FormatNumber(ps.o));
  }
  out.push_back(']');
  return out;
}

std::string JsonlLine(std::string_view ts, std::int64_t run, const score::WriterScore& ws) {
  return fmt::format("{{\"ts\":{},\"run\":{},{}}}\n", JsonString(ts), run, JsonlBody(ws));
}

std::string BlogSlug(std::string_view project) {
  std::string_view repo = project.substr(project.find('/') + 1);
  std::string slug = "contributing-to-";
  for (char ch : repo) {
    if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
    bool ok = (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9');
    if (ok) {
      slug.push_back(ch);
    } else if (slug.back() != '-') {
      slug.push_back('-');
    }
  }
  while (slug.back() == '-') slug.pop_back();
  return slug;
}

namespace {

// Titles come from other people's data: one line, no Markdown link syntax to break out of.
std::string InlineText(std::string_view s) {
  std::string out;
  for (char ch : s) {
    auto u = static_cast<unsigned char>(ch);
    if (u < 0x20 || u == 0x7f) {
      if (!out.empty() && out.back() != ' ') out.push_back(' ');
    } else if (ch == '[' || ch == ']' || ch == '\\' || ch == '`' || ch == '*' || ch == '_' ||
               ch == '<' || ch == '>') {
      out.push_back('\\');
      out.push_back(ch);
    } else {
      out.push_back(ch);
    }
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

std::string Link(std::string_view text, std::string_view url) {
  // A URL with spaces or parentheses would end the link early; such a URL is shown bare.
  bool safe = url.rfind("https://", 0) == 0 || url.rfind("http://", 0) == 0;
  for (char ch : url) {
    if (static_cast<unsigned char>(ch) <= 0x20 || ch == '(' || ch == ')' || ch == '<' ||
        ch == '>') {
      safe = false;
    }
  }
  if (!safe) return std::string(text);
  return fmt::format("[{}]({})", text, url);
}

std::string ItemLabel(const BlogItem& it) {
  return fmt::format("{} #{}: {}", it.is_pull ? "PR" : "Issue", it.number, InlineText(it.title));
}

}  // namespace

std::string BlogMarkdown(const BlogInputs& in) {
  using score::Count;
  const score::ProjectScore& s = in.score;
  std::string title = fmt::format("Contributing to {}", in.project);
  std::string out;
  out += "---\n";
  out += fmt::format("title: {}\n", JsonString(title));  // a JSON string is valid YAML
  out += fmt::format("writer: {}\n", JsonString(in.writer));
  out += fmt::format("project: {}\n", JsonString(in.project));
  out += fmt::format("date: {}\n", in.date.empty() ? "1970-01-01" : in.date);
  out += "draft: true\n";
  out += "---\n\n";
  out += fmt::format("# {}\n\n", title);
  out += fmt::format(
      "A starting point for a post about {}'s work on {}, built from the project's GitHub "
      "activity. Edit freely: once this file changes, ghharvest no longer rewrites it.\n\n",
      in.writer, in.project_url.empty() ? in.project : Link(in.project, in.project_url));

  out += "## Pull requests merged\n\n";
  if (in.merged.empty()) out += "None yet.\n";
  for (const BlogItem& it : in.merged) {
    out += fmt::format("- {} (merged {})\n", Link(ItemLabel(it), it.html_url),
                       it.merged_at.substr(0, 10));
  }
  out += "\n## What drew the most response\n\n";
  if (in.top.empty()) out += "Nothing has drawn reactions or comments yet.\n";
  for (const BlogItem& it : in.top) {
    out += fmt::format("- {}: {} reaction{}, {} comment{} from others\n",
                       Link(ItemLabel(it), it.html_url), it.reactions, it.reactions == 1 ? "" : "s",
                       it.feedback, it.feedback == 1 ? "" : "s");
  }
  out += "\n## Blog posts already written about it\n\n";
  if (in.posts.empty()) out += "None yet.\n";
  for (const model::BlogPostItem& p : in.posts) {
    out += fmt::format("- {}{}\n", Link(InlineText(p.title.empty() ? p.url : p.title), p.url),
                       p.date.empty() ? "" : " (" + p.date + ")");
  }
  out += "\n## The numbers behind the score\n\n";
  out += "| count | value |\n| --- | --- |\n";
  for (int i = 0; i < score::kNumCounts; ++i) {
    out += fmt::format("| {} | {} |\n", score::CountName(static_cast<Count>(i)),
                       FormatNumber(s.counts.v[i]));
  }
  out += fmt::format(
      "\nParticipation P = {}, influence I = {}, interaction C = {}, technical work T = {}, "
      "k = {}.\n\nOpportunity score O = k·P + I + C + T = {}·{} + {} + {} + {} = {}.\n",
      FormatNumber(s.p), FormatNumber(s.i), FormatNumber(s.c), FormatNumber(s.t), FormatNumber(s.k),
      FormatNumber(s.k), FormatNumber(s.p), FormatNumber(s.i), FormatNumber(s.c), FormatNumber(s.t),
      FormatNumber(s.o));
  return out;
}

std::string HashHex(std::string_view data) {
  return fmt::format("{:016x}", Fnv1a64(data, kFnv1a64ShortBasis));
}

}  // namespace ghharvest::report
