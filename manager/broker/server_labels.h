// Server labels are tokens ("gpu", "site=lab": the placement rule compares them whole), agents
// carry labels as a key/value map: how the broker turns one into the other when it sends a
// server's labels to its agent (Welcome settings, SetLabels).
#pragma once

#include <map>
#include <string>

#include "common/result.h"
#include "manager/store/broker_records.h"

namespace corral::broker {

// "key=value" is key and value (split at the first '='); a token without '=' is a key with an
// empty value. Two tokens with one key: the first in sorted order wins (check_agent_labels
// refuses such sets before they are stored).
std::map<std::string, std::string> agent_labels(const store::LabelSet& labels);

// invalid_argument naming the problem when the set cannot reach an agent as it is: two tokens
// with one key, or a key or value an agent refuses (manager/fleet/agent_input.h limits).
Status check_agent_labels(const store::LabelSet& labels);

}  // namespace corral::broker
