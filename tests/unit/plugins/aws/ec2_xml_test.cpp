// Reading EC2's XML answers as the EC2 API reference shows them: instances with their state,
// tags, addresses and launch time; pages with nextToken; terminate state changes; the error
// document with its RequestID; and bodies that are not what was asked for.
#include "plugins/aws/ec2_xml.h"

#include <gtest/gtest.h>

#include "plugins/aws/ec2_vm.h"

namespace corral::aws {
namespace {

const char* kDescribe = R"(<?xml version="1.0" encoding="UTF-8"?>
<DescribeInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
  <requestId>8f7724cf-496f-496e-8fe3-example</requestId>
  <reservationSet>
    <item>
      <reservationId>r-1234567890abcdef0</reservationId>
      <ownerId>123456789012</ownerId>
      <groupSet/>
      <instancesSet>
        <item>
          <instanceId>i-1234567890abcdef0</instanceId>
          <imageId>ami-bff32ccc</imageId>
          <instanceState><code>16</code><name>running</name></instanceState>
          <privateDnsName>ip-192-168-1-88.eu-west-1.compute.internal</privateDnsName>
          <instanceType>t2.micro</instanceType>
          <launchTime>2018-05-08T16:46:19.000Z</launchTime>
          <placement><availabilityZone>eu-west-1c</availabilityZone><tenancy>default</tenancy></placement>
          <platform>windows</platform>
          <privateIpAddress>192.168.1.88</privateIpAddress>
          <ipAddress>54.194.252.215</ipAddress>
          <tagSet>
            <item><key>Name</key><value>desk-042</value></item>
            <item><key>corral-pool</key><value>p1</value></item>
          </tagSet>
          <clientToken>vm-42</clientToken>
        </item>
      </instancesSet>
    </item>
    <item>
      <reservationId>r-2</reservationId>
      <instancesSet>
        <item>
          <instanceId>i-0598c7d356eba48d7</instanceId>
          <instanceState><code>80</code><name>stopped</name></instanceState>
          <stateReason><code>Client.UserInitiatedShutdown</code><message>Client.UserInitiatedShutdown: User initiated shutdown</message></stateReason>
        </item>
      </instancesSet>
    </item>
  </reservationSet>
  <nextToken>eyJ2IjoiMiJ9</nextToken>
</DescribeInstancesResponse>)";

TEST(Ec2Xml, DescribeInstancesEveryReservationAndTheNextToken) {
  auto page = parse_instances(kDescribe);
  ASSERT_TRUE(page.ok()) << page.error().message;
  EXPECT_EQ(page.value().request_id, "8f7724cf-496f-496e-8fe3-example");
  EXPECT_EQ(page.value().next_token, "eyJ2IjoiMiJ9");
  ASSERT_EQ(page.value().instances.size(), 2u);
  const Ec2Instance& i = page.value().instances[0];
  EXPECT_EQ(i.id, "i-1234567890abcdef0");
  EXPECT_EQ(i.state, "running");
  EXPECT_EQ(i.zone, "eu-west-1c");
  EXPECT_EQ(i.launch_unix_ms, 1525797979000);
  EXPECT_EQ(i.client_token, "vm-42");

  pv1::Vm vm = to_vm(i);
  EXPECT_EQ(vm.state(), pv1::VM_STATE_RUNNING);
  EXPECT_EQ(vm.hostname(), "desk-042");
  EXPECT_EQ(vm.os_type(), pv1::OS_TYPE_WINDOWS);
  EXPECT_EQ(vm.tags().at("corral-pool"), "p1");
  ASSERT_EQ(vm.addresses_size(), 2);
  EXPECT_EQ(vm.addresses(0), "192.168.1.88");
  EXPECT_EQ(vm.addresses(1), "54.194.252.215");
  EXPECT_EQ(vm.created_unix_ms(), 1525797979000);

  pv1::Vm stopped = to_vm(page.value().instances[1]);
  EXPECT_EQ(stopped.state(), pv1::VM_STATE_ERROR);
  EXPECT_EQ(stopped.os_type(), pv1::OS_TYPE_LINUX);
  EXPECT_NE(stopped.error().message().find("is stopped: Client.UserInitiatedShutdown"), std::string::npos);
}

TEST(Ec2Xml, RunInstancesAnswer) {
  auto page = parse_instances(
      R"(<RunInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>r-id</requestId>
         <reservationId>r-1</reservationId><instancesSet><item><instanceId>i-0aaaaaaaaaaaaaaaa</instanceId>
         <instanceState><code>0</code><name>pending</name></instanceState></item></instancesSet>
         </RunInstancesResponse>)");
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page.value().instances.size(), 1u);
  EXPECT_EQ(to_vm(page.value().instances[0]).state(), pv1::VM_STATE_CREATING);
  EXPECT_EQ(page.value().next_token, "");
}

TEST(Ec2Xml, StatesMapToVmStates) {
  EXPECT_EQ(vm_state("pending"), pv1::VM_STATE_CREATING);
  EXPECT_EQ(vm_state("running"), pv1::VM_STATE_RUNNING);
  EXPECT_EQ(vm_state("shutting-down"), pv1::VM_STATE_DELETING);
  EXPECT_EQ(vm_state("terminated"), pv1::VM_STATE_GONE);
  EXPECT_EQ(vm_state("stopping"), pv1::VM_STATE_ERROR);
  EXPECT_EQ(vm_state("stopped"), pv1::VM_STATE_ERROR);
}

TEST(Ec2Xml, TerminateAndImages) {
  auto t = parse_terminate(
      R"(<TerminateInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>t-id</requestId>
         <instancesSet><item><instanceId>i-1234567890abcdef0</instanceId><currentState><code>32</code>
         <name>shutting-down</name></currentState><previousState><code>16</code><name>running</name></previousState>
         </item></instancesSet></TerminateInstancesResponse>)");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t.value().request_id, "t-id");
  ASSERT_EQ(t.value().instances.size(), 1u);
  EXPECT_EQ(t.value().instances[0].current_state, "shutting-down");

  auto image = parse_image(
      R"(<DescribeImagesResponse><requestId>d</requestId><imagesSet><item><imageId>ami-1</imageId>
         <rootDeviceName>/dev/sda1</rootDeviceName></item></imagesSet></DescribeImagesResponse>)");
  ASSERT_TRUE(image.ok());
  EXPECT_EQ(image.value().root_device_name, "/dev/sda1");
  auto none = parse_image("<DescribeImagesResponse><imagesSet/></DescribeImagesResponse>");
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none.value().root_device_name, "");
}

TEST(Ec2Xml, ErrorDocument) {
  auto e = parse_ec2_error(
      R"(<?xml version="1.0" encoding="UTF-8"?><Response><Errors><Error><Code>InvalidInstanceID.NotFound</Code>
         <Message>The instance ID 'i-1a2b3c4d' does not exist</Message></Error></Errors>
         <RequestID>ea966190-f9aa-478e-9ede-example</RequestID></Response>)");
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->code, "InvalidInstanceID.NotFound");
  EXPECT_EQ(e->message, "The instance ID 'i-1a2b3c4d' does not exist");
  EXPECT_EQ(e->request_id, "ea966190-f9aa-478e-9ede-example");
  EXPECT_FALSE(parse_ec2_error("<html><body>502 Bad Gateway</body></html>").has_value());
  EXPECT_FALSE(parse_ec2_error("").has_value());
}

TEST(Ec2Xml, BodiesThatAreNotTheAnswerAreTransientErrors) {
  for (const char* body :
       {"", "not xml", "<html/>", "<DescribeInstancesResponse><reservationSet>", "<TerminateInstancesResponse/>"}) {
    auto page = parse_instances(body);
    ASSERT_FALSE(page.ok()) << body;
    EXPECT_EQ(page.error().error_class, pv1::ERROR_CLASS_TRANSIENT);
  }
  EXPECT_FALSE(parse_terminate("<RunInstancesResponse/>").ok());
  EXPECT_FALSE(parse_image("<x/>").ok());
  // An entity declaration is not expanded (pugixml reads no DTD).
  auto entity = parse_instances(
      "<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><DescribeInstancesResponse><requestId>&e;"
      "</requestId></DescribeInstancesResponse>");
  if (entity.ok()) {
    EXPECT_EQ(entity.value().request_id.find("root:"), std::string::npos);
  }
}

TEST(Ec2Vm, InstanceIds) {
  EXPECT_TRUE(is_instance_id("i-1234567890abcdef0"));
  EXPECT_TRUE(is_instance_id("i-1a2b3c4d"));
  EXPECT_FALSE(is_instance_id("i-1234567890ABCDEF0"));
  EXPECT_FALSE(is_instance_id("no-such-vm-123"));
  EXPECT_FALSE(is_instance_id("i-123"));
  EXPECT_FALSE(is_instance_id(""));
}

}  // namespace
}  // namespace corral::aws
