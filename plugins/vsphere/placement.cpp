#include "plugins/vsphere/placement.h"

#include <algorithm>

namespace corral::vsphere {
namespace {

constexpr std::string_view kNicTypes[] = {"VirtualE1000",        "VirtualE1000e",           "VirtualPCNet32",
                                          "VirtualVmxnet",       "VirtualVmxnet2",          "VirtualVmxnet3",
                                          "VirtualVmxnet3Vrdma", "VirtualSriovEthernetCard"};

bool is_nic(pugi::xml_node device) {
  std::string type = xsi_type(device);
  return std::find(std::begin(kNicTypes), std::end(kNicTypes), type) != std::end(kNicTypes);
}

Outcome<ObjectContent> one(VimSession& session, const HttpSend& send, const MoRef& ref,
                           const std::vector<std::string>& paths) {
  auto got = retrieve(session, send, {ref}, ref.type, paths);
  if (!got.ok()) return got.error();
  if (got.value().empty()) return transient_error("vCenter returned no properties for " + ref.type + " " + ref.value);
  return got.value().front();
}

// The backing of a NIC on NETWORK: a standard port group by name, a distributed one by switch and key.
Outcome<std::string> backing_for(VimSession& session, const HttpSend& send, const MoRef& network) {
  if (network.type == "Network") {
    auto n = one(session, send, network, {"name"});
    if (!n.ok()) return n.error();
    return "<backing xsi:type=\"VirtualEthernetCardNetworkBackingInfo\">" +
           text_xml("deviceName", n.value().prop("name").text().get()) + moref_xml("network", network) + "</backing>";
  }
  if (network.type == "DistributedVirtualPortgroup") {
    auto pg = one(session, send, network, {"key", "config.distributedVirtualSwitch"});
    if (!pg.ok()) return pg.error();
    MoRef dvs = moref_of(pg.value().prop("config.distributedVirtualSwitch"));
    auto sw = one(session, send, dvs, {"uuid"});
    if (!sw.ok()) return sw.error();
    return "<backing xsi:type=\"VirtualEthernetCardDistributedVirtualPortBackingInfo\"><port>" +
           text_xml("switchUuid", sw.value().prop("uuid").text().get()) +
           text_xml("portgroupKey", pg.value().prop("key").text().get()) + "</port></backing>";
  }
  return config_error(
      "network: the inventory path names a " + network.type + ", not a network or a distributed port group",
      "/network");
}

}  // namespace

std::string nic_edit_xml(pugi::xml_node device, const std::string& backing_xml) {
  pugi::xml_document doc;
  pugi::xml_node copy = doc.append_copy(device);
  pugi::xml_document fragment;
  fragment.load_buffer(backing_xml.data(), backing_xml.size());
  // VirtualDevice's sequence is key, deviceInfo, backing, connectable...: the new backing takes
  // the old one's place.
  if (pugi::xml_node old = child(copy, "backing")) {
    copy.insert_copy_before(fragment.first_child(), old);
    copy.remove_child(old);
  } else if (pugi::xml_node info = child(copy, "deviceInfo")) {
    copy.insert_copy_after(fragment.first_child(), info);
  } else {
    copy.insert_copy_after(fragment.first_child(), child(copy, "key"));
  }
  return "<deviceChange><operation>edit</operation>" + node_xml(copy, "device") + "</deviceChange>";
}

Outcome<Placement> resolve_placement(VimSession& session, const HttpSend& send, pv1::OsType os_type) {
  const VsphereConfig& c = session.config();
  const bool windows = os_type == pv1::OS_TYPE_WINDOWS;
  const std::string& template_path = windows ? c.template_windows : c.template_linux;
  const std::string template_field = windows ? "/templates/windows" : "/templates/linux";
  if (template_path.empty()) {
    return config_error(std::string("templates has no ") + (windows ? "windows" : "linux") + " template",
                        template_field);
  }
  Placement p;
  auto tmpl = find_by_path(session, send, inventory_path(c, template_path), template_field);
  if (!tmpl.ok()) return tmpl.error();
  p.template_vm = tmpl.value();
  if (p.template_vm.type != "VirtualMachine") {
    return config_error("templates: '" + template_path + "' is a " + p.template_vm.type + ", not a VM or template",
                        template_field);
  }
  auto folder = find_by_path(session, send, inventory_path(c, c.folder), "/folder");
  if (!folder.ok()) return folder.error();
  p.clone.folder = folder.value();
  if (p.clone.folder.type != "Folder") {
    return config_error("folder: '" + c.folder + "' is a " + p.clone.folder.type + ", not a folder", "/folder");
  }
  auto pool = find_by_path(session, send, inventory_path(c, c.resource_pool), "/resource_pool");
  if (!pool.ok()) return pool.error();
  p.clone.pool = pool.value();
  if (p.clone.pool.type == "ClusterComputeResource" || p.clone.pool.type == "ComputeResource") {
    auto cluster = one(session, send, p.clone.pool, {"resourcePool"});
    if (!cluster.ok()) return cluster.error();
    p.clone.pool = moref_of(cluster.value().prop("resourcePool"));
  }
  if (p.clone.pool.type != "ResourcePool" && p.clone.pool.type != "VirtualApp") {
    return config_error(
        "resource_pool: '" + c.resource_pool + "' is a " + p.clone.pool.type + ", not a resource pool, cluster or host",
        "/resource_pool");
  }
  if (!c.datastore.empty()) {
    auto ds = find_by_path(session, send, inventory_path(c, c.datastore), "/datastore");
    if (!ds.ok()) return ds.error();
    p.clone.datastore = ds.value();
  }
  std::vector<std::string> template_props;
  if (!c.network.empty()) template_props.emplace_back("config.hardware.device");
  if (c.linked_clone) template_props.emplace_back("snapshot.currentSnapshot");
  if (template_props.empty()) return p;
  auto facts = one(session, send, p.template_vm, template_props);
  if (!facts.ok()) return facts.error();
  if (c.linked_clone) {
    p.clone.snapshot = moref_of(facts.value().prop("snapshot.currentSnapshot"));
    if (p.clone.snapshot.empty()) {
      return config_error("linked_clone needs a snapshot of the template '" + template_path + "', and it has none",
                          "/linked_clone");
    }
  }
  if (!c.network.empty()) {
    auto network = find_by_path(session, send, inventory_path(c, c.network), "/network");
    if (!network.ok()) return network.error();
    auto backing = backing_for(session, send, network.value());
    if (!backing.ok()) return backing.error();
    pugi::xml_node nic;
    for (pugi::xml_node d = facts.value().prop("config.hardware.device").first_child(); d && !nic;
         d = d.next_sibling()) {
      if (is_nic(d)) nic = d;
    }
    if (!nic) {
      return config_error("network: the template '" + template_path + "' has no network adapter to connect",
                          "/network");
    }
    p.clone.device_change_xml = nic_edit_xml(nic, backing.value());
  }
  return p;
}

}  // namespace corral::vsphere
