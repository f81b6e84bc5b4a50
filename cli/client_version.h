// corralctl's own version (the project version it was built from), for `corralctl version` and
// the User-Agent of every request.
#pragma once

namespace corral::cli {

const char* client_version();

}  // namespace corral::cli
