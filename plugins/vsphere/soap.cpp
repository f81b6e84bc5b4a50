#include "plugins/vsphere/soap.h"

#include <algorithm>
#include <sstream>

namespace corral::vsphere {
namespace {

constexpr std::string_view kXsiPrefix = "xsi:";

bool ends_with_type_attribute(std::string_view name) { return name == "type" || name.ends_with(":type"); }

// Faults vCenter raises for a user who may not do something, or is not who it says.
constexpr std::string_view kAuthFaults[] = {"InvalidLogin",     "NoPermission",     "NotAuthenticated",
                                            "NoPermissionOnAD", "InvalidPrivilege", "RestrictedVersion",
                                            "SSPIChallenge"};
// Faults that mean the request or the config names something wrong: no retry can succeed.
constexpr std::string_view kConfigFaults[] = {"DuplicateName",
                                              "InvalidName",
                                              "InvalidArgument",
                                              "InvalidDatastore",
                                              "InvalidDatastorePath",
                                              "NotFound",
                                              "FileNotFound",
                                              "FileAlreadyExists",
                                              "InvalidType",
                                              "InvalidProperty",
                                              "NotSupported",
                                              "VmConfigFault",
                                              "CustomizationFault",
                                              "MissingLinuxCustResources",
                                              "MissingWindowsCustResources",
                                              "UncustomizableGuest",
                                              "InvalidVmConfig",
                                              "ManagedObjectNotFound",
                                              "InvalidRequest",
                                              "MethodNotFound",
                                              "InvalidFolder",
                                              "InvalidController",
                                              "DeviceNotSupported"};
// Faults of a license or limit the account has reached.
constexpr std::string_view kQuotaFaults[] = {"NotEnoughLicenses",    "LicenseExpired", "LicenseRestricted",
                                             "InsufficientLicenses", "VmLimitLicense", "LicenseServerUnavailable"};
// Faults of a cluster, host or datastore without room now.
constexpr std::string_view kCapacityFaults[] = {"NoDiskSpace",           "OutOfBounds", "NoCompatibleHost",
                                                "NoCompatibleDatastore", "NoHost",      "NumVirtualCpusExceedsLimit"};

bool among(std::string_view type, const std::string_view* begin, const std::string_view* end) {
  return std::find(begin, end, type) != end;
}

}  // namespace

std::string xml_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default: out.push_back(c);
    }
  }
  return out;
}

std::string moref_xml(std::string_view tag, const MoRef& ref) {
  std::string out = "<";
  out.append(tag).append(" type=\"").append(xml_escape(ref.type)).append("\">").append(xml_escape(ref.value));
  return out.append("</").append(tag).append(">");
}

std::string text_xml(std::string_view tag, std::string_view text) {
  std::string out = "<";
  out.append(tag).append(">").append(xml_escape(text));
  return out.append("</").append(tag).append(">");
}

std::string soap_envelope(std::string_view body) {
  std::string out =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
      "<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\" "
      "xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">"
      "<soapenv:Body>";
  out.append(body);
  return out.append("</soapenv:Body></soapenv:Envelope>");
}

std::string_view local_name(std::string_view name) {
  // The last colon: a malformed "a:b:Name" still yields a name without a prefix in it.
  size_t colon = name.rfind(':');
  return colon == std::string_view::npos ? name : name.substr(colon + 1);
}

pugi::xml_node child(pugi::xml_node node, std::string_view local) {
  for (pugi::xml_node c = node.first_child(); c; c = c.next_sibling()) {
    if (c.type() == pugi::node_element && local_name(c.name()) == local) return c;
  }
  return {};
}

std::vector<pugi::xml_node> children(pugi::xml_node node, std::string_view local) {
  std::vector<pugi::xml_node> out;
  for (pugi::xml_node c = node.first_child(); c; c = c.next_sibling()) {
    if (c.type() == pugi::node_element && local_name(c.name()) == local) out.push_back(c);
  }
  return out;
}

std::string xsi_type(pugi::xml_node node) {
  for (pugi::xml_attribute a = node.first_attribute(); a; a = a.next_attribute()) {
    std::string_view name = a.name();
    if (name.ends_with(":type")) return std::string(local_name(a.value()));
  }
  return {};
}

MoRef moref_of(pugi::xml_node node) { return {node.attribute("type").value(), node.text().get()}; }

std::string node_xml(pugi::xml_node node, std::string_view rename_to) {
  pugi::xml_document copy;
  pugi::xml_node root = copy.append_copy(node);
  if (!rename_to.empty()) root.set_name(std::string(rename_to).c_str());
  std::vector<pugi::xml_node> stack{root};
  while (!stack.empty()) {
    pugi::xml_node n = stack.back();
    stack.pop_back();
    for (pugi::xml_attribute a = n.first_attribute(); a;) {
      pugi::xml_attribute next = a.next_attribute();
      std::string_view name = a.name();
      if (name.starts_with("xmlns")) {
        n.remove_attribute(a);
      } else if (name != "type" && ends_with_type_attribute(name)) {
        a.set_name((std::string(kXsiPrefix) + "type").c_str());
      }
      a = next;
    }
    for (pugi::xml_node c = n.first_child(); c; c = c.next_sibling()) {
      if (c.type() == pugi::node_element) stack.push_back(c);
    }
  }
  std::ostringstream out;
  root.print(out, "", pugi::format_raw);
  return out.str();
}

Outcome<SoapAnswer> parse_soap(std::string_view body) {
  SoapAnswer answer;
  answer.doc = std::make_shared<pugi::xml_document>();
  pugi::xml_parse_result parsed = answer.doc->load_buffer(body.data(), body.size(), pugi::parse_default);
  if (!parsed) {
    return transient_error(std::string("the answer is not XML (") + parsed.description() + " at byte " +
                           std::to_string(parsed.offset) + ")");
  }
  pugi::xml_node envelope = child(*answer.doc, "Envelope");
  pugi::xml_node soap_body = child(envelope, "Body");
  if (!soap_body) return transient_error("the answer is XML but not a SOAP envelope with a Body");
  if (pugi::xml_node fault = child(soap_body, "Fault")) {
    SoapFault f;
    f.message = child(fault, "faultstring").text().get();
    // <detail><InvalidLoginFault xsi:type="InvalidLogin"/></detail>: the xsi:type, else the
    // element name without its "Fault" suffix.
    if (pugi::xml_node detail = child(fault, "detail")) {
      for (pugi::xml_node d = detail.first_child(); d; d = d.next_sibling()) {
        if (d.type() != pugi::node_element) continue;
        f.type = xsi_type(d);
        if (f.type.empty()) {
          std::string_view name = local_name(d.name());
          if (name.ends_with("Fault") && name.size() > 5) name.remove_suffix(5);
          f.type = std::string(name);
        }
        break;
      }
    }
    answer.fault = std::move(f);
    return answer;
  }
  for (pugi::xml_node c = soap_body.first_child(); c; c = c.next_sibling()) {
    if (c.type() == pugi::node_element && local_name(c.name()).ends_with("Response")) {
      answer.response = c;
      return answer;
    }
  }
  return transient_error("the SOAP Body holds neither a response nor a fault");
}

pv1::ErrorClass fault_class(std::string_view type) {
  if (among(type, std::begin(kAuthFaults), std::end(kAuthFaults))) return pv1::ERROR_CLASS_AUTH;
  if (among(type, std::begin(kQuotaFaults), std::end(kQuotaFaults))) return pv1::ERROR_CLASS_QUOTA;
  // InsufficientResourcesFault and its kin (InsufficientHostCapacityFault, InsufficientMemory...,
  // InsufficientStorageSpace ...) all start so.
  if (type.starts_with("Insufficient") || among(type, std::begin(kCapacityFaults), std::end(kCapacityFaults))) {
    return pv1::ERROR_CLASS_OUT_OF_CAPACITY;
  }
  if (among(type, std::begin(kConfigFaults), std::end(kConfigFaults)) || type.starts_with("Customization")) {
    return pv1::ERROR_CLASS_INVALID_CONFIG;
  }
  // FileFault (a locked or busy file), TaskInProgress, InvalidState, HostCommunication,
  // RequestCanceled, SystemError and faults this list does not know: another attempt may succeed.
  return pv1::ERROR_CLASS_TRANSIENT;
}

RetrieveResult parse_retrieve_result(pugi::xml_node response) {
  RetrieveResult result;
  pugi::xml_node returnval = child(response, "returnval");
  if (!returnval) return result;
  result.token = child(returnval, "token").text().get();
  for (pugi::xml_node objects : children(returnval, "objects")) {
    ObjectContent content;
    content.obj = moref_of(child(objects, "obj"));
    for (pugi::xml_node prop : children(objects, "propSet")) {
      content.props[child(prop, "name").text().get()] = child(prop, "val");
    }
    for (pugi::xml_node missing : children(objects, "missingSet")) {
      // <missingSet><path>p</path><fault><fault xsi:type="NotAuthenticated">…</fault></fault></missingSet>
      pugi::xml_node fault = child(child(missing, "fault"), "fault");
      content.missing[child(missing, "path").text().get()] = xsi_type(fault);
    }
    result.objects.push_back(std::move(content));
  }
  return result;
}

std::map<std::string, std::string> option_values(pugi::xml_node val) {
  std::map<std::string, std::string> out;
  for (pugi::xml_node option : children(val, "OptionValue")) {
    out[child(option, "key").text().get()] = child(option, "value").text().get();
  }
  return out;
}

}  // namespace corral::vsphere
