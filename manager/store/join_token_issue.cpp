#include "manager/store/join_token_issue.h"

#include "common/encoding.h"
#include "common/join_token.h"

namespace corral::store {

IssuedJoinToken make_join_token(int64_t now, int64_t expires_at, const std::string& ca_sha256) {
  JoinTokenParts parts = generate_join_token();
  parts.ca_sha256 = ca_sha256;
  IssuedJoinToken out;
  out.record.id = parts.id;
  out.record.secret_sha256 = sha256_hex(parts.secret);
  out.record.created_at = now;
  out.record.expires_at = expires_at;
  out.text = format_join_token(parts);
  return out;
}

Result<std::string> issue_server_join_token(JoinTokenRepository& tokens, const std::string& server_id, int64_t now,
                                            int64_t expires_at, const std::string& ca_sha256) {
  if (server_id.empty()) return error(ErrorCode::invalid_argument, "a server's join token needs the server id");
  if (expires_at <= now) {
    return error(ErrorCode::invalid_argument, "join token for server " + server_id + " would expire at " +
                                                  std::to_string(expires_at) + ", not after now (" +
                                                  std::to_string(now) + ")");
  }
  IssuedJoinToken issued = make_join_token(now, expires_at, ca_sha256);
  issued.record.server_id = server_id;
  issued.record.description = "autoscaled server " + server_id;
  if (Status s = tokens.insert(issued.record); !s.ok()) return s;
  return std::move(issued.text);
}

}  // namespace corral::store
