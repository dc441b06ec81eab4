// Reporter::Emit through the database-backed ReportState, as the program wires it.
#pragma once

#include "ghharvest/app/adapters.hpp"
#include "ghharvest/report/reporter.hpp"

namespace ghharvest::testing {

inline Result<report::EmitStats> EmitVia(report::Reporter& reporter, store::Database& db,
                                         const score::ScoreRun& run, const Clock& clock) {
  app::DatabaseReportState state(db);
  return reporter.Emit(state, run, clock);
}

}  // namespace ghharvest::testing
