#include "ghharvest/util/exit_codes.hpp"

namespace ghharvest {

int ExitCodeFor(const Status& status) {
  switch (status.code()) {
    case Status::Code::kOk:
      return kExitOk;
    case Status::Code::kInvalidArgument:
      return kExitConfig;
    case Status::Code::kTooNew:
      return kExitDataErr;
    case Status::Code::kCorruption:
    case Status::Code::kIOError:
      return kExitIOErr;
    case Status::Code::kUnavailable:
      return kExitUnavailable;
    case Status::Code::kUnauthorized:
      return kExitNoPerm;
    case Status::Code::kRateLimited:
    case Status::Code::kCancelled:
      return kExitTempFail;
    case Status::Code::kNotFound:
    case Status::Code::kNotImplemented:
      break;
  }
  return kExitSoftware;
}

}  // namespace ghharvest
