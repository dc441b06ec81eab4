// REQUIRE_OK(x) / CHECK_OK(x) for a Status or a Result<T>: like REQUIRE(x.ok()), but a failure
// prints the status ("IO error: disk full") instead of "REQUIRE( false )".
#pragma once

#include <doctest/doctest.h>

#include <string>

#include "ghharvest/util/status.hpp"

namespace ghharvest::testing {

inline const Status& StatusOf(const Status& s) { return s; }
template <typename T>
const Status& StatusOf(const Result<T>& r) {
  return r.status();
}
template <typename T>
bool IsOk(const T& x) {
  return x.ok();
}

}  // namespace ghharvest::testing

#define GHH_OK_CHECK_(macro, expr)                                                  \
  do {                                                                              \
    const auto& ghh_ok_value_ = (expr);                                             \
    INFO(#expr " is " << ::ghharvest::testing::StatusOf(ghh_ok_value_).ToString()); \
    macro(::ghharvest::testing::IsOk(ghh_ok_value_));                               \
  } while (false)

#define REQUIRE_OK(expr) GHH_OK_CHECK_(REQUIRE, expr)
#define CHECK_OK(expr) GHH_OK_CHECK_(CHECK, expr)
