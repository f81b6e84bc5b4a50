// Fuzzes the AWS plugin's readers of EC2's XML answers (plugins/aws/ec2_xml.h) and what the
// provider makes of them: no input may crash them; an instance read has an id; a parse failure is
// a transient error; every instance maps to a Vm whose state is a defined VmState, with an error
// exactly when it is VM_STATE_ERROR; an error document's code becomes an error class.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "plugins/aws/ec2_errors.h"
#include "plugins/aws/ec2_vm.h"
#include "plugins/aws/ec2_xml.h"
#include "tests/fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace aws = corral::aws;
  namespace pv1 = corral::provider::v1;
  std::string_view body(reinterpret_cast<const char*>(data), size);

  auto page = aws::parse_instances(body);
  if (page.ok()) {
    for (const aws::Ec2Instance& i : page.value().instances) {
      FUZZ_CHECK(!i.id.empty());
      pv1::Vm vm = aws::to_vm(i);
      FUZZ_CHECK(pv1::VmState_IsValid(vm.state()) && vm.state() != pv1::VM_STATE_UNSPECIFIED);
      FUZZ_CHECK(vm.has_error() == (vm.state() == pv1::VM_STATE_ERROR));
      FUZZ_CHECK(vm.id() == i.id);
    }
  } else {
    FUZZ_CHECK(page.error().error_class == pv1::ERROR_CLASS_TRANSIENT);
  }
  auto terminate = aws::parse_terminate(body);
  FUZZ_CHECK(terminate.ok() || terminate.error().error_class == pv1::ERROR_CLASS_TRANSIENT);
  auto image = aws::parse_image(body);
  FUZZ_CHECK(image.ok() || image.error().error_class == pv1::ERROR_CLASS_TRANSIENT);

  if (auto error = aws::parse_ec2_error(body)) {
    aws::AwsError e = aws::classify_ec2_error("DescribeInstances", 400, *error, 0);
    FUZZ_CHECK(e.error_class != pv1::ERROR_CLASS_UNSPECIFIED);
    FUZZ_CHECK(e.field_path.empty() || e.field_path[0] == '/');
    FUZZ_CHECK(e.message.rfind("EC2 DescribeInstances: ", 0) == 0);
  }
  return 0;
}
