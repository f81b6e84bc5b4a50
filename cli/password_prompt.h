// Asks for a password on the controlling terminal with echo off (`corralctl login`), so it
// appears neither on the screen nor in the shell's history. Platform code: password_prompt_posix.cpp.
#pragma once

#include <string>

#include "common/result.h"

namespace corral::cli {

// Writes PROMPT to the terminal, reads one line without echoing it, and restores the terminal.
// failed_precondition when there is no terminal (then --password-stdin is the way).
Result<std::string> prompt_password(const std::string& prompt);

}  // namespace corral::cli
