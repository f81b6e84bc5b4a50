#include "plugins/aws/ec2_errors.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <utility>

namespace corral::aws {
namespace {

namespace pv1 = ::corral::provider::v1;

bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }
bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}
bool one_of(std::string_view code, std::initializer_list<std::string_view> codes) {
  return std::find(codes.begin(), codes.end(), code) != codes.end();
}

pv1::ErrorClass class_of(std::string_view code, int status) {
  // Throttling first: RequestLimitExceeded ends in LimitExceeded but is no account quota.
  if (one_of(code, {"RequestLimitExceeded", "Throttling", "ThrottlingException", "Unavailable", "ServiceUnavailable",
                    "InternalError", "InternalFailure", "RequestTimeout", "RequestTimeoutException",
                    "PriorRequestNotComplete"})) {
    return pv1::ERROR_CLASS_TRANSIENT;
  }
  if (one_of(code, {"InsufficientInstanceCapacity", "InsufficientCapacityOnHost", "InsufficientHostCapacity",
                    "InsufficientReservedInstanceCapacity", "InsufficientCapacity", "SpotMaxPriceTooLow",
                    "InsufficientFreeAddressesInSubnet"})) {
    return pv1::ERROR_CLASS_OUT_OF_CAPACITY;
  }
  if (ends_with(code, "LimitExceeded") || code == "MaxSpotInstanceCountExceeded") return pv1::ERROR_CLASS_QUOTA;
  if (starts_with(code, "AuthFailure") ||
      one_of(code, {"UnauthorizedOperation", "ExpiredToken", "RequestExpired", "InvalidClientTokenId",
                    "SignatureDoesNotMatch", "IncompleteSignature", "MissingAuthenticationToken", "OptInRequired",
                    "Blocked", "PendingVerification", "AccessDenied", "InvalidToken"})) {
    return pv1::ERROR_CLASS_AUTH;
  }
  if (status == 429 || status >= 500) return pv1::ERROR_CLASS_TRANSIENT;
  // Every other refusal is about what was asked: sending it again cannot succeed.
  return pv1::ERROR_CLASS_INVALID_CONFIG;
}

std::string field_of(std::string_view code, std::string_view message) {
  if (starts_with(code, "InvalidAMIID")) return "/image_id";
  if (starts_with(code, "InvalidSubnet") || code == "VPCIdNotSpecified") return "/subnet_id";
  if (starts_with(code, "InvalidGroup") || starts_with(code, "InvalidSecurityGroup")) return "/security_group_ids";
  if (starts_with(code, "InvalidKeyPair")) return "/key_name";
  if (starts_with(code, "InvalidBlockDeviceMapping")) return "/root_volume";
  if (code == "InvalidInstanceType") return "/instance_type";
  return field_named_in(message);
}

}  // namespace

std::string field_named_in(std::string_view message) {
  std::string lower(message);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  // Most specific first: "iamInstanceProfile" before "instance", "blockDeviceMapping" before "device".
  static const std::array<std::pair<std::string_view, std::string_view>, 14> kNames = {{
      {"iaminstanceprofile", "/iam_instance_profile"},
      {"instance profile", "/iam_instance_profile"},
      {"instancetype", "/instance_type"},
      {"instance type", "/instance_type"},
      {"imageid", "/image_id"},
      {"subnetid", "/subnet_id"},
      {"securitygroup", "/security_group_ids"},
      {"keyname", "/key_name"},
      {"key pair", "/key_name"},
      {"blockdevicemapping", "/root_volume"},
      {"volumesize", "/root_volume/size_gib"},
      {"iops", "/root_volume/iops"},
      {"throughput", "/root_volume/throughput_mibps"},
      {"maxprice", "/spot/max_price"},
  }};
  for (const auto& [needle, path] : kNames) {
    if (lower.find(needle) != std::string::npos) return std::string(path);
  }
  if (lower.find("tag") != std::string::npos) return "/tags";
  return {};
}

bool is_unknown_instance(std::string_view code) {
  return code == "InvalidInstanceID.NotFound" || code == "InvalidInstanceID.Malformed";
}

AwsError classify_ec2_error(std::string_view action, int status, const Ec2ErrorBody& body, int64_t retry_after_ms) {
  AwsError e;
  e.error_class = class_of(body.code, status);
  e.message = "EC2 " + std::string(action) + ": " + (body.code.empty() ? "HTTP " + std::to_string(status) : body.code) +
              (body.message.empty() ? "" : ": " + body.message) + " (HTTP " + std::to_string(status) + ", request id " +
              (body.request_id.empty() ? "none" : body.request_id) + ")";
  if (e.error_class == pv1::ERROR_CLASS_INVALID_CONFIG) e.field_path = field_of(body.code, body.message);
  e.retry_after_ms = retry_after_ms;
  return e;
}

}  // namespace corral::aws
