// The text of "corralctl --help": run() prints it for help and points to it on usage errors.
#pragma once

#include <string>

namespace corral::cli {

std::string usage_text();

// corralctl's own version (the project version it was built from).
const char* client_version();

}  // namespace corral::cli
