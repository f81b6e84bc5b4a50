#include "plugins/vsphere/inventory.h"

namespace corral::vsphere {
namespace {

// RetrievePropertiesEx with SPEC_SET, then ContinueRetrievePropertiesEx until no token is left.
Outcome<std::vector<ObjectContent>> retrieve_all(VimSession& session, const HttpSend& send,
                                                 const std::string& spec_set) {
  auto content = session.content(send);
  if (!content.ok()) return content.error();
  const std::string collector = moref_xml("_this", content.value().property_collector);
  std::vector<ObjectContent> out;
  auto answer = session.call(send, "<RetrievePropertiesEx xmlns=\"urn:vim25\">" + collector + spec_set +
                                       "<options><maxObjects>500</maxObjects></options></RetrievePropertiesEx>");
  // A page holds at most 500 objects; a bound on the pages keeps a misbehaving server from
  // keeping us here forever.
  for (int page = 0; page < 10'000; ++page) {
    if (!answer.ok()) return answer.error();
    RetrieveResult result = parse_retrieve_result(answer.value().response);
    for (auto& o : result.objects) {
      o.doc = answer.value().doc;
      out.push_back(std::move(o));
    }
    if (result.token.empty()) return out;
    answer = session.call(send, "<ContinueRetrievePropertiesEx xmlns=\"urn:vim25\">" + collector +
                                    text_xml("token", result.token) + "</ContinueRetrievePropertiesEx>");
  }
  return transient_error("vCenter kept answering RetrievePropertiesEx with continuation tokens");
}

std::string prop_set(const std::string& type, const std::vector<std::string>& paths) {
  std::string out = "<propSet>" + text_xml("type", type);
  for (const std::string& p : paths) out += text_xml("pathSet", p);
  return out + "</propSet>";
}

}  // namespace

Outcome<MoRef> find_by_path(VimSession& session, const HttpSend& send, const std::string& path,
                            const std::string& field) {
  auto content = session.content(send);
  if (!content.ok()) return content.error();
  auto answer = session.call(send, "<FindByInventoryPath xmlns=\"urn:vim25\">" +
                                       moref_xml("_this", content.value().search_index) +
                                       text_xml("inventoryPath", path) + "</FindByInventoryPath>");
  if (!answer.ok()) return answer.error();
  MoRef ref = moref_of(child(answer.value().response, "returnval"));
  if (ref.empty()) {
    std::string name = field.substr(field.rfind('/') + 1);
    return config_error(name + ": the inventory path '" + path + "' does not resolve in the vCenter", field);
  }
  return ref;
}

Outcome<MoRef> find_child(VimSession& session, const HttpSend& send, const MoRef& folder, const std::string& name) {
  auto content = session.content(send);
  if (!content.ok()) return content.error();
  auto answer =
      session.call(send, "<FindChild xmlns=\"urn:vim25\">" + moref_xml("_this", content.value().search_index) +
                             moref_xml("entity", folder) + text_xml("name", name) + "</FindChild>");
  if (!answer.ok()) return answer.error();
  return moref_of(child(answer.value().response, "returnval"));
}

Outcome<std::vector<ObjectContent>> retrieve(VimSession& session, const HttpSend& send,
                                             const std::vector<MoRef>& objects, const std::string& type,
                                             const std::vector<std::string>& paths) {
  std::string spec = "<specSet>" + prop_set(type, paths);
  for (const MoRef& o : objects) spec += "<objectSet>" + moref_xml("obj", o) + "</objectSet>";
  return retrieve_all(session, send, spec + "</specSet>");
}

Outcome<std::vector<ObjectContent>> retrieve_under(VimSession& session, const HttpSend& send, const MoRef& root,
                                                   const std::string& type, const std::vector<std::string>& paths) {
  auto content = session.content(send);
  if (!content.ok()) return content.error();
  auto view = session.call(send, "<CreateContainerView xmlns=\"urn:vim25\">" +
                                     moref_xml("_this", content.value().view_manager) + moref_xml("container", root) +
                                     text_xml("type", type) + "<recursive>true</recursive></CreateContainerView>");
  if (!view.ok()) return view.error();
  MoRef view_ref = moref_of(child(view.value().response, "returnval"));
  std::string spec = "<specSet>" + prop_set(type, paths) + "<objectSet>" + moref_xml("obj", view_ref) +
                     "<skip>true</skip><selectSet xsi:type=\"TraversalSpec\"><name>view</name>"
                     "<type>ContainerView</type><path>view</path><skip>false</skip></selectSet></objectSet></specSet>";
  auto result = retrieve_all(session, send, spec);
  // Views live until the session ends; destroying it at once keeps a long session light.
  (void)session.call(send, "<DestroyView xmlns=\"urn:vim25\">" + moref_xml("_this", view_ref) + "</DestroyView>");
  return result;
}

}  // namespace corral::vsphere
