// What the REST routes of stored resources (pools, servers, workspaces, provider configs) share:
// every problem of a request body in one 400 with its JSON Pointer, ETag and If-Match on the
// revision, keyset page tokens, and the broker's typed refusals as HTTP answers (docs/api.md).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "manager/api/json.h"
#include "manager/api/query.h"
#include "manager/broker/catalog_outcome.h"
#include "manager/net/transport.h"
#include "manager/store/page.h"

namespace corral::manager::api {

struct FieldViolation {
  std::string path;  // JSON Pointer into the request body ("/labels/2")
  std::string message;
};
using Violations = std::vector<FieldViolation>;

// 400 REASON: "the WHAT has N problems: /a: ...; /b: ..." and each in fieldViolations.
HttpResponse violations_response(const std::string& what, const Violations& violations,
                                 const std::string& reason = "invalid_argument");

HttpResponse with_etag(HttpResponse response, uint64_t revision);

// If-Match: "N" (or N); nullopt when absent, 0 when it names no revision that could be stored.
std::optional<uint64_t> if_match_revision(const std::string& header);

// The revision a PUT applies to, from If-Match, else the body's revision, else the stored one; or
// the answer when it names another than `stored` (412 for If-Match, 409 revision_conflict).
struct RevisionCheck {
  uint64_t based_on = 0;
  std::optional<HttpResponse> refused;
};
RevisionCheck check_revision(const std::string& what, const std::string& id, uint64_t stored,
                             const std::string& if_match, uint64_t body_revision);

// pageSize (1-1000, default 500) and pageToken (hex of the last id) from `query`, taking both.
Result<store::PageRequest> page_request(QueryParams& query);
// The page token for the next page: "" on the last one.
std::string next_page_token(const std::string& next_after_id);

// A broker refusal: 404 not_found, 409 revision_conflict / already_exists / failed_precondition,
// 400 invalid_argument with the field's path for a pool or agent that does not exist.
HttpResponse refusal_response(const std::string& what, broker::CatalogRefusal refusal, const std::string& message,
                              const std::string& id, uint64_t stored_revision, uint64_t based_on);

// invalid_argument naming the first query parameter, for routes that take none.
Status no_query(const HttpRequest& request);

// The answer to a catalog write: `status` with the row as `view` shows it and its ETag, or the
// refusal (refusal_response) or the store's error.
template <typename Record, typename View>
HttpResponse catalog_answer(const std::string& what, const Result<broker::CatalogOutcome<Record>>& done, int status,
                            View view, const std::string& id, uint64_t based_on) {
  if (!done.ok()) return status_response(done.status());
  if (done->refusal != broker::CatalogRefusal::none) {
    return refusal_response(what, done->refusal, done->message, id, done->stored_revision, based_on);
  }
  return with_etag(json_response(status, view(done->record)), done->record.revision);
}

}  // namespace corral::manager::api
