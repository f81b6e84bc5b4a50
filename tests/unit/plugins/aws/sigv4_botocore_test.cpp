// Our SigV4 against botocore's SigV4Auth (Debian's python3-botocore), run as a subprocess over a
// table of requests shaped like the ones the plugin sends: EC2 and STS Query POST bodies, query
// strings with reserved characters, session tokens, several regions and partitions. Both sign at
// the same frozen instant with the same credentials; the Authorization headers must be equal
// byte for byte.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "plugins/aws/sigv4.h"

namespace corral::aws {
namespace {

struct Case {
  std::string method;
  std::string url;
  HeaderList headers;
  std::string body;
  std::string session_token;
  std::string region;
  std::string service;
  int64_t unix_ms;
};

const char* kForm = "application/x-www-form-urlencoded; charset=utf-8";

std::vector<Case> cases() {
  const std::string run_instances = form_encode({
      {"Action", "RunInstances"},
      {"Version", "2016-11-15"},
      {"ImageId", "ami-0123456789abcdef0"},
      {"InstanceType", "m5.large"},
      {"MinCount", "1"},
      {"MaxCount", "1"},
      {"ClientToken", "corral/pool-a/7f3e+x=="},
      {"TagSpecification.1.ResourceType", "instance"},
      {"TagSpecification.1.Tag.1.Key", "corral:owner"},
      {"TagSpecification.1.Tag.1.Value", "a b&c=d/e*f~g+h%i"},
      {"TagSpecification.1.Tag.2.Key", "Name"},
      {"TagSpecification.1.Tag.2.Value", "\xC3\xA9t\xC3\xA9 \xE2\x98\x83"},
      {"UserData", "IyEvYmluL2Jhc2gKZWNobyBoaQo="},
  });
  const std::string describe = form_encode({
      {"Action", "DescribeInstances"},
      {"Version", "2016-11-15"},
      {"Filter.1.Name", "tag:corral-config"},
      {"Filter.1.Value.1", "prod/eu (1)"},
      {"NextToken", "eyJ2IjoxfQ==/+"},
  });
  const std::string assume_role = form_encode({
      {"Action", "AssumeRole"},
      {"Version", "2011-06-15"},
      {"RoleArn", "arn:aws:iam::123456789012:role/corral-provider"},
      {"RoleSessionName", "corral-1700000000"},
      {"ExternalId", "ext:id/with+chars="},
  });
  const std::string token = "IQoJb3JpZ2luX2VjEPT//////////wEaCXVzLWVhc3QtMSJHMEUCIQD+abc/def==";
  const int64_t t1 = 1700000000123;  // ms are dropped by the timestamp format
  const int64_t t2 = 1709251199000;  // 2024-02-29T23:59:59Z, a leap day's last second
  HeaderList form{{"Content-Type", kForm}};
  return {
      {"POST", "https://ec2.us-east-1.amazonaws.com/", form, run_instances, "", "us-east-1", "ec2", t1},
      {"POST", "https://ec2.eu-west-3.amazonaws.com/", form, run_instances, token, "eu-west-3", "ec2", t2},
      {"POST", "https://ec2.cn-north-1.amazonaws.com.cn/", form, describe, "", "cn-north-1", "ec2", t1},
      {"POST", "https://ec2.us-gov-west-1.amazonaws.com/", form, describe, token, "us-gov-west-1", "ec2", t2},
      {"POST", "https://sts.ap-southeast-2.amazonaws.com/", form, assume_role, "", "ap-southeast-2", "sts", t1},
      {"POST", "https://sts.amazonaws.com/", form, assume_role, token, "us-east-1", "sts", t2},
      {"POST", "http://127.0.0.1:8080/", form, describe, "", "us-west-2", "ec2", t1},
      {"GET", "https://ec2.us-east-1.amazonaws.com/?" + describe, {}, "", "", "us-east-1", "ec2", t1},
      {"GET",
       "https://example.amazonaws.com/?" +
           form_encode({{"b", "2"}, {"a", "x y"}, {"a", "!*'();:@&=+$,/?#[]"}, {"\xE1\x88\xB4", ""}, {"z", "~._-"}}),
       {},
       "",
       token,
       "eu-central-1",
       "ec2",
       t2},
      {"GET", "https://example.amazonaws.com//a/./b/../c%20d//", {}, "", "", "us-east-1", "ec2", t1},
      {"POST",
       "https://example.amazonaws.com:8443/x",
       {{"Content-Type", kForm},
        {"X-Custom", "  spaced   out\tvalue "},
        {"X-Custom", "second"},
        {"User-Agent", "corral-aws/1.0"}},
       "Action=Test",
       "",
       "sa-east-1",
       "ec2",
       t1},
  };
}

std::string write_temp(const std::string& text) {
  std::string path = ::testing::TempDir() + "botocore-cases-XXXXXX";
  int fd = mkstemp(path.data());
  if (fd < 0) throw std::runtime_error("mkstemp failed");
  FILE* f = fdopen(fd, "w");
  std::fwrite(text.data(), 1, text.size(), f);
  std::fclose(f);
  return path;
}

std::string run(const std::string& command) {
  FILE* p = popen(command.c_str(), "r");
  if (p == nullptr) throw std::runtime_error("popen failed");
  std::string out;
  char buf[4096];
  size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  int status = pclose(p);
  if (status != 0) throw std::runtime_error(command + " exited with " + std::to_string(status) + ": " + out);
  return out;
}

TEST(SigV4Botocore, AuthorizationHeadersAreByteForByteEqual) {
  const std::vector<Case> table = cases();
  Credentials creds;
  creds.access_key_id = "AKIAIOSFODNN7EXAMPLE";
  creds.secret_access_key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

  nlohmann::json input = nlohmann::json::array();
  std::vector<std::string> ours;
  for (const Case& c : table) {
    Credentials signer_creds = creds;
    signer_creds.session_token = c.session_token;
    SignableRequest request{c.method, c.url, c.headers, c.body};
    ours.push_back(sign_request(request, signer_creds, {c.region, c.service}, c.unix_ms).authorization);
    nlohmann::json headers = nlohmann::json::array();
    for (const auto& [name, value] : c.headers) headers.push_back({name, value});
    input.push_back({{"method", c.method},
                     {"url", c.url},
                     {"headers", headers},
                     {"body", c.body},
                     {"access_key_id", creds.access_key_id},
                     {"secret_access_key", creds.secret_access_key},
                     {"session_token", c.session_token},
                     {"region", c.region},
                     {"service", c.service},
                     {"time", amz_timestamp(c.unix_ms)}});
  }
  std::string path = write_temp(input.dump());
  nlohmann::json theirs =
      nlohmann::json::parse(run(std::string(CORRAL_PYTHON3) + " " + CORRAL_BOTOCORE_SIGN + " " + path));
  unlink(path.c_str());

  ASSERT_EQ(theirs.size(), table.size());
  for (size_t i = 0; i < table.size(); ++i) {
    EXPECT_EQ(ours[i], theirs[i].get<std::string>()) << "case " << i << ": " << table[i].method << " " << table[i].url;
  }
}

}  // namespace
}  // namespace corral::aws
