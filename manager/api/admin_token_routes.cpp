// /api/v1/admin-tokens: create, list and revoke the bearer tokens of the REST API. The store keeps
// each token's id and the SHA-256 of its secret; the token itself is shown once, at creation.
// AdminAuth's in-memory table follows every change, so a revoked token is refused from the next
// request on, by the network thread's gate and by the core alike.
#include <google/protobuf/util/time_util.h>

#include "common/clock.h"
#include "common/log.h"
#include "common/text.h"
#include "corral/api/v1/api.pb.h"
#include "manager/api/admin_auth.h"
#include "manager/api/json.h"
#include "manager/api/routes.h"

namespace corral::manager::api {
namespace {

namespace apiv1 = corral::api::v1;

constexpr size_t kMaxNameBytes = 128;

apiv1::AdminToken view(const store::AdminTokenRecord& r) {
  apiv1::AdminToken out;
  out.set_id(r.id);
  out.set_name(r.name);
  *out.mutable_created_at() = google::protobuf::util::TimeUtil::SecondsToTimestamp(r.created_at);
  return out;
}

}  // namespace

void add_admin_token_routes(Router& router, store::StoreExecutor& store, AdminAuth& auth, const Clock& clock) {
  router.add_async(
      "POST", "/api/v1/admin-tokens", Access::admin, [&store, &auth, &clock](const ApiRequest& r, Reply reply) {
        apiv1::CreateAdminTokenRequest request;
        if (Status st = parse_json_body(r.http.body, &request); !st.ok()) return reply(status_response(st));
        if (request.name().empty()) return reply(error_response(400, "invalid_argument", "name is required"));
        if (Status st = check_printable(request.name(), "name", kMaxNameBytes); !st.ok()) {
          return reply(status_response(st));
        }
        auto created =
            std::make_shared<AdminAuth::NewToken>(AdminAuth::generate(request.name(), unix_seconds(clock.now())));
        store.submit(
            [created](store::Store& s) { return s.admin_tokens().insert(created->record); },
            [&auth, created, reply = std::move(reply)](const Status& st) {
              if (!st.ok()) return reply(status_response(st));
              auth.add(created->record.id, created->record.secret_sha256);
              log::info("admin_token.created", {{"token_id", created->record.id}, {"name", created->record.name}});
              apiv1::AdminToken out = view(created->record);
              out.set_token(created->token);
              reply(json_response(201, out));
            });
      });

  router.add_async("GET", "/api/v1/admin-tokens", Access::admin, [&store](const ApiRequest&, Reply reply) {
    store.submit([](store::Store& s) { return s.admin_tokens().list(); },
                 [reply = std::move(reply)](Result<std::vector<store::AdminTokenRecord>> all) {
                   if (!all.ok()) return reply(status_response(all.status()));
                   apiv1::ListAdminTokensResponse out;
                   for (const auto& t : *all) *out.add_admin_tokens() = view(t);
                   reply(json_response(200, out));
                 });
  });

  // The last token is kept: without one nobody could reach the API again short of editing the
  // database. Checked and deleted in one unit of work, so two revocations cannot both pass it.
  router.add_async(
      "DELETE", "/api/v1/admin-tokens/{id}", Access::admin, [&store, &auth](const ApiRequest& r, Reply reply) {
        store.submit(
            [id = r.param("id")](store::Store& s) -> Result<store::AdminTokenRecord> {
              std::optional<store::AdminTokenRecord> revoked;
              Status st = s.unit_of_work([&](store::Repositories& repos) -> Status {
                auto all = repos.admin_tokens().list();
                if (!all.ok()) return all.status();
                for (const auto& t : *all) {
                  if (t.id == id) revoked = t;
                }
                if (!revoked) return error(ErrorCode::not_found, "no admin token " + id);
                if (all->size() == 1) {
                  return error(ErrorCode::failed_precondition,
                               "admin token " + id + " is the last one; create another before revoking it");
                }
                return repos.admin_tokens().remove(id);
              });
              if (!st.ok()) return st;
              return std::move(*revoked);
            },
            [&auth, reply = std::move(reply)](Result<store::AdminTokenRecord> revoked) {
              if (!revoked.ok()) return reply(status_response(revoked.status()));
              auth.remove(revoked->id);
              log::info("admin_token.revoked", {{"token_id", revoked->id}, {"name", revoked->name}});
              reply(json_response(200, view(*revoked)));
            });
      });
}

}  // namespace corral::manager::api
