// The vim25 request bodies the vSphere plugin builds, read back as a SOAP server reads them: the
// SOAP 1.1 envelope and its namespaces, the method in urn:vim25, xsi:type attributes whose prefix
// is declared, element order as the vim25 schema's sequences require, and names with characters
// XML reserves arriving exactly as they were.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "plugins/vsphere/clone_spec.h"
#include "plugins/vsphere/soap.h"
#include "tests/unit/plugins/vsphere/xml_test_util.h"

namespace corral::vsphere {
namespace {

using namespace testing;  // NOLINT(google-build-using-namespace): the test helpers of this directory

// Inventory names as vCenter allows them: spaces, slashes escaped by the operator, and every
// character XML gives a meaning to.
const std::vector<std::string>& awkward_names() {
  static const std::vector<std::string> names = {
      "Corral Pools/linux runners", "R&D <lab> \"east\" 'wing'", "]]> not a CDATA end",
      "a&amp;b is not &",           "Ümlaut und 名前",           "tab\there"};
  return names;
}

TEST(VsphereSoapXml, TheEnvelopeIsSoap11WithTheMethodInVim25) {
  Sent s = parse_sent("<RetrieveServiceContent xmlns=\"urn:vim25\">" +
                      moref_xml("_this", {"ServiceInstance", "ServiceInstance"}) + "</RetrieveServiceContent>");
  pugi::xml_node decl = s.doc->first_child();
  ASSERT_EQ(decl.type(), pugi::node_declaration);
  EXPECT_STREQ(decl.attribute("version").value(), "1.0");
  EXPECT_STREQ(decl.attribute("encoding").value(), "UTF-8");

  EXPECT_EQ(local_name(s.envelope.name()), "Envelope");
  EXPECT_EQ(element_namespace(s.envelope), kSoapEnvNs);
  EXPECT_EQ(child_names(s.envelope), "soapenv:Body") << "no Header: vim25 needs none";
  EXPECT_EQ(element_namespace(child(s.envelope, "Body")), kSoapEnvNs);
  EXPECT_EQ(namespace_uri(s.envelope, "xsi"), kXsiNs);
  EXPECT_EQ(namespace_uri(s.envelope, "xsd"), kXsdNs);

  ASSERT_TRUE(s.method);
  EXPECT_STREQ(s.method.name(), "RetrieveServiceContent");
  EXPECT_EQ(element_namespace(s.method), kVim25Ns);
  pugi::xml_node self = child(s.method, "_this");
  EXPECT_EQ(element_namespace(self), kVim25Ns) << "the method's parameters inherit urn:vim25";
  EXPECT_STREQ(self.attribute("type").value(), "ServiceInstance");
  EXPECT_STREQ(self.text().get(), "ServiceInstance");
}

TEST(VsphereSoapXml, EscapingCoversEveryCharacterXmlReserves) {
  EXPECT_EQ(xml_escape("<a> & \"b\" 'c'"), "&lt;a&gt; &amp; &quot;b&quot; &apos;c&apos;");
  EXPECT_EQ(xml_escape("plain name 1"), "plain name 1");
  EXPECT_EQ(text_xml("name", "x<y"), "<name>x&lt;y</name>");
  EXPECT_EQ(moref_xml("obj", {"Folder\"", "group-v<3>"}), "<obj type=\"Folder&quot;\">group-v&lt;3&gt;</obj>");
}

TEST(VsphereSoapXml, NamesWithSpecialCharactersArriveAsTheyWere) {
  for (const std::string& name : awkward_names()) {
    Sent s =
        parse_sent("<FindByInventoryPath xmlns=\"urn:vim25\">" + moref_xml("_this", {"SearchIndex", "SearchIndex"}) +
                   text_xml("inventoryPath", "/DC0/vm/" + name) + "</FindByInventoryPath>");
    EXPECT_EQ(child(s.method, "inventoryPath").text().get(), "/DC0/vm/" + name);
    // A reference whose value is awkward too (vCenter's ids are not, a proxy's might be).
    Sent r = parse_sent("<FindChild xmlns=\"urn:vim25\">" + moref_xml("entity", {"Folder", name}) +
                        text_xml("name", name) + "</FindChild>");
    EXPECT_EQ(moref_of(child(r.method, "entity")), (MoRef{"Folder", name}));
    EXPECT_EQ(child(r.method, "name").text().get(), name);
  }
}

TEST(VsphereSoapXml, TheCloneSpecKeepsTheSchemaOrderAndTypesItsValues) {
  CloneInputs in;
  in.folder = {"Folder", "group-v22"};
  in.pool = {"ResourcePool", "resgroup-8"};
  in.datastore = {"Datastore", "datastore-12"};
  in.snapshot = {"VirtualMachineSnapshot", "snapshot-3"};
  in.num_cpus = 4;
  in.memory_mb = 8192;
  in.annotation = "made by Corral for R&D <lab>";
  in.extra_config = {{"corral.hostname", "runner <1> & \"2\""}, {"guestinfo.userdata.encoding", "base64"}};
  WindowsSysprep sysprep;
  sysprep.org_name = "R&D \"Org\"";
  sysprep.workgroup = "WG<1>";
  in.customization_xml = sysprep_customization_xml(sysprep, "win-01&x");

  Sent s = parse_sent("<CloneVM_Task xmlns=\"urn:vim25\">" + moref_xml("_this", {"VirtualMachine", "vm-1"}) +
                      moref_xml("folder", in.folder) + text_xml("name", "corral-0a1b") + clone_spec_xml(in) +
                      "</CloneVM_Task>");
  EXPECT_EQ(child_names(s.method), "_this folder name spec");
  pugi::xml_node spec = child(s.method, "spec");
  // VirtualMachineCloneSpec, VirtualMachineRelocateSpec and VirtualMachineConfigSpec sequences.
  EXPECT_EQ(child_names(spec), "location template config customization powerOn snapshot");
  EXPECT_EQ(child_names(child(spec, "location")), "folder datastore diskMoveType pool");
  EXPECT_STREQ(child(child(spec, "location"), "diskMoveType").text().get(), "createNewChildDiskBacking");
  EXPECT_EQ(child_names(child(spec, "config")), "annotation numCPUs memoryMB extraConfig extraConfig");
  EXPECT_STREQ(child(child(spec, "config"), "annotation").text().get(), "made by Corral for R&D <lab>");
  EXPECT_STREQ(child(spec, "powerOn").text().get(), "false");

  std::map<std::string, std::string> extra;
  for (pugi::xml_node option : children(child(spec, "config"), "extraConfig")) {
    pugi::xml_node value = child(option, "value");
    // xsd:string, with both prefixes resolving to the XML Schema namespaces.
    EXPECT_STREQ(value.attribute("xsi:type").value(), "xsd:string");
    EXPECT_EQ(namespace_uri(value, "xsi"), kXsiNs);
    EXPECT_EQ(namespace_uri(value, "xsd"), kXsdNs);
    extra[child(option, "key").text().get()] = value.text().get();
  }
  EXPECT_EQ(extra, in.extra_config);

  pugi::xml_node custom = child(spec, "customization");
  EXPECT_EQ(child_names(custom), "options identity globalIPSettings nicSettingMap");
  EXPECT_STREQ(child(custom, "options").attribute("xsi:type").value(), "CustomizationWinOptions");
  pugi::xml_node identity = child(custom, "identity");
  EXPECT_STREQ(identity.attribute("xsi:type").value(), "CustomizationSysprep");
  EXPECT_EQ(child_names(identity), "guiUnattended userData guiRunOnce identification");
  pugi::xml_node computer = child(child(identity, "userData"), "computerName");
  EXPECT_STREQ(computer.attribute("xsi:type").value(), "CustomizationFixedName");
  EXPECT_STREQ(child(computer, "name").text().get(), "win-01&x");
  EXPECT_STREQ(child(child(identity, "userData"), "orgName").text().get(), "R&D \"Org\"");
  EXPECT_STREQ(child(child(identity, "identification"), "joinWorkgroup").text().get(), "WG<1>");
  const std::string run_once = child(child(identity, "guiRunOnce"), "commandList").text().get();
  EXPECT_NE(run_once.find("'C:\\Program Files\\VMware\\VMware Tools\\rpctool.exe' 'info-get guestinfo.userdata'"),
            std::string::npos)
      << run_once;
  // Every xsi:type in the request names a type under a declared prefix.
  for (pugi::xpath_node n : s.doc->select_nodes("//*[@xsi:type]")) {
    EXPECT_EQ(namespace_uri(n.node(), "xsi"), kXsiNs) << n.node().name();
  }
}

TEST(VsphereSoapXml, ACopiedNodeIsWrittenWithXsiTypeAndNoNamespaceDeclarations) {
  // govmomi writes xsi:type under its own prefix; a device read from it goes back as xsi:type.
  pugi::xml_document answer;
  ASSERT_TRUE(answer.load_string(
      "<val xmlns=\"urn:vim25\" xmlns:XMLSchema-instance=\"http://www.w3.org/2001/XMLSchema-instance\" "
      "XMLSchema-instance:type=\"VirtualVmxnet3\"><key>4000</key><deviceInfo><label>Network &amp; \"1\"</label>"
      "</deviceInfo><backing XMLSchema-instance:type=\"VirtualEthernetCardNetworkBackingInfo\"/></val>"));
  const std::string copied = node_xml(answer.document_element(), "device");
  EXPECT_EQ(copied.find("xmlns"), std::string::npos) << copied;
  EXPECT_EQ(copied.find("XMLSchema-instance:"), std::string::npos) << copied;

  Sent s = parse_sent("<ReconfigVM_Task xmlns=\"urn:vim25\"><spec><deviceChange><operation>edit</operation>" + copied +
                      "</deviceChange></spec></ReconfigVM_Task>");
  pugi::xml_node device = child(child(child(s.method, "spec"), "deviceChange"), "device");
  ASSERT_TRUE(device) << copied;
  EXPECT_STREQ(device.attribute("xsi:type").value(), "VirtualVmxnet3");
  EXPECT_EQ(namespace_uri(device, "xsi"), kXsiNs);
  EXPECT_EQ(element_namespace(device), kVim25Ns);
  EXPECT_STREQ(child(child(device, "deviceInfo"), "label").text().get(), "Network & \"1\"");
  EXPECT_STREQ(child(device, "backing").attribute("xsi:type").value(), "VirtualEthernetCardNetworkBackingInfo");
}

}  // namespace
}  // namespace corral::vsphere
