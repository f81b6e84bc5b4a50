// What the fleet tells the rest of the manager: an agent connected, was welcomed, changed its
// capacity, went missing or came back, disconnected, was revoked, finished a command. The agent
// registry publishes; the broker, the autoscaler and the metrics subscribe instead of reaching into
// the registry. Everything here runs on the core thread: no locks, and an observer may subscribe or
// unsubscribe (itself or another) while an event is being delivered.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "corral/agent/v1/agent.pb.h"
#include "manager/net/transport.h"

namespace corral::manager {

struct AgentConnectedEvent {
  std::string agent_id;
  ConnId conn = 0;
  std::string peer_address;
};

// The agent's Hello was accepted and answered with Welcome: it now speaks the protocol.
struct AgentWelcomedEvent {
  std::string agent_id;
  std::string server_id;
  corral::agent::v1::Hello hello;
};

// Only a report that differs from the last one known (persisted or received) is an event.
struct CapacityChangedEvent {
  std::string agent_id;
  corral::agent::v1::CapacityReport before;  // empty for the first report ever
  corral::agent::v1::CapacityReport after;
};

// Connected, but silent for missing_after_intervals heartbeat intervals.
struct AgentMissingEvent {
  std::string agent_id;
  int64_t silent_seconds = 0;
};

// A missing agent was heard from again on the same connection.
struct AgentBackEvent {
  std::string agent_id;
};

struct AgentDisconnectedEvent {
  std::string agent_id;
  std::string reason;
};

struct AgentRevokedEvent {
  std::string agent_id;
  std::string certificate_serial;
};

// Every command sent is finished exactly once: answered by the agent, never answered within the
// command timeout, or its connection ended first (the agent may or may not have acted on it).
struct CommandFinishedEvent {
  enum class Outcome { answered, timed_out, connection_lost };
  std::string agent_id;
  std::string command_id;
  corral::agent::v1::Command command;  // as sent
  Outcome outcome = Outcome::answered;
  corral::agent::v1::CommandResult result;  // when answered
};

const char* command_outcome_name(CommandFinishedEvent::Outcome outcome);

// Subscribers override what they need; the defaults ignore the event.
class FleetObserver {
 public:
  virtual ~FleetObserver() = default;
  virtual void on_agent_connected(const AgentConnectedEvent&) {}
  virtual void on_agent_welcomed(const AgentWelcomedEvent&) {}
  virtual void on_capacity_changed(const CapacityChangedEvent&) {}
  virtual void on_agent_missing(const AgentMissingEvent&) {}
  virtual void on_agent_back(const AgentBackEvent&) {}
  virtual void on_agent_disconnected(const AgentDisconnectedEvent&) {}
  virtual void on_agent_revoked(const AgentRevokedEvent&) {}
  virtual void on_command_finished(const CommandFinishedEvent&) {}
};

class FleetEvents {
 public:
  // Unsubscribes when destroyed; movable. Keep it as long as the observer lives.
  class [[nodiscard]] Subscription {
   public:
    Subscription() = default;
    Subscription(Subscription&& other) noexcept;
    Subscription& operator=(Subscription&& other) noexcept;
    Subscription(const Subscription&) = delete;
    Subscription& operator=(const Subscription&) = delete;
    ~Subscription();

   private:
    friend class FleetEvents;
    Subscription(FleetEvents* events, uint64_t id) : events_(events), id_(id) {}
    void release();

    FleetEvents* events_ = nullptr;
    uint64_t id_ = 0;
  };

  FleetEvents() = default;
  FleetEvents(const FleetEvents&) = delete;
  FleetEvents& operator=(const FleetEvents&) = delete;

  // Observers hear events in the order they subscribed. One subscribed during a delivery hears
  // the next event, not the current one; one unsubscribed during a delivery hears nothing more.
  Subscription subscribe(FleetObserver& observer);

  // For the registry: calls `deliver(observer)` on every current observer.
  template <typename Deliver>
  void publish(Deliver&& deliver) {
    ++depth_;
    const size_t n = observers_.size();  // ones added during delivery wait for the next event
    for (size_t i = 0; i < n; ++i) {
      if (observers_[i].observer != nullptr) deliver(*observers_[i].observer);
    }
    if (--depth_ == 0) compact();
  }

  size_t observer_count() const;

 private:
  struct Entry {
    uint64_t id;
    FleetObserver* observer;  // null once unsubscribed
  };
  void unsubscribe(uint64_t id);
  void compact();

  std::vector<Entry> observers_;
  uint64_t next_id_ = 1;
  int depth_ = 0;  // > 0 while delivering: entries are nulled, not erased
};

}  // namespace corral::manager
