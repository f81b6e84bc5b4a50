// The Samba AD DC of tests/peers/samba_ad.sh as a gtest environment: started once for the whole
// test binary (provisioning takes seconds), stopped at the end. Tests reach it on 127.0.0.1.
#pragma once

#include <string>

#include "manager/directory/directory_config.h"

namespace corral::testing {

struct SambaAd {
  std::string dir;
  std::string ca_pem;        // signs the DC's certificate
  std::string other_ca_pem;  // does not
  std::string admin_password;
};

// The running DC; aborts the test binary if it could not be started.
const SambaAd& samba_ad();

// Administrator over LDAPS, verifying the DC against its CA.
manager::directory::DirectoryConfig samba_admin_config();

}  // namespace corral::testing
