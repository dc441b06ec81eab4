// What every site page shares: the document head (inline CSS for light, dark and print, a
// Content-Security-Policy that allows no request at all) and number formatting.
#pragma once

#include <string>
#include <string_view>

namespace ghharvest::report::site {

// From <!DOCTYPE html> to the opening <main>. `title` is escaped here. `inline_script`
// allows the page's own inline script (the index's sorting); data never becomes a script
// because everything from data is escaped, and the policy forbids scripts from anywhere else.
std::string PageStart(std::string_view title, bool inline_script);
// Closes <main>, <body> and <html>.
std::string PageEnd();

// A number as a data-* attribute: the shortest text that reads back as the same double,
// so a test (or a reader's script) gets the database's value exactly.
std::string ExactNumber(double v);

}  // namespace ghharvest::report::site
