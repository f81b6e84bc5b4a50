// What the autoscaler remembers about an autoscaled server's Active Directory computer record, and
// which records an orphan sweep removes (docs/active-directory.md, "Autoscaled servers"). The note
// is the payload of the server's create intent: written with the intent (where the record goes),
// completed once the record exists (its DN and the sealed join password), and the password dropped
// when the server checks in or is deleted. Pure: the reconcile loop and its tests call it.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace corral::autoscaler {

struct AdRecordNote {
  std::string ldap_config_id;
  std::string container_dn;
  std::string hostname;  // the server's, lower case
  bool recursive_delete = false;
  // Set once this manager has made the record: only then is it this manager's to delete (a name
  // someone else holds is refused, never noted).
  std::string dn;
  // SecretBox-sealed (ad_join_password_aad) while the VM may still need it; empty after.
  std::string password_sealed;
};

std::string encode_ad_note(const AdRecordNote& note);
// nullopt for a payload that holds no note (an intent of a config without AD records).
std::optional<AdRecordNote> decode_ad_note(std::string_view payload);

// The associated data a join password is sealed with: bound to its create intent.
std::string ad_join_password_aad(const std::string& intent_id);

// One sweep of one container: LISTED are the hostnames of the records carrying this manager's
// mark, KNOWN the hostnames of every server the manager has. SEEN (hostname -> when first seen
// unknown, unix ms) carries over from sweep to sweep; hostnames no longer listed or now known
// leave it.
struct RecordSweep {
  std::vector<std::string> found;   // unknown for the first time: announce them
  std::vector<std::string> remove;  // unknown for longer than the grace period
};
RecordSweep sweep_records(const std::vector<std::string>& listed, const std::set<std::string>& known,
                          std::map<std::string, int64_t>& seen, int64_t now_ms, int64_t grace_ms);

}  // namespace corral::autoscaler
