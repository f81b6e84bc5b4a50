// Ids for the sessions the broker places: UUIDv7 (RFC 9562), the creation time in milliseconds
// followed by random bits. Sessions are the store's most written rows and every one of their
// indexes ends in the id; ids that grow with time append to those B-trees instead of landing on a
// random page each, which halves the pages a placement dirties (docs/PERFORMANCE.md, "Broker").
#pragma once

#include <chrono>
#include <string>

namespace corral::broker {

// 74 random bits per millisecond are as unguessable as a random UUID needs to be here: a session
// id is not a secret (the API requires an admin token), only unique.
std::string time_ordered_uuid(std::chrono::system_clock::time_point at);

}  // namespace corral::broker
