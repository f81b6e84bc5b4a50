#include "bench/broker/placement_load.h"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <memory>
#include <variant>

namespace corral::bench {
namespace {

using Steady = std::chrono::steady_clock;

class Load {
 public:
  Load(boost::asio::io_context& io, broker::Broker& broker, std::string workspace_id, std::string user_prefix,
       size_t placements)
      : io_(io),
        broker_(broker),
        workspace_id_(std::move(workspace_id)),
        user_prefix_(std::move(user_prefix)),
        placements_(placements),
        timer_(io) {
    out_.latency.reserve(placements);
  }

  LoadOutcome closed(size_t in_flight) {
    start_ = Steady::now();
    on_reply_ = [this] {
      // Posted, not called: a refusal is answered inside place(), and the next request is a new
      // event on the core anyway.
      if (requested_ < placements_) request_now();
    };
    for (size_t i = 0; i < in_flight && i < placements_; ++i) request_now();
    return finish();
  }

  LoadOutcome open(double per_second) {
    start_ = Steady::now();
    spacing_ = std::chrono::duration<double>(1.0 / per_second);
    on_reply_ = [] {};
    arrive();
    return finish();
  }

 private:
  Steady::time_point arrival(size_t i) const {
    return start_ + std::chrono::duration_cast<Steady::duration>(spacing_ * static_cast<double>(i));
  }

  // Issues every placement whose arrival time has come, then sleeps until the next one.
  void arrive() {
    const Steady::time_point now = Steady::now();
    while (issued_ < placements_ && arrival(issued_) <= now) issue(arrival(issued_));
    if (issued_ == placements_) return;
    timer_.expires_at(arrival(issued_));
    timer_.async_wait([this](const boost::system::error_code& ec) {
      if (!ec) arrive();
    });
  }

  void request_now() {
    ++requested_;
    boost::asio::post(io_, [this] { issue(Steady::now()); });
  }

  void issue(Steady::time_point arrived) {
    const size_t n = issued_++;
    broker_.place(workspace_id_, user_prefix_ + std::to_string(n),
                  [this, arrived](Result<broker::PlaceOutcome> outcome) {
                    out_.latency.add(Steady::now() - arrived);
                    if (!outcome.ok()) {
                      ++out_.failed;
                    } else if (std::holds_alternative<broker::PlacedSession>(*outcome)) {
                      ++out_.placed;
                    } else {
                      ++out_.refused;
                    }
                    if (++answered_ == placements_) end_ = Steady::now();
                    on_reply_();
                  });
  }

  LoadOutcome finish() {
    io_.restart();
    while (answered_ < placements_ && io_.run_one() > 0) {
    }
    out_.seconds = std::chrono::duration<double>(end_ - start_).count();
    out_.latency.finish();
    return std::move(out_);
  }

  boost::asio::io_context& io_;
  broker::Broker& broker_;
  const std::string workspace_id_;
  const std::string user_prefix_;
  const size_t placements_;
  boost::asio::steady_timer timer_;
  std::chrono::duration<double> spacing_{0};
  std::function<void()> on_reply_;
  Steady::time_point start_, end_;
  size_t requested_ = 0;  // closed loop: issued or posted to be
  size_t issued_ = 0;
  size_t answered_ = 0;
  LoadOutcome out_;
};

}  // namespace

LoadOutcome run_placements(boost::asio::io_context& io, broker::Broker& broker, const std::string& workspace_id,
                           const std::string& user_prefix, size_t placements, size_t in_flight, double per_second) {
  Load load(io, broker, workspace_id, user_prefix, placements);
  return per_second > 0 ? load.open(per_second) : load.closed(in_flight);
}

}  // namespace corral::bench
