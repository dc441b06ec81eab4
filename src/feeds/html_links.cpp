// The links of a post's HTML, read by libxml2. The HTML parser is the reference: it reads any
// HTML a blog engine writes (unquoted attributes, <br>, &nbsp;). But it runs about three times
// slower than libxml2's XML parser, and a large feed's posts are most of what parsing it costs.
// Many engines write posts that are well-formed XML (kramdown's <br />, wpautop's numeric
// character references, xhtml-minded Atom generators), and for those the XML parser sees the
// very same start tags. So a fragment goes to the XML parser first, which hands it on to the
// HTML parser at the first sign that the two would read it differently: not well-formed XML
// (an error stops it there), markup HTML reads otherwise (raw-text elements such as <script>,
// CDATA sections, processing instructions, names with letters HTML's names stop at), or a
// GitHub href holding a space (XML turns a newline into one) or an '&'. HTML's
// named characters (&nbsp;) are declared to the XML parser. Links the XML parser found are
// kept only when it read the whole fragment. tests/fuzz/html_links_fuzz.cpp holds the two routes to
// the same links on every input the XML route keeps.
#include "feeds/html_links.hpp"

#include <libxml/HTMLparser.h>
#include <libxml/dict.h>
#include <libxml/entities.h>
#include <libxml/parser.h>
#include <libxml/parserInternals.h>

#include <array>
#include <cctype>
#include <memory>
#include <unordered_map>

#include "feeds/text.hpp"
#include "ghharvest/feeds/parse.hpp"

namespace ghharvest::feeds::internal {
namespace {

// A reused parser context keeps the names it interned in its dictionary; a context that has
// seen this many distinct names is replaced, so hostile posts cannot grow it for ever.
constexpr int kMaxDictNames = 20000;

struct LinkSink {
  const std::string* base = nullptr;
  std::vector<std::string>* out = nullptr;
  bool xml_error = false;  // XML route: the parser reported an error and was stopped
  bool differs = false;    // XML route: markup the HTML parser reads otherwise
};
thread_local LinkSink* sink = nullptr;

bool IsLinkElement(const xmlChar* name) {
  return xmlStrcasecmp(name, BAD_CAST "a") == 0 || xmlStrcasecmp(name, BAD_CAST "area") == 0;
}

void Offer(std::string_view href) {
  if (MayBeGithub(href, *sink->base)) AddLink(*sink->base, href, sink->out);
}

// HTML parser: attributes as name/value pairs.
void OnHtmlStart(void*, const xmlChar* name, const xmlChar** attrs) {
  if (sink == nullptr || attrs == nullptr || name == nullptr || !IsLinkElement(name)) return;
  for (const xmlChar** a = attrs; a[0] != nullptr; a += 2) {
    if (xmlStrcasecmp(a[0], BAD_CAST "href") == 0 && a[1] != nullptr) {
      Offer(reinterpret_cast<const char*>(a[1]));
    }
  }
}

// Elements whose content HTML reads as text (or as text and entities) where XML reads markup.
bool RawTextElement(std::string_view lower_name) {
  static constexpr std::array<std::string_view, 10> kRaw = {
      "script", "style",   "textarea", "title",    "xmp",
      "iframe", "noembed", "noframes", "noscript", "plaintext"};
  for (std::string_view r : kRaw) {
    if (lower_name == r) return true;
  }
  return false;
}

bool HtmlNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == ':' ||
         c == '-' || c == '_' || c == '.';
}

// Whether the HTML parser reads an element the XML parser saw as `name` (or its prefix)
// otherwise: a raw-text element, or a name with characters beyond HTML's ASCII letters,
// digits and :-_. (HTML's name stops there and reads the rest as attributes). Every other
// name is followed, in well-formed XML, by a space, '/' or '>' where HTML's ends as well.
bool ReadAsHtmlDifferently(const xmlChar* name) {
  char lower[10];
  std::size_t n = 0;
  for (const xmlChar* p = name; *p != 0; ++p, ++n) {
    const char c = static_cast<char>(*p);
    if (!HtmlNameChar(c)) return true;
    if (n < sizeof lower) lower[n] = static_cast<char>(c | 0x20);  // letters to lower case
  }
  if (n == 0) return true;
  return n <= sizeof lower && RawTextElement(std::string_view(lower, n));
}

// XML route: something the HTML parser reads otherwise; the XML parser need read no further.
void Differs(void* ctxt) {
  sink->differs = true;
  xmlStopParser(static_cast<xmlParserCtxtPtr>(ctxt));
}

// CDATA sections are text to XML and a bogus comment ending at the first '>' to HTML;
// processing instructions end at "?>" in XML and at '>' in HTML.
void OnXmlCdata(void* ctxt, const xmlChar*, int) {
  if (sink != nullptr) Differs(ctxt);
}
void OnXmlPi(void* ctxt, const xmlChar*, const xmlChar*) {
  if (sink != nullptr) Differs(ctxt);
}

// XML parser (SAX2): a prefixed name such as svg:a is, to the HTML parser, the element
// "svg:a", not "a"; attributes come as (local name, prefix, URI, value, end) quintuples.
void OnXmlStart(void* ctxt, const xmlChar* local, const xmlChar* prefix, const xmlChar*, int,
                const xmlChar**, int nb_attributes, int, const xmlChar** attrs) {
  if (sink == nullptr || local == nullptr) return;
  if (ReadAsHtmlDifferently(local) || (prefix != nullptr && ReadAsHtmlDifferently(prefix))) {
    Differs(ctxt);
    return;
  }
  if (prefix != nullptr || !IsLinkElement(local)) return;
  for (int i = 0; i < nb_attributes; ++i) {
    const xmlChar** a = attrs + 5 * i;
    if (a[1] != nullptr || xmlStrcasecmp(a[0], BAD_CAST "href") != 0) continue;
    const std::string_view href(reinterpret_cast<const char*>(a[3]),
                                static_cast<std::size_t>(a[4] - a[3]));
    if (!MayBeGithub(href, *sink->base)) continue;
    // XML made any newline or tab in the value a space, and, not substituting entities, left
    // a reference to one of HTML's named characters as written (see HtmlEntity) and &amp; as
    // "&#38;"; the HTML parser did none of that.
    if (href.find_first_of(" &") != std::string_view::npos) {
      Differs(ctxt);
      return;
    }
    AddLink(*sink->base, href, sink->out);
  }
}

// HTML's named characters (&nbsp;, &rsquo;, &hellip;: kramdown and goldmark's typographer write
// them) are not XML's, and an unknown name is an error. So the XML parser is told of them as
// entities, from the table libxml2's HTML parser reads them by (HTML 4's), each one the first
// time a post names it. The parser leaves them unexpanded (it is not asked to substitute):
// text is of no interest here, and an href that holds one is left to the HTML parser. Each is
// marked checked and given its content as a child, so the XML parser takes a reference as a
// reference (OnXmlReference) instead of parsing the entity's content again each time.
xmlEntityPtr HtmlEntity(void*, const xmlChar* name) {
  struct DocDeleter {
    void operator()(xmlDoc* d) const { xmlFreeDoc(d); }
  };
  thread_local std::unique_ptr<xmlDoc, DocDeleter> owner;
  thread_local std::unordered_map<std::string, xmlEntityPtr> known;
  const std::string key(reinterpret_cast<const char*>(name));
  if (auto it = known.find(key); it != known.end()) return it->second;
  const htmlEntityDesc* desc = htmlEntityLookup(name);
  if (desc == nullptr) return nullptr;  // an error, as in XML: the HTML parser decides
  if (!owner) {
    owner.reset(xmlNewDoc(BAD_CAST "1.0"));
    if (!owner || xmlCreateIntSubset(owner.get(), BAD_CAST "r", nullptr, nullptr) == nullptr) {
      owner.reset();
      return nullptr;
    }
  }
  xmlChar utf8[8] = {};
  xmlCopyCharMultiByte(utf8, static_cast<int>(desc->value));
  xmlEntityPtr entity =
      xmlAddDocEntity(owner.get(), name, XML_INTERNAL_GENERAL_ENTITY, nullptr, nullptr, utf8);
  if (entity != nullptr) {
    entity->checked = 1;
    if (xmlNodePtr text = xmlNewDocText(owner.get(), utf8)) {
      text->parent = reinterpret_cast<xmlNodePtr>(entity);
      entity->children = entity->last = text;
      entity->owner = 1;  // freed with the entity
    }
  }
  known.emplace(key, entity);
  return entity;
}

void OnXmlReference(void*, const xmlChar*) {}

// XML parser: the first error (not well-formed, an undeclared prefix) ends the XML route. The
// parser is stopped there: left to run, libxml2 goes on to the end reporting every mismatch
// that follows, and formatting those messages costs more than the HTML parser's whole read.
void OnXmlError(void* ctxt, xmlErrorPtr err) {
  if (err == nullptr || err->level < XML_ERR_ERROR) return;
  if (sink != nullptr) sink->xml_error = true;
  xmlStopParser(static_cast<xmlParserCtxtPtr>(ctxt));
}

struct HtmlCtxtDeleter {
  void operator()(htmlParserCtxt* c) const { htmlFreeParserCtxt(c); }
};
struct XmlCtxtDeleter {
  void operator()(xmlParserCtxt* c) const { xmlFreeParserCtxt(c); }
};

// One context of each kind per thread, reused: a context is a few allocations (input and
// node stacks, a dictionary) that cost as much as parsing a short post.
template <typename Ctxt, typename Deleter, typename Make>
Ctxt* Reused(std::unique_ptr<Ctxt, Deleter>& slot, Make make) {
  if (slot && xmlDictSize(slot->dict) > kMaxDictNames) slot.reset();
  if (!slot) slot.reset(make());
  return slot.get();
}

void ReadAsHtml(std::string_view html) {
  thread_local std::unique_ptr<htmlParserCtxt, HtmlCtxtDeleter> reused;
  htmlParserCtxt* ctxt = Reused(reused, [] {
    htmlParserCtxt* c = htmlNewParserCtxt();
    if (c != nullptr) {
      // Only element starts: no tree is built and no error message is formatted.
      xmlSAXHandler sax{};
      sax.initialized = XML_SAX2_MAGIC;
      sax.startElement = &OnHtmlStart;
      *c->sax = sax;
    }
    return c;
  });
  if (ctxt == nullptr) return;
  // The text came out of the feed's XML parser (or simdjson) as UTF-8. Named, because the HTML
  // parser takes unnamed bytes beyond ASCII for Latin-1 (the fuzz target found that); a
  // <meta charset> inside a post must not switch it (HTML_PARSE_IGNORE_ENC).
  htmlDocPtr doc =
      htmlCtxtReadMemory(ctxt, html.data(), static_cast<int>(html.size()), nullptr, "UTF-8",
                         HTML_PARSE_NONET | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |
                             HTML_PARSE_RECOVER | HTML_PARSE_NOIMPLIED | HTML_PARSE_IGNORE_ENC);
  if (doc) xmlFreeDoc(doc);
}

// True when the XML parser read all of `html` as well-formed XML (its links are then in
// sink->out); false when the HTML parser must read it.
bool ReadAsXml(std::string_view html) {
  thread_local std::unique_ptr<xmlParserCtxt, XmlCtxtDeleter> reused;
  xmlParserCtxt* ctxt = Reused(reused, [] {
    xmlParserCtxt* c = xmlNewParserCtxt();
    if (c != nullptr) {
      xmlSAXHandler sax{};
      sax.initialized = XML_SAX2_MAGIC;
      sax.startElementNs = &OnXmlStart;
      sax.cdataBlock = &OnXmlCdata;
      sax.processingInstruction = &OnXmlPi;
      sax.getEntity = &HtmlEntity;
      sax.reference = &OnXmlReference;
      sax.serror = &OnXmlError;
      *c->sax = sax;
    }
    return c;
  });
  if (ctxt == nullptr) return false;
  // One root around the fragment, pushed in three chunks (no copy of the post to make), read
  // as UTF-8 (XML's default, so no encoding is named and no conversion pass runs); a
  // fragment that closes the root early is not well-formed. No DTD, no entities but XML's
  // five and HTML's named characters (HtmlEntity; any other name is an error, so the HTML
  // parser reads the post), none substituted, no network. Errors go to OnXmlError (the
  // structured handler), warnings nowhere.
  if (xmlCtxtResetPush(ctxt, "<r>", 3, nullptr, nullptr) != 0) return false;
  xmlCtxtUseOptions(ctxt, XML_PARSE_NONET | XML_PARSE_NOWARNING);
  xmlParseChunk(ctxt, html.data(), static_cast<int>(html.size()), 0);
  xmlParseChunk(ctxt, "</r>", 4, 1);
  if (ctxt->myDoc != nullptr) {
    xmlFreeDoc(ctxt->myDoc);
    ctxt->myDoc = nullptr;
  }
  return !sink->xml_error && !sink->differs && ctxt->wellFormed == 1 && ctxt->nsWellFormed == 1;
}

}  // namespace

bool MayBeGithub(std::string_view href, const std::string& base) {
  return ContainsGithub(href) ||
         (ContainsGithub(base) && href.find("://") == std::string_view::npos);
}

void AddLink(const std::string& base, std::string_view href, std::vector<std::string>* out) {
  if (auto u = ResolveUrl(base, href)) out->push_back(std::move(*u));
}

HtmlRoute HtmlLinks(std::string_view html, const std::string& base, std::vector<std::string>* out,
                    bool allow_xml) {
  // A GitHub link has "github" in it, or in the base a relative one resolves against.
  if (html.empty() || (!ContainsGithub(html) && !ContainsGithub(base))) return HtmlRoute::kSkipped;
  if (html.size() > (1u << 30)) return HtmlRoute::kSkipped;  // beyond libxml2's int sizes
  if (allow_xml) {
    std::vector<std::string> found;
    LinkSink xml{&base, &found};
    sink = &xml;
    const bool whole = ReadAsXml(html);
    sink = nullptr;
    if (whole) {
      for (std::string& l : found) out->push_back(std::move(l));
      return HtmlRoute::kXml;
    }
  }
  LinkSink reference{&base, out};
  sink = &reference;
  ReadAsHtml(html);
  sink = nullptr;
  return HtmlRoute::kHtml;
}

}  // namespace ghharvest::feeds::internal
