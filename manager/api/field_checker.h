// Collects every problem of a request body with its JSON Pointer, for the resource checks
// (catalog_check.cpp, autoscale_config_check.cpp) that answer with one 400 naming all of them.
#pragma once

#include <string>
#include <utility>

#include "common/text.h"
#include "manager/api/resource_http.h"

namespace corral::manager::api {

class FieldChecker {
 public:
  void add(std::string path, std::string message) { out_.push_back({std::move(path), std::move(message)}); }
  // Required, printable, at most `max` bytes.
  void text(const std::string& path, const std::string& value, size_t max, bool required) {
    if (value.empty()) {
      if (required) add(path, "is required");
      return;
    }
    if (!check_printable(value, path, max).ok()) {
      add(path, "must be printable text of at most " + std::to_string(max) + " bytes");
    }
  }
  template <typename List>
  void entries(const std::string& path, const List& values, size_t max) {
    for (int i = 0; i < values.size(); ++i) {
      const std::string item = path + "/" + std::to_string(i);
      if (values[i].empty()) {
        add(item, "is empty");
      } else {
        text(item, values[i], max, true);
      }
    }
  }
  // Fields only the manager sets.
  template <typename Message>
  void output_only(const Message& in, bool create) {
    if (!in.id().empty()) add("/id", "is set by the manager");
    if (in.has_created_at()) add("/createdAt", "is set by the manager");
    if (in.has_updated_at()) add("/updatedAt", "is set by the manager");
    if (create && in.revision() != 0) add("/revision", "is set by the manager (1 at creation)");
  }
  Violations take() { return std::move(out_); }

 private:
  Violations out_;
};

}  // namespace corral::manager::api
