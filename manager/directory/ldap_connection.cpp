#include "manager/directory/ldap_connection.h"

#include <ldap.h>

#include <memory>

#include "common/text.h"

namespace corral::manager::directory {
namespace {

struct MessageFree {
  void operator()(LDAPMessage* m) const { ldap_msgfree(m); }
};
using Message = std::unique_ptr<LDAPMessage, MessageFree>;

// berval arrays for ldap_add_ext_s / ldap_modify_ext_s, pointing into the caller's strings:
// the attributes must outlive the ModList.
struct ModList {
  std::vector<std::unique_ptr<LDAPMod>> mods;
  std::vector<std::vector<berval>> values;
  std::vector<std::vector<berval*>> value_ptrs;
  std::vector<LDAPMod*> ptrs;

  ModList(const LdapAttributes& attributes, int op) {
    values.reserve(attributes.size());
    value_ptrs.reserve(attributes.size());
    for (const auto& [name, vals] : attributes) {
      auto& bvs = values.emplace_back();
      for (const auto& v : vals) bvs.push_back(berval{v.size(), const_cast<char*>(v.data())});
      auto& bp = value_ptrs.emplace_back();
      for (auto& bv : bvs) bp.push_back(&bv);
      bp.push_back(nullptr);
      auto mod = std::make_unique<LDAPMod>();
      mod->mod_op = op | LDAP_MOD_BVALUES;
      mod->mod_type = const_cast<char*>(name.c_str());
      mod->mod_bvalues = bp.data();
      ptrs.push_back(mod.get());
      mods.push_back(std::move(mod));
    }
    ptrs.push_back(nullptr);
  }
};

// A null-terminated attribute list for libldap; "1.1" asks for no attributes at all (RFC 4511
// 4.5.1.8). Points into the caller's strings.
struct AttributeNames {
  std::vector<char*> ptrs;
  explicit AttributeNames(const std::vector<std::string>& attributes) {
    static char kNoAttributes[] = "1.1";
    ptrs.reserve(attributes.size() + 2);
    for (const auto& a : attributes) ptrs.push_back(const_cast<char*>(a.c_str()));
    if (ptrs.empty()) ptrs.push_back(kNoAttributes);
    ptrs.push_back(nullptr);
  }
};

LdapEntry attributes_of(LDAP* ld, LDAPMessage* entry) {
  LdapEntry out;
  BerElement* ber = nullptr;
  for (char* attr = ldap_first_attribute(ld, entry, &ber); attr != nullptr;
       attr = ldap_next_attribute(ld, entry, ber)) {
    auto& values = out[ascii_lower(attr)];
    if (berval** vals = ldap_get_values_len(ld, entry, attr); vals != nullptr) {
      for (berval** v = vals; *v != nullptr; ++v) values.emplace_back((*v)->bv_val, (*v)->bv_len);
      ldap_value_free_len(vals);
    }
    ldap_memfree(attr);
  }
  if (ber != nullptr) ber_free(ber, 0);
  return out;
}

}  // namespace

std::string diagnostic_of(LDAP* ld) {
  char* text = nullptr;
  std::string out;
  if (ldap_get_option(ld, LDAP_OPT_DIAGNOSTIC_MESSAGE, &text) == LDAP_OPT_SUCCESS && text != nullptr) {
    out = text;
    ldap_memfree(text);
  }
  return out;
}

LdapConnection& LdapConnection::operator=(LdapConnection&& other) noexcept {
  if (this != &other) {
    if (ld_ != nullptr) ldap_unbind_ext_s(ld_, nullptr, nullptr);
    ld_ = std::exchange(other.ld_, nullptr);
  }
  return *this;
}

LdapConnection::~LdapConnection() {
  if (ld_ != nullptr) ldap_unbind_ext_s(ld_, nullptr, nullptr);
}

bool LdapConnection::encrypted() const { return ld_ != nullptr && ldap_tls_inplace(ld_) != 0; }

DirectoryStatus LdapConnection::failure(DirectoryStep step, int rc, const std::string& what) const {
  std::string detail = diagnostic_of(ld_);
  return {step, rc,
          std::string(directory_step_name(step)) + ": " + what + ": " + ldap_err2string(rc) +
              (detail.empty() ? "" : " (directory says: " + detail + ")")};
}

DirectoryResult<std::optional<LdapEntry>> LdapConnection::read(const std::string& dn,
                                                               const std::vector<std::string>& attributes) {
  AttributeNames names(attributes);
  LDAPMessage* raw = nullptr;
  int rc = ldap_search_ext_s(ld_, dn.c_str(), LDAP_SCOPE_BASE, "(objectClass=*)", names.ptrs.data(), 0, nullptr,
                             nullptr, nullptr, LDAP_NO_LIMIT, &raw);
  Message result(raw);
  if (rc == LDAP_NO_SUCH_OBJECT) return std::optional<LdapEntry>();
  if (rc != LDAP_SUCCESS) return failure(DirectoryStep::search, rc, "reading " + dn);
  LDAPMessage* entry = ldap_first_entry(ld_, result.get());
  if (entry == nullptr) return std::optional<LdapEntry>();
  return std::optional<LdapEntry>(attributes_of(ld_, entry));
}

DirectoryResult<std::vector<LdapFound>> LdapConnection::search(const std::string& base, const std::string& filter,
                                                               const std::vector<std::string>& attributes) {
  AttributeNames names(attributes);
  LDAPMessage* raw = nullptr;
  int rc = ldap_search_ext_s(ld_, base.c_str(), LDAP_SCOPE_SUBTREE, filter.c_str(), names.ptrs.data(), 0, nullptr,
                             nullptr, nullptr, LDAP_NO_LIMIT, &raw);
  Message result(raw);
  if (rc != LDAP_SUCCESS) return failure(DirectoryStep::search, rc, "searching " + base + " for " + filter);
  std::vector<LdapFound> out;
  // Search references (AD's referrals to other partitions) are not entries: ldap_first_entry skips them.
  for (LDAPMessage* e = ldap_first_entry(ld_, result.get()); e != nullptr; e = ldap_next_entry(ld_, e)) {
    LdapFound found;
    if (char* dn = ldap_get_dn(ld_, e); dn != nullptr) {
      found.dn = dn;
      ldap_memfree(dn);
    }
    found.attributes = attributes_of(ld_, e);
    out.push_back(std::move(found));
  }
  return out;
}

DirectoryResult<std::vector<std::string>> LdapConnection::children(const std::string& dn) {
  static char kNoAttributes[] = "1.1";
  char* names[] = {kNoAttributes, nullptr};
  LDAPMessage* raw = nullptr;
  int rc = ldap_search_ext_s(ld_, dn.c_str(), LDAP_SCOPE_ONELEVEL, "(objectClass=*)", names, 0, nullptr, nullptr,
                             nullptr, LDAP_NO_LIMIT, &raw);
  Message result(raw);
  if (rc == LDAP_NO_SUCH_OBJECT) return std::vector<std::string>();
  if (rc != LDAP_SUCCESS) return failure(DirectoryStep::search, rc, "listing below " + dn);
  std::vector<std::string> out;
  for (LDAPMessage* e = ldap_first_entry(ld_, result.get()); e != nullptr; e = ldap_next_entry(ld_, e)) {
    if (char* child = ldap_get_dn(ld_, e); child != nullptr) {
      out.emplace_back(child);
      ldap_memfree(child);
    }
  }
  return out;
}

DirectoryStatus LdapConnection::add(const std::string& dn, const LdapAttributes& attributes) {
  ModList mods(attributes, LDAP_MOD_ADD);
  int rc = ldap_add_ext_s(ld_, dn.c_str(), mods.ptrs.data(), nullptr, nullptr);
  if (rc != LDAP_SUCCESS) return failure(DirectoryStep::add, rc, "adding " + dn);
  return DirectoryStatus::ok_status();
}

DirectoryStatus LdapConnection::replace(const std::string& dn, const std::string& attribute,
                                        const std::vector<std::string>& values) {
  const LdapAttributes attributes{{attribute, values}};  // ModList points into it: keep it alive
  ModList mods(attributes, LDAP_MOD_REPLACE);
  int rc = ldap_modify_ext_s(ld_, dn.c_str(), mods.ptrs.data(), nullptr, nullptr);
  if (rc != LDAP_SUCCESS) return failure(DirectoryStep::modify, rc, "replacing " + attribute + " of " + dn);
  return DirectoryStatus::ok_status();
}

DirectoryStatus LdapConnection::remove(const std::string& dn, bool tree_delete) {
  LDAPControl control{};
  control.ldctl_oid = const_cast<char*>(LDAP_CONTROL_X_TREE_DELETE);
  control.ldctl_iscritical = 1;  // a server that cannot tree-delete must say so, not delete a leaf only
  LDAPControl* controls[] = {&control, nullptr};
  int rc = ldap_delete_ext_s(ld_, dn.c_str(), tree_delete ? controls : nullptr, nullptr);
  if (rc != LDAP_SUCCESS) return failure(DirectoryStep::remove, rc, "deleting " + dn);
  return DirectoryStatus::ok_status();
}

}  // namespace corral::manager::directory
