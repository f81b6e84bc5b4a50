// The .rdp file a user opens a session with (GET /api/v1/sessions/{id}/connection.rdp): the
// server's address and port, the connection user name and, when the pool has one, the RD Gateway
// to go through. Built from a session's connection details; no password is ever written.
#pragma once

#include <string>

#include "common/result.h"
#include "manager/broker/connection_details.h"
#include "manager/store/broker_records.h"

namespace corral::broker {

// The file's text: one "name:type:value" setting a line, CRLF line endings as Windows clients
// write them. failed_precondition for a server that is not RDP; invalid_argument naming the value
// when one holds a control character (CR or LF would start a setting of its own): validation keeps
// such values out of the store, and the file is refused rather than written wrong should one get in.
Result<std::string> render_rdp_file(const ConnectionDetails& connection, const store::RdGateway& gateway);

// "<hostname>.rdp" with every character other than letters, digits, '.', '-' and '_' replaced by
// '_', so it can go into a Content-Disposition header and a file name as it is.
std::string rdp_file_name(const std::string& hostname);

}  // namespace corral::broker
