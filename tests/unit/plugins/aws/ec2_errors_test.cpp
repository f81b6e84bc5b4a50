// Every EC2 error code the issue names lands in its SDK error class, config errors name the
// field at fault, and each message carries EC2's code, its words and the request id.
#include "plugins/aws/ec2_errors.h"

#include <gtest/gtest.h>

namespace corral::aws {
namespace {

struct ErrorCase {
  const char* code;
  int status;
  pv1::ErrorClass expected;
  const char* path;
  const char* message = "";
};

class Ec2ErrorClass : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(Ec2ErrorClass, MapsToTheSdkClass) {
  const ErrorCase& c = GetParam();
  AwsError e = classify_ec2_error("RunInstances", c.status, {c.code, c.message, "rid-1234"}, 0);
  EXPECT_EQ(e.error_class, c.expected) << c.code << " -> " << pv1::ErrorClass_Name(e.error_class);
  EXPECT_EQ(e.field_path, c.path) << c.code;
  EXPECT_NE(e.message.find(std::string("EC2 RunInstances: ") + c.code), std::string::npos) << e.message;
  EXPECT_NE(e.message.find("request id rid-1234"), std::string::npos) << e.message;
}

INSTANTIATE_TEST_SUITE_P(
    Codes, Ec2ErrorClass,
    ::testing::Values(
        ErrorCase{"InsufficientInstanceCapacity", 500, pv1::ERROR_CLASS_OUT_OF_CAPACITY, ""},
        ErrorCase{"InsufficientCapacityOnHost", 500, pv1::ERROR_CLASS_OUT_OF_CAPACITY, ""},
        ErrorCase{"InsufficientHostCapacity", 500, pv1::ERROR_CLASS_OUT_OF_CAPACITY, ""},
        ErrorCase{"SpotMaxPriceTooLow", 400, pv1::ERROR_CLASS_OUT_OF_CAPACITY, ""},
        ErrorCase{"InstanceLimitExceeded", 400, pv1::ERROR_CLASS_QUOTA, ""},
        ErrorCase{"VcpuLimitExceeded", 400, pv1::ERROR_CLASS_QUOTA, ""},
        ErrorCase{"VolumeLimitExceeded", 400, pv1::ERROR_CLASS_QUOTA, ""},
        ErrorCase{"MaxSpotInstanceCountExceeded", 400, pv1::ERROR_CLASS_QUOTA, ""},
        ErrorCase{"AuthFailure", 401, pv1::ERROR_CLASS_AUTH, ""},
        ErrorCase{"UnauthorizedOperation", 403, pv1::ERROR_CLASS_AUTH, ""},
        ErrorCase{"ExpiredToken", 400, pv1::ERROR_CLASS_AUTH, ""},
        ErrorCase{"RequestExpired", 400, pv1::ERROR_CLASS_AUTH, ""},
        ErrorCase{"OptInRequired", 401, pv1::ERROR_CLASS_AUTH, ""},
        ErrorCase{"InvalidAMIID.NotFound", 400, pv1::ERROR_CLASS_INVALID_CONFIG, "/image_id"},
        ErrorCase{"InvalidAMIID.Malformed", 400, pv1::ERROR_CLASS_INVALID_CONFIG, "/image_id"},
        ErrorCase{"InvalidSubnetID.NotFound", 400, pv1::ERROR_CLASS_INVALID_CONFIG, "/subnet_id"},
        ErrorCase{"InvalidGroup.NotFound", 400, pv1::ERROR_CLASS_INVALID_CONFIG, "/security_group_ids"},
        ErrorCase{"InvalidKeyPair.NotFound", 400, pv1::ERROR_CLASS_INVALID_CONFIG, "/key_name"},
        ErrorCase{"InvalidParameterValue", 400, pv1::ERROR_CLASS_INVALID_CONFIG, "/instance_type",
                  "Value (t3.mikro) for parameter instanceType is invalid."},
        ErrorCase{"InvalidParameterValue", 400, pv1::ERROR_CLASS_INVALID_CONFIG, "/iam_instance_profile",
                  "Value (x) for parameter iamInstanceProfile.name is invalid. Invalid IAM Instance Profile name"},
        ErrorCase{"InvalidParameterValue", 400, pv1::ERROR_CLASS_INVALID_CONFIG, "", "User data is invalid"},
        ErrorCase{"IdempotentParameterMismatch", 400, pv1::ERROR_CLASS_INVALID_CONFIG, ""},
        ErrorCase{"RequestLimitExceeded", 503, pv1::ERROR_CLASS_TRANSIENT, ""},
        ErrorCase{"Unavailable", 503, pv1::ERROR_CLASS_TRANSIENT, ""},
        ErrorCase{"InternalError", 500, pv1::ERROR_CLASS_TRANSIENT, ""},
        ErrorCase{"SomethingNew", 502, pv1::ERROR_CLASS_TRANSIENT, ""},
        ErrorCase{"SomethingNew", 429, pv1::ERROR_CLASS_TRANSIENT, ""},
        ErrorCase{"SomethingNew", 400, pv1::ERROR_CLASS_INVALID_CONFIG, ""}));

TEST(Ec2Errors, RetryAfterAndAnswersThatAreNotEc2s) {
  AwsError e = classify_ec2_error("DescribeInstances", 503, {}, 7000);
  EXPECT_EQ(e.error_class, pv1::ERROR_CLASS_TRANSIENT);
  EXPECT_EQ(e.retry_after_ms, 7000);
  EXPECT_EQ(e.message, "EC2 DescribeInstances: HTTP 503 (HTTP 503, request id none)");
}

TEST(Ec2Errors, UnknownInstanceCodes) {
  EXPECT_TRUE(is_unknown_instance("InvalidInstanceID.NotFound"));
  EXPECT_TRUE(is_unknown_instance("InvalidInstanceID.Malformed"));
  EXPECT_FALSE(is_unknown_instance("InvalidInstanceID"));
  EXPECT_FALSE(is_unknown_instance("InvalidAMIID.NotFound"));
}

TEST(Ec2Errors, FieldsNamedInMessages) {
  EXPECT_EQ(field_named_in("The parameter BlockDeviceMapping is invalid"), "/root_volume");
  EXPECT_EQ(field_named_in("Value (1) for parameter volumeSize is invalid"), "/root_volume/size_gib");
  EXPECT_EQ(field_named_in("Invalid value for tag key"), "/tags");
  EXPECT_EQ(field_named_in("Your requested instance type (p5.48xlarge) is not supported"), "/instance_type");
  EXPECT_EQ(field_named_in("something else"), "");
}

}  // namespace
}  // namespace corral::aws
