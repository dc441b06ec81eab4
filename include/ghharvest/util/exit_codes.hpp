// The process exit codes (sysexits.h), for every subcommand and the daemon, and the one
// mapping from a failed Status to them.
#pragma once

#include "ghharvest/util/status.hpp"

namespace ghharvest {

inline constexpr int kExitOk = 0;
inline constexpr int kExitUsage = 64;        // bad command line
inline constexpr int kExitDataErr = 65;      // database written by a newer ghharvest
inline constexpr int kExitUnavailable = 69;  // GitHub (or the network) unavailable
inline constexpr int kExitSoftware = 70;     // a bug
inline constexpr int kExitIOErr = 74;        // storage: disk full, corrupt database, file I/O
inline constexpr int kExitTempFail = 75;     // some work failed; running again may succeed
inline constexpr int kExitNoPerm =
    77;  // GitHub rejected the token (401); root in the service's folder
inline constexpr int kExitConfig = 78;  // bad config or token file

// kOk 0; kInvalidArgument 78; kTooNew 65; kCorruption and kIOError 74; kUnavailable 69;
// kUnauthorized 77; kRateLimited and kCancelled 75; anything else 70.
int ExitCodeFor(const Status& status);

}  // namespace ghharvest
