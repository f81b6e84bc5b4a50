#include "common/secret_box.h"

#include <openssl/evp.h>
#include <sys/stat.h>

#include <fstream>
#include <memory>
#include <sstream>

#include "common/encoding.h"
#include "common/files.h"

namespace corral {
namespace {

constexpr size_t kKeyBytes = 32;
constexpr size_t kNonceBytes = 12;
constexpr size_t kTagBytes = 16;

using Ctx = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;

}  // namespace

Result<SecretBox> SecretBox::from_key(std::string key) {
  if (key.size() != kKeyBytes) return error(ErrorCode::invalid_argument, "a master key is 32 bytes");
  return SecretBox(std::move(key));
}

Result<SecretBox> SecretBox::open_or_create(const std::string& key_file) {
  struct stat st {};
  if (::stat(key_file.c_str(), &st) != 0) {
    if (Status s = write_file_atomic(key_file, random_bytes(kKeyBytes), 0600); !s.ok()) return s;
    return open_or_create(key_file);
  }
  if (Status s = check_private(key_file, "master key"); !s.ok()) return s;
  std::ifstream in(key_file, std::ios::binary);
  std::ostringstream data;
  data << in.rdbuf();
  std::string key = data.str();
  if (!in && !in.eof()) return error(ErrorCode::failed_precondition, "cannot read " + key_file);
  if (key.size() != kKeyBytes) {
    return error(ErrorCode::failed_precondition, key_file + " is " + std::to_string(key.size()) +
                                                     " bytes; a master key is 32 bytes (restore it from backup: "
                                                     "secrets sealed under another key cannot be read)");
  }
  return SecretBox(std::move(key));
}

std::string SecretBox::seal(std::string_view plaintext, std::string_view associated_data) const {
  std::string nonce = random_bytes(kNonceBytes);
  std::string out = nonce;
  out.resize(kNonceBytes + plaintext.size() + kTagBytes);
  Ctx ctx(EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free);
  int len = 0;
  auto u = [](const char* p) { return reinterpret_cast<const unsigned char*>(p); };
  auto* w = reinterpret_cast<unsigned char*>(out.data());
  EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, u(key_.data()), u(nonce.data()));
  EVP_EncryptUpdate(ctx.get(), nullptr, &len, u(associated_data.data()), static_cast<int>(associated_data.size()));
  EVP_EncryptUpdate(ctx.get(), w + kNonceBytes, &len, u(plaintext.data()), static_cast<int>(plaintext.size()));
  EVP_EncryptFinal_ex(ctx.get(), w + kNonceBytes + len, &len);
  EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTagBytes, w + kNonceBytes + plaintext.size());
  return "v1:" + base64_encode(out);
}

Result<std::string> SecretBox::open(std::string_view sealed, std::string_view associated_data) const {
  if (!looks_sealed(sealed)) return error(ErrorCode::invalid_argument, "not a sealed secret");
  auto raw = base64_decode(sealed.substr(3));
  if (!raw || raw->size() < kNonceBytes + kTagBytes)
    return error(ErrorCode::invalid_argument, "sealed secret is malformed");
  size_t n = raw->size() - kNonceBytes - kTagBytes;
  auto* u = reinterpret_cast<const unsigned char*>(raw->data());
  std::string plain(n, '\0');
  Ctx ctx(EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free);
  int len = 0;
  EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, reinterpret_cast<const unsigned char*>(key_.data()), u);
  EVP_DecryptUpdate(ctx.get(), nullptr, &len, reinterpret_cast<const unsigned char*>(associated_data.data()),
                    static_cast<int>(associated_data.size()));
  EVP_DecryptUpdate(ctx.get(), reinterpret_cast<unsigned char*>(plain.data()), &len, u + kNonceBytes,
                    static_cast<int>(n));
  EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTagBytes, const_cast<unsigned char*>(u + kNonceBytes + n));
  int final_len = 0;
  if (EVP_DecryptFinal_ex(ctx.get(), reinterpret_cast<unsigned char*>(plain.data()) + len, &final_len) != 1) {
    return error(ErrorCode::invalid_argument,
                 "sealed secret does not open: tampered, moved to another field, or sealed under another master key");
  }
  return plain;
}

}  // namespace corral
