#include "manager/net/http_admission.h"

#include <google/protobuf/util/json_util.h>

#include <algorithm>
#include <charconv>

#include "corral/api/v1/api.pb.h"

namespace corral::manager {
namespace {

// Methods whose requests carry a body; without Content-Length lws would read up to 100 MiB as one.
bool has_body(std::string_view method) { return method == "POST" || method == "PUT" || method == "PATCH"; }

std::optional<size_t> parse_length(std::string_view text) {
  size_t n = 0;
  if (text.empty()) return std::nullopt;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return n;
}

}  // namespace

std::string error_json(int status, const std::string& reason, const std::string& message) {
  corral::api::v1::Error e;
  e.set_code(status);
  e.set_reason(reason);
  e.set_message(message);
  std::string out;
  (void)google::protobuf::util::MessageToJsonString(e, &out);
  out.push_back('\n');
  return out;
}

HttpResponse HttpAdmission::refuse(int status, const std::string& reason, const std::string& message,
                                   bool retry) const {
  HttpResponse r;
  r.status = status;
  r.body = error_json(status, reason, message);
  if (retry) r.headers.emplace_back("Retry-After", std::to_string(limits_.retry_after_seconds));
  return r;
}

HttpAdmissionResult HttpAdmission::admit(const HttpRequestHead& head) {
  HttpAdmissionResult out;
  // lws 4.1 does not decode chunked request bodies: it would hand the chunk framing over as body
  // bytes, or the next request as this one's body.
  if (head.transfer_encoding || (has_body(head.method) && !head.content_length)) {
    out.refusal = refuse(411, "length_required", "a request body needs a Content-Length header", false);
    return out;
  }
  size_t length = 0;
  if (head.content_length) {
    std::optional<size_t> n = parse_length(*head.content_length);
    if (!n) {
      out.refusal = refuse(400, "bad_request", "Content-Length is not a number", false);
      return out;
    }
    length = *n;
  }
  size_t limit = limits_.max_body_bytes;
  if (gate_) {
    GateVerdict verdict = gate_->admit(RequestHead{head.method, head.path, head.authorization, head.peer_address});
    if (!verdict.admitted) {
      out.refusal = refuse(verdict.status, verdict.reason, verdict.message, false);
      return out;
    }
    if (verdict.max_body_bytes) limit = std::min(verdict.max_body_bytes, limit);
  }
  if (length > limit) {
    out.refusal = refuse(413, "payload_too_large",
                         "request bodies here are limited to " + std::to_string(limit) + " bytes", false);
    return out;
  }
  std::string peer(head.peer_address);
  ClientShare& share = clients_[peer];
  if (share.requests >= limits_.max_requests_per_client ||
      share.body_bytes + length > limits_.max_body_bytes_per_client) {
    if (share.requests == 0) clients_.erase(peer);
    out.refusal = refuse(429, "too_many_requests", "too many requests in progress from this address", true);
    return out;
  }
  if (in_flight_ >= limits_.max_in_flight) {
    if (share.requests == 0) clients_.erase(peer);
    out.refusal = refuse(503, "unavailable", "the manager is busy", true);
    return out;
  }
  ++in_flight_;
  ++share.requests;
  share.body_bytes += length;
  out.ticket = HttpTicket{std::move(peer), length};
  return out;
}

void HttpAdmission::release(const HttpTicket& ticket) {
  auto it = clients_.find(ticket.peer_address);
  if (it == clients_.end()) return;
  --in_flight_;
  --it->second.requests;
  it->second.body_bytes -= ticket.body_bytes;
  if (it->second.requests == 0) clients_.erase(it);
}

}  // namespace corral::manager
