#include "common/tls/x509_builder.h"

#include <arpa/inet.h>
#include <openssl/x509v3.h>

#include <ctime>

#include "common/encoding.h"

namespace corral::tls::detail {

Status check_validity_days(int days) {
  if (days < 1 || days > 36500) {
    return error(ErrorCode::invalid_argument, "validity must be 1 to 36500 days, got " + std::to_string(days));
  }
  return {};
}

namespace {

Status set_random_serial(X509* cert) {
  // RFC 5280 wants positive serials of at most 20 octets; 16 random bytes read as an unsigned
  // number always qualify, and zero is only retried for form's sake.
  BignumPtr bn;
  do {
    std::string bytes = random_bytes(16);
    bn.reset(BN_bin2bn(reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()), nullptr));
    if (!bn) return openssl_error(ErrorCode::internal, "cannot allocate the serial number");
  } while (BN_is_zero(bn.get()));
  if (BN_to_ASN1_INTEGER(bn.get(), X509_get_serialNumber(cert)) == nullptr) {
    return openssl_error(ErrorCode::internal, "cannot set the serial number");
  }
  return {};
}

bool looks_like_dns_name(const std::string& name) {
  if (name.empty() || name.size() > 253) return false;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
              c == '_' || c == '*';
    if (!ok) return false;
  }
  return true;
}

Result<GeneralNamePtr> general_name_for(const std::string& name) {
  GeneralNamePtr general(GENERAL_NAME_new());
  if (!general) return openssl_error(ErrorCode::internal, "cannot allocate a subjectAltName entry");
  // inet_pton, unlike OpenSSL's a2i_IPADDRESS, rejects trailing text, so "10.0.0.1.nip.io"
  // stays a DNS name.
  unsigned char ip[16];
  int ip_len = 0;
  if (inet_pton(AF_INET, name.c_str(), ip) == 1) {
    ip_len = 4;
  } else if (inet_pton(AF_INET6, name.c_str(), ip) == 1) {
    ip_len = 16;
  }
  if (ip_len > 0) {
    ASN1_OCTET_STRING* octets = ASN1_OCTET_STRING_new();
    if (octets == nullptr || ASN1_OCTET_STRING_set(octets, ip, ip_len) != 1) {
      ASN1_OCTET_STRING_free(octets);
      return openssl_error(ErrorCode::internal, "cannot encode an IP subjectAltName");
    }
    GENERAL_NAME_set0_value(general.get(), GEN_IPADD, octets);
    return general;
  }
  if (!looks_like_dns_name(name)) {
    return error(ErrorCode::invalid_argument, "name \"" + name + "\" is neither an IP address nor a DNS name");
  }
  ASN1_IA5STRING* dns = ASN1_IA5STRING_new();
  if (dns == nullptr || ASN1_STRING_set(dns, name.data(), static_cast<int>(name.size())) != 1) {
    ASN1_IA5STRING_free(dns);
    return openssl_error(ErrorCode::internal, "cannot encode a DNS subjectAltName");
  }
  GENERAL_NAME_set0_value(general.get(), GEN_DNS, dns);
  return general;
}

}  // namespace

Result<X509Ptr> new_certificate(const std::string& common_name, EVP_PKEY* subject_key, int64_t not_before,
                                int64_t not_after) {
  X509Ptr cert(X509_new());
  if (!cert) return openssl_error(ErrorCode::internal, "cannot allocate a certificate");
  if (X509_set_version(cert.get(), X509_VERSION_3) != 1) {
    return openssl_error(ErrorCode::internal, "cannot set the certificate version");
  }
  Status serial = set_random_serial(cert.get());
  if (!serial.ok()) return serial;
  Status cn = add_common_name(X509_get_subject_name(cert.get()), common_name);
  if (!cn.ok()) return cn;
  if (X509_set_pubkey(cert.get(), subject_key) != 1) {
    return openssl_error(ErrorCode::internal, "cannot set the certificate public key");
  }
  if (ASN1_TIME_set(X509_getm_notBefore(cert.get()), static_cast<time_t>(not_before)) == nullptr ||
      ASN1_TIME_set(X509_getm_notAfter(cert.get()), static_cast<time_t>(not_after)) == nullptr) {
    return openssl_error(ErrorCode::internal, "cannot set the certificate validity");
  }
  return cert;
}

Status add_extensions(X509* cert, X509* issuer, std::initializer_list<Extension> extensions) {
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  for (const Extension& extension : extensions) {
    X509ExtPtr ext(X509V3_EXT_nconf_nid(nullptr, &ctx, extension.nid, extension.value));
    if (!ext || X509_add_ext(cert, ext.get(), -1) != 1) {
      return openssl_error(ErrorCode::internal,
                           std::string("cannot add the ") + OBJ_nid2sn(extension.nid) + " extension");
    }
  }
  return {};
}

Status add_subject_alt_names(X509* cert, const std::vector<std::string>& names) {
  GeneralNamesPtr general_names(GENERAL_NAMES_new());
  if (!general_names) return openssl_error(ErrorCode::internal, "cannot allocate subjectAltName");
  for (const std::string& name : names) {
    auto general = general_name_for(name);
    if (!general) return general.status();
    if (sk_GENERAL_NAME_push(general_names.get(), general->get()) == 0) {
      return openssl_error(ErrorCode::internal, "cannot build subjectAltName");
    }
    static_cast<void>(general->release());  // the stack owns it now
  }
  if (X509_add1_ext_i2d(cert, NID_subject_alt_name, general_names.get(), 0, X509V3_ADD_DEFAULT) != 1) {
    return openssl_error(ErrorCode::internal, "cannot add the subjectAltName extension");
  }
  return {};
}

Status sign_certificate(X509* cert, X509* issuer, EVP_PKEY* issuer_key) {
  X509* name_source = issuer != nullptr ? issuer : cert;
  if (X509_set_issuer_name(cert, X509_get_subject_name(name_source)) != 1) {
    return openssl_error(ErrorCode::internal, "cannot set the issuer name");
  }
  if (X509_sign(cert, issuer_key, EVP_sha256()) <= 0) {
    return openssl_error(ErrorCode::internal, "cannot sign the certificate");
  }
  return {};
}

}  // namespace corral::tls::detail
