// Fuzzes the vSphere plugin's reading of vim25 SOAP answers (plugins/vsphere/soap.h): no input may
// crash it; an answer is either a fault whose type carries no namespace prefix or a …Response
// element; property-collector results, option values and the session-expiry check read any such
// element; and a response re-serialized for sending back (node_xml) is well-formed XML again.
#include <pugixml.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "plugins/vsphere/soap.h"
#include "plugins/vsphere/vim_session.h"
#include "tests/fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto answer = corral::vsphere::parse_soap(text);
  if (!answer.ok()) {
    FUZZ_CHECK(!answer.error().message.empty());
    return 0;
  }
  const auto& a = answer.value();
  if (a.fault) {
    FUZZ_CHECK(a.fault->type.find(':') == std::string::npos);
    (void)corral::vsphere::fault_class(a.fault->type);
    return 0;
  }
  FUZZ_CHECK(a.response);
  FUZZ_CHECK(corral::vsphere::local_name(a.response.name()).ends_with("Response"));
  auto result = corral::vsphere::parse_retrieve_result(a.response);
  for (const auto& o : result.objects) {
    for (const auto& [path, val] : o.props) (void)corral::vsphere::option_values(val);
  }
  (void)corral::vsphere::missing_for_lack_of_session(a.response);
  std::string again = corral::vsphere::node_xml(a.response, "spec");
  pugi::xml_document doc;
  FUZZ_CHECK(doc.load_buffer(again.data(), again.size()));
  return 0;
}
