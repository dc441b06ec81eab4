#include "world/graphql_handler.hpp"
#include "ghharvest/github/graphql.hpp"

#include <fmt/format.h>
#include <simdjson.h>

#include <algorithm>
#include <cmath>
#include <optional>
#include <set>
#include <utility>
#include <vector>

#include "ghharvest/util/hash.hpp"

namespace ghharvest::testing {
namespace {

// JSON strings as the product writes them.
std::string J(std::string_view s) { return github::JsonQuote(s); }

// ---- values and the document ----------------------------------------------------------------

struct Value {
  enum class Kind { kNull, kInt, kString, kBool, kEnum, kList, kObject, kVariable };
  Kind kind = Kind::kNull;
  std::int64_t i = 0;
  std::string s;  // string, enum name, variable name
  bool b = false;
  std::vector<Value> list;
  // An object's fields as two lists: a pair<string, Value> member would need Value complete
  // (libstdc++ with clang rejects it), a vector of Value does not.
  std::vector<std::string> keys;
  std::vector<Value> values;
  const Value* Field(const std::string& name) const {
    for (std::size_t i = 0; i < keys.size(); ++i)
      if (keys[i] == name) return &values[i];
    return nullptr;
  }
  void Add(std::string key, Value v) {
    keys.push_back(std::move(key));
    values.push_back(std::move(v));
  }
};

struct Selection {
  std::string alias, name;  // alias == name when none
  std::vector<std::pair<std::string, Value>> args;
  std::vector<Selection> sub;
  bool has_sub = false;
  std::string on_type;  // an inline fragment: `... on on_type { sub }`
  int line = 1, column = 1;
};

struct GqlError {
  std::string message;
  std::string type;      // GitHub's `type`, when it gives one
  std::string code;      // extensions.code (validation)
  std::string path;      // a JSON array's text, "" for none
  std::string location;  // {"line":..,"column":..}, "" for none
  std::string Json() const {
    std::string out = "{";
    if (!type.empty()) out += "\"type\":" + J(type) + ",";
    if (!path.empty()) out += "\"path\":" + path + ",";
    if (!location.empty()) out += "\"locations\":[" + location + "],";
    if (!code.empty()) out += "\"extensions\":{\"code\":" + J(code) + "},";
    return out + "\"message\":" + J(message) + "}";
  }
};

class Parser {
 public:
  explicit Parser(std::string_view text) : t_(text) {}

  // The selection set of the one operation (or of `operation_name`).
  bool Document(const std::string& operation_name, std::vector<Selection>* out) {
    bool found = false;
    Skip();
    while (pos_ < t_.size()) {
      std::string name;
      std::vector<Selection> sel;
      if (Peek('{')) {
        if (!SelectionSet(&sel)) return false;
      } else {
        std::string kw = Name();
        if (kw != "query")
          return Fail(kw.empty() ? "Expected a definition" : "Unsupported definition `" + kw + "`");
        Skip();
        if (!Peek('(') && !Peek('{')) name = Name();
        if (Peek('(') && !VariableDefinitions()) return false;
        if (!SelectionSet(&sel)) return false;
      }
      if (!found && (operation_name.empty() || operation_name == name)) {
        *out = std::move(sel);
        found = true;
      }
      Skip();
    }
    if (!found) return Fail("No operation to run");
    return true;
  }

  const std::string& error() const { return error_; }
  int line() const { return line_; }
  int column() const { return column_; }

 private:
  bool Fail(std::string what) {
    if (error_.empty()) {
      Where(&line_, &column_);
      error_ = fmt::format("Parse error: {} at [{}, {}]", what, line_, column_);
    }
    return false;
  }
  void Where(int* line, int* column) const {
    *line = 1;
    *column = 1;
    for (std::size_t i = 0; i < pos_ && i < t_.size(); ++i) {
      if (t_[i] == '\n') {
        ++*line;
        *column = 1;
      } else {
        ++*column;
      }
    }
  }
  void Skip() {
    while (pos_ < t_.size()) {
      char c = t_[pos_];
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ',') {
        ++pos_;
      } else if (c == '#') {
        while (pos_ < t_.size() && t_[pos_] != '\n') ++pos_;
      } else {
        break;
      }
    }
  }
  bool Peek(char c) {
    Skip();
    return pos_ < t_.size() && t_[pos_] == c;
  }
  bool Eat(char c) {
    if (!Peek(c)) return Fail(fmt::format("Expected `{}`", c));
    ++pos_;
    return true;
  }
  static bool NameStart(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
  std::string Name() {
    Skip();
    std::size_t b = pos_;
    if (pos_ < t_.size() && NameStart(t_[pos_])) {
      while (pos_ < t_.size() &&
             (NameStart(t_[pos_]) || std::isdigit(static_cast<unsigned char>(t_[pos_]))))
        ++pos_;
    }
    return std::string(t_.substr(b, pos_ - b));
  }
  bool Type() {
    Skip();
    if (Peek('[')) {
      ++pos_;
      if (!Type() || !Eat(']')) return false;
    } else if (Name().empty()) {
      return Fail("Expected a type");
    }
    if (Peek('!')) ++pos_;
    return true;
  }
  bool VariableDefinitions() {
    if (!Eat('(')) return false;
    while (!Peek(')')) {
      if (!Eat('$') || Name().empty() || !Eat(':') || !Type())
        return Fail("Bad variable definition");
      if (Peek('=')) {
        ++pos_;
        Value ignored;
        if (!ParseValue(&ignored)) return false;
      }
    }
    ++pos_;
    return true;
  }
  bool ParseValue(Value* v) {
    Skip();
    if (pos_ >= t_.size()) return Fail("Expected a value");
    char c = t_[pos_];
    if (c == '$') {
      ++pos_;
      v->kind = Value::Kind::kVariable;
      v->s = Name();
      return !v->s.empty() || Fail("Expected a variable name");
    }
    if (c == '"') {
      ++pos_;
      v->kind = Value::Kind::kString;
      while (pos_ < t_.size() && t_[pos_] != '"') {
        if (t_[pos_] == '\\' && pos_ + 1 < t_.size()) ++pos_;
        v->s.push_back(t_[pos_++]);
      }
      return Eat('"');
    }
    if (c == '-' || std::isdigit(static_cast<unsigned char>(c))) {
      std::size_t b = pos_++;
      while (pos_ < t_.size() && std::isdigit(static_cast<unsigned char>(t_[pos_]))) ++pos_;
      v->kind = Value::Kind::kInt;
      try {
        v->i = std::stoll(std::string(t_.substr(b, pos_ - b)));
      } catch (...) {
        return Fail("Bad number");
      }
      return true;
    }
    if (c == '[') {
      ++pos_;
      v->kind = Value::Kind::kList;
      while (!Peek(']')) {
        Value item;
        if (!ParseValue(&item)) return false;
        v->list.push_back(std::move(item));
      }
      ++pos_;
      return true;
    }
    if (c == '{') {
      ++pos_;
      v->kind = Value::Kind::kObject;
      while (!Peek('}')) {
        std::string k = Name();
        if (k.empty() || !Eat(':')) return Fail("Bad object field");
        Value item;
        if (!ParseValue(&item)) return false;
        v->Add(std::move(k), std::move(item));
      }
      ++pos_;
      return true;
    }
    std::string n = Name();
    if (n.empty()) return Fail("Expected a value");
    if (n == "true" || n == "false") {
      v->kind = Value::Kind::kBool;
      v->b = n == "true";
    } else if (n == "null") {
      v->kind = Value::Kind::kNull;
    } else {
      v->kind = Value::Kind::kEnum;
      v->s = n;
    }
    return true;
  }
  bool SelectionSet(std::vector<Selection>* out) {
    if (!Eat('{')) return false;
    while (!Peek('}')) {
      if (pos_ >= t_.size()) return Fail("Unexpected end of document");
      Selection s;
      Where(&s.line, &s.column);
      if (t_.substr(pos_, 3) == "...") {
        pos_ += 3;
        if (Name() != "on") return Fail("Fragment spreads are not supported here");
        s.on_type = Name();
        if (s.on_type.empty()) return Fail("Expected a type condition");
        if (!SelectionSet(&s.sub)) return false;
        s.has_sub = true;
        out->push_back(std::move(s));
        continue;
      }
      s.name = Name();
      if (s.name.empty()) return Fail("Expected a field");
      s.alias = s.name;
      if (Peek(':')) {
        ++pos_;
        s.name = Name();
        if (s.name.empty()) return Fail("Expected a field after an alias");
      }
      if (Peek('(')) {
        ++pos_;
        while (!Peek(')')) {
          std::string k = Name();
          if (k.empty() || !Eat(':')) return Fail("Bad argument");
          Value v;
          if (!ParseValue(&v)) return false;
          s.args.emplace_back(std::move(k), std::move(v));
        }
        ++pos_;
      }
      if (Peek('{')) {
        if (!SelectionSet(&s.sub)) return false;
        s.has_sub = true;
      }
      out->push_back(std::move(s));
    }
    ++pos_;
    return true;
  }

  std::string_view t_;
  std::size_t pos_ = 0;
  std::string error_;
  int line_ = 1, column_ = 1;
};

Value FromJson(simdjson::dom::element e) {
  Value v;
  switch (e.type()) {
    case simdjson::dom::element_type::INT64:
      v.kind = Value::Kind::kInt;
      v.i = e.get_int64().value_unsafe();
      break;
    case simdjson::dom::element_type::UINT64:
    case simdjson::dom::element_type::DOUBLE:
      v.kind = Value::Kind::kInt;
      v.i = static_cast<std::int64_t>(e.get_double().value_unsafe());
      break;
    case simdjson::dom::element_type::STRING:
      v.kind = Value::Kind::kString;
      v.s = std::string(e.get_string().value_unsafe());
      break;
    case simdjson::dom::element_type::BOOL:
      v.kind = Value::Kind::kBool;
      v.b = e.get_bool().value_unsafe();
      break;
    case simdjson::dom::element_type::ARRAY: {
      v.kind = Value::Kind::kList;
      // A named array: a range-for over the temporary result would outlive it.
      simdjson::dom::array list;
      if (e.get_array().get(list)) break;
      for (auto item : list) v.list.push_back(FromJson(item));
      break;
    }
    case simdjson::dom::element_type::OBJECT: {
      v.kind = Value::Kind::kObject;
      simdjson::dom::object obj;
      if (e.get_object().get(obj)) break;
      for (auto field : obj) v.Add(std::string(field.key), FromJson(field.value));
      break;
    }
    default:
      break;
  }
  return v;
}

// ---- the schema the fake knows --------------------------------------------------------------

struct FieldDef {
  std::string type;  // the object type of its value; "" for a scalar
  std::vector<std::string> args;
  bool connection = false;
  bool list = false;  // nodes(ids:)
};

const std::map<std::string, std::map<std::string, FieldDef>>& Schema() {
  static const auto* schema = [] {
    auto* s = new std::map<std::string, std::map<std::string, FieldDef>>;
    auto actor_fields = [](bool with_id) {
      std::map<std::string, FieldDef> f{{"login", {}}, {"url", {}}, {"__typename", {}}};
      if (with_id) {
        f["databaseId"] = {};
        f["id"] = {};
      }
      return f;
    };
    (*s)["Query"] = {{"repository", {"Repository", {"owner", "name", "followRenames"}}},
                     {"node", {"Node", {"id"}}},
                     {"nodes", {"Node", {"ids"}, false, true}},
                     {"rateLimit", {"RateLimit", {"dryRun"}}},
                     {"__typename", {}}};
    (*s)["Repository"] = {
        {"id", {}},
        {"databaseId", {}},
        {"name", {}},
        {"nameWithOwner", {}},
        {"__typename", {}},
        {"pullRequests",
         {"PullRequestConnection", {"first", "last", "after", "before", "orderBy"}, true}}};
    (*s)["PullRequest"] = {
        {"id", {}},
        {"number", {}},
        {"databaseId", {}},
        {"fullDatabaseId", {}},
        {"updatedAt", {}},
        {"createdAt", {}},
        {"mergedAt", {}},
        {"title", {}},
        {"url", {}},
        {"__typename", {}},
        {"reviews", {"PullRequestReviewConnection", {"first", "last", "after", "before"}, true}}};
    (*s)["PullRequestReview"] = {
        {"id", {}},          {"databaseId", {}}, {"fullDatabaseId", {}}, {"state", {}},
        {"submittedAt", {}}, {"url", {}},        {"__typename", {}},     {"author", {"Actor", {}}}};
    (*s)["Actor"] = actor_fields(false);
    for (const char* t : {"User", "Bot", "Organization", "Mannequin"}) (*s)[t] = actor_fields(true);
    (*s)["Node"] = {{"id", {}}, {"__typename", {}}};
    for (const char* c : {"PullRequestConnection", "PullRequestReviewConnection"}) {
      std::string edge =
          std::string(c) == "PullRequestConnection" ? "PullRequestEdge" : "PullRequestReviewEdge";
      std::string node =
          std::string(c) == "PullRequestConnection" ? "PullRequest" : "PullRequestReview";
      (*s)[c] = {{"totalCount", {}},
                 {"pageInfo", {"PageInfo", {}}},
                 {"nodes", {node, {}}},
                 {"edges", {edge, {}}},
                 {"__typename", {}}};
      (*s)[edge] = {{"cursor", {}}, {"node", {node, {}}}, {"__typename", {}}};
    }
    (*s)["PageInfo"] = {{"hasNextPage", {}},
                        {"hasPreviousPage", {}},
                        {"startCursor", {}},
                        {"endCursor", {}},
                        {"__typename", {}}};
    (*s)["RateLimit"] = {{"cost", {}}, {"limit", {}},     {"remaining", {}}, {"resetAt", {}},
                         {"used", {}}, {"nodeCount", {}}, {"__typename", {}}};
    return s;
  }();
  return *schema;
}

// Types a fragment on `cond` may apply to within `type`.
bool FragmentFits(const std::string& type, const std::string& cond) {
  if (type == cond) return true;
  static const std::set<std::string> actors = {"User", "Bot", "Organization", "Mannequin"};
  if (type == "Actor") return actors.count(cond) > 0;
  if (type == "Node") return Schema().count(cond) > 0 && Schema().at(cond).count("id") > 0;
  return false;
}

// ---- analysis: validation, cost, node count -------------------------------------------------

struct Analysis {
  std::vector<GqlError> errors;
  double requests = 0;  // connection requests by GitHub's formula
  double nodes = 0;
};

class Context {
 public:
  Context(const Value* variables) : vars_(variables) {}
  // An argument's value, variables resolved; nullptr when absent (or a null variable).
  const Value* Arg(const Selection& s, const std::string& name) const {
    for (const auto& [k, v] : s.args) {
      if (k != name) continue;
      if (v.kind != Value::Kind::kVariable) return v.kind == Value::Kind::kNull ? nullptr : &v;
      const Value* bound = vars_ ? vars_->Field(v.s) : nullptr;
      if (!bound || bound->kind == Value::Kind::kNull) return nullptr;
      return bound;
    }
    return nullptr;
  }

 private:
  const Value* vars_;
};

std::string Location(const Selection& s) {
  return fmt::format("{{\"line\":{},\"column\":{}}}", s.line, s.column);
}

void Analyze(const Context& ctx, const std::vector<Selection>& sel, const std::string& type,
             double multiplier, Analysis* a) {
  const auto& schema = Schema();
  for (const Selection& s : sel) {
    if (!s.on_type.empty()) {
      if (!schema.count(s.on_type) || !FragmentFits(type, s.on_type)) {
        a->errors.push_back(
            {fmt::format("Fragment on {} can't be spread inside {}", s.on_type, type), "",
             "fragmentSpreadImpossible", "", Location(s)});
        continue;
      }
      Analyze(ctx, s.sub, s.on_type, multiplier, a);
      continue;
    }
    auto tf = schema.at(type).find(s.name);
    if (tf == schema.at(type).end()) {
      a->errors.push_back({fmt::format("Field '{}' doesn't exist on type '{}'", s.name, type), "",
                           "undefinedField", "", Location(s)});
      continue;
    }
    const FieldDef& f = tf->second;
    for (const auto& [k, v] : s.args) {
      if (std::find(f.args.begin(), f.args.end(), k) == f.args.end()) {
        a->errors.push_back({fmt::format("Field '{}' doesn't accept argument '{}'", s.name, k), "",
                             "argumentNotAccepted", "", Location(s)});
      }
    }
    if (f.type.empty() && s.has_sub) {
      a->errors.push_back({fmt::format("Selections can't be made on scalars (field '{}')", s.name),
                           "", "selectionMismatch", "", Location(s)});
      continue;
    }
    if (!f.type.empty() && !s.has_sub) {
      a->errors.push_back(
          {fmt::format("Field must have selections (field '{}' returns {} but has no selections)",
                       s.name, f.type),
           "", "selectionMismatch", "", Location(s)});
      continue;
    }
    double child = multiplier;
    if (f.connection) {
      const Value* first = ctx.Arg(s, "first");
      const Value* last = ctx.Arg(s, "last");
      if (!first && !last) {
        a->errors.push_back({fmt::format("You must provide a `first` or `last` value to properly "
                                         "paginate the `{}` connection.",
                                         s.name),
                             "MISSING_PAGINATION_BOUNDARIES", "", "", Location(s)});
        continue;
      }
      bool bad = false;
      std::int64_t n = 0;
      for (auto [which, v] : {std::pair{"first", first}, std::pair{"last", last}}) {
        if (!v) continue;
        if (v->kind != Value::Kind::kInt || v->i < 1 || v->i > 100) {
          a->errors.push_back(
              {v->kind == Value::Kind::kInt && v->i > 100
                   ? fmt::format("Requesting {} records on the `{}` connection exceeds the `{}` "
                                 "limit of 100 records.",
                                 v->i, s.name, which)
                   : fmt::format("`{}` on the `{}` connection must be between 1 and 100.", which,
                                 s.name),
               "EXCESSIVE_PAGINATION", "", "", Location(s)});
          bad = true;
        } else {
          n = std::max(n, v->i);
        }
      }
      if (bad) continue;
      a->requests += multiplier;
      a->nodes += multiplier * static_cast<double>(n);
      child = multiplier * static_cast<double>(n);
    } else if (f.list) {
      const Value* ids = ctx.Arg(s, "ids");
      double n = ids && ids->kind == Value::Kind::kList ? static_cast<double>(ids->list.size()) : 0;
      if (!ids) {
        a->errors.push_back({"Argument 'ids' on Field 'nodes' has an invalid value", "",
                             "argumentLiteralsIncompatible", "", Location(s)});
        continue;
      }
      if (n > 100) {
        a->errors.push_back({"You may not request more than 100 nodes at once.",
                             "EXCESSIVE_PAGINATION", "", "", Location(s)});
        continue;
      }
      a->nodes += multiplier * n;
      child = multiplier * n;
    } else if (s.name == "repository" || s.name == "node") {
      for (const char* req : {"owner", "name", "id"}) {
        bool needed = s.name == "repository" ? std::string(req) != "id" : std::string(req) == "id";
        if (needed && !ctx.Arg(s, req)) {
          a->errors.push_back(
              {fmt::format("Field '{}' is missing required arguments: {}", s.name, req), "",
               "missingRequiredArguments", "", Location(s)});
        }
      }
    }
    if (!f.type.empty()) Analyze(ctx, s.sub, f.type, child, a);
  }
}

// ---- execution ------------------------------------------------------------------------------

std::string Base64(const std::string& in) {
  static const char* k = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    unsigned v = (static_cast<unsigned char>(in[i]) << 16) |
                 (static_cast<unsigned char>(in[i + 1]) << 8) |
                 static_cast<unsigned char>(in[i + 2]);
    for (int s = 18; s >= 0; s -= 6) out.push_back(k[(v >> s) & 63]);
  }
  if (i < in.size()) {
    unsigned v = static_cast<unsigned char>(in[i]) << 16;
    if (i + 1 < in.size()) v |= static_cast<unsigned char>(in[i + 1]) << 8;
    out.push_back(k[(v >> 18) & 63]);
    out.push_back(k[(v >> 12) & 63]);
    out.push_back(i + 1 < in.size() ? k[(v >> 6) & 63] : '=');
    out.push_back('=');
  }
  return out;
}

std::optional<std::string> Unbase64(const std::string& in) {
  static const std::string k = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  unsigned v = 0;
  int bits = 0;
  for (char c : in) {
    if (c == '=') break;
    auto p = k.find(c);
    if (p == std::string::npos) return std::nullopt;
    v = (v << 6) | static_cast<unsigned>(p);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((v >> bits) & 0xff));
    }
  }
  return out;
}

// A sort key: the primary value (a time, or an id) and the tie-breaker.
struct Key {
  std::int64_t primary = 0, id = 0;
  auto operator<=>(const Key&) const = default;
};

std::string Cursor(const Key& k) { return Base64(fmt::format("cursor:v2:{}:{}", k.primary, k.id)); }
std::optional<Key> FromCursor(const std::string& c) {
  auto raw = Unbase64(c);
  if (!raw) return std::nullopt;
  Key k;
  if (std::sscanf(raw->c_str(), "cursor:v2:%ld:%ld", &k.primary, &k.id) != 2) return std::nullopt;
  return k;
}

// One page of a connection over items already in order.
template <typename T>
struct Page {
  std::vector<const T*> items;
  std::vector<Key> keys;
  std::size_t total = 0;
  bool has_next = false, has_prev = false;
};

struct Exec {
  const WorldModel& m;
  const Context& ctx;
  std::string html;
  std::vector<GqlError> errors;
  std::function<bool(const WorldIssue&)> fail_reviews;  // partial failures
  std::function<std::string(const Selection&)> rate_limit;

  static std::string PathJson(const std::vector<std::string>& path) {
    std::string out = "[";
    for (std::size_t i = 0; i < path.size(); ++i) {
      if (i) out += ",";
      bool index = !path[i].empty() && std::all_of(path[i].begin(), path[i].end(), ::isdigit);
      out += index ? path[i] : J(path[i]);
    }
    return out + "]";
  }

  template <typename T>
  Page<T> Slice(std::vector<std::pair<Key, const T*>> all, const Selection& s, bool desc,
                std::vector<std::string>* path, bool* bad) {
    std::sort(all.begin(), all.end(), [&](const auto& a, const auto& b) {
      return desc ? b.first < a.first : a.first < b.first;
    });
    Page<T> p;
    p.total = all.size();
    auto before_in_order = [&](const Key& a, const Key& b) { return desc ? b < a : a < b; };
    std::size_t lo = 0, hi = all.size();
    for (const char* which : {"after", "before"}) {
      const Value* c = ctx.Arg(s, which);
      if (!c) continue;
      std::optional<Key> k = c->kind == Value::Kind::kString ? FromCursor(c->s) : std::nullopt;
      if (!k) {
        errors.push_back({fmt::format("`{}` has an invalid cursor: {}", which, c->s),
                          "INVALID_CURSOR_ARGUMENTS", "", PathJson(*path), ""});
        *bad = true;
        return p;
      }
      if (std::string(which) == "after") {
        while (lo < hi && !before_in_order(*k, all[lo].first)) ++lo;
      } else {
        std::size_t h = lo;
        while (h < hi && before_in_order(all[h].first, *k)) ++h;
        hi = h;
      }
    }
    std::size_t b = lo, e = hi;
    if (const Value* f = ctx.Arg(s, "first")) e = std::min(e, b + static_cast<std::size_t>(f->i));
    if (const Value* l = ctx.Arg(s, "last")) {
      if (e - b > static_cast<std::size_t>(l->i)) b = e - static_cast<std::size_t>(l->i);
    }
    p.has_prev = b > 0;
    p.has_next = e < all.size();
    for (std::size_t i = b; i < e; ++i) {
      p.items.push_back(all[i].second);
      p.keys.push_back(all[i].first);
    }
    return p;
  }

  // Writes the selection of one object; `concrete` is its type for fragments.
  template <typename F>
  std::string Object(const std::vector<Selection>& sel, const std::string& concrete,
                     std::vector<std::string>* path, F&& field) {
    std::string out = "{";
    std::set<std::string> written;
    std::function<void(const std::vector<Selection>&)> walk =
        [&](const std::vector<Selection>& list) {
          for (const Selection& s : list) {
            if (!s.on_type.empty()) {
              if (s.on_type == concrete) walk(s.sub);
              continue;
            }
            if (!written.insert(s.alias).second) continue;
            path->push_back(s.alias);
            std::string v = s.name == "__typename" ? J(concrete) : field(s);
            path->pop_back();
            if (out.size() > 1) out += ",";
            out += J(s.alias) + ":" + v;
          }
        };
    walk(sel);
    return out + "}";
  }

  std::string UserJson(const Selection& s, std::int64_t id, std::vector<std::string>* path) {
    const WorldUser* u = m.User(id);
    if (!u) return "null";
    std::string login = u->login;
    constexpr std::string_view kBot = "[bot]";
    if (u->type == "Bot" && login.size() > kBot.size() &&
        login.compare(login.size() - kBot.size(), kBot.size(), kBot) == 0) {
      login.resize(login.size() - kBot.size());  // GraphQL's Bot.login is the bare app name
    }
    return Object(s.sub, u->type, path, [&](const Selection& f) -> std::string {
      if (f.name == "login") return J(login);
      if (f.name == "databaseId") return std::to_string(u->id);
      if (f.name == "id") return J(fmt::format("U_{}", u->id));
      if (f.name == "url") return J(html + "/" + u->login);
      return "null";
    });
  }

  std::string Review(const Selection& s, const WorldRepo& r, const WorldReview& v,
                     std::vector<std::string>* path) {
    return Object(s.sub, "PullRequestReview", path, [&](const Selection& f) -> std::string {
      if (f.name == "id") return J(fmt::format("PRR_{}", v.id));
      if (f.name == "databaseId") return std::to_string(v.id);
      if (f.name == "fullDatabaseId") return J(std::to_string(v.id));
      if (f.name == "state") return J(v.state);
      if (f.name == "submittedAt")
        return v.state == "PENDING" ? "null" : J(WorldTimeIso(v.submitted));
      if (f.name == "url")
        return J(
            fmt::format("{}/{}/pull/{}#pullrequestreview-{}", html, r.full_name(), v.number, v.id));
      if (f.name == "author") return UserJson(f, v.user, path);
      return "null";
    });
  }

  template <typename T, typename Node>
  std::string Connection(const Selection& s, const std::string& type, Page<T>& p,
                         std::vector<std::string>* path, Node&& node) {
    return Object(s.sub, type, path, [&](const Selection& f) -> std::string {
      if (f.name == "totalCount") return std::to_string(p.total);
      if (f.name == "pageInfo") {
        return Object(f.sub, "PageInfo", path, [&](const Selection& g) -> std::string {
          if (g.name == "hasNextPage") return p.has_next ? "true" : "false";
          if (g.name == "hasPreviousPage") return p.has_prev ? "true" : "false";
          if (g.name == "startCursor") return p.keys.empty() ? "null" : J(Cursor(p.keys.front()));
          if (g.name == "endCursor") return p.keys.empty() ? "null" : J(Cursor(p.keys.back()));
          return "null";
        });
      }
      if (f.name == "nodes" || f.name == "edges") {
        std::string out = "[";
        for (std::size_t i = 0; i < p.items.size(); ++i) {
          if (i) out += ",";
          path->push_back(std::to_string(i));
          if (f.name == "nodes") {
            out += node(f, *p.items[i]);
          } else {
            std::string edge_type =
                type == "PullRequestConnection" ? "PullRequestEdge" : "PullRequestReviewEdge";
            out += Object(f.sub, edge_type, path, [&](const Selection& g) -> std::string {
              if (g.name == "cursor") return J(Cursor(p.keys[i]));
              if (g.name == "node") return node(g, *p.items[i]);
              return "null";
            });
          }
          path->pop_back();
        }
        return out + "]";
      }
      return "null";
    });
  }

  std::string Pull(const Selection& s, const WorldRepo& r, const WorldIssue& i,
                   std::vector<std::string>* path) {
    return Object(s.sub, "PullRequest", path, [&](const Selection& f) -> std::string {
      if (f.name == "id") return J(fmt::format("PR_{}", i.pr_id));
      if (f.name == "number") return std::to_string(i.number);
      if (f.name == "databaseId") return std::to_string(i.pr_id);
      if (f.name == "fullDatabaseId") return J(std::to_string(i.pr_id));
      if (f.name == "updatedAt") return J(WorldTimeIso(i.updated));
      if (f.name == "mergedAt") return i.merged ? J(WorldTimeIso(*i.merged)) : "null";
      if (f.name == "createdAt") return J(WorldTimeIso(i.created));
      if (f.name == "title") return J(i.title);
      if (f.name == "url") return J(fmt::format("{}/{}/pull/{}", html, r.full_name(), i.number));
      if (f.name == "reviews") {
        if (fail_reviews && fail_reviews(i)) {
          errors.push_back(
              {"Something went wrong while executing your query. This may be the "
               "result of a timeout, or it could be a GitHub bug. Please include "
               "`FAKE:0001` when reporting this issue.",
               "", "", PathJson(*path), Location(f)});
          return "null";
        }
        std::vector<std::pair<Key, const WorldReview*>> all;
        for (const auto& v : r.reviews)
          if (v.number == i.number) all.push_back({Key{v.id, v.id}, &v});
        bool bad = false;
        Page<WorldReview> p = Slice(std::move(all), f, false, path, &bad);
        if (bad) return "null";
        return Connection(
            f, "PullRequestReviewConnection", p, path,
            [&](const Selection& g, const WorldReview& v) { return Review(g, r, v, path); });
      }
      return "null";
    });
  }

  std::string Repository(const Selection& s, const WorldRepo& r, std::vector<std::string>* path) {
    return Object(s.sub, "Repository", path, [&](const Selection& f) -> std::string {
      if (f.name == "id") return J(fmt::format("R_{}", r.id));
      if (f.name == "databaseId") return std::to_string(r.id);
      if (f.name == "name") return J(r.name);
      if (f.name == "nameWithOwner") return J(r.full_name());
      if (f.name == "pullRequests") {
        std::string field = "CREATED_AT";
        bool desc = false;
        if (const Value* o = ctx.Arg(f, "orderBy")) {
          if (const Value* v = o->Field("field")) field = v->s;
          if (const Value* v = o->Field("direction")) desc = v->s == "DESC";
        }
        std::vector<std::pair<Key, const WorldIssue*>> all;
        for (const auto& i : r.issues) {
          if (!i.is_pull) continue;
          all.push_back({Key{field == "UPDATED_AT" ? i.updated : i.created, i.number}, &i});
        }
        bool bad = false;
        Page<WorldIssue> p = Slice(std::move(all), f, desc, path, &bad);
        if (bad) return "null";
        return Connection(
            f, "PullRequestConnection", p, path,
            [&](const Selection& g, const WorldIssue& i) { return Pull(g, r, i, path); });
      }
      return "null";
    });
  }

  // The pull request a node id names, with its repository (deleted repositories' nodes are
  // gone with them).
  std::pair<const WorldRepo*, const WorldIssue*> PullByNodeId(const std::string& id) {
    if (id.rfind("PR_", 0) != 0) return {nullptr, nullptr};
    std::int64_t pr_id = 0;
    try {
      pr_id = std::stoll(id.substr(3));
    } catch (...) {
      return {nullptr, nullptr};
    }
    for (const auto& r : m.repos) {
      if (r.deleted) continue;
      for (const auto& i : r.issues)
        if (i.is_pull && i.pr_id == pr_id) return {&r, &i};
    }
    return {nullptr, nullptr};
  }

  std::string NodeJson(const Selection& s, const std::string& id, std::vector<std::string>* path) {
    auto [repo, pull] = PullByNodeId(id);
    if (!pull) {
      errors.push_back({fmt::format("Could not resolve to a node with the global id of '{}'", id),
                        "NOT_FOUND", "", PathJson(*path), Location(s)});
      return "null";
    }
    return Pull(s, *repo, *pull, path);
  }

  std::string Query(const std::vector<Selection>& sel) {
    std::vector<std::string> path;
    return Object(sel, "Query", &path, [&](const Selection& f) -> std::string {
      if (f.name == "rateLimit") return rate_limit(f);
      if (f.name == "repository") {
        std::string owner = ctx.Arg(f, "owner")->s, name = ctx.Arg(f, "name")->s;
        const WorldRepo* r = m.Repo(owner + "/" + name);
        if (!r || r->deleted) {
          errors.push_back(
              {fmt::format("Could not resolve to a Repository with the name '{}/{}'.", owner, name),
               "NOT_FOUND", "", PathJson(path), Location(f)});
          return "null";
        }
        return Repository(f, *r, &path);
      }
      if (f.name == "node") return NodeJson(f, ctx.Arg(f, "id")->s, &path);
      if (f.name == "nodes") {
        const Value* ids = ctx.Arg(f, "ids");
        std::string out = "[";
        for (std::size_t k = 0; k < ids->list.size(); ++k) {
          if (k) out += ",";
          path.push_back(std::to_string(k));
          out += NodeJson(f, ids->list[k].s, &path);
          path.pop_back();
        }
        return out + "]";
      }
      return "null";
    });
  }
};

}  // namespace

struct GraphqlEndpoint::State {
  std::mutex mu;
  GraphqlEndpointOptions options;
  GraphqlCounters counters;
  std::int64_t used = 0, window_start = -1;
  std::map<std::uint64_t, std::uint64_t> asked;  // request body hash -> times seen

  std::int64_t Now() const {
    if (options.now) return options.now();
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
  void Window() {
    std::int64_t now = Now();
    if (window_start < 0 || now >= window_start + options.window.count()) {
      window_start = now;
      used = 0;
    }
  }
  std::int64_t Remaining() const { return std::max<std::int64_t>(0, options.limit - used); }
  std::int64_t Reset() const { return window_start + options.window.count(); }
  void Headers(HttpResponse* out) const {
    out->headers.emplace_back("x-ratelimit-limit", std::to_string(options.limit));
    out->headers.emplace_back("x-ratelimit-remaining", std::to_string(Remaining()));
    out->headers.emplace_back("x-ratelimit-used", std::to_string(used));
    out->headers.emplace_back("x-ratelimit-reset", std::to_string(Reset()));
    out->headers.emplace_back("x-ratelimit-resource", "graphql");
  }
};

GraphqlEndpoint::GraphqlEndpoint(GraphqlEndpointOptions options)
    : state_(std::make_shared<State>()) {
  state_->options = std::move(options);
}

std::string GraphqlEndpoint::SchemaLines() {
  std::string out;
  for (const auto& [type, fields] : Schema()) {
    for (const auto& [name, def] : fields) {
      out += type + "." + name;
      for (const auto& a : def.args) out += " " + a;
      out += "\n";
    }
  }
  return out;
}

bool GraphqlEndpoint::Handles(const HttpRequest& req) {
  return req.path == "/graphql" || req.path == "/api/graphql";
}

GraphqlCounters GraphqlEndpoint::counters() const {
  std::lock_guard lock(state_->mu);
  return state_->counters;
}
void GraphqlEndpoint::ResetCounters() {
  std::lock_guard lock(state_->mu);
  state_->counters = {};
}
void GraphqlEndpoint::ResetRateLimit() {
  std::lock_guard lock(state_->mu);
  state_->window_start = -1;
  state_->used = 0;
}
void GraphqlEndpoint::set_enabled(bool enabled) {
  std::lock_guard lock(state_->mu);
  state_->options.enabled = enabled;
}
void GraphqlEndpoint::set_partial_rate(double rate) {
  std::lock_guard lock(state_->mu);
  state_->options.partial_rate = rate;
}

HttpResponse GraphqlEndpoint::Serve(const HttpRequest& req, const World& world,
                                    const std::string& html) {
  State& st = *state_;
  HttpResponse out;
  out.headers.emplace_back("content-type", "application/json; charset=utf-8");
  std::unique_lock lock(st.mu);
  st.counters.requests++;
  if (!st.options.enabled) {
    out.status = 404;
    out.body = R"({"message":"Not Found","documentation_url":"https://docs.github.com/rest"})";
    return out;
  }
  if (req.method != "POST") {
    out.status = 404;
    out.body = R"({"message":"Not Found","documentation_url":"https://docs.github.com/graphql"})";
    return out;
  }
  st.Window();
  auto errors_only = [&](const std::vector<GqlError>& errors) {
    std::string list;
    for (const auto& e : errors) list += (list.empty() ? "" : ",") + e.Json();
    out.body = "{\"errors\":[" + list + "]}";
    st.counters.rejected++;
    st.Headers(&out);
    return out;
  };

  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  std::string_view query;
  if (parser.parse(req.body).get(doc) || doc["query"].get_string().get(query)) {
    out.status = 400;
    out.body =
        R"({"message":"Problems parsing JSON","documentation_url":"https://docs.github.com/graphql"})";
    return out;
  }
  Value vars;
  simdjson::dom::element v;
  if (!doc["variables"].get(v) && v.is_object()) vars = FromJson(v);
  std::string_view op_name;
  if (doc["operationName"].get_string().get(op_name)) op_name = {};

  std::vector<Selection> sel;
  Parser p(query);
  if (!p.Document(std::string(op_name), &sel)) {
    return errors_only({{p.error(), "", "", "",
                         fmt::format("{{\"line\":{},\"column\":{}}}", p.line(), p.column())}});
  }
  Context ctx(&vars);
  Analysis a;
  Analyze(ctx, sel, "Query", 1, &a);
  if (!a.errors.empty()) return errors_only(a.errors);
  if (a.nodes > static_cast<double>(st.options.max_nodes)) {
    return errors_only({{fmt::format("This query requests up to {:.0f} nodes which exceeds the "
                                     "maximum limit of {}.",
                                     a.nodes, st.options.max_nodes),
                         "MAX_NODE_LIMIT_EXCEEDED", "", "", ""}});
  }
  if (st.Remaining() <= 0) {
    st.counters.rate_limited++;
    st.counters.rejected--;  // counted apart
    return errors_only({{"API rate limit already exceeded for user ID 1.", "RATE_LIMITED",
                         "graphql_rate_limit", "", ""}});
  }
  // GitHub's formula: connection requests / 100, rounded, at least 1.
  const std::int64_t cost = std::max<std::int64_t>(1, std::llround(a.requests / 100.0));
  st.used += cost;
  st.counters.points += cost;
  st.counters.nodes += static_cast<std::int64_t>(a.nodes);
  const std::uint64_t attempt = st.asked[Fnv1a64(req.body)]++;
  const double partial = st.options.partial_rate;
  const std::uint64_t seed = st.options.seed;
  const std::int64_t remaining = st.Remaining(), used = st.used, limit = st.options.limit,
                     reset = st.Reset();
  const std::int64_t nodes = static_cast<std::int64_t>(a.nodes);
  lock.unlock();

  std::string data;
  std::vector<GqlError> errors;
  world.Read([&](const WorldModel& m) {
    Exec ex{m, ctx, html, {}, {}, {}};
    if (partial > 0) {
      ex.fail_reviews = [&](const WorldIssue& i) {
        std::uint64_t h = Fnv1a64(fmt::format("{}:{}:{}", seed, i.pr_id, attempt));
        h = (h ^ (h >> 31)) * 0x94d049bb133111ebULL;
        return static_cast<double>(h >> 11) * (1.0 / 9007199254740992.0) < partial;
      };
    }
    ex.rate_limit = [&](const Selection& f) {
      std::vector<std::string> path{f.alias};
      return ex.Object(f.sub, "RateLimit", &path, [&](const Selection& g) -> std::string {
        if (g.name == "cost") return std::to_string(cost);
        if (g.name == "limit") return std::to_string(limit);
        if (g.name == "remaining") return std::to_string(remaining);
        if (g.name == "used") return std::to_string(used);
        if (g.name == "nodeCount") return std::to_string(nodes);
        if (g.name == "resetAt") return J(WorldTimeIso(reset));
        return "null";
      });
    };
    data = ex.Query(sel);
    errors = std::move(ex.errors);
    return 0;
  });
  out.body = "{\"data\":" + data;
  if (!errors.empty()) {
    out.body += ",\"errors\":[";
    for (std::size_t i = 0; i < errors.size(); ++i) out.body += (i ? "," : "") + errors[i].Json();
    out.body += "]";
  }
  out.body += "}";
  lock.lock();
  st.counters.answered++;
  if (!errors.empty()) st.counters.partial++;
  st.Headers(&out);
  return out;
}

}  // namespace ghharvest::testing
