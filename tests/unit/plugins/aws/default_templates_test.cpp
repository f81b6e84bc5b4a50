// The default startup-script templates parse, use only variables the manager offers (its own
// list, linked from manager/autoscaler), bootstrap from {agent_download_url}, and are what the schema
// publishes under $defs and docs/providers/aws.md prints.
#include "plugins/aws/default_templates.h"

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "corral/sdk/template.h"
#include "manager/autoscaler/startup_script.h"
#include "plugins/aws/aws_config.h"

namespace corral::aws {
namespace {

void expect_usable(const char* text) {
  std::vector<sdk::TemplateError> errors;
  sdk::Template t = sdk::Template::parse(text, &errors);
  for (const auto& e : errors) ADD_FAILURE() << e.message;
  // A server pool's: the templates are for session hosts.
  const auto& offered = autoscaler::template_variables(store::PoolType::server);
  for (const auto& e : t.validate(std::set<std::string>(offered.begin(), offered.end()))) ADD_FAILURE() << e.message;
  std::set<std::string> used(t.variables().begin(), t.variables().end());
  EXPECT_TRUE(used.count("agent_download_url"));
  EXPECT_TRUE(used.count("join_token"));
  EXPECT_TRUE(used.count("manager_url"));
}

TEST(DefaultTemplates, ParseAndUseOnlyTheManagersVariables) {
  expect_usable(kDefaultLinuxTemplate);
  expect_usable(kDefaultWindowsTemplate);
  EXPECT_EQ(std::string(kDefaultLinuxTemplate).rfind("#!/bin/bash\n", 0), 0u);
}

TEST(DefaultTemplates, PublishedInTheSchema) {
  auto schema = nlohmann::json::parse(config_schema());
  EXPECT_EQ(schema["$defs"]["default_linux_startup_script_template"]["default"], kDefaultLinuxTemplate);
  EXPECT_EQ(schema["$defs"]["default_windows_startup_script_template"]["default"], kDefaultWindowsTemplate);
}

TEST(DefaultTemplates, PrintedInTheDocsAsTheyAre) {
  std::ifstream in(CORRAL_AWS_DOC);
  ASSERT_TRUE(in) << CORRAL_AWS_DOC;
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_NE(text.str().find("```bash\n" + std::string(kDefaultLinuxTemplate) + "```"), std::string::npos);
  EXPECT_NE(text.str().find("```powershell\n" + std::string(kDefaultWindowsTemplate) + "```"), std::string::npos);
}

}  // namespace
}  // namespace corral::aws
