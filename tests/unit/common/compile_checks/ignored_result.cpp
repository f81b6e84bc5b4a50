// Must NOT compile with -Werror: a Result nobody looks at is a bug (common/result.h).
#include "common/result.h"

corral::Result<int> load();

void caller() { load(); }
