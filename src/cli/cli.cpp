#include "ghharvest/cli/cli.hpp"

#include <cstdio>

namespace ghharvest::cli {

// Placeholder until the CLI is built (issue: foundation). Exits EX_UNAVAILABLE.
int Main(int, char**) {
  std::fputs("ghharvest: not implemented yet\n", stderr);
  return 69;
}

}  // namespace ghharvest::cli
