// File helpers with the permissions Corral's secrets need: key material and tokens are written
// atomically (temp file + rename) and created with the given mode, never world-readable.
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>

#include "common/result.h"

namespace corral {

Result<std::string> read_file(const std::string& path);
// Writes to PATH.tmp with MODE, fsyncs, then renames over PATH.
Status write_file_atomic(const std::string& path, const std::string& data, mode_t mode);
// Creates the directory (and parents) with MODE if missing; an existing one is left as it is.
Status ensure_directory(const std::string& path, mode_t mode);
bool file_exists(const std::string& path);

// For a secret loaded at start (a key, a token, the store) or the directory holding them: refuses
// (failed_precondition, naming KIND, the path and its mode) a file that group or others may
// access in any way, or such a directory; secrets want 0600 and their directory 0700. The path
// must exist (not_found otherwise); call it before reading the file.
Status check_private(const std::string& path, std::string_view kind);

}  // namespace corral
