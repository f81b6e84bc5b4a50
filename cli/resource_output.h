// What the pools, servers, workspaces and sessions commands print: a whole collection page by
// page (a table whose rows appear as pages arrive, or with --json one joined document, as
// `agents list` does), one resource, or a one-line confirmation.
#pragma once

#include <nlohmann/json.hpp>

#include <functional>
#include <string>

#include "cli/broker_api.h"
#include "cli/command_tree.h"
#include "cli/table.h"

namespace corral::cli {

using RowOf = std::function<Row(const nlohmann::json& item)>;

// GET /api/v1/COLLECTION?PARAMS to the last page. The items are the page's LIST_FIELD (default:
// COLLECTION; "autoscaleConfigs" for "autoscale-configs").
Status print_collection(Session& s, const std::string& collection, const QueryParams& params, const Row& header,
                        const RowOf& row, const std::string& list_field = "");

// REPLY as --json asks, else as FORMAT lays it out.
void print_resource(const Output& o, const JsonReply& reply,
                    const std::function<std::string(const nlohmann::json&)>& format);

// REPLY as --json asks, else LINE (already made visible()).
void print_done(const Output& o, const JsonReply& reply, const std::string& line);

}  // namespace corral::cli
