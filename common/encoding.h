// Small byte helpers used across the manager, agent and cli: hex and base64 codecs, SHA-256,
// cryptographically secure random bytes, and constant-time comparison for secrets.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace corral {

std::string to_hex(std::string_view bytes);
std::optional<std::string> from_hex(std::string_view hex);

std::string base64_encode(std::string_view bytes);
std::optional<std::string> base64_decode(std::string_view text);

// Raw 32-byte digest.
std::string sha256(std::string_view data);
inline std::string sha256_hex(std::string_view data) { return to_hex(sha256(data)); }

// From the OS CSPRNG (OpenSSL RAND_bytes); aborts if the generator fails, since no safe
// fallback exists.
std::string random_bytes(size_t n);
// n random characters from [a-z0-9].
std::string random_token(size_t n);
// RFC 4122 version 4 UUID, lowercase.
std::string random_uuid();

bool constant_time_equal(std::string_view a, std::string_view b);

}  // namespace corral
