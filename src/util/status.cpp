#include "ghharvest/util/status.hpp"

namespace ghharvest {

std::string Status::ToString() const {
  const char* prefix = "";
  switch (code_) {
    case Code::kOk:
      return "OK";
    case Code::kInvalidArgument:
      prefix = "invalid argument: ";
      break;
    case Code::kNotFound:
      prefix = "not found: ";
      break;
    case Code::kCorruption:
      prefix = "corruption: ";
      break;
    case Code::kIOError:
      prefix = "I/O error: ";
      break;
    case Code::kUnavailable:
      prefix = "unavailable: ";
      break;
    case Code::kUnauthorized:
      prefix = "unauthorized: ";
      break;
    case Code::kRateLimited:
      prefix = "rate limited: ";
      break;
    case Code::kTooNew:
      prefix = "database too new: ";
      break;
    case Code::kCancelled:
      prefix = "cancelled: ";
      break;
    case Code::kNotImplemented:
      prefix = "not implemented: ";
      break;
  }
  return prefix + message_;
}

}  // namespace ghharvest
