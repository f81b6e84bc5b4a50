// /api/v1/workspaces: reads come from the store; writes go through the broker, which commits them
// and applies them to placement before the answer (docs/api.md, "Workspaces").
#include "common/encoding.h"
#include "manager/api/catalog_check.h"
#include "manager/api/routes.h"
#include "manager/api/user_scope.h"
#include "manager/broker/broker.h"

namespace corral::manager::api {
namespace {

using store::WorkspaceRecord;
using Done = Result<broker::CatalogOutcome<WorkspaceRecord>>;

Result<std::optional<WorkspaceRecord>> workspace_by_id_or_name(store::Store& s, const std::string& key) {
  auto by_id = s.workspaces().get(key);
  if (!by_id.ok() || by_id->has_value()) return by_id;
  return s.workspaces().get_by_name(key);
}

void list_workspaces(store::StoreExecutor& store, const ApiRequest& r, Reply reply) {
  auto query = QueryParams::parse(r.http.query);
  if (!query.ok()) return reply(status_response(query.status()));
  auto page = page_request(*query);
  if (!page.ok()) return reply(status_response(page.status()));
  store::WorkspaceFilter filter{query->take("poolId").value_or("")};
  if (Status st = query->check_all_taken(); !st.ok()) return reply(status_response(st));
  // A user's page holds only the workspaces it may use, so it may be shorter than pageSize; the
  // page token still follows the store's order.
  store.submit([filter, page = *page](store::Store& s) { return s.workspaces().list(filter, page); },
               [user = r.user, reply = std::move(reply)](Result<store::Page<WorkspaceRecord>> got) {
                 if (!got.ok()) return reply(status_response(got.status()));
                 brokerv1::ListWorkspacesResponse out;
                 for (const WorkspaceRecord& w : got->records) {
                   if (user == nullptr || may_use_workspace(*user, w)) *out.add_workspaces() = workspace_view(w);
                 }
                 out.set_next_page_token(next_page_token(got->next_after_id));
                 reply(json_response(200, out));
               });
}

void create_workspace(broker::Broker& broker, const Clock& clock, const ApiRequest& r, Reply reply) {
  brokerv1::Workspace in;
  if (Status st = parse_json_body(r.http.body, &in); !st.ok()) return reply(status_response(st));
  const store::PoolRecord* pool = broker.find_pool(in.pool_id());
  if (Violations v = check_workspace(in, pool, nullptr); !v.empty()) {
    return reply(violations_response("workspace", v));
  }
  WorkspaceRecord rec = workspace_record(in, nullptr);
  rec.id = random_uuid();
  rec.created_at = rec.updated_at = unix_seconds(clock.now());
  broker.create_workspace(rec, [reply = std::move(reply), id = rec.id](const Done& done) {
    reply(catalog_answer("workspace", done, 201, workspace_view, id, 0));
  });
}

void replace_workspace(broker::Broker& broker, const Clock& clock, const ApiRequest& r, Reply reply) {
  const std::string& id = r.param("id");
  if (Status st = no_query(r.http); !st.ok()) return reply(status_response(st));
  brokerv1::Workspace in;
  if (Status st = parse_json_body(r.http.body, &in); !st.ok()) return reply(status_response(st));
  const WorkspaceRecord* stored = broker.find_workspace(id);
  if (stored == nullptr) return reply(error_response(404, "not_found", "no workspace " + id));
  RevisionCheck revision = check_revision("workspace", id, stored->revision, r.http.if_match, in.revision());
  if (revision.refused) return reply(std::move(*revision.refused));
  in.set_revision(0);
  if (Violations v = check_workspace(in, broker.find_pool(stored->pool_id), stored); !v.empty()) {
    return reply(violations_response("workspace", v));
  }
  WorkspaceRecord rec = workspace_record(in, stored);
  rec.updated_at = unix_seconds(clock.now());
  broker.update_workspace(rec, revision.based_on,
                          [reply = std::move(reply), id, based_on = revision.based_on](const Done& done) {
                            reply(catalog_answer("workspace", done, 200, workspace_view, id, based_on));
                          });
}

}  // namespace

void add_workspace_routes(Router& router, broker::Broker& broker, store::StoreExecutor& store, const Clock& clock) {
  const std::string collection = "/api/v1/workspaces";
  const std::string one = collection + "/{id}";
  router.add_async("GET", collection, Access::user,
                   [&store](const ApiRequest& r, Reply reply) { list_workspaces(store, r, std::move(reply)); });
  router.add_async("POST", collection, Access::admin, [&broker, &clock](const ApiRequest& r, Reply reply) {
    create_workspace(broker, clock, r, std::move(reply));
  });
  router.add_async("GET", one, Access::user, [&store](const ApiRequest& r, Reply reply) {
    if (Status st = no_query(r.http); !st.ok()) return reply(status_response(st));
    store.submit(
        [key = r.param("id")](store::Store& s) { return workspace_by_id_or_name(s, key); },
        [user = r.user, reply = std::move(reply), key = r.param("id")](Result<std::optional<WorkspaceRecord>> got) {
          if (!got.ok()) return reply(status_response(got.status()));
          if (!got->has_value()) return reply(error_response(404, "not_found", "no workspace " + key));
          if (user != nullptr && !may_use_workspace(*user, **got)) {
            return reply(not_yours("workspace " + key + ": it allows none of your groups"));
          }
          reply(with_etag(json_response(200, workspace_view(**got)), (*got)->revision));
        });
  });
  router.add_async("PUT", one, Access::admin, [&broker, &clock](const ApiRequest& r, Reply reply) {
    replace_workspace(broker, clock, r, std::move(reply));
  });
  router.add_async("DELETE", one, Access::admin, [&broker](const ApiRequest& r, Reply reply) {
    if (Status st = no_query(r.http); !st.ok()) return reply(status_response(st));
    broker.delete_workspace(r.param("id"), [reply = std::move(reply), id = r.param("id")](const Done& done) {
      reply(catalog_answer("workspace", done, 200, workspace_view, id, 0));
    });
  });
}

}  // namespace corral::manager::api
