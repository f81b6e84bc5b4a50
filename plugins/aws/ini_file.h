// The INI dialect of the AWS shared credentials and config files, as the official CLI and SDKs
// read them (Python's configparser in strict mode): [section] headers, "key = value" or
// "key: value", keys case-insensitive, full-line comments with # or ;, indented lines continuing
// the previous value, a duplicate section or key is an error. Called by the credential chain.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "plugins/aws/aws_error.h"

namespace corral::aws {

using IniSection = std::map<std::string, std::string>;  // lower-case key -> value
using IniFile = std::map<std::string, IniSection>;      // section name as written -> keys

// Errors say "line N: why" and never quote the line: it may hold a secret key.
Outcome<IniFile> parse_ini(std::string_view text);

}  // namespace corral::aws
