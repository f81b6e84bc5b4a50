#include "manager/api/user_auth.h"

#include <algorithm>

#include "common/encoding.h"

namespace corral::manager {
namespace {

constexpr std::string_view kPrefix = "cusr.";
constexpr size_t kIdLength = 16;
constexpr size_t kSecretLength = 40;

}  // namespace

UserAuth::Issued UserAuth::issue(directory::DirectoryUser user) {
  const auto now = clock_.now();
  auto identity = std::make_shared<UserIdentity>();
  identity->token_id = random_token(kIdLength);
  identity->username = std::move(user.username);
  identity->dn = std::move(user.dn);
  identity->groups = std::move(user.groups);
  identity->expires_at = now + lifetime_;
  const std::string secret = random_token(kSecretLength);

  auto next = std::make_shared<Table>();
  std::vector<const Entry*> same_user;
  for (const auto& [id, entry] : *snapshot()) {
    if (entry.identity->expires_at <= now) continue;
    if (entry.identity->username == identity->username) same_user.push_back(&entry);
    next->emplace(id, entry);
  }
  if (same_user.size() >= kMaxTokensPerUser) {
    std::sort(same_user.begin(), same_user.end(),
              [](const Entry* a, const Entry* b) { return a->identity->expires_at < b->identity->expires_at; });
    for (size_t i = 0; i + kMaxTokensPerUser - 1 < same_user.size(); ++i) next->erase(same_user[i]->identity->token_id);
  }
  next->emplace(identity->token_id, Entry{sha256_hex(secret), identity});
  publish(std::move(next));
  return {std::string(kPrefix) + identity->token_id + "." + secret, identity};
}

void UserAuth::revoke(const std::string& token_id) {
  auto next = std::make_shared<Table>(*snapshot());
  if (next->erase(token_id) > 0) publish(std::move(next));
}

std::shared_ptr<const UserAuth::Table> UserAuth::snapshot() const {
  std::lock_guard lock(table_mutex_);
  return table_;
}

void UserAuth::publish(std::shared_ptr<const Table> table) {
  std::lock_guard lock(table_mutex_);
  table_ = std::move(table);
}

std::shared_ptr<const UserIdentity> UserAuth::authenticate(std::string_view header) const {
  constexpr std::string_view kBearer = "Bearer ";
  if (!header.starts_with(kBearer)) return nullptr;
  std::string_view token = header.substr(kBearer.size());
  if (!token.starts_with(kPrefix)) return nullptr;
  token.remove_prefix(kPrefix.size());
  size_t dot = token.find('.');
  if (dot == std::string_view::npos) return nullptr;
  std::shared_ptr<const Table> table = snapshot();
  auto it = table->find(std::string(token.substr(0, dot)));
  if (it == table->end()) return nullptr;
  if (!constant_time_equal(it->second.secret_sha256, sha256_hex(token.substr(dot + 1)))) return nullptr;
  if (it->second.identity->expires_at <= clock_.now()) return nullptr;
  return it->second.identity;
}

}  // namespace corral::manager
