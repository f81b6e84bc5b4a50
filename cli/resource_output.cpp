#include "cli/resource_output.h"

#include "cli/json_pages.h"
#include "cli/pretty_json.h"

namespace corral::cli {

Status print_collection(Session& s, const std::string& collection, const QueryParams& params, const Row& header,
                        const RowOf& row, const std::string& list_field_or_empty) {
  const std::string& list_field = list_field_or_empty.empty() ? collection : list_field_or_empty;
  const Output& o = s.output;
  if (o.json) {
    JsonPages pages(list_field, "nextPageToken");
    Status st = for_each_json_page(*s.api, collection, params, [&](const JsonReply& page) {
      return pages.add(page.text, items_of(page.value, list_field).size());
    });
    if (!st.ok()) return st;
    o.out << pretty_json(pages.document());
    return {};
  }
  TableStream table(header);
  bool any = false;
  Status st = for_each_json_page(*s.api, collection, params, [&](const JsonReply& page) {
    std::vector<Row> rows;
    for (const auto& item : items_of(page.value, list_field)) {
      if (item.is_object()) rows.push_back(row(item));
    }
    if (!rows.empty()) {
      o.out << table.add(rows) << std::flush;
      any = true;
    }
    return Status();
  });
  if (!st.ok()) return st;
  // An empty table would be a lone header; say so in words instead.
  if (!any) o.out << "no " << collection << "\n";
  return {};
}

void print_resource(const Output& o, const JsonReply& reply,
                    const std::function<std::string(const nlohmann::json&)>& format) {
  o.out << (o.json ? pretty_json(reply.text) : format(reply.value));
}

void print_done(const Output& o, const JsonReply& reply, const std::string& line) {
  o.out << (o.json ? pretty_json(reply.text) : line + "\n");
}

}  // namespace corral::cli
