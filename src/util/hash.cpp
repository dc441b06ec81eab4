#include "ghharvest/util/hash.hpp"

namespace ghharvest {

std::uint64_t Fnv1a64(std::string_view data, std::uint64_t basis) {
  std::uint64_t h = basis;
  for (unsigned char c : data) {
    h ^= c;
    h *= kFnv1a64Prime;
  }
  return h;
}

}  // namespace ghharvest
