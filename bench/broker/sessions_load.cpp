// corral-sessions-load: POST /api/v1/sessions {workspace, user} against a running manager from
// 64 (--clients) keep-alive TLS connections at once, each sending its next request as soon as the
// last is answered (closed loop), or, with --rate R, requests due at R per second in all, each sent
// on the first idle connection once it is due (open loop: its latency counts from when it was
// due, so a slow answer that keeps the next request waiting shows in the figures). Reports
// requests per second, p50/p99/max latency and how many answers were 201 (placed), 503 (pool
// full) or anything else. One thread, libcurl's multi interface; each client reuses its
// connection (new_connections in the report says how many were opened). The manager, its pool
// and a workspace with enough ready servers must exist: docs/PERFORMANCE.md.
#include <curl/curl.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "bench/broker/latency_summary.h"

namespace corral::bench {
namespace {

using Steady = std::chrono::steady_clock;

struct Options {
  std::string url;  // https://127.0.0.1:PORT
  std::string ca_file;
  std::string admin_token_file;
  std::string workspace;
  size_t requests = 50000;
  size_t clients = 64;
  std::string user_prefix = "load-";
  // The manager admits at most 32 requests in flight per client address (HttpLimits): with more
  // clients than that, spread them over 127.0.0.2, 127.0.0.3, ... as separate hosts would be.
  size_t source_addresses = 1;
  double rate = 0;  // > 0: open loop at this many requests per second
};

void usage() {
  std::fprintf(
      stderr,
      "usage: corral-sessions-load --url https://HOST:PORT --ca CA.pem --admin-token-file FILE\n"
      "                            --workspace ID|NAME [--requests N] [--clients C] [--user-prefix P]\n"
      "                            [--source-addresses K]   (K > 1: bind clients to 127.0.0.2 ... 127.0.0.K+1)\n"
      "                            [--rate R]   (open loop: R requests per second over the clients)\n");
}

bool parse(int argc, char** argv, Options* o) {
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    const char* v = argv[i + 1];
    if (a == "--url")
      o->url = v;
    else if (a == "--ca")
      o->ca_file = v;
    else if (a == "--admin-token-file")
      o->admin_token_file = v;
    else if (a == "--workspace")
      o->workspace = v;
    else if (a == "--requests")
      o->requests = std::strtoul(v, nullptr, 10);
    else if (a == "--clients")
      o->clients = std::strtoul(v, nullptr, 10);
    else if (a == "--user-prefix")
      o->user_prefix = v;
    else if (a == "--source-addresses")
      o->source_addresses = std::strtoul(v, nullptr, 10);
    else if (a == "--rate")
      o->rate = std::strtod(v, nullptr);
    else {
      std::fprintf(stderr, "unknown option %s\n", a.c_str());
      return false;
    }
  }
  if (argc % 2 == 0) return false;  // an option without its value
  if (o->url.empty() || o->ca_file.empty() || o->admin_token_file.empty() || o->workspace.empty()) {
    std::fprintf(stderr, "--url, --ca, --admin-token-file and --workspace are required\n");
    return false;
  }
  return o->requests > 0 && o->clients > 0 && o->source_addresses > 0 && o->source_addresses < 250 && o->rate >= 0;
}

std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

size_t discard(char*, size_t size, size_t n, void*) { return size * n; }

struct Client {
  CURL* easy = nullptr;
  Steady::time_point sent;
};

int run(const Options& o) {
  std::ifstream token_in(o.admin_token_file);
  std::stringstream token_text;
  token_text << token_in.rdbuf();
  std::string token = token_text.str();
  while (!token.empty() && (token.back() == '\n' || token.back() == '\r' || token.back() == ' ')) token.pop_back();
  if (token.empty()) {
    std::fprintf(stderr, "no admin token in %s\n", o.admin_token_file.c_str());
    return 2;
  }

  curl_global_init(CURL_GLOBAL_DEFAULT);
  CURLM* multi = curl_multi_init();
  // The cache defaults to 4 x the handles added at the moment; in the open loop few may be, and
  // the cache would close the others' connections.
  curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, static_cast<long>(o.clients));
  curl_slist* headers = nullptr;
  headers = curl_slist_append(headers, "Content-Type: application/json");
  headers = curl_slist_append(headers, ("Authorization: Bearer " + token).c_str());
  const std::string url = o.url + "/api/v1/sessions";

  std::vector<Client> clients(o.clients);
  std::map<CURL*, Client*> by_easy;
  size_t issued = 0;
  auto send = [&](Client& c, Steady::time_point due) {
    const std::string body = "{\"workspace\":" + json_string(o.workspace) +
                             ",\"user\":" + json_string(o.user_prefix + std::to_string(issued++)) + "}";
    curl_easy_setopt(c.easy, CURLOPT_COPYPOSTFIELDS, body.c_str());
    c.sent = due;
    curl_multi_add_handle(multi, c.easy);
  };
  std::vector<std::string> interfaces;
  for (size_t i = 0; o.source_addresses > 1 && i < o.source_addresses; ++i) {
    interfaces.push_back("host!127.0.0." + std::to_string(2 + i));
  }
  for (size_t i = 0; i < clients.size(); ++i) {
    Client& c = clients[i];
    c.easy = curl_easy_init();
    if (!interfaces.empty()) curl_easy_setopt(c.easy, CURLOPT_INTERFACE, interfaces[i % interfaces.size()].c_str());
    curl_easy_setopt(c.easy, CURLOPT_URL, url.c_str());
    curl_easy_setopt(c.easy, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(c.easy, CURLOPT_CAINFO, o.ca_file.c_str());
    curl_easy_setopt(c.easy, CURLOPT_WRITEFUNCTION, discard);
    curl_easy_setopt(c.easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c.easy, CURLOPT_TIMEOUT, 30L);
    curl_easy_setopt(c.easy, CURLOPT_PROXY, "");  // loopback: never through a proxy
    by_easy[c.easy] = &c;
  }

  LatencySummary latency;
  latency.reserve(o.requests);
  std::map<long, size_t> by_status;
  size_t transport_errors = 0;
  long new_connections = 0;
  const Steady::time_point start = Steady::now();
  // Open loop: request i is due at start + i / rate; idle clients wait here for the next one due,
  // first come first served, so every connection keeps being used (an idle one may be closed).
  std::deque<Client*> idle;
  auto due = [&](size_t i) {
    return start + std::chrono::duration_cast<Steady::duration>(std::chrono::duration<double>(i / o.rate));
  };
  auto send_due = [&] {
    const Steady::time_point now = Steady::now();
    while (!idle.empty() && issued < o.requests && due(issued) <= now) {
      Client* c = idle.front();
      idle.pop_front();
      send(*c, due(issued));
    }
  };
  for (Client& c : clients) {
    if (o.rate > 0) {
      idle.push_back(&c);
    } else if (issued < o.requests) {
      send(c, Steady::now());
    }
  }
  if (o.rate > 0) send_due();
  size_t answered = 0;
  while (answered < o.requests && (answered < issued || o.rate > 0)) {
    int running = 0;
    curl_multi_perform(multi, &running);
    int queued = 0;
    while (CURLMsg* m = curl_multi_info_read(multi, &queued)) {
      if (m->msg != CURLMSG_DONE) continue;
      Client& c = *by_easy.at(m->easy_handle);
      latency.add(Steady::now() - c.sent);
      ++answered;
      long code = 0, connects = 0;
      curl_easy_getinfo(c.easy, CURLINFO_RESPONSE_CODE, &code);
      curl_easy_getinfo(c.easy, CURLINFO_NUM_CONNECTS, &connects);
      new_connections += connects;
      if (m->data.result != CURLE_OK) {
        ++transport_errors;
        if (transport_errors == 1)
          std::fprintf(stderr, "first transport error: %s\n", curl_easy_strerror(m->data.result));
      } else {
        ++by_status[code];
      }
      curl_multi_remove_handle(multi, c.easy);
      if (o.rate > 0) {
        idle.push_back(&c);
      } else if (issued < o.requests) {
        send(c, Steady::now());
      }
    }
    if (o.rate > 0) {
      send_due();
      // Milliseconds are the poll's unit: a request may go out up to 1 ms after it was due, and
      // that wait counts in its latency.
      curl_multi_poll(multi, nullptr, 0, 1, nullptr);
    } else if (answered < issued) {
      curl_multi_poll(multi, nullptr, 0, 100, nullptr);
    }
  }
  const double seconds = std::chrono::duration<double>(Steady::now() - start).count();
  latency.finish();

  size_t other = transport_errors;
  for (const auto& [code, n] : by_status) {
    if (code != 201 && code != 503) other += n;
  }
  std::printf(
      "phase=sessions clients=%zu offered_per_second=%.0f requests=%zu seconds=%.3f per_second=%.0f "
      "status_201=%zu status_503=%zu other=%zu transport_errors=%zu new_connections=%ld ",
      o.clients, o.rate, answered, seconds, seconds > 0 ? static_cast<double>(answered) / seconds : 0, by_status[201],
      by_status[503], other, transport_errors, new_connections);
  latency.print(stdout);
  std::printf("\n");
  for (const auto& [code, n] : by_status) {
    if (code != 201 && code != 503) std::printf("status=%ld count=%zu\n", code, n);
  }

  for (Client& c : clients) curl_easy_cleanup(c.easy);
  curl_slist_free_all(headers);
  curl_multi_cleanup(multi);
  curl_global_cleanup();
  return other == 0 ? 0 : 1;
}

}  // namespace
}  // namespace corral::bench

int main(int argc, char** argv) {
  corral::bench::Options options;
  if (!corral::bench::parse(argc, argv, &options)) {
    corral::bench::usage();
    return 2;
  }
  return corral::bench::run(options);
}
