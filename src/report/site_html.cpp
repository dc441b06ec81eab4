// HTML escaping, link safety and the shared page frame of the site.
#include <fmt/format.h>

#include "ghharvest/report/site.hpp"
#include "report/site_frame.hpp"

namespace ghharvest::report {

std::string HtmlEscape(std::string_view s) {
  std::string out;
  out.reserve(s.size() + s.size() / 8);
  for (char ch : s) {
    switch (ch) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        // C0 controls other than tab, newline and carriage return, and DEL, are not allowed
        // in HTML text; dropping them keeps a hostile title from making the page invalid.
        if ((static_cast<unsigned char>(ch) < 0x20 && ch != '\t' && ch != '\n' && ch != '\r') ||
            ch == 0x7f) {
          break;
        }
        out += ch;
    }
  }
  return out;
}

std::string SafeHttpUrl(std::string_view url) {
  const bool http = url.substr(0, 7) == "http://" || url.substr(0, 8) == "https://";
  if (!http) return "";
  const std::size_t host = url.find("//") + 2;
  if (host >= url.size() || url[host] == '/') return "";
  for (char ch : url) {
    if (static_cast<unsigned char>(ch) <= 0x20 || ch == 0x7f) return "";
  }
  return std::string(url);
}

std::string SiteWriterPath(std::string_view writer) {
  return fmt::format("writers/{}.html", writer);
}

namespace site {

namespace {

// Charts keep a readable size on a phone (min-width) and scroll sideways in their box.
// Colours chosen for at least 4.5:1 text contrast on their background in both schemes; the
// four parts of O keep the same order and distinct lightness, so they stay apart in print.
constexpr std::string_view kCss = R"css(
:root{color-scheme:light dark;--bg:#ffffff;--fg:#1a1a1a;--muted:#4d4d4d;--line:#c8c8c8;
--accent:#0b5cad;--kp:#0b5cad;--i:#b5470b;--c:#2f7d32;--t:#6a3d9a;--row:#f3f5f8}
@media (prefers-color-scheme:dark){:root{--bg:#121417;--fg:#ececec;--muted:#b8b8b8;
--line:#4a4f57;--accent:#7db8f5;--kp:#7db8f5;--i:#f3a46b;--c:#8fd18f;--t:#c9a7ef;
--row:#1d2127}}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);font:16px/1.5 system-ui,-apple-system,
"Segoe UI",Roboto,sans-serif}
main{max-width:60rem;margin:0 auto;padding:1rem}
a{color:var(--accent)}
h1{font-size:1.6rem;margin:.5rem 0}
h2{font-size:1.2rem;margin:1.5rem 0 .5rem}
.muted{color:var(--muted)}
.scroll{overflow-x:auto}
table{border-collapse:collapse;width:100%}
th,td{padding:.35rem .5rem;border-bottom:1px solid var(--line);text-align:left}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
tbody tr:nth-child(even){background:var(--row)}
th button{font:inherit;font-weight:bold;color:inherit;background:none;border:0;padding:0;
cursor:pointer;text-decoration:underline dotted}
svg{width:100%;height:auto;display:block;min-width:30rem}
svg text{fill:var(--fg);font-size:12px}
svg .axis{stroke:var(--muted);stroke-width:1}
svg .grid{stroke:var(--line);stroke-width:1}
svg .line{fill:none;stroke:var(--accent);stroke-width:2}
svg .pt{fill:var(--accent)}
.seg-kp{fill:var(--kp)}.seg-i{fill:var(--i)}.seg-c{fill:var(--c)}.seg-t{fill:var(--t)}
.key{margin:0 .3em 0 .8em}
.key.kp{color:var(--kp)}.key.i{color:var(--i)}.key.c{color:var(--c)}.key.t{color:var(--t)}
ul.items{padding-left:1.2rem;overflow-wrap:anywhere}
@media print{:root{--bg:#fff;--fg:#000;--muted:#333;--row:#fff}th button{text-decoration:none}
a{color:#000}a[href^="http"]::after{content:" (" attr(href) ")";font-size:.8em}
main{max-width:none}}
)css";

}  // namespace

std::string PageStart(std::string_view title, bool inline_script) {
  // default-src 'none': no font, image, style sheet, frame or fetch from anywhere, this
  // folder included; only the inline style (and on the index its own inline script).
  const std::string_view script = inline_script ? "'unsafe-inline'" : "'none'";
  return fmt::format(
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
      "style-src 'unsafe-inline'; script-src {}; base-uri 'none'; form-action 'none'\">\n"
      "<meta name=\"referrer\" content=\"no-referrer\">\n"
      "<title>{}</title>\n<style>{}</style>\n</head>\n<body>\n<main>\n",
      script, HtmlEscape(title), kCss);
}

std::string PageEnd() { return "</main>\n</body>\n</html>\n"; }

std::string ExactNumber(double v) {
  if (v == 0) return "0";  // "-0" too
  return fmt::format("{}", v);
}

}  // namespace site

}  // namespace ghharvest::report
