#include "common/failpoint.h"

#include <unistd.h>

#include <cstdlib>
#include <functional>
#include <set>
#include <string>

#include "common/log.h"

namespace corral {
namespace {

std::set<std::string, std::less<>> armed_from_environment() {
  std::set<std::string, std::less<>> names;
  const char* env = std::getenv("CORRAL_FAILPOINTS");
  const std::string list = env != nullptr ? env : "";
  size_t start = 0;
  while (start < list.size()) {
    size_t comma = list.find(',', start);
    if (comma == std::string::npos) comma = list.size();
    if (comma > start) names.insert(list.substr(start, comma - start));
    start = comma + 1;
  }
  return names;
}

}  // namespace

void failpoint(std::string_view name) {
  static const std::set<std::string, std::less<>> armed = armed_from_environment();
  if (armed.empty() || !armed.contains(name)) return;
  log::error("failpoint.hit", {{"name", name}});
  log::flush();
  for (;;) pause();
}

}  // namespace corral
