// govmomi's vCenter simulator (tests/peers/vcsim) as a child of the test: started on 127.0.0.1
// port 0, known once it prints its ready line (the URL, the certificate's SHA-256 fingerprint and
// the PEM file it wrote), stopped by closing its stdin and reaping its pid, killed if it lingers.
#pragma once

#include <sys/types.h>

#include <string>

namespace corral::vsphere::testing {

inline constexpr const char* kVcsimUser = "corral@vsphere.local";
inline constexpr const char* kVcsimPassword = "Corral-Test-1";

class VcsimPeer {
 public:
  // Throws std::runtime_error when the simulator does not start.
  VcsimPeer();
  ~VcsimPeer();
  VcsimPeer(const VcsimPeer&) = delete;
  VcsimPeer& operator=(const VcsimPeer&) = delete;

  const std::string& url() const { return url_; }                // https://127.0.0.1:PORT/sdk
  const std::string& thumbprint() const { return thumbprint_; }  // AB:CD:...
  const std::string& cert_pem() const { return cert_pem_; }

 private:
  void stop();

  pid_t pid_ = -1;
  int stdin_ = -1;
  std::string dir_;
  std::string url_;
  std::string thumbprint_;
  std::string cert_pem_;
};

}  // namespace corral::vsphere::testing
