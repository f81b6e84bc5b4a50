#include "common/tls/certificate.h"

#include <arpa/inet.h>

#include <ctime>

#include "common/tls/openssl_util.h"

namespace corral::tls {

using detail::ErrorQueueScope;
using detail::openssl_error;

namespace {

std::string common_name_of(const X509_NAME* name) {
  int index = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
  if (index < 0) return "";
  const ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, index));
  unsigned char* utf8 = nullptr;
  int len = ASN1_STRING_to_UTF8(&utf8, data);
  if (len < 0) return "";
  std::string out(reinterpret_cast<char*>(utf8), static_cast<size_t>(len));
  OPENSSL_free(utf8);
  return out;
}

std::string ip_to_text(const ASN1_OCTET_STRING* ip) {
  const unsigned char* bytes = ASN1_STRING_get0_data(ip);
  int len = ASN1_STRING_length(ip);
  char text[INET6_ADDRSTRLEN] = {};
  int family = len == 4 ? AF_INET : len == 16 ? AF_INET6 : AF_UNSPEC;
  // Any other length is a malformed entry (or an address range, which only name constraints use).
  if (family == AF_UNSPEC || inet_ntop(family, bytes, text, sizeof(text)) == nullptr) return "";
  return text;
}

void read_subject_alt_names(X509* cert, CertificateInfo* info) {
  detail::GeneralNamesPtr names(
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr)));
  if (!names) return;
  for (int i = 0; i < sk_GENERAL_NAME_num(names.get()); i++) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(names.get(), i);
    if (name->type == GEN_DNS) {
      const ASN1_IA5STRING* dns = name->d.dNSName;
      info->dns_names.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(dns)),
                                   static_cast<size_t>(ASN1_STRING_length(dns)));
    } else if (name->type == GEN_IPADD) {
      std::string text = ip_to_text(name->d.iPAddress);
      if (!text.empty()) info->ip_addresses.push_back(std::move(text));
    }
  }
}

}  // namespace

Result<CertificateInfo> inspect_certificate(const std::string& cert_pem) {
  ErrorQueueScope scope;
  auto cert = detail::parse_certificate_pem(cert_pem, "certificate");
  if (!cert) return cert.status();
  X509* x = cert->get();

  CertificateInfo info;
  info.subject_cn = common_name_of(X509_get_subject_name(x));
  info.issuer_cn = common_name_of(X509_get_issuer_name(x));
  info.serial_hex = detail::serial_hex(x);
  info.not_before = detail::asn1_time_to_unix(X509_get0_notBefore(x));
  info.not_after = detail::asn1_time_to_unix(X509_get0_notAfter(x));
  auto fingerprint = detail::certificate_fingerprint(x);
  if (!fingerprint) return fingerprint.status();
  info.sha256_hex = std::move(*fingerprint);
  read_subject_alt_names(x, &info);
  info.is_ca = (X509_get_extension_flags(x) & EXFLAG_CA) != 0;
  return info;
}

Result<std::string> certificate_sha256_hex(const std::string& cert_pem) {
  ErrorQueueScope scope;
  auto cert = detail::parse_certificate_pem(cert_pem, "certificate");
  if (!cert) return cert.status();
  return detail::certificate_fingerprint(cert->get());
}

Status verify_certificate(const std::string& cert_pem, const std::string& ca_pem, int64_t now_unix) {
  ErrorQueueScope scope;
  auto cert = detail::parse_certificate_pem(cert_pem, "certificate");
  if (!cert) return cert.status();
  detail::X509StorePtr store(X509_STORE_new());
  if (!store) return openssl_error(ErrorCode::internal, "cannot allocate a trust store");
  auto cas = detail::parse_certificate_bundle_pem(ca_pem, "CA certificate");
  if (!cas) return cas.status();
  for (const auto& ca : *cas) {
    if (X509_STORE_add_cert(store.get(), ca.get()) != 1) {
      return openssl_error(ErrorCode::internal, "cannot add the CA certificate to the trust store");
    }
  }

  detail::X509StoreCtxPtr ctx(X509_STORE_CTX_new());
  if (!ctx || X509_STORE_CTX_init(ctx.get(), store.get(), cert->get(), nullptr) != 1) {
    return openssl_error(ErrorCode::internal, "cannot set up certificate verification");
  }
  if (now_unix != 0) X509_STORE_CTX_set_time(ctx.get(), 0, static_cast<time_t>(now_unix));
  if (X509_verify_cert(ctx.get()) != 1) {
    int reason = X509_STORE_CTX_get_error(ctx.get());
    return error(ErrorCode::unauthenticated,
                 std::string("certificate does not verify against the CA: ") + X509_verify_cert_error_string(reason));
  }
  return {};
}

}  // namespace corral::tls
