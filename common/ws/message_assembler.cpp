#include "common/ws/message_assembler.h"

namespace corral::ws {

MessageAssembler::MessageAssembler(size_t max_message_bytes) : max_message_bytes_(max_message_bytes) {}

MessageAssembler::Outcome MessageAssembler::append(std::string_view fragment, bool first, bool final) {
  if (failure_ != Outcome::need_more) return failure_;
  if (complete_) {
    buffer_.clear();
    complete_ = false;
  }
  auto fail = [this](Outcome outcome) {
    failure_ = outcome;
    in_progress_ = false;
    // The peer may have sent up to the limit; do not keep that around until the close completes.
    std::string().swap(buffer_);
    return outcome;
  };
  if (first == in_progress_) return fail(Outcome::protocol_error);
  in_progress_ = true;
  // Written as a subtraction: buffer_.size() <= max_message_bytes_ holds here, so it cannot wrap.
  if (fragment.size() > max_message_bytes_ - buffer_.size()) return fail(Outcome::too_large);
  buffer_.append(fragment);
  if (!final) return Outcome::need_more;
  in_progress_ = false;
  complete_ = true;
  return Outcome::complete;
}

const std::string& MessageAssembler::message() const {
  static const std::string kEmpty;
  return complete_ ? buffer_ : kEmpty;
}

}  // namespace corral::ws
