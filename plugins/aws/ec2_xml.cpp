#include "plugins/aws/ec2_xml.h"

#include <pugixml.hpp>

#include "plugins/aws/credential_sources.h"

namespace corral::aws {
namespace {

// EC2 answers are small (one page of instances); a much larger body is not an EC2 answer.
constexpr size_t kMaxXmlBytes = size_t{16} << 20;

bool load(pugi::xml_document& doc, std::string_view body) {
  if (body.size() > kMaxXmlBytes) return false;
  // No DOCTYPE is processed by pugixml, so no entity can expand or reach a file.
  return static_cast<bool>(doc.load_buffer(body.data(), body.size(), pugi::parse_default, pugi::encoding_utf8));
}

AwsError not_a(const char* what) {
  return transient_error(std::string("EC2 answered 200 with a body that is not a ") + what + " document");
}

Ec2Instance read_instance(const pugi::xml_node& item) {
  Ec2Instance i;
  i.id = item.child_value("instanceId");
  i.image_id = item.child_value("imageId");
  i.instance_type = item.child_value("instanceType");
  i.state = item.child("instanceState").child_value("name");
  i.state_reason = item.child("stateReason").child_value("message");
  i.zone = item.child("placement").child_value("availabilityZone");
  i.platform = item.child_value("platform");
  i.private_ip = item.child_value("privateIpAddress");
  i.public_ip = item.child_value("ipAddress");
  i.private_dns = item.child_value("privateDnsName");
  i.launch_unix_ms = parse_aws_time(item.child_value("launchTime")).value_or(0);
  i.client_token = item.child_value("clientToken");
  for (pugi::xml_node tag : item.child("tagSet").children("item")) {
    i.tags[tag.child_value("key")] = tag.child_value("value");
  }
  return i;
}

void read_instances_set(const pugi::xml_node& set, std::vector<Ec2Instance>& out) {
  for (pugi::xml_node item : set.children("item")) {
    Ec2Instance i = read_instance(item);
    if (!i.id.empty()) out.push_back(std::move(i));
  }
}

}  // namespace

std::optional<Ec2ErrorBody> parse_ec2_error(std::string_view body) {
  pugi::xml_document doc;
  if (!load(doc, body)) return std::nullopt;
  pugi::xml_node response = doc.child("Response");
  pugi::xml_node error = response.child("Errors").child("Error");
  if (!error) return std::nullopt;
  return Ec2ErrorBody{error.child_value("Code"), error.child_value("Message"), response.child_value("RequestID")};
}

Outcome<InstancePage> parse_instances(std::string_view body) {
  pugi::xml_document doc;
  if (!load(doc, body)) return not_a("RunInstances or DescribeInstances");
  InstancePage page;
  if (pugi::xml_node run = doc.child("RunInstancesResponse")) {
    page.request_id = run.child_value("requestId");
    read_instances_set(run.child("instancesSet"), page.instances);
    return page;
  }
  pugi::xml_node describe = doc.child("DescribeInstancesResponse");
  if (!describe) return not_a("RunInstances or DescribeInstances");
  page.request_id = describe.child_value("requestId");
  for (pugi::xml_node reservation : describe.child("reservationSet").children("item")) {
    read_instances_set(reservation.child("instancesSet"), page.instances);
  }
  page.next_token = describe.child_value("nextToken");
  return page;
}

Outcome<TerminateAnswer> parse_terminate(std::string_view body) {
  pugi::xml_document doc;
  pugi::xml_node root;
  if (!load(doc, body) || !(root = doc.child("TerminateInstancesResponse"))) return not_a("TerminateInstances");
  TerminateAnswer answer;
  answer.request_id = root.child_value("requestId");
  for (pugi::xml_node item : root.child("instancesSet").children("item")) {
    answer.instances.push_back({item.child_value("instanceId"), item.child("currentState").child_value("name")});
  }
  return answer;
}

Outcome<ImageAnswer> parse_image(std::string_view body) {
  pugi::xml_document doc;
  pugi::xml_node root;
  if (!load(doc, body) || !(root = doc.child("DescribeImagesResponse"))) return not_a("DescribeImages");
  ImageAnswer answer;
  answer.request_id = root.child_value("requestId");
  pugi::xml_node image = root.child("imagesSet").child("item");
  answer.root_device_name = image.child_value("rootDeviceName");
  answer.platform = image.child_value("platform");
  return answer;
}

}  // namespace corral::aws
