// The one-time password of a pre-created computer record, and the form AD wants it in. The
// password is handed to the VM's startup script (Add-Computer ... PasswordPass) and never logged.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

#include "common/result.h"

namespace corral::manager::directory {

// N random bytes; the default is common/encoding.h random_bytes (OpenSSL's CSPRNG). Tests inject
// their own to make names and passwords predictable.
using RandomBytes = std::function<std::string(size_t)>;
RandomBytes system_random();

inline constexpr size_t kMachinePasswordLength = 32;

// kMachinePasswordLength characters with at least one upper-case letter, one lower-case letter,
// one digit and one symbol (AD's default complexity asks for three of the four), chosen without
// modulo bias. The symbols need no quoting in PowerShell, cmd or sh single quotes, and never
// form a template placeholder.
std::string generate_machine_password(const RandomBytes& random);

// True when PASSWORD has characters of at least three of AD's four classes and is at least 7
// long: what a domain with default policy accepts.
bool meets_ad_complexity(std::string_view password);

// The unicodePwd attribute value: the password in double quotes, as UTF-16LE. Fails for text
// that is not valid UTF-8.
Result<std::string> unicode_pwd_value(std::string_view utf8_password);

}  // namespace corral::manager::directory
