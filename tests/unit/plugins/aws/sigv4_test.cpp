// SigV4 against the published AWS Signature Version 4 test suite (credentials, date and expected
// Authorization values of its cases; requests restated here in our own form). The byte-for-byte
// comparison with botocore is in sigv4_botocore_test.cpp.
#include "plugins/aws/sigv4.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace corral::aws {
namespace {

// 2015-08-30T12:36:00Z, the suite's signing time.
constexpr int64_t kSuiteTime = 1440938160000;

Credentials suite_credentials() {
  Credentials c;
  c.access_key_id = "AKIDEXAMPLE";
  c.secret_access_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
  return c;
}

const SigningScope kSuiteScope{"us-east-1", "service"};

std::string suite_authorization(const std::string& signed_headers, const std::string& signature) {
  return "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=" +
         signed_headers + ", Signature=" + signature;
}

struct SuiteCase {
  std::string name;
  std::string method;
  std::string url;
  HeaderList headers;
  std::string body;
  std::string signed_headers;
  std::string signature;
};

std::vector<SuiteCase> suite_cases() {
  const std::string base = "https://example.amazonaws.com";
  const std::string hd = "host;x-amz-date";
  const std::string hmd = "host;my-header1;x-amz-date";
  return {
      {"get-vanilla",
       "GET",
       base + "/",
       {},
       "",
       hd,
       "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"},
      {"get-header-key-duplicate",
       "GET",
       base + "/",
       {{"My-Header1", "value2"}, {"My-Header1", "value2"}, {"My-Header1", "value1"}},
       "",
       hmd,
       "c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea"},
      {"get-header-value-order",
       "GET",
       base + "/",
       {{"My-Header1", "value4"}, {"My-Header1", "value1"}, {"My-Header1", "value3"}, {"My-Header1", "value2"}},
       "",
       hmd,
       "08c7e5a9acfcfeb3ab6b2185e75ce8b1deb5e634ec47601a50643f830c755c01"},
      {"get-header-value-trim",
       "GET",
       base + "/",
       {{"My-Header1", " value1"}, {"My-Header2", " \"a   b   c\""}},
       "",
       "host;my-header1;my-header2;x-amz-date",
       "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736"},
      {"get-unreserved",
       "GET",
       base + "/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
       {},
       "",
       hd,
       "07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f"},
      {"get-utf8",
       "GET",
       base + "/\xE1\x88\xB4",
       {},
       "",
       hd,
       "8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85"},
      {"get-vanilla-empty-query-key",
       "GET",
       base + "/?Param1=value1",
       {},
       "",
       hd,
       "a67d582fa61cc504c4bae71f336f98b97f1ea3c7a6bfe1b6e45aec72011b9aeb"},
      {"get-vanilla-query-order-key-case",
       "GET",
       base + "/?Param2=value2&Param1=value1",
       {},
       "",
       hd,
       "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"},
      {"get-vanilla-query-unreserved",
       "GET",
       base + "/?-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz="
              "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
       {},
       "",
       hd,
       "9c3e54bfcdf0b19771a7f523ee5669cdf59bc7cc0884027167c21bb143a40197"},
      {"get-vanilla-utf8-query",
       "GET",
       base + "/?\xE1\x88\xB4=bar",
       {},
       "",
       hd,
       "2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04"},
      {"post-vanilla",
       "POST",
       base + "/",
       {},
       "",
       hd,
       "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"},
      {"post-header-key-sort",
       "POST",
       base + "/",
       {{"My-Header1", "value1"}},
       "",
       hmd,
       "c5410059b04c1ee005303aed430f6e6645f61f4dc9e1461ec8f8916fdf18852c"},
      {"post-header-key-case",
       "POST",
       base + "/",
       {{"MY-HEADER1", "value1"}},
       "",
       hmd,
       "c5410059b04c1ee005303aed430f6e6645f61f4dc9e1461ec8f8916fdf18852c"},
      {"post-header-value-case",
       "POST",
       base + "/",
       {{"My-Header1", "VALUE1"}},
       "",
       hmd,
       "cdbc9802e29d2942e5e10b5bccfdd67c5f22c7c4e8ae67b53629efa58b974b7d"},
      {"post-vanilla-query",
       "POST",
       base + "/?Param1=value1",
       {},
       "",
       hd,
       "28038455d6de14eafc1f9222cf5aa6f1a96197d7deb8263271d420d138af7f11"},
      {"post-vanilla-query-nonunreserved",
       "POST",
       base + "/?" + form_encode({{"@#$%^", ""}, {"+", "/,?><`\";:\\|][{}"}}),
       {},
       "",
       hd,
       "66c82657c86e26fb25238d0e69f011edc4c6df5ae71119d7cb98ed9b87393c1e"},
      {"post-x-www-form-urlencoded",
       "POST",
       base + "/",
       {{"Content-Type", "application/x-www-form-urlencoded"}},
       "Param1=value1",
       "content-type;host;x-amz-date",
       "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a"},
      {"post-x-www-form-urlencoded-parameters",
       "POST",
       base + "/",
       {{"Content-Type", "application/x-www-form-urlencoded; charset=utf8"}},
       "Param1=value1",
       "content-type;host;x-amz-date",
       "1a72ec8f64bd914b0e42e42607c7fbce7fb2c7465f63e3092b3b0d39fa77a6fe"},
  };
}

class SuiteTest : public ::testing::TestWithParam<SuiteCase> {};

TEST_P(SuiteTest, AuthorizationMatchesThePublishedValue) {
  const SuiteCase& c = GetParam();
  SignableRequest request{c.method, c.url, c.headers, c.body};
  SignatureParts parts = sign_request(request, suite_credentials(), kSuiteScope, kSuiteTime);
  EXPECT_EQ(parts.authorization, suite_authorization(c.signed_headers, c.signature)) << parts.canonical_request;
  // The request carries what was signed.
  EXPECT_EQ(request.headers.back(), (std::pair<std::string, std::string>("Authorization", parts.authorization)));
}

INSTANTIATE_TEST_SUITE_P(AwsSigV4TestSuite, SuiteTest, ::testing::ValuesIn(suite_cases()), [](const auto& param_info) {
  std::string name = param_info.param.name;
  for (char& ch : name) {
    if (ch == '-') ch = '_';
  }
  return name;
});

TEST(SigV4, SessionTokenIsSentAndSigned) {
  // post-sts-header-before: the token is part of the signed headers.
  Credentials c = suite_credentials();
  c.session_token =
      "AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwt"
      "hAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHN"
      "VXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/"
      "oLxBA==";
  SignableRequest request{"POST", "https://example.amazonaws.com/", {}, ""};
  SignatureParts parts = sign_request(request, c, kSuiteScope, kSuiteTime);
  EXPECT_EQ(parts.authorization,
            suite_authorization("host;x-amz-date;x-amz-security-token",
                                "85d96828115b5dc0cfc3bd16ad9e210dd772bbebba041836c64533a82be05ead"));
  bool token_sent = false;
  for (const auto& [name, value] : request.headers)
    token_sent |= name == "X-Amz-Security-Token" && value == c.session_token;
  EXPECT_TRUE(token_sent);
}

TEST(SigV4, CanonicalRequestAndStringToSignOfTheFormCase) {
  SignableRequest request{"POST",
                          "https://example.amazonaws.com/",
                          {{"Content-Type", "application/x-www-form-urlencoded"}},
                          "Param1=value1"};
  SignatureParts parts = sign_request(request, suite_credentials(), kSuiteScope, kSuiteTime);
  EXPECT_EQ(parts.canonical_request,
            "POST\n/\n\ncontent-type:application/x-www-form-urlencoded\nhost:example.amazonaws.com\n"
            "x-amz-date:20150830T123600Z\n\ncontent-type;host;x-amz-date\n"
            "9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e");
  EXPECT_EQ(parts.string_to_sign.substr(0, parts.string_to_sign.rfind('\n')),
            "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request");
}

TEST(SigV4, ResigningReplacesTheHeadersItOwns) {
  SignableRequest request{"GET", "https://example.amazonaws.com/", {}, ""};
  Credentials c = suite_credentials();
  c.session_token = "t1";
  (void)sign_request(request, c, kSuiteScope, kSuiteTime);
  SignatureParts second = sign_request(request, suite_credentials(), kSuiteScope, kSuiteTime);
  // The second signing is the vanilla one: the old token, date and signature are gone.
  EXPECT_EQ(second.authorization,
            suite_authorization("host;x-amz-date", "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"));
  EXPECT_EQ(request.headers.size(), 2u);  // X-Amz-Date, Authorization
}

TEST(SigV4, UserAgentIsNotSignedAndDefaultPortsAreDropped) {
  SignableRequest a{"GET", "https://EXAMPLE.amazonaws.com:443/", {{"User-Agent", "corral/1"}}, ""};
  SignableRequest b{"GET", "https://example.amazonaws.com/", {}, ""};
  EXPECT_EQ(sign_request(a, suite_credentials(), kSuiteScope, kSuiteTime).authorization,
            sign_request(b, suite_credentials(), kSuiteScope, kSuiteTime).authorization);
  SignableRequest c{"GET", "http://127.0.0.1:8080/", {}, ""};
  EXPECT_NE(
      sign_request(c, suite_credentials(), kSuiteScope, kSuiteTime).canonical_request.find("host:127.0.0.1:8080\n"),
      std::string::npos);
}

TEST(SigV4, PathIsNormalizedAndEncoded) {
  SignableRequest request{"GET", "https://example.amazonaws.com//example/./a/../b c//", {}, ""};
  SignatureParts parts = sign_request(request, suite_credentials(), kSuiteScope, kSuiteTime);
  EXPECT_EQ(parts.canonical_request.substr(0, parts.canonical_request.find('\n', 4)), "GET\n/example/b%20c/");
}

TEST(SigV4, Encoding) {
  EXPECT_EQ(uri_encode("a b+c/~é", false), "a%20b%2Bc%2F~%C3%A9");
  EXPECT_EQ(uri_encode("/a b/", true), "/a%20b/");
  EXPECT_EQ(form_encode({{"Action", "RunInstances"}, {"TagSpecification.1.Tag.1.Value", "a=b&c"}}),
            "Action=RunInstances&TagSpecification.1.Tag.1.Value=a%3Db%26c");
  EXPECT_EQ(amz_timestamp(kSuiteTime), "20150830T123600Z");
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

}  // namespace
}  // namespace corral::aws
