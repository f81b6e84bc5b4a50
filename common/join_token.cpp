#include "common/join_token.h"

#include <vector>

#include "common/encoding.h"

namespace corral {
namespace {

constexpr std::string_view kPrefix = "cj1";

bool all_of_alphabet(std::string_view s, std::string_view alphabet) {
  return s.find_first_not_of(alphabet) == std::string_view::npos;
}

}  // namespace

std::string format_join_token(const JoinTokenParts& parts) {
  std::string out = std::string(kPrefix) + "." + parts.id + "." + parts.secret;
  if (!parts.ca_sha256.empty()) out += "." + parts.ca_sha256;
  return out;
}

Result<JoinTokenParts> parse_join_token(std::string_view text) {
  std::vector<std::string_view> fields;
  size_t start = 0;
  while (true) {
    size_t dot = text.find('.', start);
    fields.push_back(text.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start));
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  if (fields.size() != 3 && fields.size() != 4) {
    return error(ErrorCode::invalid_argument, "join token must look like cj1.<id>.<secret>.<ca-sha256>");
  }
  if (fields[0] != kPrefix) {
    return error(ErrorCode::invalid_argument, "join token does not start with 'cj1.' (unknown token version)");
  }
  JoinTokenParts parts{std::string(fields[1]), std::string(fields[2]), {}};
  if (parts.id.size() != kJoinTokenIdLength || !all_of_alphabet(parts.id, kRandomTokenAlphabet)) {
    return error(ErrorCode::invalid_argument, "join token id must be 16 characters of [a-z0-9]");
  }
  if (parts.secret.size() != kJoinTokenSecretLength || !all_of_alphabet(parts.secret, kRandomTokenAlphabet)) {
    return error(ErrorCode::invalid_argument, "join token secret must be 32 characters of [a-z0-9]");
  }
  if (fields.size() == 4) {
    parts.ca_sha256 = std::string(fields[3]);
    if (parts.ca_sha256.size() != 64 || !is_lower_hex(parts.ca_sha256)) {
      return error(ErrorCode::invalid_argument, "join token CA hash must be 64 lowercase hex digits (SHA-256)");
    }
  }
  return parts;
}

JoinTokenParts generate_join_token() {
  return {random_token(kJoinTokenIdLength), random_token(kJoinTokenSecretLength), {}};
}

}  // namespace corral
