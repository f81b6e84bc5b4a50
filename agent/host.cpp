#include "agent/host.h"

#include "common/log.h"
#include "common/text.h"

namespace corral::agent {
namespace {

// Sanity bounds only: the manager checks labels where they enter it (its API), and refuses a
// Hello whose labels break its stricter rules.
constexpr size_t kMaxLabels = 64;
constexpr size_t kMaxLabelTextBytes = 255;

Status check_labels(const google::protobuf::Map<std::string, std::string>& labels) {
  if (labels.size() > kMaxLabels) {
    return error(ErrorCode::invalid_argument, "labels: at most " + std::to_string(kMaxLabels) + " labels");
  }
  for (const auto& [key, value] : labels) {
    if (key.empty()) return error(ErrorCode::invalid_argument, "labels: a label key must not be empty");
    if (Status s = check_printable(key, "labels key", kMaxLabelTextBytes); !s.ok()) return s;
    if (Status s = check_printable(value, "labels value", kMaxLabelTextBytes); !s.ok()) return s;
  }
  return {};
}

}  // namespace

Host::Host(corral::agent::v1::Hello hello, uint32_t max_sessions, sessions::SessionBackend& backend,
           uint64_t first_generation)
    : hello_(std::move(hello)), backend_(backend), capacity_(max_sessions, first_generation) {
  hello_.clear_backends();
  hello_.add_backends(backend_.kind());
  // The sessions a restarted agent still holds are in its first report.
  refresh_sessions();
}

bool Host::refresh_sessions() { return capacity_.set_sessions(backend_.list()); }

Status Host::set_labels(const google::protobuf::Map<std::string, std::string>& labels) {
  if (Status s = check_labels(labels); !s.ok()) return s;
  *hello_.mutable_labels() = labels;
  return {};
}

void Host::apply(const corral::agent::v1::ServerSettings& settings) {
  capacity_.set_max_sessions(settings.max_sessions());
  capacity_.set_draining(settings.draining());
  Status labels = set_labels(settings.labels());
  if (!labels.ok()) log::warn("agent.settings_labels_refused", {{"error", labels.message()}});
  log::info("agent.settings_applied", {{"max_sessions", capacity_.max_sessions()},
                                       {"draining", capacity_.draining()},
                                       {"labels", hello_.labels().size()}});
}

}  // namespace corral::agent
