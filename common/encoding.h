// Small byte helpers used across the manager, agent and cli: hex and base64 codecs, SHA-256,
// cryptographically secure random bytes, and constant-time comparison for secrets.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace corral {

// Lowercase hex, two digits a byte.
std::string to_hex(std::string_view bytes);
// Either case; nullopt for an odd length or a character that is not a hex digit.
std::optional<std::string> from_hex(std::string_view hex);
// 0-15 for 0-9, a-f, A-F; -1 for anything else.
int hex_digit_value(char c);
// Whether every character is one of 0-9 a-f (what to_hex writes; digests and fingerprints).
bool is_lower_hex(std::string_view text);

std::string base64_encode(std::string_view bytes);
std::optional<std::string> base64_decode(std::string_view text);

// Raw 32-byte digest.
std::string sha256(std::string_view data);
inline std::string sha256_hex(std::string_view data) { return to_hex(sha256(data)); }

// From the OS CSPRNG (OpenSSL RAND_bytes); aborts if the generator fails, since no safe
// fallback exists.
std::string random_bytes(size_t n);
// What random_token() draws from; parsers of tokens check against the same set.
inline constexpr std::string_view kRandomTokenAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
// n random characters from kRandomTokenAlphabet.
std::string random_token(size_t n);
// RFC 4122 version 4 UUID, lowercase.
std::string random_uuid();

bool constant_time_equal(std::string_view a, std::string_view b);

}  // namespace corral
