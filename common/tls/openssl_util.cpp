#include "common/tls/openssl_util.h"

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/pem.h>

#include <chrono>
#include <climits>
#include <ctime>

#include "common/encoding.h"
#include "common/text.h"

namespace corral::tls::detail {

ErrorQueueScope::ErrorQueueScope() { ERR_clear_error(); }
ErrorQueueScope::~ErrorQueueScope() { ERR_clear_error(); }

std::string drain_openssl_errors() {
  std::string out;
  // The first few entries carry the cause; long decoder chains only repeat it.
  int kept = 0;
  while (unsigned long e = ERR_get_error()) {
    if (kept == 3) continue;
    const char* lib = ERR_lib_error_string(e);
    const char* reason = ERR_reason_error_string(e);
    std::string entry;
    if (reason != nullptr) {
      entry = lib != nullptr ? std::string(lib) + ": " + reason : reason;
    } else {
      char buf[256];
      ERR_error_string_n(e, buf, sizeof(buf));
      entry = buf;
    }
    if (out.find(entry) != std::string::npos) continue;
    if (!out.empty()) out += "; ";
    out += entry;
    kept++;
  }
  return out;
}

Status openssl_error(ErrorCode code, std::string message) {
  std::string detail = drain_openssl_errors();
  if (!detail.empty()) message += " (" + detail + ")";
  return error(code, std::move(message));
}

namespace {

Result<BioPtr> read_bio(const std::string& text, std::string_view what) {
  if (text.size() > INT_MAX) return error(ErrorCode::invalid_argument, std::string(what) + " is too large");
  BioPtr bio(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
  if (!bio) return openssl_error(ErrorCode::internal, "cannot allocate a memory BIO");
  return bio;
}

// Encrypted keys are not supported; without this callback OpenSSL would prompt on the terminal.
int refuse_passphrase(char* /*buf*/, int /*size*/, int /*rwflag*/, void* /*u*/) { return 0; }

Result<std::string> bio_to_string(BIO* bio) {
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  if (len < 0 || (len > 0 && data == nullptr)) return openssl_error(ErrorCode::internal, "cannot read a memory BIO");
  return std::string(data, static_cast<size_t>(len));
}

}  // namespace

Result<PkeyPtr> parse_private_key_pem(const std::string& pem, std::string_view what) {
  auto bio = read_bio(pem, what);
  if (!bio) return bio.status();
  PkeyPtr key(PEM_read_bio_PrivateKey(bio->get(), nullptr, &refuse_passphrase, nullptr));
  if (!key) {
    return openssl_error(ErrorCode::invalid_argument,
                         std::string(what) + " is not a valid unencrypted PEM private key");
  }
  return key;
}

Result<X509Ptr> parse_certificate_pem(const std::string& pem, std::string_view what) {
  auto bio = read_bio(pem, what);
  if (!bio) return bio.status();
  X509Ptr cert(PEM_read_bio_X509(bio->get(), nullptr, &refuse_passphrase, nullptr));
  if (!cert) return openssl_error(ErrorCode::invalid_argument, std::string(what) + " is not valid PEM");
  return cert;
}

Result<std::vector<X509Ptr>> parse_certificate_bundle_pem(const std::string& pem, std::string_view what) {
  auto bio = read_bio(pem, what);
  if (!bio) return bio.status();
  std::vector<X509Ptr> certs;
  for (;;) {
    X509Ptr cert(PEM_read_bio_X509(bio->get(), nullptr, &refuse_passphrase, nullptr));
    if (!cert) {
      unsigned long e = ERR_peek_last_error();
      // Running out of PEM blocks after at least one certificate is the normal end of a bundle.
      if (!certs.empty() && ERR_GET_LIB(e) == ERR_LIB_PEM && ERR_GET_REASON(e) == PEM_R_NO_START_LINE) {
        ERR_clear_error();
        return certs;
      }
      return openssl_error(ErrorCode::invalid_argument, std::string(what) + " is not valid PEM");
    }
    certs.push_back(std::move(cert));
  }
}

Result<X509ReqPtr> parse_csr_pem(const std::string& pem, std::string_view what) {
  auto bio = read_bio(pem, what);
  if (!bio) return bio.status();
  X509ReqPtr req(PEM_read_bio_X509_REQ(bio->get(), nullptr, &refuse_passphrase, nullptr));
  if (!req) return openssl_error(ErrorCode::invalid_argument, std::string(what) + " is not valid PEM");
  return req;
}

Result<std::string> private_key_to_pem(EVP_PKEY* key) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return openssl_error(ErrorCode::internal, "cannot encode the private key as PEM");
  }
  return bio_to_string(bio.get());
}

Result<std::string> certificate_to_pem(X509* cert) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_X509(bio.get(), cert) != 1) {
    return openssl_error(ErrorCode::internal, "cannot encode the certificate as PEM");
  }
  return bio_to_string(bio.get());
}

Result<std::string> csr_to_pem(X509_REQ* req) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_X509_REQ(bio.get(), req) != 1) {
    return openssl_error(ErrorCode::internal, "cannot encode the CSR as PEM");
  }
  return bio_to_string(bio.get());
}

Result<PkeyPtr> generate_ec_p256_key() {
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
  if (!ctx || EVP_PKEY_keygen_init(ctx.get()) != 1 || EVP_PKEY_CTX_set_group_name(ctx.get(), "P-256") != 1) {
    return openssl_error(ErrorCode::internal, "cannot set up P-256 key generation");
  }
  EVP_PKEY* raw = nullptr;
  if (EVP_PKEY_generate(ctx.get(), &raw) != 1) return openssl_error(ErrorCode::internal, "P-256 key generation failed");
  return PkeyPtr(raw);
}

std::string describe_if_not_named_p256(EVP_PKEY* key) {
  if (EVP_PKEY_is_a(key, "EC") != 1) {
    const char* name = EVP_PKEY_get0_type_name(key);
    return name != nullptr ? name : "of an unknown type";
  }
  char group[80] = {};
  size_t len = 0;
  if (EVP_PKEY_get_group_name(key, group, sizeof(group), &len) != 1) return "EC with explicit curve parameters";
  // Providers report the curve by its OID short name ("prime256v1") or NIST name ("P-256").
  int nid = OBJ_sn2nid(group);
  if (nid == NID_undef) nid = EC_curve_nist2nid(group);
  if (nid != NID_X9_62_prime256v1) return std::string("EC ") + group;
  // OpenSSL names the curve even when the key spells out its parameters, if they match a known
  // one; only the encoding tells them apart.
  char encoding[32] = {};
  if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_EC_ENCODING, encoding, sizeof(encoding), &len) != 1 ||
      std::string_view(encoding) != OSSL_PKEY_EC_ENCODING_GROUP) {
    return "EC P-256 with explicit curve parameters";
  }
  return "";
}

Status add_common_name(X509_NAME* name, const std::string& common_name) {
  // 64 is ub-common-name (RFC 5280); control characters would garble logs and CLI output.
  if (common_name.empty() || common_name.size() > 64) {
    return error(ErrorCode::invalid_argument,
                 "common name must be 1 to 64 bytes, got " + std::to_string(common_name.size()));
  }
  for (unsigned char c : common_name) {
    if (c < 0x20 || c == 0x7f) return error(ErrorCode::invalid_argument, "common name contains a control character");
  }
  if (X509_NAME_add_entry_by_NID(name, NID_commonName, MBSTRING_UTF8,
                                 reinterpret_cast<const unsigned char*>(common_name.data()),
                                 static_cast<int>(common_name.size()), -1, 0) != 1) {
    return openssl_error(ErrorCode::invalid_argument, "common name is not valid UTF-8");
  }
  return {};
}

Result<std::string> certificate_fingerprint(X509* cert) {
  int len = i2d_X509(cert, nullptr);
  if (len <= 0) return openssl_error(ErrorCode::internal, "cannot DER-encode the certificate");
  std::string der(static_cast<size_t>(len), '\0');
  auto* p = reinterpret_cast<unsigned char*>(der.data());
  if (i2d_X509(cert, &p) != len) return openssl_error(ErrorCode::internal, "cannot DER-encode the certificate");
  return sha256_hex(der);
}

std::string serial_hex(const X509* cert) {
  BignumPtr bn(ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), nullptr));
  if (!bn) return "";
  char* hex = BN_bn2hex(bn.get());
  if (hex == nullptr) return "";
  std::string out(hex);
  OPENSSL_free(hex);
  return ascii_lower(out);
}

int64_t asn1_time_to_unix(const ASN1_TIME* t) {
  std::tm tm{};
  // A null time would make OpenSSL report the current time instead of failing.
  if (t == nullptr || ASN1_TIME_to_tm(t, &tm) != 1) return 0;
  using namespace std::chrono;
  sys_days date =
      year{tm.tm_year + 1900} / month{static_cast<unsigned>(tm.tm_mon + 1)} / day{static_cast<unsigned>(tm.tm_mday)};
  return duration_cast<seconds>(date.time_since_epoch()).count() + int64_t{tm.tm_hour} * 3600 +
         int64_t{tm.tm_min} * 60 + tm.tm_sec;
}

}  // namespace corral::tls::detail
