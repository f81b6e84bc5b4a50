// vim25 SOAP on the wire: building request envelopes and reading answers (pugixml). Everything
// here is pure text in, values out, so the fuzzer (tests/fuzz/fuzz_vsphere_soap.cpp) and unit
// tests reach it without a vCenter. The session (vim_session.h) sends what this builds.
//
// Reading is by local name: vCenter writes `soapenv:`-prefixed envelopes with the vim25 namespace
// as default, govmomi declares `XMLSchema-instance:` where vCenter says `xsi:`; neither prefix is
// relied on.
#pragma once

#include <pugixml.hpp>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "plugins/vsphere/vsphere_error.h"

namespace corral::vsphere {

// A managed object reference: ("VirtualMachine", "vm-42").
struct MoRef {
  std::string type;
  std::string value;
  bool empty() const { return value.empty(); }
  bool operator==(const MoRef&) const = default;
};

// XML text escaping for element content and attribute values.
std::string xml_escape(std::string_view text);
// <TAG type="TYPE">VALUE</TAG>
std::string moref_xml(std::string_view tag, const MoRef& ref);
// <TAG>escaped text</TAG>
std::string text_xml(std::string_view tag, std::string_view text);
// The envelope around BODY (one method element in the urn:vim25 namespace).
std::string soap_envelope(std::string_view body);

// The part of a name after its prefix: "soapenv:Body" -> "Body".
std::string_view local_name(std::string_view name);
// The first child element with that local name (null when none).
pugi::xml_node child(pugi::xml_node node, std::string_view local);
// Every child element with that local name.
std::vector<pugi::xml_node> children(pugi::xml_node node, std::string_view local);
// The xsi:type of NODE without its prefix ("xsd:string" -> "string"); "" when none.
std::string xsi_type(pugi::xml_node node);
// A node holding a reference (type attribute + text) as a MoRef.
MoRef moref_of(pugi::xml_node node);
// NODE and its subtree as XML text, with every `*:type` attribute written `xsi:type` and no
// namespace declarations, so it can be sent back inside soap_envelope() (a device, a spec).
std::string node_xml(pugi::xml_node node, std::string_view rename_to = {});

struct SoapFault {
  std::string type;     // "InvalidLogin", "NotAuthenticated" ... ("" when the detail has none)
  std::string message;  // faultstring
};

// One parsed answer: the method's response element (…Response), or the fault.
struct SoapAnswer {
  std::shared_ptr<pugi::xml_document> doc;
  pugi::xml_node response;  // null when fault is set
  std::optional<SoapFault> fault;
};

// Parses an HTTP body as a SOAP envelope. Not XML, no Body, or a Body holding neither a response
// nor a Fault is an error (transient: a proxy's error page, a vCenter restarting).
Outcome<SoapAnswer> parse_soap(std::string_view body);

// The class of a vim25 fault type (docs/providers/vsphere.md lists them).
pv1::ErrorClass fault_class(std::string_view fault_type);

// The properties of one object of a RetrievePropertiesEx answer. `props` maps a property path to
// its <val> node; `missing` maps a path vCenter could not read to its fault type.
struct ObjectContent {
  std::shared_ptr<const pugi::xml_document> doc;  // keeps the nodes below alive
  MoRef obj;
  std::map<std::string, pugi::xml_node> props;
  std::map<std::string, std::string> missing;

  // The <val> of PATH; a null node when it was not returned.
  pugi::xml_node prop(const std::string& path) const {
    auto it = props.find(path);
    return it == props.end() ? pugi::xml_node() : it->second;
  }
};

struct RetrieveResult {
  std::vector<ObjectContent> objects;
  std::string token;  // continue with ContinueRetrievePropertiesEx when not empty
};

// Reads the <returnval> of RetrievePropertiesEx / ContinueRetrievePropertiesEx (absent: nothing).
RetrieveResult parse_retrieve_result(pugi::xml_node response);

// An ArrayOfOptionValue (config.extraConfig) as key -> value.
std::map<std::string, std::string> option_values(pugi::xml_node val);

}  // namespace corral::vsphere
