#include "cli/client_version.h"

namespace corral::cli {

const char* client_version() { return CORRAL_VERSION; }

}  // namespace corral::cli
