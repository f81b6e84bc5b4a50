// The server settings the manager owns (max sessions, draining, labels): committed to the
// server's row, then put in the table every Welcome is built from and sent to the agent if it is
// connected, so they reach the agent now and survive both its restart and the manager's.
#include <utility>

#include "common/log.h"
#include "manager/broker/broker.h"
#include "manager/broker/server_events.h"
#include "manager/broker/server_labels.h"

namespace corral::broker {
namespace {

using corral::agent::v1::Command;

// A row update whose outcome is not `updated` is an error the caller can read.
Status updated(const Result<store::UpdateOutcome>& outcome, const std::string& server_id) {
  if (!outcome.ok()) return outcome.status();
  if (*outcome == store::UpdateOutcome::updated) return {};
  if (*outcome == store::UpdateOutcome::not_found) return error(ErrorCode::not_found, "no server with id " + server_id);
  return error(ErrorCode::failed_precondition,
               "server " + server_id + " was not updated: " + store::update_outcome_name(*outcome));
}

}  // namespace

void Broker::set_draining(const std::string& server_id, bool draining, ServerReply reply) {
  const int64_t at = now();
  Command command;
  command.mutable_drain()->set_enabled(draining);
  change_server(
      server_id,
      [draining, at](store::Repositories& repos, store::ServerRecord& row) {
        return repos.servers().set_draining(row.id, draining, at);
      },
      std::move(command), std::move(reply));
}

void Broker::set_max_sessions(const std::string& server_id, uint32_t max_sessions, ServerReply reply) {
  const int64_t at = now();
  Command command;
  command.mutable_set_max_sessions()->set_max_sessions(max_sessions);
  change_server(
      server_id,
      [max_sessions, at](store::Repositories& repos, store::ServerRecord& row) {
        row.max_sessions = max_sessions;
        row.updated_at = at;
        return updated(repos.servers().update(row, row.revision), row.id);
      },
      std::move(command), std::move(reply));
}

void Broker::set_labels(const std::string& server_id, store::LabelSet labels, ServerReply reply) {
  if (Status s = check_agent_labels(labels); !s.ok()) return reply(s);
  const int64_t at = now();
  Command command;
  for (auto& [key, value] : agent_labels(labels)) (*command.mutable_set_labels()->mutable_labels())[key] = value;
  change_server(
      server_id,
      [labels = std::move(labels), at](store::Repositories& repos, store::ServerRecord& row) {
        row.labels = labels;
        row.updated_at = at;
        return updated(repos.servers().update(row, row.revision), row.id);
      },
      std::move(command), std::move(reply));
}

void Broker::change_server(const std::string& server_id, ServerChange change, Command command, ServerReply reply) {
  if (!servers_.contains(server_id)) return reply(error(ErrorCode::not_found, "no server with id " + server_id));
  store_.submit(
      [server_id, change = std::move(change), at_ms = now_ms()](store::Store& s) -> Result<store::ServerRecord> {
        store::ServerRecord row;
        // Read, change and read back in one transaction: the row answered is the row written.
        Status written = s.unit_of_work([&](store::Repositories& repos) -> Status {
          auto read = [&]() -> Status {
            auto got = repos.servers().get(server_id);
            if (!got.ok()) return got.status();
            if (!got->has_value()) return error(ErrorCode::not_found, "no server with id " + server_id);
            row = std::move(**got);
            return {};
          };
          if (Status r = read(); !r.ok()) return r;
          const store::ServerRecord before = row;
          if (Status c = change(repos, row); !c.ok()) return c;
          if (Status r = read(); !r.ok()) return r;
          return record_server_changed(repos, before, row, at_ms);
        });
        if (!written.ok()) return written;
        return row;
      },
      [this, server_id, command = std::move(command), reply = std::move(reply)](Result<store::ServerRecord> stored) {
        if (!stored.ok()) return reply(stored.status());
        auto it = servers_.find(server_id);
        if (it != servers_.end()) {
          ServerEntry& server = it->second;
          const bool more_slots = stored->max_sessions > server.record.max_sessions;
          server.record = *stored;
          if (more_slots) make_room_for_sessions();
          refresh(server);
          publish_settings(server);
          log::info("broker.server_settings", {{"server_id", server_id},
                                               {"max_sessions", server.record.max_sessions},
                                               {"draining", server.record.draining},
                                               {"labels", server.record.labels.size()}});
          send(server, command, {SentCommand::Kind::settings, server_id, ""});
        }
        reply(std::move(stored));
      });
}

}  // namespace corral::broker
