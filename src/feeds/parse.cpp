// The feed parsers. XML formats go through libxml2's xmlTextReader, one node at a time, with
// the options that keep a hostile feed harmless: no DTD loading or validation, no entity
// substitution (an entity reference stays a node that we skip, so "billion laughs" expands to
// nothing and an external entity is never read), no network (XML_PARSE_NONET), and an
// external-entity loader that refuses everything as a second lock. The encoding comes from the
// prolog or the byte-order mark, as libxml2 reads it; text arrives as UTF-8.
#include <libxml/HTMLparser.h>
#include <libxml/parser.h>
#include <libxml/xmlreader.h>

#include <cctype>
#include <cstring>
#include <limits>
#include <memory>
#include <mutex>

#include <fmt/format.h>
#include <simdjson.h>

#include "feeds/html_links.hpp"
#include "feeds/text.hpp"
#include "ghharvest/feeds/parse.hpp"

namespace ghharvest::feeds {
namespace {

constexpr std::string_view kAtomNs = "http://www.w3.org/2005/Atom";
constexpr std::string_view kContentNs = "http://purl.org/rss/1.0/modules/content/";
constexpr std::string_view kDcNs = "http://purl.org/dc/elements/1.1/";

xmlParserInputPtr RefuseEntity(const char*, const char*, xmlParserCtxtPtr) { return nullptr; }

void InitLibxml() {
  static std::once_flag once;
  std::call_once(once, [] {
    xmlInitParser();
    xmlSetExternalEntityLoader(&RefuseEntity);
  });
}

std::string_view View(const xmlChar* s) {
  return s ? std::string_view(reinterpret_cast<const char*>(s)) : std::string_view();
}

std::string Take(xmlChar* s) {
  if (!s) return {};
  std::string out(reinterpret_cast<const char*>(s));
  xmlFree(s);
  return out;
}

using internal::AddLink;
using internal::ContainsGithub;
using internal::HtmlLinks;
using internal::MayBeGithub;

std::string Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return std::string(s);
}

// The text of an HTML fragment (an Atom title of type html).
std::string HtmlText(std::string_view html) {
  if (html.find('<') == std::string_view::npos && html.find('&') == std::string_view::npos) {
    return Trim(html);
  }
  htmlDocPtr doc = htmlReadMemory(
      html.data(), static_cast<int>(html.size()), nullptr, "UTF-8",
      HTML_PARSE_NONET | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING | HTML_PARSE_RECOVER);
  if (!doc) return Trim(html);
  std::string text = Take(xmlNodeGetContent(xmlDocGetRootElement(doc)));
  xmlFreeDoc(doc);
  return Trim(text);
}

// URLs written out in plain text: each run of non-space characters starting http:// or https://.
void TextLinks(std::string_view text, std::vector<std::string>* out) {
  std::size_t i = 0;
  while (i < text.size()) {
    std::size_t h = text.find("http", i);
    if (h == std::string_view::npos) return;
    std::string_view rest = text.substr(h);
    if (rest.substr(0, 7) != "http://" && rest.substr(0, 8) != "https://") {
      i = h + 4;
      continue;
    }
    std::size_t end = h;
    while (end < text.size() && !std::isspace(static_cast<unsigned char>(text[end])) &&
           text[end] != '<' && text[end] != '>' && text[end] != '"' && text[end] != '\'' &&
           text[end] != ')') {
      ++end;
    }
    std::string_view url = text.substr(h, end - h);
    while (!url.empty() && (url.back() == '.' || url.back() == ',' || url.back() == ';')) {
      url.remove_suffix(1);
    }
    if (ContainsGithub(url)) AddLink("", url, out);
    i = end;
  }
}

struct ReaderDeleter {
  void operator()(xmlTextReader* r) const { xmlFreeTextReader(r); }
};

// The first fatal error libxml2 reports (a well-formedness error), with its line: the message
// a feed's owner can act on. Namespace errors (an undeclared prefix, as some feeds have on
// <media:content>) are not: the document is still XML, and the element is skipped unread.
void OnXmlError(void* arg, xmlErrorPtr err) {
  auto* first = static_cast<std::string*>(arg);
  if (!first->empty() || err == nullptr || err->level < XML_ERR_FATAL) return;
  std::string msg = err->message ? Trim(err->message) : std::string("unknown error");
  *first = fmt::format("line {}: {}", err->line, msg);
}

class XmlFeedReader {
 public:
  XmlFeedReader(std::string_view body, const std::string& url) : url_(url) {
    reader_.reset(xmlReaderForMemory(body.data(), static_cast<int>(body.size()), url.c_str(),
                                     nullptr, XML_PARSE_NONET | XML_PARSE_NOCDATA));
    if (reader_) xmlTextReaderSetStructuredErrorHandler(reader_.get(), &OnXmlError, &error_);
  }

  Result<ParsedFeed> Parse() {
    if (!reader_) return Status::Corruption("malformed XML: libxml2 could not start a reader");
    int ret = Read();
    while (ret == 1) {
      const int type = xmlTextReaderNodeType(r());
      if (type == XML_READER_TYPE_END_ELEMENT) {
        if (in_entry_ && xmlTextReaderDepth(r()) == entry_depth_) EndEntry();
        ret = Read();
        continue;
      }
      if (type != XML_READER_TYPE_ELEMENT) {
        ret = Read();
        continue;
      }
      const int depth = xmlTextReaderDepth(r());
      const std::string_view ns = View(xmlTextReaderConstNamespaceUri(r()));
      const std::string_view name = View(xmlTextReaderConstLocalName(r()));
      if (!root_seen_) {
        root_seen_ = true;
        if (name == "rss" && ns.empty()) {
          feed_.format = FeedFormat::kRss;
        } else if (name == "feed" && ns == kAtomNs) {
          feed_.format = FeedFormat::kAtom;
        } else if (name == "html" || name == "HTML") {
          return Status::Corruption("an HTML page, not a feed (the root element is <html>)");
        } else if (name == "RDF") {
          return Status::Corruption("not a feed this version reads: RSS 1.0 (RDF)");
        } else {
          return Status::Corruption(fmt::format(
              "not a feed: the root element is <{}>, not <rss> or Atom's <feed>", name));
        }
        ret = Read();
        continue;
      }
      const bool rss = feed_.format == FeedFormat::kRss;
      if (!in_entry_) {
        if (rss ? (ns.empty() && name == "item") : (ns == kAtomNs && name == "entry")) {
          if (xmlTextReaderIsEmptyElement(r())) {
            ret = Read();
            continue;
          }
          in_entry_ = true;
          entry_base_ = Base();
          entry_depth_ = depth;
          cur_ = FeedEntry{};
          ret = Read();
          continue;
        }
        // The feed's own title: a child of <channel> (RSS) or of <feed> (Atom).
        if (name == "title" && depth == (rss ? 2 : 1) && (rss ? ns.empty() : ns == kAtomNs)) {
          std::string type = Attr("type");
          std::string t;
          ret = ReadText(&t);
          feed_.title = type == "html" ? HtmlText(t) : Trim(t);
          continue;
        }
        ret = Read();
        continue;
      }
      if (depth != entry_depth_ + 1) {
        ret = Read();
        continue;
      }
      ret = rss ? RssField(ns, name) : AtomField(ns, name);
    }
    if (ret < 0 || !error_.empty()) {
      return Status::Corruption(
          fmt::format("malformed XML: {}", error_.empty() ? "the document is cut" : error_));
    }
    if (!root_seen_) return Status::Corruption("not a feed: the document is empty");
    return std::move(feed_);
  }

 private:
  xmlTextReader* r() { return reader_.get(); }
  int Read() { return xmlTextReaderRead(r()); }

  std::string Attr(const char* name) { return Take(xmlTextReaderGetAttribute(r(), BAD_CAST name)); }
  // The base URI of the current node (the document's URL with every xml:base on the way).
  std::string Base() { return Take(xmlTextReaderBaseUri(r())); }
  // The same for a child of the entry: the entry's, unless the child sets its own xml:base
  // (libxml2 composes that one); asking libxml2 for every child is a walk up the tree each.
  std::string ChildBase() {
    if (xmlTextReaderHasAttributes(r()) == 1) {
      xmlChar* own = xmlTextReaderGetAttributeNs(r(), BAD_CAST "base",
                                                 BAD_CAST "http://www.w3.org/XML/1998/namespace");
      if (own != nullptr) {
        xmlFree(own);
        return Base();
      }
    }
    return entry_base_;
  }

  // The text below the current element (character data of every descendant, CDATA included,
  // entity references left out), leaving the reader on the node after its end. With
  // `links`, the href of each a/area descendant (Atom xhtml content) is collected as well.
  int ReadText(std::string* out, std::vector<std::string>* links = nullptr) {
    if (xmlTextReaderIsEmptyElement(r())) return Read();
    const int depth = xmlTextReaderDepth(r());
    int ret;
    while ((ret = Read()) == 1) {
      const int type = xmlTextReaderNodeType(r());
      if (type == XML_READER_TYPE_END_ELEMENT && xmlTextReaderDepth(r()) == depth) {
        return Read();
      }
      if (type == XML_READER_TYPE_TEXT || type == XML_READER_TYPE_CDATA ||
          type == XML_READER_TYPE_SIGNIFICANT_WHITESPACE || type == XML_READER_TYPE_WHITESPACE) {
        out->append(View(xmlTextReaderConstValue(r())));
      } else if (links && type == XML_READER_TYPE_ELEMENT) {
        const std::string_view n = View(xmlTextReaderConstLocalName(r()));
        if (n == "a" || n == "area") {
          std::string href = Attr("href");
          if (!href.empty()) {
            const std::string base = Base();
            if (MayBeGithub(href, base)) AddLink(base, href, links);
          }
        }
      }
    }
    return ret;
  }

  // The text buffer of the field being read, emptied: one buffer for the whole feed rather
  // than an allocation the size of a post for each.
  std::string& Scratch() {
    text_.clear();
    return text_;
  }

  void SetDate(const std::string& text, std::optional<Clock::TimePoint>* out) {
    Clock::TimePoint t;
    if (ParseFeedDate(Trim(text), &t)) *out = t;
  }

  int RssField(std::string_view ns, std::string_view name) {
    std::string& text = Scratch();
    int ret;
    if (ns.empty()) {
      if (name == "title") {
        ret = ReadText(&text);
        cur_.title = Trim(text);
      } else if (name == "link") {
        const std::string base = ChildBase();
        ret = ReadText(&text);
        if (auto u = ResolveUrl(base, Trim(text))) cur_.link = *u;
      } else if (name == "guid") {
        const std::string permalink = Attr("isPermaLink");
        const std::string base = ChildBase();
        ret = ReadText(&text);
        cur_.id = Trim(text);
        // A guid is a permalink unless it says otherwise (RSS 2.0).
        if (permalink != "false") {
          if (auto u = ResolveUrl(base, cur_.id)) guid_link_ = *u;
        }
      } else if (name == "description") {
        const std::string base = ChildBase();
        ret = ReadText(&text);
        HtmlLinks(text, base, &cur_.content_links);
      } else if (name == "pubDate") {
        ret = ReadText(&text);
        SetDate(text, &cur_.published);
      } else if (name == "category") {
        ret = ReadText(&text);
        cur_.categories.push_back(Trim(text));
      } else {
        ret = xmlTextReaderNext(r());
      }
    } else if (ns == kContentNs && name == "encoded") {
      const std::string base = ChildBase();
      ret = ReadText(&text);
      HtmlLinks(text, base, &cur_.content_links);
    } else if (ns == kDcNs && name == "date") {
      ret = ReadText(&text);
      // dc:date stands in for pubDate; it is the date of the post, not of an edit.
      if (!cur_.published) SetDate(text, &cur_.published);
    } else if (ns == kAtomNs && name == "updated") {
      // Medium writes an edit's time as atom:updated inside RSS items.
      ret = ReadText(&text);
      SetDate(text, &cur_.updated);
    } else if (ns == kDcNs && name == "subject") {
      ret = ReadText(&text);
      cur_.categories.push_back(Trim(text));
    } else {
      ret = xmlTextReaderNext(r());
    }
    return ret;
  }

  int AtomField(std::string_view ns, std::string_view name) {
    if (ns != kAtomNs) return xmlTextReaderNext(r());
    std::string& text = Scratch();
    int ret;
    if (name == "id") {
      ret = ReadText(&text);
      cur_.id = Trim(text);
    } else if (name == "title") {
      const std::string type = Attr("type");
      ret = ReadText(&text);
      cur_.title = type == "html" ? HtmlText(text) : Trim(text);
    } else if (name == "link") {
      std::string rel = Attr("rel");
      const std::string href = Attr("href");
      if ((rel.empty() || rel == "alternate") && cur_.link.empty()) {
        if (auto u = ResolveUrl(ChildBase(), href)) cur_.link = *u;
      } else if (rel == "related" || rel == "via") {
        AddLink(ChildBase(), href, &cur_.content_links);
      }
      ret = xmlTextReaderNext(r());
    } else if (name == "published") {
      ret = ReadText(&text);
      SetDate(text, &cur_.published);
    } else if (name == "updated") {
      ret = ReadText(&text);
      SetDate(text, &cur_.updated);
    } else if (name == "category") {
      std::string term = Attr("term");
      if (!term.empty()) cur_.categories.push_back(Trim(term));
      ret = xmlTextReaderNext(r());
    } else if (name == "content" || name == "summary") {
      std::string type = Attr("type");
      const std::string base = ChildBase();
      if (type == "xhtml") {
        ret = ReadText(&text, &cur_.content_links);
      } else {
        ret = ReadText(&text);
        if (type == "html" || type == "text/html") {
          HtmlLinks(text, base, &cur_.content_links);
        } else if (type.empty() || type == "text" || type == "text/plain") {
          TextLinks(text, &cur_.content_links);
        }
      }
    } else {
      ret = xmlTextReaderNext(r());
    }
    return ret;
  }

  void EndEntry() {
    in_entry_ = false;
    if (cur_.link.empty() && !guid_link_.empty()) cur_.link = guid_link_;
    guid_link_.clear();
    feed_.entries.push_back(std::move(cur_));
    cur_ = FeedEntry{};
  }

  std::string url_;
  std::unique_ptr<xmlTextReader, ReaderDeleter> reader_;
  std::string error_;
  ParsedFeed feed_;
  bool root_seen_ = false;
  bool in_entry_ = false;
  int entry_depth_ = 0;
  FeedEntry cur_;
  std::string guid_link_;
  std::string entry_base_;
  std::string text_;
};

// JSON Feed 1.1 (https://www.jsonfeed.org/version/1.1/), 1.0 accepted too.
Result<ParsedFeed> ParseJsonFeed(std::string_view body, const std::string& url) {
  namespace dom = simdjson::dom;
  thread_local dom::parser parser;
  dom::element doc;
  if (auto err = parser.parse(body.data(), body.size()).get(doc)) {
    return Status::Corruption(fmt::format("JSON Feed: not JSON: {}", simdjson::error_message(err)));
  }
  dom::object root;
  if (doc.get(root)) return Status::Corruption("JSON Feed: the document is not an object");
  std::string_view version;
  if (root["version"].get(version) || version.rfind("https://jsonfeed.org/version/", 0) != 0) {
    return Status::Corruption("JSON Feed: no \"version\" of https://jsonfeed.org/version/...");
  }
  ParsedFeed feed;
  feed.format = FeedFormat::kJsonFeed;
  if (std::string_view t; !root["title"].get(t)) feed.title = Trim(t);
  dom::array items;
  if (root["items"].get(items)) return Status::Corruption("JSON Feed: no \"items\" array");
  for (dom::element item : items) {
    dom::object o;
    if (item.get(o)) continue;
    FeedEntry e;
    std::string_view s;
    if (!o["id"].get(s)) {
      e.id = Trim(s);
    } else if (int64_t n; !o["id"].get(n)) {
      e.id = std::to_string(n);  // 1.0 feeds in the wild write numbers
    }
    if (!o["url"].get(s)) {
      if (auto u = ResolveUrl(url, s)) e.link = *u;
    }
    if (!o["external_url"].get(s)) AddLink(url, s, &e.content_links);
    if (!o["title"].get(s)) e.title = Trim(s);
    if (!o["content_html"].get(s)) HtmlLinks(s, url, &e.content_links);
    if (!o["content_text"].get(s)) TextLinks(s, &e.content_links);
    if (!o["summary"].get(s)) TextLinks(s, &e.content_links);
    Clock::TimePoint t;
    if (!o["date_published"].get(s) && ParseFeedDate(s, &t)) e.published = t;
    if (!o["date_modified"].get(s) && ParseFeedDate(s, &t)) e.updated = t;
    dom::array tags;
    if (!o["tags"].get(tags)) {
      for (dom::element tag : tags) {
        if (!tag.get(s)) e.categories.push_back(Trim(s));
      }
    }
    feed.entries.push_back(std::move(e));
  }
  return feed;
}

bool StartsWithNoCase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(s[i])) != prefix[i]) return false;
  }
  return true;
}

}  // namespace

std::string_view FormatName(FeedFormat f) {
  switch (f) {
    case FeedFormat::kRss:
      return "RSS";
    case FeedFormat::kAtom:
      return "Atom";
    case FeedFormat::kJsonFeed:
      return "JSON Feed";
  }
  return "?";
}

Result<ParsedFeed> ParseFeed(std::string_view body, const std::string& url) {
  InitLibxml();
  if (body.size() > static_cast<std::size_t>(std::numeric_limits<int>::max())) {
    return Status::Corruption("feed too large for the XML parser");
  }
  std::string_view head = body;
  if (head.substr(0, 3) == "\xEF\xBB\xBF") head.remove_prefix(3);  // a UTF-8 byte-order mark
  while (!head.empty() && std::isspace(static_cast<unsigned char>(head.front()))) {
    head.remove_prefix(1);
  }
  if (head.empty()) return Status::Corruption("not a feed: the body is empty");
  if (head.front() == '{') return ParseJsonFeed(head, url);
  // A site's page where the feed was: say so rather than report the first HTML-isms
  // that are not XML.
  if (StartsWithNoCase(head, "<!doctype html") || StartsWithNoCase(head, "<html")) {
    return Status::Corruption("an HTML page, not a feed");
  }
  XmlFeedReader reader(body, url);
  return reader.Parse();
}

}  // namespace ghharvest::feeds
