// A scratch plugin directory for the provider tests: a fresh /tmp/corral-<what>-XXXXXX (root())
// holding plugins/ (dir()), both 0755 as the loader demands, removed with everything in it when
// the object goes. install() copies a built plugin in, 0755.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <string>

namespace corral::manager::providers::test_support {

class PluginDir {
 public:
  explicit PluginDir(const std::string& what) {
    std::string tmpl = "/tmp/corral-" + what + "-XXXXXX";
    if (::mkdtemp(tmpl.data()) == nullptr) {
      ADD_FAILURE() << "mkdtemp " << tmpl;
      return;
    }
    root_ = tmpl;
    dir_ = root_ + "/plugins";
    std::filesystem::create_directory(dir_);
    ::chmod(root_.c_str(), 0755);
    ::chmod(dir_.c_str(), 0755);
  }
  ~PluginDir() {
    std::error_code ignored;
    if (!root_.empty()) std::filesystem::remove_all(root_, ignored);
  }
  PluginDir(const PluginDir&) = delete;
  PluginDir& operator=(const PluginDir&) = delete;

  const std::string& root() const { return root_; }
  const std::string& dir() const { return dir_; }
  std::string path(const std::string& name) const { return dir_ + "/" + name; }

  void install(const std::string& from, const std::string& name) const {
    std::filesystem::copy_file(from, path(name), std::filesystem::copy_options::overwrite_existing);
    ::chmod(path(name).c_str(), 0755);
  }

 private:
  std::string root_;
  std::string dir_;
};

}  // namespace corral::manager::providers::test_support
