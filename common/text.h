// Checks for text that arrives from another party (an agent's hostname, OS version, labels) before
// it reaches the store, log lines, API answers and operators' terminals. The manager checks what
// agents send at enrollment and in Hello; the agent checks what it is about to send, so a hostile
// local hostname is caught on the host too.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "common/result.h"

namespace corral {

// What an agent may say about its host; the agent keeps to these and the manager enforces them.
inline constexpr size_t kMaxHostnameBytes = 255;
inline constexpr size_t kMaxOsVersionBytes = 255;

// invalid_argument naming FIELD, and never echoing VALUE, when VALUE is longer than MAX_LEN bytes,
// is not valid UTF-8 (overlong forms, surrogates and code points past U+10FFFF included), or holds
// a control character: C0 (tab and newline too), DEL, C1, the line and paragraph separators, and
// the bidirectional embeddings, overrides and isolates that make text display in another order
// than it is stored.
Status check_printable(std::string_view value, std::string_view field, size_t max_len);

// VALUE with each refused character, and each byte that is not part of valid UTF-8, replaced by
// '?', cut to at most MAX_LEN bytes without splitting a character.
std::string sanitize_printable(std::string_view value, size_t max_len);

// VALUE without the spaces, tabs, CRs and LFs around it (lines of files, header values).
std::string_view trim_whitespace(std::string_view value);

// VALUE with A-Z lowered and every other byte as it is (header names, URL schemes, hex digits).
std::string ascii_lower(std::string_view value);
// Equal but for the case of A-Z (header names).
bool ascii_iequals(std::string_view a, std::string_view b);

}  // namespace corral
