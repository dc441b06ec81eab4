#include "ghharvest/model/scores.hpp"

namespace ghharvest::model {

bool ParseCountName(std::string_view name, Count* out) {
  for (const CountInfo& info : kCounts) {
    if (info.column == name) {
      *out = info.count;
      return true;
    }
  }
  return false;
}

bool ParseActivityKind(std::string_view kind, Count* out) {
  for (const CountInfo& info : kCounts) {
    if (info.activity_kind == kind) {
      *out = info.count;
      return true;
    }
  }
  return false;
}

}  // namespace ghharvest::model
