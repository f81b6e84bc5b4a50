// Turns a manager answer with an HTTP error status into a Status whose message is what
// corralctl prints: "<message> (HTTP <code> <reason>)", then one indented line per field
// violation the message does not already quote, and for a full pool its counts. ApiClient calls
// it for every non-2xx.
#pragma once

#include "common/http/client.h"
#include "common/result.h"

namespace corral::cli {

// The body should be a corral.api.v1.Error; anything else (a proxy's HTML page, say) still
// yields a message with the HTTP status. The code follows the HTTP status (404 -> not_found...).
// Text from the body is passed through visible() here, so the message's only line breaks are
// the ones this function puts between its lines.
Status api_error(const http::Response& response);

}  // namespace corral::cli
