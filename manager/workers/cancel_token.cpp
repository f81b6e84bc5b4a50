#include "manager/workers/cancel_token.h"

#include <algorithm>

namespace corral::manager::workers {

CancelToken::Registration& CancelToken::Registration::operator=(Registration&& other) noexcept {
  if (this != &other) {
    reset();
    token_ = std::move(other.token_);
    id_ = std::exchange(other.id_, 0);
  }
  return *this;
}

void CancelToken::Registration::reset() {
  if (id_ == 0) return;
  if (auto token = token_.lock()) {
    std::lock_guard lock(token->mu_);
    token->callbacks_.erase(id_);
  }
  token_.reset();
  id_ = 0;
}

std::shared_ptr<CancelToken> CancelToken::make() { return std::shared_ptr<CancelToken>(new CancelToken()); }

std::shared_ptr<CancelToken> CancelToken::child() {
  std::shared_ptr<CancelToken> c = make();
  std::lock_guard lock(mu_);
  if (cancelled()) {
    c->flag_->store(true, std::memory_order_release);
    return c;
  }
  // A long-lived parent (an autoscale config) makes a child per call: forget the finished ones
  // whenever the list has doubled, so it stays as long as the children alive.
  if (children_.size() >= 16 && children_.size() == children_.capacity()) {
    children_.erase(std::remove_if(children_.begin(), children_.end(), [](const auto& w) { return w.expired(); }),
                    children_.end());
  }
  children_.push_back(c);
  return c;
}

void CancelToken::cancel() {
  std::vector<std::weak_ptr<CancelToken>> children;
  std::map<uint64_t, std::function<void()>> callbacks;
  {
    std::lock_guard lock(mu_);
    if (cancelled()) return;
    flag_->store(true, std::memory_order_release);
    children.swap(children_);
    callbacks.swap(callbacks_);
  }
  // No lock held: a callback may take its owner's lock, and that owner may be registering here.
  for (auto& weak : children) {
    if (auto c = weak.lock()) c->cancel();
  }
  for (auto& [id, fn] : callbacks) fn();
}

CancelToken::Registration CancelToken::on_cancel(std::function<void()> fn) const {
  {
    std::lock_guard lock(mu_);
    if (!cancelled()) {
      uint64_t id = next_id_++;
      callbacks_.emplace(id, std::move(fn));
      return Registration(weak_from_this(), id);
    }
  }
  fn();
  return {};
}

}  // namespace corral::manager::workers
