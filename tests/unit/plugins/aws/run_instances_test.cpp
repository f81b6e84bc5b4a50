// The RunInstances parameters built for a CreateVm: each config field becomes the parameter the
// EC2 API reference names (the loopback endpoint checks them against botocore's model as well),
// user data is base64 of the script (Windows inside <powershell> tags) and capped at 16 KiB, the
// ClientToken is the idempotency key.
#include "plugins/aws/run_instances.h"

#include <gtest/gtest.h>

#include <map>

#include "plugins/aws/sigv4.h"

namespace corral::aws {
namespace {

namespace pv1 = sdk::pv1;

std::map<std::string, std::string> as_map(const QueryParams& p) {
  std::map<std::string, std::string> m;
  for (const auto& [k, v] : p) EXPECT_TRUE(m.emplace(k, v).second) << "parameter " << k << " is repeated";
  return m;
}

pv1::CreateVmRequest request(const std::string& script = "#!/bin/bash\necho hi\n") {
  pv1::CreateVmRequest r;
  r.set_idempotency_key("vm-42-attempt-1");
  r.set_hostname("desk-042");
  (*r.mutable_tags())["corral-pool"] = "p1";
  (*r.mutable_tags())["team"] = "from-manager";
  r.set_startup_script(script);
  r.set_os_type(pv1::OS_TYPE_LINUX);
  return r;
}

TEST(RunInstancesParams, MinimalConfig) {
  InstanceSettings s;
  s.image_id = "ami-0123456789abcdef0";
  s.instance_type = "t3.micro";
  auto p = run_instances_params(s, request(), "");
  ASSERT_TRUE(p.ok()) << p.error().message;
  auto m = as_map(p.value());
  EXPECT_EQ(m["Action"], "RunInstances");
  EXPECT_EQ(m["Version"], "2016-11-15");
  EXPECT_EQ(m["ImageId"], "ami-0123456789abcdef0");
  EXPECT_EQ(m["InstanceType"], "t3.micro");
  EXPECT_EQ(m["MinCount"], "1");
  EXPECT_EQ(m["MaxCount"], "1");
  EXPECT_EQ(m["ClientToken"], "vm-42-attempt-1");
  EXPECT_EQ(m["UserData"], "IyEvYmluL2Jhc2gKZWNobyBoaQo=");  // base64 of the script
  EXPECT_EQ(m["MetadataOptions.HttpTokens"], "required");
  EXPECT_EQ(m.count("SubnetId") + m.count("KeyName") + m.count("BlockDeviceMapping.1.DeviceName") +
                m.count("InstanceMarketOptions.MarketType") + m.count("Placement.AvailabilityZone"),
            0u);
  EXPECT_EQ(m["TagSpecification.1.ResourceType"], "instance");
  EXPECT_EQ(m["TagSpecification.2.ResourceType"], "volume");
  // Tags in key order: Name, corral-pool, team; the same on the volumes.
  EXPECT_EQ(m["TagSpecification.1.Tag.1.Key"], "Name");
  EXPECT_EQ(m["TagSpecification.1.Tag.1.Value"], "desk-042");
  EXPECT_EQ(m["TagSpecification.2.Tag.2.Key"], "corral-pool");
  EXPECT_EQ(m["TagSpecification.2.Tag.2.Value"], "p1");
}

TEST(RunInstancesParams, EveryField) {
  InstanceSettings s;
  s.image_id = "ami-0123456789abcdef0";
  s.instance_type = "m6i.large";
  s.subnet_id = "subnet-0123456789abcdef0";
  s.security_group_ids = {"sg-0123456789abcdef0", "sg-0bbbbbbbbbbbbbbbb"};
  s.key_name = "ops";
  s.iam_instance_profile = "arn:aws:iam::123456789012:instance-profile/corral-vm";
  s.root_volume = RootVolume{"", 64, "gp3", 4000, 250};
  s.spot = true;
  s.spot_max_price = "0.12";
  s.tags = {{"team", "from-config"}, {"cost-center", "42"}};
  s.metadata_tokens = "optional";
  auto req = request();
  req.set_zone("eu-west-1a");
  auto p = run_instances_params(s, req, "/dev/xvda");
  ASSERT_TRUE(p.ok()) << p.error().message;
  auto m = as_map(p.value());
  EXPECT_EQ(m["SubnetId"], "subnet-0123456789abcdef0");
  EXPECT_EQ(m["SecurityGroupId.1"], "sg-0123456789abcdef0");
  EXPECT_EQ(m["SecurityGroupId.2"], "sg-0bbbbbbbbbbbbbbbb");
  EXPECT_EQ(m["KeyName"], "ops");
  EXPECT_EQ(m["IamInstanceProfile.Arn"], "arn:aws:iam::123456789012:instance-profile/corral-vm");
  EXPECT_EQ(m["Placement.AvailabilityZone"], "eu-west-1a");
  EXPECT_EQ(m["BlockDeviceMapping.1.DeviceName"], "/dev/xvda");
  EXPECT_EQ(m["BlockDeviceMapping.1.Ebs.VolumeSize"], "64");
  EXPECT_EQ(m["BlockDeviceMapping.1.Ebs.VolumeType"], "gp3");
  EXPECT_EQ(m["BlockDeviceMapping.1.Ebs.Iops"], "4000");
  EXPECT_EQ(m["BlockDeviceMapping.1.Ebs.Throughput"], "250");
  EXPECT_EQ(m["BlockDeviceMapping.1.Ebs.DeleteOnTermination"], "true");
  EXPECT_EQ(m["InstanceMarketOptions.MarketType"], "spot");
  EXPECT_EQ(m["InstanceMarketOptions.SpotOptions.SpotInstanceType"], "one-time");
  EXPECT_EQ(m["InstanceMarketOptions.SpotOptions.InstanceInterruptionBehavior"], "terminate");
  EXPECT_EQ(m["InstanceMarketOptions.SpotOptions.MaxPrice"], "0.12");
  EXPECT_EQ(m["MetadataOptions.HttpTokens"], "optional");
  // The manager's ownership tag wins over the config's of the same key.
  std::map<std::string, std::string> tags;
  for (int i = 1; m.count("TagSpecification.1.Tag." + std::to_string(i) + ".Key"); ++i) {
    tags[m["TagSpecification.1.Tag." + std::to_string(i) + ".Key"]] =
        m["TagSpecification.1.Tag." + std::to_string(i) + ".Value"];
  }
  EXPECT_EQ(tags, (std::map<std::string, std::string>{
                      {"Name", "desk-042"}, {"corral-pool", "p1"}, {"cost-center", "42"}, {"team", "from-manager"}}));

  s.iam_instance_profile = "corral-vm";
  s.root_volume->device_name = "/dev/sda1";
  auto named = as_map(run_instances_params(s, req, "/dev/xvda").value());
  EXPECT_EQ(named["IamInstanceProfile.Name"], "corral-vm");
  EXPECT_EQ(named["BlockDeviceMapping.1.DeviceName"], "/dev/sda1");
}

TEST(RunInstancesParams, NoIdempotencyKeyIsRefused) {
  InstanceSettings s;
  auto req = request();
  req.clear_idempotency_key();
  auto p = run_instances_params(s, req, "");
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().error_class, pv1::ERROR_CLASS_INVALID_CONFIG);
}

TEST(UserData, WindowsScriptsAreWrappedOnce) {
  EXPECT_EQ(user_data("Write-Host hi", pv1::OS_TYPE_WINDOWS).value(), "<powershell>\nWrite-Host hi\n</powershell>\n");
  EXPECT_EQ(user_data("Write-Host hi\n", pv1::OS_TYPE_WINDOWS).value(), "<powershell>\nWrite-Host hi\n</powershell>\n");
  EXPECT_EQ(user_data("  <powershell>x</powershell>", pv1::OS_TYPE_WINDOWS).value(), "  <powershell>x</powershell>");
  EXPECT_EQ(user_data("<script>echo x</script>", pv1::OS_TYPE_WINDOWS).value(), "<script>echo x</script>");
  EXPECT_EQ(user_data("echo x", pv1::OS_TYPE_LINUX).value(), "echo x");
  EXPECT_EQ(user_data("", pv1::OS_TYPE_WINDOWS).value(), "");
}

TEST(UserData, The16KiBLimitIsCountedBeforeBase64AndAfterWrapping) {
  EXPECT_TRUE(user_data(std::string(kMaxUserDataBytes, 'x'), pv1::OS_TYPE_LINUX).ok());
  auto over = user_data(std::string(kMaxUserDataBytes + 1, 'x'), pv1::OS_TYPE_LINUX);
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.error().error_class, pv1::ERROR_CLASS_INVALID_CONFIG);
  EXPECT_NE(over.error().message.find("16385 bytes"), std::string::npos) << over.error().message;
  EXPECT_NE(over.error().message.find("{agent_download_url}"), std::string::npos) << over.error().message;
  // Fits alone, not with its <powershell> tags.
  auto wrapped = user_data(std::string(kMaxUserDataBytes - 10, 'x'), pv1::OS_TYPE_WINDOWS);
  ASSERT_FALSE(wrapped.ok());
  EXPECT_NE(wrapped.error().message.find("<powershell> tags"), std::string::npos);
}

TEST(ClientToken, TheKeyOrItsHash) {
  EXPECT_EQ(client_token("abc"), "abc");
  EXPECT_EQ(client_token(std::string(64, 'k')), std::string(64, 'k'));
  EXPECT_EQ(client_token(std::string(65, 'k')), sha256_hex(std::string(65, 'k')));
  EXPECT_EQ(client_token("with space"), sha256_hex("with space"));
  EXPECT_EQ(client_token("with space").size(), 64u);
}

}  // namespace
}  // namespace corral::aws
