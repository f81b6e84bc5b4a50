#include "common/http/redaction.h"

#include <gtest/gtest.h>

namespace corral::http {
namespace {

TEST(Redaction, SecretQueryValuesAreReplacedAndTheRestKept) {
  EXPECT_EQ(redact_url("https://acct.blob.core.windows.net/c/b?sv=2022-11-02&se=2030&sig=AbC%2Bdef&sp=r"),
            "https://acct.blob.core.windows.net/c/b?sv=2022-11-02&se=2030&sig=<redacted>&sp=r");
  EXPECT_EQ(
      redact_url("https://s3.example/o?X-Amz-Credential=AKIA%2F1&X-Amz-Signature=abcd&X-Amz-Security-Token=t0k"),
      "https://s3.example/o?X-Amz-Credential=<redacted>&X-Amz-Signature=<redacted>&X-Amz-Security-Token=<redacted>");
  EXPECT_EQ(redact_url("https://h/p?key=AIza123&alt=json"), "https://h/p?key=<redacted>&alt=json");
  EXPECT_EQ(redact_url("https://h/p?access_token=x;page=2"), "https://h/p?access_token=<redacted>;page=2");
  EXPECT_EQ(
      redact_url("https://h/p?Signature=S&subscription-key=K&client_secret=C&password=P"),
      "https://h/p?Signature=<redacted>&subscription-key=<redacted>&client_secret=<redacted>&password=<redacted>");
  EXPECT_EQ(redact_url("https://h/p?page=2&flag"), "https://h/p?page=2&flag");
}

TEST(Redaction, PercentEncodedNamesAreRecognised) {
  EXPECT_EQ(redact_url("https://h/p?%74oken=secret"), "https://h/p?%74oken=<redacted>");
}

TEST(Redaction, FragmentTokensAndUserinfoAreReplaced) {
  EXPECT_EQ(redact_url("https://h/cb#access_token=abc&state=1"), "https://h/cb#access_token=<redacted>&state=1");
  EXPECT_EQ(redact_url("https://admin:hunter2@h:8443/x?y=1"), "https://<redacted>@h:8443/x?y=1");
  EXPECT_EQ(redact_url("https://h/a@b"), "https://h/a@b");  // an @ in the path is not userinfo
}

TEST(Redaction, MalformedUrlsStillLoseTheirSecrets) {
  EXPECT_EQ(redact_url("not a url?token=abc"), "not a url?token=<redacted>");
  EXPECT_EQ(redact_url("https://[::1/x?sig=abc"), "https://[::1/x?sig=<redacted>");
}

TEST(Redaction, SecretHeaders) {
  for (const char* name :
       {"Authorization", "authorization", "Proxy-Authorization", "Cookie", "Set-Cookie", "X-Amz-Security-Token",
        "x-ms-authorization-auxiliary", "X-Auth-Token", "X-Api-Key", "X-Goog-Api-Key", "X-Client-Secret"}) {
    EXPECT_TRUE(is_secret_header(name)) << name;
  }
  for (const char* name : {"Content-Type", "Accept", "X-Amz-Date", "X-Amz-Content-Sha256", "User-Agent"}) {
    EXPECT_FALSE(is_secret_header(name)) << name;
  }
}

}  // namespace
}  // namespace corral::http
