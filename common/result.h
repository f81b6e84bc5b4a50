// Status and Result<T>: how Corral components report failure across component boundaries.
// Nothing is thrown across threads or the plugin ABI; an error carries a code and a message
// that names what was wrong.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace corral {

enum class ErrorCode {
  ok = 0,
  invalid_argument,
  not_found,
  already_exists,
  permission_denied,
  unauthenticated,
  failed_precondition,
  resource_exhausted,
  unavailable,
  internal,
};

const char* error_code_name(ErrorCode code);

class Status;
namespace detail {
// Called by Result::value() on an error: logs the error and the caller's mistake, then aborts.
// Defined in every build type, so a missed check is a clear crash, never undefined behaviour.
[[noreturn]] void value_of_error(const Status& status);
}  // namespace detail

// [[nodiscard]] on the type: every function returning a Status or Result must have its answer
// looked at (or explicitly dropped with a cast to void and a reason).
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(ErrorCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status ok_status() { return {}; }

  bool ok() const { return code_ == ErrorCode::ok; }
  ErrorCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // "code: message", for logs and CLI output.
  std::string to_string() const;

 private:
  ErrorCode code_ = ErrorCode::ok;
  std::string message_;
};

inline Status error(ErrorCode code, std::string message) { return {code, std::move(message)}; }

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT(google-explicit-constructor)
  // A Result built from an ok Status would hold neither a value nor an error: it is turned into
  // an internal error so that the mistake surfaces where the Result is checked.
  Result(Status status)  // NOLINT(google-explicit-constructor)
      : v_(status.ok() ? Status(ErrorCode::internal, "a Result was built from an ok Status") : std::move(status)) {}

  bool ok() const { return std::holds_alternative<T>(v_); }
  explicit operator bool() const { return ok(); }

  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(v_);
  }
  // On an error these log it and abort (detail::value_of_error): check ok() first.
  T& value() & {
    if (!ok()) detail::value_of_error(std::get<Status>(v_));
    return *std::get_if<T>(&v_);
  }
  const T& value() const& {
    if (!ok()) detail::value_of_error(std::get<Status>(v_));
    return *std::get_if<T>(&v_);
  }
  T&& value() && {
    if (!ok()) detail::value_of_error(std::get<Status>(v_));
    return std::move(*std::get_if<T>(&v_));
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace corral
