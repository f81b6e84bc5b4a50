// Must NOT compile with -Werror: a Status nobody looks at is a bug (common/result.h).
#include "common/result.h"

corral::Status save();

void caller() { save(); }
