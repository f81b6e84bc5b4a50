#include "manager/api/resource_http.h"

#include <google/protobuf/util/json_util.h>

#include <charconv>
#include <string_view>

#include "common/encoding.h"
#include "corral/api/v1/api.pb.h"
#include "manager/api/json.h"

namespace corral::manager::api {
namespace {

constexpr uint32_t kDefaultPageSize = 500;
constexpr uint32_t kMaxPageSize = 1000;

HttpResponse field_error(const std::string& what, const std::string& path, const std::string& message) {
  return violations_response(what, {{path, message}});
}

}  // namespace

HttpResponse violations_response(const std::string& what, const Violations& violations, const std::string& reason) {
  corral::api::v1::Error e;
  e.set_code(400);
  e.set_reason(reason);
  std::string message = "the " + what + " has " + std::to_string(violations.size()) + " problem" +
                        (violations.size() == 1 ? "" : "s") + ":";
  for (const FieldViolation& v : violations) {
    message += " " + (v.path.empty() ? std::string("(body)") : v.path) + ": " + v.message + ";";
    auto* fv = e.add_field_violations();
    fv->set_path(v.path);
    fv->set_message(v.message);
  }
  message.pop_back();
  e.set_message(message);
  HttpResponse r;
  r.status = 400;
  (void)google::protobuf::util::MessageToJsonString(e, &r.body);
  r.body.push_back('\n');
  return r;
}

HttpResponse with_etag(HttpResponse response, uint64_t revision) {
  response.headers.emplace_back("ETag", "\"" + std::to_string(revision) + "\"");
  return response;
}

std::optional<uint64_t> if_match_revision(const std::string& header) {
  if (header.empty()) return std::nullopt;
  std::string_view v = header;
  if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
  uint64_t n = 0;
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (ec != std::errc() || end != v.data() + v.size()) return 0;
  return n;
}

RevisionCheck check_revision(const std::string& what, const std::string& id, uint64_t stored,
                             const std::string& if_match, uint64_t body_revision) {
  RevisionCheck out;
  out.based_on = stored;
  if (auto expected = if_match_revision(if_match); expected && *expected != stored) {
    out.refused = error_response(412, "precondition_failed",
                                 "If-Match names revision " + std::to_string(*expected) + " but " + what + " " + id +
                                     " is at revision " + std::to_string(stored));
  } else if (body_revision != 0 && body_revision != stored) {
    const uint64_t stored_revision = stored;
    const uint64_t based_on = body_revision;
    out.refused = refusal_response(what, broker::CatalogRefusal::revision_conflict, "", id, stored_revision, based_on);
  }
  return out;
}

Result<store::PageRequest> page_request(QueryParams& query) {
  auto size = query.take_uint("pageSize", kDefaultPageSize, 1, kMaxPageSize);
  if (!size.ok()) return size.status();
  store::PageRequest page{"", *size};
  if (auto token = query.take("pageToken"); token && !token->empty()) {
    auto decoded = from_hex(*token);
    if (!decoded) return error(ErrorCode::invalid_argument, "query parameter pageToken is not one this manager issued");
    page.after_id = std::move(*decoded);
  }
  return page;
}

Status no_query(const HttpRequest& request) {
  auto query = QueryParams::parse(request.query);
  if (!query.ok()) return query.status();
  return query->check_all_taken();
}

std::string next_page_token(const std::string& next_after_id) {
  return next_after_id.empty() ? "" : to_hex(next_after_id);
}

HttpResponse refusal_response(const std::string& what, broker::CatalogRefusal refusal, const std::string& message,
                              const std::string& id, uint64_t stored_revision, uint64_t based_on) {
  using broker::CatalogRefusal;
  switch (refusal) {
    case CatalogRefusal::none: break;
    case CatalogRefusal::not_found: return error_response(404, "not_found", "no " + what + " " + id);
    case CatalogRefusal::revision_conflict:
      return error_response(409, "revision_conflict",
                            what + " " + id + " is at revision " + std::to_string(stored_revision) +
                                " but the update was based on revision " + std::to_string(based_on) +
                                "; read it again and retry");
    case CatalogRefusal::name_taken: return error_response(409, "already_exists", message);
    case CatalogRefusal::pool_not_found: return field_error(what, "/poolId", message);
    case CatalogRefusal::has_dependents: return error_response(409, "failed_precondition", message);
    case CatalogRefusal::agent_not_found: return field_error(what, "/agentId", message);
    case CatalogRefusal::agent_taken: return error_response(409, "failed_precondition", message);
  }
  return error_response(500, "internal", "an accepted change was answered as refused");
}

}  // namespace corral::manager::api
