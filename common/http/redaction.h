// What of an HTTP request may be written to a log or an error message. The HTTP clients
// (corralctl, the agent, the manager's HTTP service for plugins) name URLs and headers in their
// errors and request logs; credentials carried in them must not follow.
#pragma once

#include <string>
#include <string_view>

namespace corral::http {

// What a redacted value is replaced with.
inline constexpr std::string_view kRedacted = "<redacted>";

// The URL with the values of secret-looking query (and fragment) parameters and any
// "user:password@" replaced by kRedacted. Works on malformed URLs too: nothing is parsed
// beyond splitting at '?', '#', '&', ';' and '='.
std::string redact_url(std::string_view url);

// A query parameter whose value is a credential: sig, signature, token, key, code, and any name
// containing token, secret, signature, password, passwd, credential or apikey, or ending in
// "key" (X-Amz-Signature, access_token, client_secret, subscription-key...). Case-insensitive;
// NAME is as written in the URL (percent-escapes are decoded before comparing).
bool is_secret_query_parameter(std::string_view name);

// A header whose value is a credential: Authorization, Proxy-Authorization, Cookie, Set-Cookie,
// X-Amz-Security-Token, x-ms-authorization-auxiliary, and any name containing token, secret,
// password, signature, credential, api-key or apikey. Case-insensitive.
bool is_secret_header(std::string_view name);

}  // namespace corral::http
