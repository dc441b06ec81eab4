// File primitives of the reports: whole-file reads, directory creation, and atomic
// replace-if-different writes (temporary file in the same folder, fsync, rename), so a
// reader sees the old bytes or the new ones, never a mix, and unchanged files keep their
// inode and mtime.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "ghharvest/util/status.hpp"

namespace ghharvest::report {

// The file's bytes; nullopt when it does not exist.
Result<std::optional<std::string>> ReadWholeFile(const std::string& path);

// mkdir -p with mode 0755.
Status MakeDirs(const std::string& path);

enum class WriteOutcome { kWritten, kUnchanged };
// Replaces `path` with `content` unless it already holds exactly those bytes.
// The parent folder must exist.
Result<WriteOutcome> WriteFileIfChanged(const std::string& path, std::string_view content);

}  // namespace ghharvest::report
