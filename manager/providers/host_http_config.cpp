#include "manager/providers/host_http_config.h"

namespace corral::manager::providers {

HostHttpSettings host_http_settings(const corral::config::v1::PluginHttpConfig& c) {
  HostHttpSettings s;
  s.ca_bundle_file = c.ca_bundle_file();
  s.ca_bundle_only = c.ca_bundle_only();
  s.proxy_url = c.proxy_url();
  s.no_proxy = c.no_proxy();
  s.proxy_from_environment = c.proxy_from_environment();
  if (c.timeout_seconds() > 0) s.default_timeout = std::chrono::seconds(c.timeout_seconds());
  if (c.connect_timeout_seconds() > 0) s.connect_timeout = std::chrono::seconds(c.connect_timeout_seconds());
  if (c.max_attempts() > 0) s.max_attempts = c.max_attempts();
  if (c.max_response_bytes() > 0) s.max_response_bytes = static_cast<size_t>(c.max_response_bytes());
  return s;
}

Result<std::shared_ptr<const HostHttpClient>> make_host_http(const corral::config::v1::PluginHttpConfig& config) {
  auto client = HostHttpClient::create(host_http_settings(config));
  if (!client.ok()) return error(client.status().code(), "plugins.http: " + client.status().message());
  return std::shared_ptr<const HostHttpClient>(std::make_shared<HostHttpClient>(std::move(client).value()));
}

}  // namespace corral::manager::providers
