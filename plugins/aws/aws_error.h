// What the AWS plugin's building blocks (signing inputs, credentials, IMDS, STS) return: a value
// or an error that already carries the provider error class the manager acts on, so the class is
// decided where the failure is understood and never re-derived from message text.
#pragma once

#include <stdexcept>
#include <string>
#include <utility>
#include <variant>

#include "corral/provider/v1/provider.pb.h"

namespace corral::aws {

namespace pv1 = ::corral::provider::v1;

struct AwsError {
  pv1::ErrorClass error_class = pv1::ERROR_CLASS_UNSPECIFIED;
  std::string message;     // names what failed; never a secret
  std::string field_path;  // JSON Pointer into the config when one field is at fault
  int64_t retry_after_ms = 0;

  pv1::Error to_proto() const {
    pv1::Error e;
    e.set_class_(error_class);
    e.set_message(message);
    e.set_field_path(field_path);
    e.set_retry_after_ms(retry_after_ms);
    return e;
  }
};

inline AwsError auth_error(std::string message) { return {pv1::ERROR_CLASS_AUTH, std::move(message), {}, 0}; }
inline AwsError config_error(std::string message, std::string path = {}) {
  return {pv1::ERROR_CLASS_INVALID_CONFIG, std::move(message), std::move(path), 0};
}
inline AwsError transient_error(std::string message) { return {pv1::ERROR_CLASS_TRANSIENT, std::move(message), {}, 0}; }

// A value or an AwsError. value() on an error throws (the SDK turns it into CORRAL_ERR_INTERNAL):
// reading a value that is not there is a bug, not a provider failure.
template <typename T>
class [[nodiscard]] Outcome {
 public:
  Outcome(T value) : v_(std::move(value)) {}         // NOLINT(google-explicit-constructor)
  Outcome(AwsError error) : v_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return v_.index() == 0; }
  const T& value() const& {
    if (!ok()) throw std::logic_error("Outcome::value() on an error: " + error().message);
    return std::get<0>(v_);
  }
  T&& value() && {
    if (!ok()) throw std::logic_error("Outcome::value() on an error: " + error().message);
    return std::get<0>(std::move(v_));
  }
  const AwsError& error() const {
    if (ok()) throw std::logic_error("Outcome::error() on a value");
    return std::get<1>(v_);
  }

 private:
  std::variant<T, AwsError> v_;
};

}  // namespace corral::aws
