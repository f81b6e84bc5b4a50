// GET /api/v1/events: the event log, oldest first, filtered by pool, autoscale config or server,
// after a cursor. A client follows the log by asking again with since=nextSince; since=now starts
// at the end (nothing old, only what comes next).
#include <google/protobuf/util/time_util.h>

#include <charconv>
#include <string>
#include <utility>

#include "corral/broker/v1/events.pb.h"
#include "manager/api/json.h"
#include "manager/api/query.h"
#include "manager/api/routes.h"

namespace corral::manager::api {
namespace {

namespace brokerv1 = corral::broker::v1;
using google::protobuf::util::TimeUtil;

constexpr uint32_t kDefaultPageSize = 500;
constexpr uint32_t kMaxPageSize = 1000;

struct EventQuery {
  store::EventFilter filter;
  bool from_now = false;  // since=now: start after the log's last id
};

Result<EventQuery> parse_query(std::string_view text) {
  auto params = QueryParams::parse(text);
  if (!params.ok()) return params.status();
  EventQuery q;
  q.filter.pool_id = params->take("poolId").value_or("");
  q.filter.autoscale_config_id = params->take("autoscaleConfigId").value_or("");
  q.filter.server_id = params->take("serverId").value_or("");
  if (auto since = params->take("since")) {
    if (*since == "now") {
      q.from_now = true;
    } else {
      const char* end = since->data() + since->size();
      auto [ptr, ec] = std::from_chars(since->data(), end, q.filter.after_id);
      if (ec != std::errc() || ptr != end || q.filter.after_id < 0) {
        return error(ErrorCode::invalid_argument,
                     "since must be an event id (0 or more) or 'now', got '" + *since + "'");
      }
    }
  }
  auto size = params->take_uint("pageSize", kDefaultPageSize, 1, kMaxPageSize);
  if (!size.ok()) return size.status();
  q.filter.limit = *size;
  if (Status all = params->check_all_taken(); !all.ok()) return all;
  return q;
}

brokerv1::EventSeverity severity_view(store::EventSeverity s) {
  switch (s) {
    case store::EventSeverity::info: return brokerv1::EVENT_SEVERITY_INFO;
    case store::EventSeverity::warning: return brokerv1::EVENT_SEVERITY_WARNING;
    case store::EventSeverity::error: return brokerv1::EVENT_SEVERITY_ERROR;
  }
  return brokerv1::EVENT_SEVERITY_UNSPECIFIED;
}

brokerv1::Event event_view(const store::EventRecord& e) {
  brokerv1::Event out;
  out.set_id(e.id);
  *out.mutable_time() = TimeUtil::MillisecondsToTimestamp(e.at_ms);
  out.set_kind(e.kind);
  out.set_severity(severity_view(e.severity));
  out.set_pool_id(e.pool_id);
  out.set_autoscale_config_id(e.autoscale_config_id);
  out.set_server_id(e.server_id);
  out.set_vm_id(e.vm_id);
  out.set_message(e.message);
  return out;
}

struct EventPage {
  std::vector<store::EventRecord> events;
  int64_t next_since = 0;
};

void list(store::StoreExecutor& store, const ApiRequest& r, Reply reply) {
  auto query = parse_query(r.http.query);
  if (!query.ok()) return reply(status_response(query.status()));
  store.submit(
      [q = std::move(*query)](store::Store& s) mutable -> Result<EventPage> {
        EventPage page;
        if (q.from_now) {
          auto last = s.events().last_id();
          if (!last.ok()) return last.status();
          page.next_since = *last;
          return page;
        }
        auto events = s.events().list(q.filter);
        if (!events.ok()) return events.status();
        page.events = std::move(*events);
        page.next_since = page.events.empty() ? q.filter.after_id : page.events.back().id;
        return page;
      },
      [reply = std::move(reply)](Result<EventPage> page) {
        if (!page.ok()) return reply(status_response(page.status()));
        brokerv1::ListEventsResponse out;
        for (const auto& e : page->events) *out.add_events() = event_view(e);
        out.set_next_since(page->next_since);
        reply(json_response(200, out));
      });
}

}  // namespace

void add_event_routes(Router& router, store::StoreExecutor& store) {
  router.add_async("GET", "/api/v1/events", Access::admin,
                   [&store](const ApiRequest& r, Reply reply) { list(store, r, std::move(reply)); });
}

}  // namespace corral::manager::api
