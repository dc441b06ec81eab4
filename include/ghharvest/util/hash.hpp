// FNV-1a, 64-bit: one byte at a time, the same on every build, platform and run (std::hash is
// not), so its values can be stored and compared later: ETag cache keys, score-run
// fingerprints, report digests, the daemon's splay phases. Not for security.
#pragma once

#include <cstdint>
#include <string_view>

namespace ghharvest {

inline constexpr std::uint64_t kFnv1a64OffsetBasis = 0xcbf29ce484222325ULL;
inline constexpr std::uint64_t kFnv1a64Prime = 0x100000001b3ULL;

// The basis the report digests and the splay phases were first written with: the standard
// basis in decimal (14695981039346656037) less its last digit. Any basis gives a sound FNV-1a;
// this one stays because digests already on disk are compared with new ones.
inline constexpr std::uint64_t kFnv1a64ShortBasis = 1469598103934665603ULL;

// The hash of `data`, starting from `basis`. A hash continues from where it left off:
// Fnv1a64(b, Fnv1a64(a)) == Fnv1a64(a + b), so data can be hashed in pieces.
std::uint64_t Fnv1a64(std::string_view data, std::uint64_t basis = kFnv1a64OffsetBasis);

}  // namespace ghharvest
