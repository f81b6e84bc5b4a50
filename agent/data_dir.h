// The agent's data directory and the files in it, read at every start and written once by
// enrollment:
//   agent.key        ECDSA P-256 private key, PKCS#8 PEM, mode 0600 (written before the CSR is sent)
//   agent.crt        client certificate the manager's CA issued (its presence means "enrolled")
//   ca.crt           the manager's CA certificate(s), trusted for the agent listener
//   enrollment.json  EnrollmentState (proto/corral/agent/state/v1) in the protobuf JSON mapping
//   sessions.json    the managed session backend's table (agent/sessions/session_table_file.h)
#pragma once

#include <string>

#include "common/result.h"
#include "corral/agent/state/v1/enrollment_state.pb.h"

namespace corral::agent {

struct DataDir {
  explicit DataDir(std::string dir) : root(std::move(dir)) {}
  std::string key_path() const { return root + "/agent.key"; }
  std::string certificate_path() const { return root + "/agent.crt"; }
  std::string ca_path() const { return root + "/ca.crt"; }
  std::string state_path() const { return root + "/enrollment.json"; }
  std::string sessions_path() const { return root + "/sessions.json"; }

  std::string root;
};

// Everything an enrolled agent needs to connect.
struct Credentials {
  corral::agent::state::v1::EnrollmentState state;
  std::string certificate_pem;
  std::string private_key_pem;  // secret
  std::string ca_pem;
};

// agent.crt is written last at enrollment, so its presence means the rest is there too.
bool is_enrolled(const DataDir& dir);

// Creates the directory (mode 0700) if needed.
Status prepare_data_dir(const DataDir& dir);

Status save_private_key(const DataDir& dir, const std::string& private_key_pem);

// Writes ca.crt, enrollment.json and finally agent.crt.
Status save_enrollment(const DataDir& dir, const corral::agent::state::v1::EnrollmentState& state,
                       const std::string& certificate_pem, const std::string& ca_pem);

// Reads all four files; an error names the file that is missing or unreadable, or agent.key
// when group or others may read it (it must be 0600).
Result<Credentials> load_credentials(const DataDir& dir);

std::string encode_state(const corral::agent::state::v1::EnrollmentState& state);
// Unknown fields are ignored, so a state file written by a newer agent still loads.
Result<corral::agent::state::v1::EnrollmentState> decode_state(const std::string& json);

}  // namespace corral::agent
