// Reading back what the vSphere plugin's builders write, for its unit tests: the built text parsed
// with pugixml inside soap_envelope(), and each element's namespace resolved from the xmlns
// declarations in scope, as a SOAP server does (pugixml itself does not resolve prefixes).
#pragma once

#include <gtest/gtest.h>

#include <pugixml.hpp>

#include <memory>
#include <string>
#include <string_view>

#include "plugins/vsphere/soap.h"

namespace corral::vsphere::testing {

inline constexpr const char* kSoapEnvNs = "http://schemas.xmlsoap.org/soap/envelope/";
inline constexpr const char* kXsiNs = "http://www.w3.org/2001/XMLSchema-instance";
inline constexpr const char* kXsdNs = "http://www.w3.org/2001/XMLSchema";
inline constexpr const char* kVim25Ns = "urn:vim25";

// The namespace PREFIX ("" for the default) stands for at NODE.
inline std::string namespace_uri(pugi::xml_node node, std::string_view prefix) {
  const std::string attr = prefix.empty() ? "xmlns" : "xmlns:" + std::string(prefix);
  for (pugi::xml_node n = node; n; n = n.parent()) {
    if (pugi::xml_attribute a = n.attribute(attr.c_str())) return a.value();
  }
  return {};
}

// The namespace of the element NODE.
inline std::string element_namespace(pugi::xml_node node) {
  std::string_view name = node.name();
  size_t colon = name.find(':');
  return namespace_uri(node, colon == std::string_view::npos ? std::string_view() : name.substr(0, colon));
}

// BODY (one method element) in the plugin's envelope, parsed; the method element is `method`.
struct Sent {
  std::shared_ptr<pugi::xml_document> doc = std::make_shared<pugi::xml_document>();
  pugi::xml_node envelope;
  pugi::xml_node method;
};

inline Sent parse_sent(const std::string& body) {
  Sent s;
  const std::string text = soap_envelope(body);
  pugi::xml_parse_result r =
      s.doc->load_buffer(text.data(), text.size(), pugi::parse_default | pugi::parse_declaration);
  EXPECT_TRUE(r) << r.description() << " at " << r.offset << " in " << text;
  s.envelope = s.doc->document_element();
  for (pugi::xml_node c = child(s.envelope, "Body").first_child(); c; c = c.next_sibling()) {
    if (c.type() == pugi::node_element) {
      s.method = c;
      break;
    }
  }
  return s;
}

// The names of NODE's child elements, in order, joined by spaces.
inline std::string child_names(pugi::xml_node node) {
  std::string out;
  for (pugi::xml_node c = node.first_child(); c; c = c.next_sibling()) {
    if (c.type() != pugi::node_element) continue;
    if (!out.empty()) out += ' ';
    out += c.name();
  }
  return out;
}

}  // namespace corral::vsphere::testing
