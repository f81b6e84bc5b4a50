// Where `sessions connect` puts the .rdp file the manager answers with: the name the manager
// suggests (Content-Disposition), made safe to create in the current directory, and a write
// that never replaces an existing file unless asked to.
#pragma once

#include <string>

#include "common/http/client.h"
#include "common/result.h"

namespace corral::cli {

// The filename of a Content-Disposition header ("attachment; filename=\"host.rdp\""), kept only
// if it is a plain file name ending in .rdp (no directory, no leading dot, no control
// characters); else "session-<SESSION_ID>.rdp".
std::string rdp_file_name(const http::Headers& headers, const std::string& session_id);

// Writes DATA to PATH, mode 0600 (the file names the server and the user). Without FORCE an
// existing PATH is an error naming it and --force, and is left untouched.
Status write_rdp_file(const std::string& path, const std::string& data, bool force);

}  // namespace corral::cli
