// Secrets at rest (provider credentials, later LDAP and database passwords): AES-256-GCM under
// a 32-byte master key kept in a file of mode 0600 beside the store.
//
// Sealed form: "v1:" + base64(nonce(12) | ciphertext | tag(16)). Every seal uses a fresh random
// nonce. The associated data binds a ciphertext to where it belongs (e.g. "provider-config/<id>
// /api_key"), so a value copied to another config or field no longer opens.
#pragma once

#include <string>
#include <string_view>

#include "common/result.h"

namespace corral {

class SecretBox {
 public:
  // Reads the key file, or creates it (32 random bytes, mode 0600, written atomically) when it
  // does not exist. Refuses a file of the wrong size or one that group or others can read.
  static Result<SecretBox> open_or_create(const std::string& key_file);
  // From raw key bytes (tests).
  static Result<SecretBox> from_key(std::string key);

  std::string seal(std::string_view plaintext, std::string_view associated_data) const;
  // Fails (invalid_argument) for a value that is not sealed, was tampered with, was sealed under
  // another key or for other associated data.
  Result<std::string> open(std::string_view sealed, std::string_view associated_data) const;

  static bool looks_sealed(std::string_view value) { return value.substr(0, 3) == "v1:"; }

 private:
  explicit SecretBox(std::string key) : key_(std::move(key)) {}
  std::string key_;  // secret
};

}  // namespace corral
