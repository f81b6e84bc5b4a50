// One simulated agent's connection, driven by edge-triggered epoll events: non-blocking TCP
// connect from its loopback source address, the OpenSSL client handshake with its own
// certificate, the websocket upgrade, then envelopes as docs/protocol.md has them: Hello, Welcome,
// a CapacityReport at once and then a Heartbeat every interval (the report never changes, so it
// is not sent again), pong for ping.
#include <arpa/inet.h>
#include <google/protobuf/util/time_util.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/x509_vfy.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include <cerrno>
#include <ctime>

#include "bench/agent-swarm/swarm.h"
#include "bench/agent-swarm/ws_client_frames.h"
#include "common/encoding.h"
#include "common/ws/envelope_codec.h"

namespace corral::bench {
namespace {

using corral::agent::v1::Envelope;

constexpr char kPath[] = "/agent/v1";
constexpr char kSubprotocol[] = "corral.agent.v1";
constexpr char kManagerHost[] = "127.0.0.1";
// The real agent accepts messages up to 1 MiB (docs/protocol.md).
constexpr size_t kMaxMessageBytes = 1 << 20;
constexpr size_t kMaxUpgradeResponseBytes = 16 * 1024;

uint32_t source_address(uint32_t index, int count) {
  // 127.0.0.2, 127.0.0.3, ...: all of 127/8 is local on Linux, and each source address has its
  // own ephemeral port range towards the manager's one listening port.
  return 0x7F000002u + index % static_cast<uint32_t>(count);
}

std::string dotted(uint32_t address) {
  in_addr a{htonl(address)};
  char text[INET_ADDRSTRLEN];
  return inet_ntop(AF_INET, &a, text, sizeof text) ? text : "";
}

// Generation of the capacity report: as the real agent, the process start time in milliseconds.
// The report is sent once per connection (after the Welcome), so the manager stores it once.
uint64_t capacity_generation() {
  static const uint64_t generation = static_cast<uint64_t>(std::time(nullptr)) * 1000;
  return generation;
}

}  // namespace

uint32_t Swarm::next_random() { return rng_(); }

bool Swarm::open_socket(uint32_t index) {
  SimAgent& a = agents_[index];
  if (config_.max_sockets && open_sockets_ >= config_.max_sockets) {
    fail(index, Failure::no_descriptor);
    return false;
  }
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    fail(index, errno == EMFILE || errno == ENFILE ? Failure::no_descriptor : Failure::connect);
    return false;
  }
  a.fd = fd;
  ++open_sockets_;
  int one = 1;
  // lws sets TCP_NODELAY on its sockets; the agent's small frames would otherwise wait for acks.
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  // Pick the source port at connect() time, from the whole 4-tuple space, not at bind() time.
  ::setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
  sockaddr_in source{};
  source.sin_family = AF_INET;
  source.sin_addr.s_addr = htonl(source_address(index, config_.source_addresses));
  if (::bind(fd, reinterpret_cast<sockaddr*>(&source), sizeof source) != 0) {
    fail(index, Failure::no_source_port);
    return false;
  }
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
  ev.data.u64 = (uint64_t{a.conn_gen} << 32) | index;
  if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev) != 0) {
    fail(index, Failure::connect);
    return false;
  }
  sockaddr_in manager{};
  manager.sin_family = AF_INET;
  manager.sin_port = htons(static_cast<uint16_t>(config_.agent_port));
  manager.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&manager), sizeof manager) != 0 && errno != EINPROGRESS) {
    fail(index, errno == EADDRNOTAVAIL ? Failure::no_source_port : Failure::connect);
    return false;
  }
  return true;
}

bool Swarm::start_tls(uint32_t index) {
  SimAgent& a = agents_[index];
  AgentIdentity& identity = (*identities_)[index];
  if (!identity.load().ok()) {
    fail(index, Failure::tls);
    return false;
  }
  a.ssl = SSL_new(ssl_ctx_);
  if (!a.ssl || SSL_use_certificate(a.ssl, identity.certificate.get()) != 1 ||
      SSL_use_PrivateKey(a.ssl, identity.private_key.get()) != 1 || SSL_set_fd(a.ssl, a.fd) != 1) {
    ERR_clear_error();
    fail(index, Failure::tls);
    return false;
  }
  // The manager's certificate carries 127.0.0.1 as an IP SAN, like the endpoint agents are given.
  X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(a.ssl), kManagerHost);
  SSL_set_connect_state(a.ssl);
  a.phase = AgentPhase::tls_handshake;
  return true;
}

void Swarm::drive(uint32_t index) {
  SimAgent& a = agents_[index];
  if (a.phase == AgentPhase::tcp_connecting) {
    int err = 0;
    socklen_t len = sizeof err;
    ::getsockopt(a.fd, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) return fail(index, err == EADDRNOTAVAIL ? Failure::no_source_port : Failure::connect);
    sockaddr_in peer{};
    socklen_t peer_len = sizeof peer;
    if (::getpeername(a.fd, reinterpret_cast<sockaddr*>(&peer), &peer_len) != 0) return;  // still connecting
    if (!start_tls(index)) return;
    set_timer(index, now_ms() + config_.stage_timeout.count());
  }
  if (a.phase == AgentPhase::tls_handshake) {
    int r = SSL_connect(a.ssl);
    if (r != 1) {
      int err = SSL_get_error(a.ssl, r);
      if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) return;
      ERR_clear_error();
      return fail(index, Failure::tls);
    }
    a.phase = AgentPhase::upgrading;
    set_timer(index, now_ms() + config_.stage_timeout.count());
    std::string nonce(16, '\0');
    for (char& c : nonce) c = static_cast<char>(next_random());
    a.ws_key = base64_encode(nonce);
    std::string host = std::string(kManagerHost) + ":" + std::to_string(config_.agent_port);
    a.out.push_back(make_upgrade_request(host, kPath, kSubprotocol, a.ws_key));
  }
  if (!flush(index)) return;
  if (!read_available(index)) return;
  // Reading may have queued answers (pong, CommandResult) that the socket did not take yet.
  flush(index);
}

bool Swarm::flush(uint32_t index) {
  SimAgent& a = agents_[index];
  size_t sent = 0;
  while (sent < a.out.size()) {
    std::string& frame = a.out[sent];
    int n = SSL_write(a.ssl, frame.data(), static_cast<int>(frame.size()));
    if (n > 0) {
      if (static_cast<size_t>(n) == frame.size()) {
        ++sent;
      } else {
        frame.erase(0, static_cast<size_t>(n));
      }
      continue;
    }
    int err = SSL_get_error(a.ssl, n);
    if (err == SSL_ERROR_WANT_WRITE || err == SSL_ERROR_WANT_READ) break;
    ERR_clear_error();
    fail(index, a.phase == AgentPhase::welcomed ? Failure::disconnect : Failure::upgrade);
    return false;
  }
  a.out.erase(a.out.begin(), a.out.begin() + static_cast<std::ptrdiff_t>(sent));
  return true;
}

bool Swarm::read_available(uint32_t index) {
  SimAgent& a = agents_[index];
  char buffer[16 * 1024];
  while (true) {
    int n = SSL_read(a.ssl, buffer, sizeof buffer);
    if (n > 0) {
      a.in.append(buffer, static_cast<size_t>(n));
      if (a.phase == AgentPhase::upgrading && !handle_upgrade_response(index)) return false;
      if (a.phase != AgentPhase::upgrading && !handle_frames(index)) return false;
      continue;
    }
    int err = SSL_get_error(a.ssl, n);
    if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) return true;
    // With TLS 1.3 a refused client certificate shows here, as an alert after the handshake.
    Failure why = a.phase == AgentPhase::welcomed ? Failure::disconnect
                  : err == SSL_ERROR_SSL          ? Failure::tls
                                                  : Failure::upgrade;
    ERR_clear_error();
    fail(index, why);
    return false;
  }
}

bool Swarm::handle_upgrade_response(uint32_t index) {
  SimAgent& a = agents_[index];
  size_t end = a.in.find("\r\n\r\n");
  if (end == std::string::npos) {
    if (a.in.size() <= kMaxUpgradeResponseBytes) return true;
    fail(index, Failure::upgrade);
    return false;
  }
  if (!check_upgrade_response(std::string_view(a.in).substr(0, end + 4), a.ws_key, kSubprotocol).ok()) {
    fail(index, Failure::upgrade);
    return false;
  }
  a.in.erase(0, end + 4);
  std::string().swap(a.ws_key);
  a.phase = AgentPhase::awaiting_welcome;
  set_timer(index, now_ms() + config_.welcome_timeout.count());
  a.sequencer = ws::Sequencer{};
  Envelope hello;
  *hello.mutable_hello() = hello_for(index);
  send_envelope(index, std::move(hello));
  return flush(index);
}

bool Swarm::handle_frames(uint32_t index) {
  SimAgent& a = agents_[index];
  size_t offset = 0;
  while (offset < a.in.size()) {
    WsFrame frame;
    size_t consumed = 0;
    WsParse r = parse_server_frame(std::string_view(a.in).substr(offset), kMaxMessageBytes, &frame, &consumed);
    if (r == WsParse::need_more) break;
    if (r == WsParse::invalid) {
      fail(index, Failure::protocol);
      return false;
    }
    offset += consumed;
    // FRAME points into a.in: after a false return the connection (and a.in) are gone.
    if (!handle_frame(index, frame.opcode, frame.fin, frame.payload)) return false;
  }
  a.in.erase(0, offset);
  if (a.in.empty() && a.in.capacity() > 256) std::string().swap(a.in);
  return true;
}

bool Swarm::handle_frame(uint32_t index, uint8_t opcode, bool fin, std::string_view payload) {
  SimAgent& a = agents_[index];
  switch (opcode) {
    case kWsBinary:
    case kWsContinuation: {
      bool continuation = opcode == kWsContinuation;
      if (continuation != a.fragmented || a.message.size() + payload.size() > kMaxMessageBytes) {
        fail(index, Failure::protocol);
        return false;
      }
      if (fin && !continuation) return handle_envelope(index, payload);
      a.message.append(payload);
      a.fragmented = !fin;
      if (!fin) return true;
      std::string message;
      message.swap(a.message);
      return handle_envelope(index, message);
    }
    case kWsPing: send_frame(index, kWsPong, payload); return true;
    case kWsPong:
      ++counters_.pongs_received;
      a.ping_outstanding = false;
      a.last_valid_ms = now_ms();
      if (a.phase == AgentPhase::welcomed) reschedule_welcomed(index);
      return true;
    case kWsClose: {
      uint16_t code =
          payload.size() >= 2
              ? static_cast<uint16_t>((static_cast<uint8_t>(payload[0]) << 8) | static_cast<uint8_t>(payload[1]))
              : 1005;
      // Echo the close as RFC 6455 asks, then hang up and reconnect with backoff.
      std::string echo;
      if (code != 1005) echo.assign(payload.substr(0, 2));
      send_frame(index, kWsClose, echo);
      for (const std::string& f : a.out) SSL_write(a.ssl, f.data(), static_cast<int>(f.size()));
      ERR_clear_error();
      fail(index, a.phase == AgentPhase::welcomed ? Failure::disconnect : Failure::upgrade, code);
      return false;
    }
    default:  // text frames are not part of corral.agent.v1
      fail(index, Failure::protocol);
      return false;
  }
}

bool Swarm::handle_envelope(uint32_t index, std::string_view bytes) {
  SimAgent& a = agents_[index];
  auto envelope = ws::decode_envelope(bytes);
  if (!envelope.ok() || !a.sequencer.observe_peer_seq(envelope->seq()).ok()) {
    fail(index, Failure::protocol);
    return false;
  }
  switch (envelope->body_case()) {
    case Envelope::kWelcome:
      if (a.phase != AgentPhase::awaiting_welcome) break;
      return on_welcomed(index);
    case Envelope::kCommand: {
      if (a.phase != AgentPhase::welcomed) break;
      Envelope result;
      auto* r = result.mutable_command_result();
      r->set_command_id(envelope->command().command_id());
      r->set_ok(true);
      r->set_message("simulated agent");
      send_envelope(index, std::move(result));
      return true;
    }
    case Envelope::kHeartbeat: return true;
    default: break;
  }
  fail(index, Failure::protocol);
  return false;
}

void Swarm::send_frame(uint32_t index, uint8_t opcode, std::string_view payload) {
  agents_[index].out.push_back(encode_client_frame(static_cast<WsOpcode>(opcode), payload, next_random()));
  ++counters_.frames_sent;
}

void Swarm::send_envelope(uint32_t index, Envelope envelope) {
  SimAgent& a = agents_[index];
  envelope.set_seq(a.sequencer.next_seq());
  envelope.set_ack(a.sequencer.last_peer_seq());
  send_frame(index, kWsBinary, ws::encode_envelope(envelope));
}

void Swarm::send_capacity(uint32_t index) {
  Envelope e;
  auto* c = e.mutable_capacity_report();
  c->set_generation(capacity_generation());
  c->set_max_sessions(1);
  send_envelope(index, std::move(e));
}

void Swarm::send_heartbeat(uint32_t index) {
  Envelope e;
  *e.mutable_heartbeat()->mutable_sent_at() = google::protobuf::util::TimeUtil::SecondsToTimestamp(std::time(nullptr));
  send_envelope(index, std::move(e));
  ++counters_.heartbeats_sent;
}

corral::agent::v1::Hello Swarm::hello_for(uint32_t index) const {
  corral::agent::v1::Hello hello;
  hello.set_agent_version(CORRAL_VERSION);
  hello.set_os_family(corral::agent::v1::OS_FAMILY_LINUX);
  hello.set_os_version("Debian GNU/Linux 12 (bookworm)");
  hello.set_hostname("swarm-" + std::to_string(index));
  hello.add_addresses(dotted(source_address(index, config_.source_addresses)));
  (*hello.mutable_labels())["bench"] = "agent-swarm";
  return hello;
}

}  // namespace corral::bench
