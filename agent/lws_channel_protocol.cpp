// The websocket callbacks of the agent's one connection: open, receive (reassembled, decoded,
// handed to the core), write the queued frames, and report the close exactly once. OpenSSL has
// verified the manager's certificate and host name before ESTABLISHED arrives.
#include <cstdint>

#include "agent/lws_channel_impl.h"
#include "common/log.h"
#include "common/ws/envelope_codec.h"

namespace corral::agent {
namespace {

ConnectionId id_of(lws* wsi) {
  return static_cast<ConnectionId>(reinterpret_cast<uintptr_t>(lws_get_opaque_user_data(wsi)));
}

}  // namespace

LwsChannel::Impl::Connection* LwsChannel::Impl::current(lws* wsi) {
  if (!conn_ || !wsi || id_of(wsi) != conn_->id) return nullptr;
  return &*conn_;
}

void LwsChannel::Impl::report_closed(CloseInfo info) {
  ConnectionId id = conn_->id;
  conn_.reset();
  if (!stopping_.load()) events_->on_channel_closed(id, std::move(info));
}

int LwsChannel::Impl::callback(lws* wsi, lws_callback_reasons reason, void* in, size_t len) {
  switch (reason) {
    case LWS_CALLBACK_EVENT_WAIT_CANCELLED: drain_inbox(); return 0;

    case LWS_CALLBACK_CLIENT_ESTABLISHED: {
      Connection* c = current(wsi);
      if (!c) return -1;
      c->wsi = wsi;
      c->open = true;
      events_->on_channel_open(c->id);
      if (!c->outbox.empty() || c->close_code != 0) lws_callback_on_writable(wsi);
      return 0;
    }

    case LWS_CALLBACK_CLIENT_RECEIVE: {
      Connection* c = current(wsi);
      return c ? receive(*c, wsi, static_cast<const char*>(in), len) : -1;
    }

    case LWS_CALLBACK_CLIENT_WRITEABLE: {
      Connection* c = current(wsi);
      return c ? writable(*c, wsi) : -1;
    }

    case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE: {
      Connection* c = current(wsi);
      if (c && in && len >= 2) {
        const auto* p = static_cast<const unsigned char*>(in);
        c->peer_close.code = static_cast<uint16_t>((p[0] << 8) | p[1]);
        c->peer_close.reason.assign(reinterpret_cast<const char*>(p + 2), len - 2);
      }
      return 0;
    }

    case LWS_CALLBACK_CLIENT_CONNECTION_ERROR: {
      if (!current(wsi)) return 0;
      std::string why = in && len ? std::string(static_cast<const char*>(in), len) : "connection failed";
      // lws passes some messages NUL-terminated within LEN.
      while (!why.empty() && why.back() == '\0') why.pop_back();
      report_closed(CloseInfo{0, why});
      return 0;
    }

    case LWS_CALLBACK_CLIENT_CLOSED: {
      Connection* c = current(wsi);
      if (!c) return 0;
      CloseInfo info = c->peer_close;
      if (!c->close_reason.empty()) {
        info.reason = c->close_reason;
      } else if (info.reason.empty()) {
        info.reason = info.code ? "closed by the manager" : "connection lost";
      }
      report_closed(std::move(info));
      return 0;
    }

    case LWS_CALLBACK_WSI_DESTROY:
      // Paths that end a connection without CLOSED or CONNECTION_ERROR (a close requested while
      // still connecting) still owe the core its closed event.
      if (current(wsi))
        report_closed(CloseInfo{0, conn_->close_reason.empty() ? "connection ended" : conn_->close_reason});
      return 0;

    default: return 0;
  }
}

int LwsChannel::Impl::refuse(Connection& c, lws* wsi, uint16_t code, std::string why) {
  log::warn("agent.frame_rejected", {{"reason", why}});
  c.close_reason = std::move(why);
  lws_close_reason(wsi, static_cast<lws_close_status>(code), reinterpret_cast<unsigned char*>(c.close_reason.data()),
                   c.close_reason.size());
  return -1;
}

int LwsChannel::Impl::receive(Connection& c, lws* wsi, const char* data, size_t len) {
  if (c.close_code != 0) return 0;  // closing: the rest does not matter
  if (lws_frame_is_binary(wsi) == 0 && lws_is_first_fragment(wsi)) {
    return refuse(c, wsi, ws::kCloseUnsupportedData, "text frames are not part of corral.agent.v1");
  }
  switch (c.assembler->append(std::string_view(data, len), lws_is_first_fragment(wsi), lws_is_final_fragment(wsi))) {
    case ws::MessageAssembler::Outcome::need_more: return 0;
    case ws::MessageAssembler::Outcome::too_large:
      return refuse(c, wsi, ws::kCloseMessageTooBig,
                    "message larger than " + std::to_string(options_.max_message_bytes) + " bytes");
    case ws::MessageAssembler::Outcome::protocol_error:
      return refuse(c, wsi, ws::kCloseFramingError, "bad fragment sequence");
    case ws::MessageAssembler::Outcome::complete: break;
  }
  auto envelope = ws::decode_envelope(c.assembler->message());
  if (!envelope.ok()) return refuse(c, wsi, ws::kCloseInvalidPayload, envelope.status().message());
  events_->on_channel_envelope(c.id, std::move(envelope).value());
  return 0;
}

int LwsChannel::Impl::writable(Connection& c, lws* wsi) {
  if (!c.outbox.empty()) {
    std::string& frame = c.outbox.front();
    size_t payload = frame.size() - LWS_PRE;
    int n = lws_write(wsi, reinterpret_cast<unsigned char*>(frame.data()) + LWS_PRE, payload, LWS_WRITE_BINARY);
    if (n < static_cast<int>(payload)) {
      c.close_reason = "write failed";
      return -1;
    }
    c.outbox.pop_front();
    if (!c.outbox.empty() || c.close_code != 0) lws_callback_on_writable(wsi);
    return 0;
  }
  if (c.close_code != 0) {
    lws_close_reason(wsi, static_cast<lws_close_status>(c.close_code),
                     reinterpret_cast<unsigned char*>(c.close_reason.data()), c.close_reason.size());
    return -1;
  }
  return 0;
}

}  // namespace corral::agent
