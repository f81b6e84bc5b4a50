// corral-provider-conformance: runs the conformance kit against one plugin.
//
//   corral-provider-conformance --plugin PATH --config FILE --invalid-config FILE
//       --invalid-path POINTER [--script FILE] [--os linux|windows] [--zone ZONE]
//       [--ready-timeout SECONDS] [gtest flags...]
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "corral/sdk/testing/conformance.h"

namespace {

int usage(const std::string& why) {
  std::fprintf(stderr,
               "corral-provider-conformance: %s\n"
               "usage: corral-provider-conformance --plugin PATH --config FILE --invalid-config FILE\n"
               "         --invalid-path POINTER [--script FILE] [--os linux|windows] [--zone ZONE]\n"
               "         [--ready-timeout SECONDS] [gtest flags]\n",
               why.c_str());
  return 2;
}

bool read_file(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream s;
  s << in.rdbuf();
  *out = s.str();
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);  // removes the gtest flags
  corral::sdk::testing::ConformanceOptions o;
  for (int i = 1; i < argc; ++i) {
    std::string flag = argv[i];
    if (i + 1 >= argc) return usage("missing value for " + flag);
    std::string value = argv[++i];
    if (flag == "--plugin") {
      o.plugin_path = value;
    } else if (flag == "--config") {
      if (!read_file(value, &o.config_json)) return usage("cannot read " + value);
    } else if (flag == "--invalid-config") {
      if (!read_file(value, &o.invalid_config_json)) return usage("cannot read " + value);
    } else if (flag == "--invalid-path") {
      o.invalid_config_path = value;
    } else if (flag == "--script") {
      if (!read_file(value, &o.startup_script)) return usage("cannot read " + value);
    } else if (flag == "--os") {
      if (value == "linux") {
        o.os_type = corral::provider::v1::OS_TYPE_LINUX;
      } else if (value == "windows") {
        o.os_type = corral::provider::v1::OS_TYPE_WINDOWS;
      } else {
        return usage("--os must be linux or windows");
      }
    } else if (flag == "--zone") {
      o.zone = value;
    } else if (flag == "--ready-timeout") {
      o.ready_timeout = std::chrono::seconds(std::atoi(value.c_str()));
    } else {
      return usage("unknown flag " + flag);
    }
  }
  if (o.plugin_path.empty() || o.config_json.empty() || o.invalid_config_json.empty()) {
    return usage("--plugin, --config and --invalid-config are required");
  }
  try {
    corral::sdk::testing::register_conformance_tests(o);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "corral-provider-conformance: %s\n", e.what());
    return 1;
  }
  return RUN_ALL_TESTS();
}
