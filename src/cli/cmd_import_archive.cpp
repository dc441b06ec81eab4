#include <cstdio>

#include "ghharvest/cli/commands.hpp"

namespace ghharvest::cli {

// Not built yet: says so and exits EX_UNAVAILABLE rather than pretend to work.
int CmdImportArchive(const CommonOptions&, const std::vector<std::string>&) {
  std::fputs("ghharvest: 'import-archive' is not implemented yet\n", stderr);
  return kExitUnavailable;
}

}  // namespace ghharvest::cli
