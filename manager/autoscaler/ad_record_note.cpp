#include "manager/autoscaler/ad_record_note.h"

#include <nlohmann/json.hpp>

namespace corral::autoscaler {

std::string encode_ad_note(const AdRecordNote& note) {
  nlohmann::json ad = {{"ldapConfigId", note.ldap_config_id},
                       {"containerDn", note.container_dn},
                       {"hostname", note.hostname},
                       {"recursiveDelete", note.recursive_delete}};
  if (!note.dn.empty()) ad["dn"] = note.dn;
  if (!note.password_sealed.empty()) ad["passwordSealed"] = note.password_sealed;
  return nlohmann::json{{"adRecord", ad}}.dump();
}

std::optional<AdRecordNote> decode_ad_note(std::string_view payload) {
  if (payload.empty()) return std::nullopt;
  auto parsed = nlohmann::json::parse(payload, nullptr, false);
  if (parsed.is_discarded() || !parsed.is_object() || !parsed.contains("adRecord")) return std::nullopt;
  const nlohmann::json& ad = parsed["adRecord"];
  if (!ad.is_object()) return std::nullopt;
  auto text = [&ad](const char* key) {
    auto it = ad.find(key);
    return it != ad.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  AdRecordNote note;
  note.ldap_config_id = text("ldapConfigId");
  note.container_dn = text("containerDn");
  note.hostname = text("hostname");
  auto recursive = ad.find("recursiveDelete");
  note.recursive_delete = recursive != ad.end() && recursive->is_boolean() && recursive->get<bool>();
  note.dn = text("dn");
  note.password_sealed = text("passwordSealed");
  if (note.ldap_config_id.empty() || note.container_dn.empty() || note.hostname.empty()) return std::nullopt;
  return note;
}

std::string ad_join_password_aad(const std::string& intent_id) { return "intent/" + intent_id + "/ad_join_password"; }

RecordSweep sweep_records(const std::vector<std::string>& listed, const std::set<std::string>& known,
                          std::map<std::string, int64_t>& seen, int64_t now_ms, int64_t grace_ms) {
  RecordSweep out;
  std::map<std::string, int64_t> still;
  for (const std::string& hostname : listed) {
    if (known.contains(hostname)) continue;
    auto before = seen.find(hostname);
    const int64_t first = before == seen.end() ? now_ms : before->second;
    if (before == seen.end()) out.found.push_back(hostname);
    if (now_ms - first >= grace_ms) {
      out.remove.push_back(hostname);
    }
    still.emplace(hostname, first);
  }
  seen = std::move(still);
  return out;
}

}  // namespace corral::autoscaler
