// Joins the pages of a paged list answer into the one JSON document that --json prints, as if
// the manager had answered everything at once: the list's elements are kept exactly as sent
// (fields this corralctl does not know included); the page token is dropped.
#pragma once

#include <memory>
#include <string>

#include "common/result.h"

namespace corral::cli {

class JsonPages {
 public:
  // LIST_FIELD is the array that is paged ("agents"); TOKEN_FIELD the next-page member.
  JsonPages(std::string list_field, std::string token_field);
  ~JsonPages();
  JsonPages(const JsonPages&) = delete;
  JsonPages& operator=(const JsonPages&) = delete;

  // Keeps the first KEEP elements of PAGE's list; the first page's other members are kept too.
  // PAGE must be a JSON object; it is an error otherwise, naming what is wrong.
  Status add(const std::string& page, size_t keep);
  // The joined document, compact.
  std::string document() const;

 private:
  struct State;
  std::string list_field_;
  std::string token_field_;
  std::unique_ptr<State> state_;
};

}  // namespace corral::cli
