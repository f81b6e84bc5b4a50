// A Hello and a CapacityReport with every field set, for round-trip tests of the agent BLOBs.
#pragma once

#include "corral/agent/v1/agent.pb.h"
#include "tests/unit/manager/store/store_fixture.h"

namespace corral::store::test_support {

inline corral::agent::v1::Hello full_hello() {
  corral::agent::v1::Hello h;
  h.set_agent_version("0.1.0");
  h.set_os_family(corral::agent::v1::OS_FAMILY_WINDOWS);
  h.set_os_version("Windows Server 2022");
  h.set_hostname("rdp-01");
  h.add_addresses("10.0.0.5");
  h.add_addresses("fe80::1");
  h.add_backends(corral::agent::v1::BACKEND_KIND_RDP_WINDOWS);
  (*h.mutable_labels())["rack"] = "r12";
  return h;
}

inline corral::agent::v1::CapacityReport full_capacity() {
  corral::agent::v1::CapacityReport c;
  c.set_generation(42);
  c.set_max_sessions(8);
  c.set_draining(true);
  c.set_cores_total_milli(16000);
  c.set_cores_free_milli(4000);
  c.set_memory_total_bytes(uint64_t{64} << 30);
  c.set_memory_free_bytes(uint64_t{10} << 30);
  c.set_gpus_total(2);
  c.set_gpus_free(1);
  auto* s = c.add_sessions();
  s->set_id("s1");
  s->set_user("alice");
  s->set_state(corral::agent::v1::SESSION_STATE_ACTIVE);
  s->mutable_started_at()->set_seconds(kNow - 30);
  return c;
}

}  // namespace corral::store::test_support
