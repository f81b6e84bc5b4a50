// Assembling and signing X.509 certificates, internal to corral_tls. CertificateAuthority
// decides what each kind of certificate contains; this file knows how to put it there.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

#include "common/result.h"
#include "common/tls/openssl_util.h"

namespace corral::tls::detail {

// invalid_argument unless 1 <= days <= 36500: the bound keeps date arithmetic far from
// overflow, and no Corral certificate should outlive a century.
Status check_validity_days(int days);

// v3 certificate with a random 128-bit positive serial, subject CN=COMMON_NAME, SUBJECT_KEY's
// public half and the given validity window. Issuer and signature come from sign_certificate.
Result<X509Ptr> new_certificate(const std::string& common_name, EVP_PKEY* subject_key, int64_t not_before,
                                int64_t not_after);

struct Extension {
  int nid;            // NID_key_usage, ...
  const char* value;  // openssl.cnf syntax: "critical,CA:TRUE"
};
// Adds each extension in order. ISSUER is the signing CA, or CERT itself when self-signed;
// authorityKeyIdentifier is taken from the issuer's subjectKeyIdentifier.
Status add_extensions(X509* cert, X509* issuer, std::initializer_list<Extension> extensions);

// subjectAltName with one entry per name: a literal IPv4/IPv6 address becomes an IP entry,
// anything else must look like a DNS name. Built as ASN.1, never as config text, so a name
// containing "," cannot smuggle in extra entries.
Status add_subject_alt_names(X509* cert, const std::vector<std::string>& names);

// Sets the issuer name from ISSUER (CERT itself when null) and signs with SHA-256.
Status sign_certificate(X509* cert, X509* issuer, EVP_PKEY* issuer_key);

}  // namespace corral::tls::detail
