// What the vSphere plugin's building blocks (SOAP, session, inventory, lifecycle) return: a value
// or an error that already carries the provider error class, decided where the failure is
// understood (a vim25 fault type, an HTTP status, a path that does not resolve), never re-derived
// from message text.
#pragma once

#include <stdexcept>
#include <string>
#include <utility>
#include <variant>

#include "corral/provider/v1/provider.pb.h"

namespace corral::vsphere {

namespace pv1 = ::corral::provider::v1;

struct VsphereError {
  pv1::ErrorClass error_class = pv1::ERROR_CLASS_UNSPECIFIED;
  std::string message;     // names what failed; never a secret
  std::string field_path;  // JSON Pointer into the config when one field is at fault
  std::string fault_type;  // the vim25 fault ("InvalidLogin"), when vCenter sent one

  pv1::Error to_proto() const {
    pv1::Error e;
    e.set_class_(error_class);
    e.set_message(message);
    e.set_field_path(field_path);
    return e;
  }
};

inline VsphereError config_error(std::string message, std::string path = {}) {
  return {pv1::ERROR_CLASS_INVALID_CONFIG, std::move(message), std::move(path), {}};
}
inline VsphereError transient_error(std::string message) {
  return {pv1::ERROR_CLASS_TRANSIENT, std::move(message), {}, {}};
}

// A value or a VsphereError. value() on an error throws (the SDK turns it into
// CORRAL_ERR_INTERNAL): reading a value that is not there is a bug, not a provider failure.
template <typename T>
class [[nodiscard]] Outcome {
 public:
  Outcome(T value) : v_(std::move(value)) {}             // NOLINT(google-explicit-constructor)
  Outcome(VsphereError error) : v_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return v_.index() == 0; }
  const T& value() const& {
    if (!ok()) throw std::logic_error("Outcome::value() on an error: " + error().message);
    return std::get<0>(v_);
  }
  T&& value() && {
    if (!ok()) throw std::logic_error("Outcome::value() on an error: " + error().message);
    return std::get<0>(std::move(v_));
  }
  const VsphereError& error() const {
    if (ok()) throw std::logic_error("Outcome::error() on a value");
    return std::get<1>(v_);
  }

 private:
  std::variant<T, VsphereError> v_;
};

}  // namespace corral::vsphere
