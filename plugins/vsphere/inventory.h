// Reading the vCenter inventory over a VimSession: objects by inventory path
// (SearchIndex.FindByInventoryPath), by name in a folder (FindChild), and properties through the
// property collector (RetrievePropertiesEx, following its continuation token), for given objects
// or for every object of a type under a folder (a ContainerView).
#pragma once

#include <string>
#include <vector>

#include "plugins/vsphere/vim_session.h"

namespace corral::vsphere {

// PATH (already absolute, see inventory_path()) or an invalid-config error at FIELD naming it.
Outcome<MoRef> find_by_path(VimSession& session, const HttpSend& send, const std::string& path,
                            const std::string& field);

// The child of FOLDER named NAME; an empty MoRef when there is none.
Outcome<MoRef> find_child(VimSession& session, const HttpSend& send, const MoRef& folder, const std::string& name);

// PATHS of each of OBJECTS (all of TYPE). An object that does not exist is vCenter's
// ManagedObjectNotFound fault (fault_type says so).
Outcome<std::vector<ObjectContent>> retrieve(VimSession& session, const HttpSend& send,
                                             const std::vector<MoRef>& objects, const std::string& type,
                                             const std::vector<std::string>& paths);

// PATHS of every object of TYPE under ROOT (recursively).
Outcome<std::vector<ObjectContent>> retrieve_under(VimSession& session, const HttpSend& send, const MoRef& root,
                                                   const std::string& type, const std::vector<std::string>& paths);

}  // namespace corral::vsphere
