// The events a change to a server writes, inside the same unit of work as the change, so a
// server's timeline (docs/events.md) has every committed change and nothing that was rolled back.
#pragma once

#include <cstdint>
#include <string>

#include "common/result.h"
#include "manager/store/broker_records.h"
#include "manager/store/store.h"

namespace corral::broker {

// server.created
Status record_server_created(store::Repositories& r, const store::ServerRecord& server, int64_t at_ms);
// server.draining, server.undrained, server.updated (naming what changed); nothing when nothing
// an operator sees changed.
Status record_server_changed(store::Repositories& r, const store::ServerRecord& before,
                             const store::ServerRecord& after, int64_t at_ms);
// server.deleted
Status record_server_deleted(store::Repositories& r, const store::ServerRecord& server, int64_t at_ms);

// Any other event about the server (the autoscaler's vm.*), with the server's pool, config and VM.
Status record_server_event(store::Repositories& r, const store::ServerRecord& server, const char* kind,
                           const std::string& message, int64_t at_ms);

}  // namespace corral::broker
