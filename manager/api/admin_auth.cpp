#include "manager/api/admin_auth.h"

#include "common/encoding.h"
#include "common/files.h"
#include "common/log.h"

namespace corral::manager {
namespace {

constexpr std::string_view kPrefix = "cadm.";
constexpr size_t kIdLength = 16;
constexpr size_t kSecretLength = 40;

}  // namespace

Status AdminAuth::initialize(store::Store& store, const std::string& token_path, const Clock& clock) {
  if (file_exists(token_path)) {
    if (Status s = check_private(token_path, "admin token"); !s.ok()) return s;
  }
  auto tokens = store.admin_tokens().list();
  if (!tokens.ok()) return tokens.status();
  if (tokens->empty()) {
    NewToken first = generate("initial", unix_seconds(clock.now()));
    const store::AdminTokenRecord& record = first.record;
    // File first: if the write fails, no token exists that nobody can read.
    if (Status s = write_file_atomic(token_path, first.token + "\n", 0600); !s.ok()) return s;
    if (Status s = store.admin_tokens().insert(record); !s.ok()) return s;
    log::info("admin_token.created", {{"token_id", record.id}, {"file", token_path}});
    tokens->push_back(record);
  }
  auto table = std::make_shared<Table>();
  for (const auto& t : *tokens) (*table)[t.id] = t.secret_sha256;
  publish(std::move(table));
  return {};
}

AdminAuth::NewToken AdminAuth::generate(std::string name, int64_t created_at) {
  NewToken t;
  t.record.id = random_token(kIdLength);
  std::string secret = random_token(kSecretLength);
  t.record.secret_sha256 = sha256_hex(secret);
  t.record.name = std::move(name);
  t.record.created_at = created_at;
  t.token = std::string(kPrefix) + t.record.id + "." + secret;
  return t;
}

// Writers are the core alone, so copy-then-publish needs no lock between them.
void AdminAuth::add(const std::string& token_id, const std::string& secret_sha256) {
  auto next = std::make_shared<Table>(*snapshot());
  (*next)[token_id] = secret_sha256;
  publish(std::move(next));
}

void AdminAuth::remove(const std::string& token_id) {
  auto next = std::make_shared<Table>(*snapshot());
  next->erase(token_id);
  publish(std::move(next));
}

std::shared_ptr<const AdminAuth::Table> AdminAuth::snapshot() const {
  std::lock_guard lock(table_mutex_);
  return table_;
}

void AdminAuth::publish(std::shared_ptr<const Table> table) {
  std::lock_guard lock(table_mutex_);
  table_ = std::move(table);
}

bool AdminAuth::authorize(std::string_view header) const {
  constexpr std::string_view kBearer = "Bearer ";
  if (!header.starts_with(kBearer)) return false;
  std::string_view token = header.substr(kBearer.size());
  if (!token.starts_with(kPrefix)) return false;
  token.remove_prefix(kPrefix.size());
  size_t dot = token.find('.');
  if (dot == std::string_view::npos) return false;
  std::shared_ptr<const Table> table = snapshot();
  auto it = table->find(std::string(token.substr(0, dot)));
  if (it == table->end()) return false;
  return constant_time_equal(it->second, sha256_hex(token.substr(dot + 1)));
}

}  // namespace corral::manager
