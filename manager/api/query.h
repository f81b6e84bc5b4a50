// Query-string parameters of a REST request ("pageSize=50&label=a%3Db&label=c%3Dd"): decoded once,
// read by name, and checked so that a parameter the route does not know is a 400 naming it, the
// way an unknown JSON field is.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"

namespace corral::manager::api {

// Decodes %XX escapes (and '+' as a space when `plus_is_space`, as in a query string); nullopt on a
// malformed escape or when the result holds a control character.
std::optional<std::string> percent_decode(std::string_view text, bool plus_is_space);

class QueryParams {
 public:
  // '+' is a space, %XX is decoded; a malformed escape or a control character is invalid_argument.
  static Result<QueryParams> parse(std::string_view query);

  // The last value of `name`, if present; marks it as read.
  std::optional<std::string> take(std::string_view name);
  // Every value of `name`, in order; marks it as read.
  std::vector<std::string> take_all(std::string_view name);
  // An unsigned integer in [min, max]; `fallback` when absent. Errors name the parameter.
  Result<uint32_t> take_uint(std::string_view name, uint32_t fallback, uint32_t min, uint32_t max);
  // invalid_argument naming the first parameter nobody took.
  Status check_all_taken() const;

 private:
  struct Entry {
    std::string name;
    std::string value;
    bool taken = false;
  };
  std::vector<Entry> entries_;
};

}  // namespace corral::manager::api
