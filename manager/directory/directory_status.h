// What a directory (LDAP / Active Directory) call reports when it fails: the step that failed
// (DNS, TCP, TLS, bind, ...), the LDAP result code when the server answered, and a message that
// says why. Used by manager/directory/ and by whoever shows the failure (API, corralctl, events).
#pragma once

#include <string>
#include <utility>
#include <variant>

#include "common/result.h"

namespace corral::manager::directory {

enum class DirectoryStep {
  none = 0,  // no failure
  config,    // the configuration cannot be used (nothing was sent)
  dns,       // the server's name did not resolve
  tcp,       // no TCP connection (refused, unreachable, timed out)
  tls,       // TLS handshake or StartTLS failed (certificate, protocol)
  bind,      // the directory refused our credentials
  search,
  add,
  modify,
  remove,
};

const char* directory_step_name(DirectoryStep step);

class [[nodiscard]] DirectoryStatus {
 public:
  static constexpr int kEntryAlreadyExists = 68;  // LDAP_ALREADY_EXISTS

  DirectoryStatus() = default;
  DirectoryStatus(DirectoryStep step, int ldap_code, std::string message)
      : step_(step), ldap_code_(ldap_code), message_(std::move(message)) {}
  static DirectoryStatus ok_status() { return {}; }

  bool ok() const { return step_ == DirectoryStep::none; }
  DirectoryStep step() const { return step_; }
  // The LDAP result code (49 invalid credentials, 68 already exists, ...), libldap's negative
  // code for a local failure, or 0 when no LDAP exchange was involved.
  int ldap_code() const { return ldap_code_; }
  // An add refused because the entry exists (entryAlreadyExists, RFC 4511): the name is taken.
  bool name_taken() const { return step_ == DirectoryStep::add && ldap_code_ == kEntryAlreadyExists; }
  // Names the step and says why ("tls: ...", "bind: ... (directory says: ...)").
  const std::string& message() const { return message_; }
  // The same as a Status for callers that only report it.
  Status to_status() const;

 private:
  DirectoryStep step_ = DirectoryStep::none;
  int ldap_code_ = 0;
  std::string message_;
};

template <typename T>
class [[nodiscard]] DirectoryResult {
 public:
  DirectoryResult(T value) : v_(std::move(value)) {}                  // NOLINT(google-explicit-constructor)
  DirectoryResult(DirectoryStatus status) : v_(std::move(status)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return std::holds_alternative<T>(v_); }
  const DirectoryStatus& status() const {
    static const DirectoryStatus kOk;
    return ok() ? kOk : std::get<DirectoryStatus>(v_);
  }
  // On an error these abort, like Result::value(): check ok() first.
  T& value() & {
    if (!ok()) detail::value_of_error(std::get<DirectoryStatus>(v_).to_status());
    return *std::get_if<T>(&v_);
  }
  T&& value() && {
    if (!ok()) detail::value_of_error(std::get<DirectoryStatus>(v_).to_status());
    return std::move(*std::get_if<T>(&v_));
  }
  T* operator->() { return &value(); }

 private:
  std::variant<T, DirectoryStatus> v_;
};

}  // namespace corral::manager::directory
