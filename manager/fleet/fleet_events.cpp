#include "manager/fleet/fleet_events.h"

#include <algorithm>

namespace corral::manager {

const char* command_outcome_name(CommandFinishedEvent::Outcome outcome) {
  switch (outcome) {
    case CommandFinishedEvent::Outcome::answered: return "answered";
    case CommandFinishedEvent::Outcome::timed_out: return "timed_out";
    case CommandFinishedEvent::Outcome::connection_lost: return "connection_lost";
  }
  return "unknown";
}

FleetEvents::Subscription::Subscription(Subscription&& other) noexcept
    : events_(std::exchange(other.events_, nullptr)), id_(std::exchange(other.id_, 0)) {}

FleetEvents::Subscription& FleetEvents::Subscription::operator=(Subscription&& other) noexcept {
  if (this != &other) {
    release();
    events_ = std::exchange(other.events_, nullptr);
    id_ = std::exchange(other.id_, 0);
  }
  return *this;
}

FleetEvents::Subscription::~Subscription() { release(); }

void FleetEvents::Subscription::release() {
  if (events_ != nullptr) events_->unsubscribe(id_);
  events_ = nullptr;
}

FleetEvents::Subscription FleetEvents::subscribe(FleetObserver& observer) {
  uint64_t id = next_id_++;
  observers_.push_back({id, &observer});
  return Subscription(this, id);
}

size_t FleetEvents::observer_count() const {
  return static_cast<size_t>(
      std::count_if(observers_.begin(), observers_.end(), [](const Entry& e) { return e.observer != nullptr; }));
}

void FleetEvents::unsubscribe(uint64_t id) {
  for (Entry& e : observers_) {
    if (e.id == id) e.observer = nullptr;
  }
  if (depth_ == 0) compact();
}

void FleetEvents::compact() {
  std::erase_if(observers_, [](const Entry& e) { return e.observer == nullptr; });
}

}  // namespace corral::manager
