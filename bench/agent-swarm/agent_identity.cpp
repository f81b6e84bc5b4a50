#include "bench/agent-swarm/agent_identity.h"

#include <fcntl.h>
#include <openssl/pem.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <sstream>

#include "common/files.h"
#include "common/text.h"

namespace corral::bench {
namespace {

constexpr char kAgentPrefix[] = "agent ";

}  // namespace

Status AgentIdentity::load() {
  if (certificate && private_key) return {};
  BIO* cert_bio = BIO_new_mem_buf(certificate_pem.data(), static_cast<int>(certificate_pem.size()));
  certificate.reset(PEM_read_bio_X509(cert_bio, nullptr, nullptr, nullptr));
  BIO_free(cert_bio);
  BIO* key_bio = BIO_new_mem_buf(private_key_pem.data(), static_cast<int>(private_key_pem.size()));
  private_key.reset(PEM_read_bio_PrivateKey(key_bio, nullptr, nullptr, nullptr));
  BIO_free(key_bio);
  if (!certificate || !private_key) {
    return error(ErrorCode::invalid_argument, "cached identity of agent " + agent_id + " does not parse");
  }
  return {};
}

IdentityCache::IdentityCache(std::string dir)
    : dir_(std::move(dir)), path_(dir_ + "/identities.pem"), ca_path_(dir_ + "/identities.ca-sha256") {}

IdentityCache::~IdentityCache() { (void)close(); }

Result<std::vector<AgentIdentity>> IdentityCache::load(const std::string& ca_sha256) {
  if (Status s = ensure_directory(dir_, 0700); !s.ok()) return s;
  std::vector<AgentIdentity> out;
  auto bound_to = read_file(ca_path_);
  if (!bound_to.ok() || trim_whitespace(*bound_to) != ca_sha256) {
    // Certificates of another CA would only be refused at the handshake.
    ::unlink(path_.c_str());
    return out;
  }
  auto text = read_file(path_);
  if (!text.ok()) return out;

  std::istringstream in(*text);
  std::string line;
  AgentIdentity* current = nullptr;
  std::string* block = nullptr;
  while (std::getline(in, line)) {
    if (line.rfind(kAgentPrefix, 0) == 0) {
      current = &out.emplace_back();
      current->agent_id = line.substr(sizeof kAgentPrefix - 1);
      block = nullptr;
      continue;
    }
    if (!current) continue;
    if (line == "-----BEGIN CERTIFICATE-----") block = &current->certificate_pem;
    if (line == "-----BEGIN PRIVATE KEY-----") block = &current->private_key_pem;
    if (!block) continue;
    *block += line;
    *block += '\n';
    if (line.rfind("-----END ", 0) == 0) block = nullptr;
  }
  // A record cut short by an interrupted run is dropped; its agent is simply enrolled again.
  std::erase_if(out, [](const AgentIdentity& a) {
    return a.certificate_pem.find("-----END CERTIFICATE-----") == std::string::npos ||
           a.private_key_pem.find("-----END PRIVATE KEY-----") == std::string::npos;
  });
  return out;
}

Status IdentityCache::open_for_append(const std::string& ca_sha256) {
  if (Status s = write_file_atomic(ca_path_, ca_sha256 + "\n", 0600); !s.ok()) return s;
  int fd = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) return error(ErrorCode::internal, "cannot open " + path_ + ": " + std::strerror(errno));
  out_ = ::fdopen(fd, "a");
  if (!out_) {
    ::close(fd);
    return error(ErrorCode::internal, "cannot open " + path_ + ": " + std::strerror(errno));
  }
  return {};
}

Status IdentityCache::append(const AgentIdentity& identity) {
  std::lock_guard lock(mutex_);
  if (!out_) return error(ErrorCode::failed_precondition, "identity cache is not open");
  std::string record = kAgentPrefix + identity.agent_id + "\n" + identity.certificate_pem;
  if (record.back() != '\n') record += '\n';
  record += identity.private_key_pem;
  if (record.back() != '\n') record += '\n';
  if (std::fwrite(record.data(), 1, record.size(), out_) != record.size() || std::fflush(out_) != 0) {
    return error(ErrorCode::internal, "cannot write " + path_ + ": " + std::strerror(errno));
  }
  return {};
}

Status IdentityCache::close() {
  std::lock_guard lock(mutex_);
  if (!out_) return {};
  bool ok = ::fsync(fileno(out_)) == 0;
  ok = std::fclose(out_) == 0 && ok;
  out_ = nullptr;
  if (!ok) return error(ErrorCode::internal, "cannot flush " + path_ + ": " + std::strerror(errno));
  return {};
}

}  // namespace corral::bench
